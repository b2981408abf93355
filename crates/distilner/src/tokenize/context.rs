//! Document context (FLERT, Schweter & Akbik 2020): a sentence is fed with the sub-tokens of its
//! document's neighbouring sentences on both sides, inside the same window. Context positions carry
//! no word id, so nothing is labelled, predicted or scored there; a sentence never sees another
//! document's text.
use super::{windows, Encoding, Window};
use std::ops::Range;

/// How windows are cut: length, overlap for long sentences, context per side (0 = none).
#[derive(Debug, Clone, Copy)]
pub struct WindowSpec {
    pub max_len: usize,
    pub stride: usize,
    pub context: usize,
    pub cls: i64,
    pub sep: i64,
}

/// The sub-tokens of an encoding without [CLS]/[SEP].
fn body(enc: &Encoding) -> impl Iterator<Item = i64> + '_ {
    enc.input_ids
        .iter()
        .zip(&enc.word_ids)
        .filter(|(_, w)| w.is_some())
        .map(|(&i, _)| i)
}

/// Windows for every sentence (`encs[i]` is sentence i), each sentence with up to `spec.context`
/// sub-tokens of context per side taken from the other sentences of its document in `docs`.
/// A sentence that needs more than one window gets no context (its windows already overlap).
pub fn document_windows(encs: &[Encoding], docs: &[Range<usize>], spec: WindowSpec) -> Vec<Window> {
    let cap = spec.max_len.saturating_sub(2).max(1);
    let mut out = Vec::with_capacity(encs.len());
    let mut doc_of = vec![None; encs.len()];
    for d in docs {
        for i in d.clone().filter(|&i| i < encs.len()) {
            doc_of[i] = Some(d.clone());
        }
    }
    for (i, enc) in encs.iter().enumerate() {
        let mut ws = windows(i, enc, spec.max_len, spec.stride, spec.cls, spec.sep);
        let (Some(doc), true) = (&doc_of[i], spec.context > 0 && ws.len() == 1) else {
            out.extend(ws);
            continue;
        };
        let own = ws[0].input_ids.len() - 2;
        let room = cap - own;
        // Nearest first: the tail of the sentences before, the head of those after.
        let before: Vec<i64> = encs[doc.start..i]
            .iter()
            .rev()
            .flat_map(|e| body(e).collect::<Vec<_>>().into_iter().rev())
            .take(spec.context.min(room))
            .collect();
        let after: Vec<i64> = encs[i + 1..doc.end]
            .iter()
            .flat_map(body)
            .take(spec.context.min(room))
            .collect();
        // Half the room each side; a side with less context leaves the rest to the other.
        let right = after.len().min(room - before.len().min(room / 2));
        let left = before.len().min(room - right);
        let w = &mut ws[0];
        let mut ids = vec![spec.cls];
        ids.extend(before[..left].iter().rev());
        ids.extend_from_slice(&w.input_ids[1..=own]);
        ids.extend_from_slice(&after[..right]);
        ids.push(spec.sep);
        let mut word_ids = vec![None; 1 + left];
        word_ids.extend_from_slice(&w.word_ids[1..=own]);
        word_ids.resize(ids.len(), None);
        w.input_ids = ids;
        w.word_ids = word_ids;
        w.own = 1 + left..1 + left + own;
        out.extend(ws);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Sentence s's words have ids 1000·(s+1) + word, one sub-token each.
    fn enc(s: usize, n: usize) -> Encoding {
        let mut input_ids = vec![101];
        let mut word_ids = vec![None];
        for w in 0..n {
            input_ids.push((1000 * (s + 1) + w) as i64);
            word_ids.push(Some(w));
        }
        input_ids.push(102);
        word_ids.push(None);
        Encoding {
            input_ids,
            word_ids,
        }
    }

    fn spec(max_len: usize, context: usize) -> WindowSpec {
        WindowSpec {
            max_len,
            stride: 2,
            context,
            cls: 101,
            sep: 102,
        }
    }

    #[test]
    fn context_surrounds_the_sentence_and_carries_no_word_ids() {
        let encs: Vec<Encoding> = (0..3).map(|s| enc(s, 3)).collect();
        let ws = document_windows(&encs, std::slice::from_ref(&(0..3)), spec(32, 2));
        assert_eq!(ws.len(), 3);
        assert_eq!(
            ws[1].input_ids,
            vec![101, 1001, 1002, 2000, 2001, 2002, 3000, 3001, 102]
        );
        assert_eq!(
            ws[1].word_ids,
            vec![
                None,
                None,
                None,
                Some(0),
                Some(1),
                Some(2),
                None,
                None,
                None
            ]
        );
        assert_eq!(ws[1].own, 3..6);
        // Without context, the plain windows.
        let plain = document_windows(&encs, std::slice::from_ref(&(0..3)), spec(32, 0));
        assert_eq!(plain[1].input_ids, encs[1].input_ids);
        assert_eq!(plain[1].own, 1..4);
    }

    #[test]
    fn one_side_short_leaves_room_to_the_other() {
        let encs: Vec<Encoding> = (0..2).map(|s| enc(s, 6)).collect();
        // Room for 4 context tokens beside a 6-token sentence: none after, so 4 before.
        let ws = document_windows(&encs, std::slice::from_ref(&(0..2)), spec(12, 8));
        assert_eq!(ws[1].input_ids.len(), 12);
        assert_eq!(&ws[1].input_ids[1..5], &[1002, 1003, 1004, 1005]);
    }

    proptest! {
        #[test]
        fn context_never_crosses_a_document(
            lens in prop::collection::vec(1usize..8, 1..10),
            cut in 0usize..10,
            context in 0usize..12,
            max_len in 6usize..24,
        ) {
            let encs: Vec<Encoding> = lens.iter().enumerate().map(|(s, &n)| enc(s, n)).collect();
            let cut = cut.min(encs.len());
            let docs: Vec<Range<usize>> = [0..cut, cut..encs.len()].into_iter().filter(|r| !r.is_empty()).collect();
            let ws = document_windows(&encs, &docs, spec(max_len, context));
            for w in &ws {
                prop_assert!(w.input_ids.len() <= max_len.max(3));
                let doc = docs.iter().find(|d| d.contains(&w.sentence)).unwrap();
                for (&id, wid) in w.input_ids.iter().zip(&w.word_ids) {
                    if id == 101 || id == 102 { continue; }
                    let from = (id as usize) / 1000 - 1;
                    prop_assert!(doc.contains(&from), "sentence {} sees sentence {}", w.sentence, from);
                    // Only the sentence's own tokens carry word ids.
                    prop_assert_eq!(wid.is_some(), from == w.sentence);
                }
                // `own` is exactly the positions that carry word ids.
                for (pos, wid) in w.word_ids.iter().enumerate() {
                    prop_assert_eq!(wid.is_some(), w.own.contains(&pos));
                }
            }
            // Every word of every sentence is still covered.
            for (s, &n) in lens.iter().enumerate() {
                let mut seen = vec![false; n];
                for w in ws.iter().filter(|w| w.sentence == s) {
                    for k in w.word_ids.iter().flatten() { seen[*k] = true; }
                }
                prop_assert!(seen.iter().all(|&x| x));
            }
        }
    }
}
