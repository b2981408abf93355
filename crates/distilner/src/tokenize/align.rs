//! Word ↔ sub-token alignment: label alignment for training, windows for sentences longer than the
//! model's maximum length, and the merge of per-window predictions back to one per word.
use super::Encoding;

/// One model input: a slice of a sentence's sub-tokens wrapped in [CLS] ... [SEP].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub sentence: usize,
    /// Index of the window's first sub-token among the sentence's sub-tokens ([CLS]/[SEP] excluded).
    pub start: usize,
    pub input_ids: Vec<i64>,
    /// Word index in the sentence (not the window) for each position; None for [CLS]/[SEP].
    pub word_ids: Vec<Option<usize>>,
    /// Positions of the sentence's own sub-tokens (between [CLS] and [SEP], or between the
    /// document context on either side).
    pub own: std::ops::Range<usize>,
}

/// Split an encoding into windows of at most `max_len` positions (including [CLS]/[SEP]). Windows
/// start on word boundaries where possible and overlap by about `stride` sub-tokens so every word is
/// seen with context on both sides by some window. A sentence that fits gives one window.
pub fn windows(
    sentence: usize,
    enc: &Encoding,
    max_len: usize,
    stride: usize,
    cls: i64,
    sep: i64,
) -> Vec<Window> {
    let body: Vec<(i64, Option<usize>)> = enc
        .input_ids
        .iter()
        .zip(&enc.word_ids)
        .filter(|(_, w)| w.is_some())
        .map(|(&i, &w)| (i, w))
        .collect();
    let cap = max_len.saturating_sub(2).max(1);
    let make = |s: usize, e: usize| {
        let mut input_ids = vec![cls];
        let mut word_ids = vec![None];
        for &(i, w) in &body[s..e] {
            input_ids.push(i);
            word_ids.push(w);
        }
        input_ids.push(sep);
        word_ids.push(None);
        Window {
            sentence,
            start: s,
            own: 1..input_ids.len() - 1,
            input_ids,
            word_ids,
        }
    };
    if body.len() <= cap {
        return vec![make(0, body.len())];
    }
    let stride = stride.min(cap / 2);
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + cap).min(body.len());
        out.push(make(start, end));
        if end == body.len() {
            break;
        }
        // Next window begins `stride` tokens before this one's end, moved back to a word start.
        let mut next = end - stride;
        while next > start + 1 && body[next].1 == body[next - 1].1 {
            next -= 1;
        }
        start = if next > start { next } else { end };
    }
    out
}

/// Labels per position: the word's label on its first sub-token, -100 elsewhere (or on every
/// sub-token with `all_subtokens`). A window that starts mid-word labels nothing for that word.
pub fn label_ids(w: &Window, word_labels: &[i64], all_subtokens: bool) -> Vec<i64> {
    let mut prev = None;
    w.word_ids
        .iter()
        .enumerate()
        .map(|(pos, wid)| {
            let l = match wid {
                None => -100,
                Some(k) if Some(*k) != prev && (pos > 1 || first_of_word(w, pos)) => {
                    word_labels[*k]
                }
                Some(k) if all_subtokens => word_labels[*k],
                _ => -100,
            };
            prev = *wid;
            l
        })
        .collect()
}

/// Whether position 1 of a window starts its word (i.e. the window did not cut into it).
fn first_of_word(w: &Window, pos: usize) -> bool {
    pos != 1 || w.word_ids.get(1).copied().flatten().is_some()
}

/// For each word of a sentence with `n_words` words, pick a prediction from the windows: the one whose
/// first sub-token of that word is farthest from a window edge. `preds[k][pos]` is window k's
/// prediction at position pos. Words with no sub-tokens at all get `fallback`.
pub fn merge_word_predictions<T: Clone>(
    n_words: usize,
    wins: &[&Window],
    preds: &[Vec<T>],
    fallback: T,
) -> Vec<T> {
    let mut best: Vec<Option<(usize, T)>> = vec![None; n_words];
    for (w, p) in wins.iter().zip(preds) {
        let len = w.word_ids.len();
        let mut prev = None;
        for (pos, wid) in w.word_ids.iter().enumerate() {
            if let Some(k) = *wid {
                if Some(k) != prev {
                    let margin = pos.min(len - 1 - pos);
                    if best[k].as_ref().is_none_or(|(m, _)| margin > *m) {
                        best[k] = Some((margin, p[pos].clone()));
                    }
                }
            }
            prev = *wid;
        }
    }
    best.into_iter()
        .map(|b| b.map(|(_, t)| t).unwrap_or_else(|| fallback.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(word_of_token: &[usize]) -> Encoding {
        let mut input_ids = vec![101];
        let mut word_ids = vec![None];
        for (i, &w) in word_of_token.iter().enumerate() {
            input_ids.push(1000 + i as i64);
            word_ids.push(Some(w));
        }
        input_ids.push(102);
        word_ids.push(None);
        Encoding {
            input_ids,
            word_ids,
        }
    }

    #[test]
    fn short_sentence_is_one_window() {
        let e = enc(&[0, 1, 1, 2]);
        let w = windows(0, &e, 16, 4, 101, 102);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].input_ids, e.input_ids);
        assert_eq!(
            label_ids(&w[0], &[5, 6, 7], false),
            vec![-100, 5, 6, -100, 7, -100]
        );
        assert_eq!(
            label_ids(&w[0], &[5, 6, 7], true),
            vec![-100, 5, 6, 6, 7, -100]
        );
    }

    #[test]
    fn long_sentence_windows_cover_every_word() {
        // 40 words, every third one split into two sub-tokens.
        let toks: Vec<usize> = (0..40)
            .flat_map(|w| if w % 3 == 0 { vec![w, w] } else { vec![w] })
            .collect();
        let e = enc(&toks);
        let ws = windows(7, &e, 12, 4, 101, 102);
        assert!(ws.len() > 3);
        for w in &ws {
            assert!(w.input_ids.len() <= 12);
            assert_eq!((w.input_ids[0], *w.input_ids.last().unwrap()), (101, 102));
        }
        let preds: Vec<Vec<Option<usize>>> = ws.iter().map(|w| w.word_ids.clone()).collect();
        let refs: Vec<&Window> = ws.iter().collect();
        let merged = merge_word_predictions(40, &refs, &preds, None);
        assert_eq!(merged, (0..40).map(Some).collect::<Vec<_>>());
    }

    #[test]
    fn words_without_tokens_get_fallback() {
        let e = enc(&[0, 2]);
        let ws = windows(0, &e, 8, 2, 101, 102);
        let preds = vec![vec![9, 1, 3, 9]];
        let merged = merge_word_predictions(3, &ws.iter().collect::<Vec<_>>(), &preds, 0);
        assert_eq!(merged, vec![1, 0, 3]);
    }
}
