//! Raw text → words with byte offsets. Whitespace separates words (any Unicode whitespace: spaces,
//! tabs, newlines, no-break spaces); leading and trailing punctuation is split off each word, the
//! way CoNLL-2003 (the training data) tokenises ("Paris." → "Paris", "."; "U.S." stays one word).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// Byte offsets into the input; always on char boundaries.
    pub start: usize,
    pub end: usize,
}

fn is_punct(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace()
}

/// Split `text` into words with offsets.
pub fn split_words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut chunk_start = None;
    let push_chunk = |s: usize, e: usize, out: &mut Vec<Word>| {
        let chunk = &text[s..e];
        let chars: Vec<(usize, char)> = chunk.char_indices().collect();
        // Leading punctuation: one word per char.
        let mut i = 0;
        while i < chars.len() && is_punct(chars[i].1) {
            let (b, c) = chars[i];
            out.push(Word {
                text: c.to_string(),
                start: s + b,
                end: s + b + c.len_utf8(),
            });
            i += 1;
        }
        // Trailing punctuation, unless it is an abbreviation's final dot ("U.S.", "Inc." stays whole when
        // the word has an inner dot).
        let mut j = chars.len();
        let core_has_dot = chars[i..j].iter().any(|&(_, c)| c == '.');
        let mut trailing = Vec::new();
        while j > i && is_punct(chars[j - 1].1) {
            if chars[j - 1].1 == '.'
                && core_has_dot
                && j - 1 > i
                && chars[i..j - 1].iter().any(|&(_, c)| c == '.')
                && chars[j - 2].1.is_alphabetic()
            {
                break;
            }
            j -= 1;
            trailing.push(chars[j]);
        }
        if j > i {
            let b = s + chars[i].0;
            let e2 = if j < chars.len() { s + chars[j].0 } else { e };
            out.push(Word {
                text: text[b..e2].to_string(),
                start: b,
                end: e2,
            });
        }
        for &(b, c) in trailing.iter().rev() {
            out.push(Word {
                text: c.to_string(),
                start: s + b,
                end: s + b + c.len_utf8(),
            });
        }
    };
    for (b, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = chunk_start.take() {
                push_chunk(s, b, &mut out);
            }
        } else if chunk_start.is_none() {
            chunk_start = Some(b);
        }
    }
    if let Some(s) = chunk_start {
        push_chunk(s, text.len(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    fn texts(s: &str) -> Vec<String> {
        split_words(s).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn splits_like_conll() {
        assert_eq!(
            texts("Angela Merkel visited Paris."),
            ["Angela", "Merkel", "visited", "Paris", "."]
        );
        assert_eq!(
            texts("the U.S. and \"EU\", 1996-08-30"),
            ["the", "U.S.", "and", "\"", "EU", "\"", ",", "1996-08-30"]
        );
        assert_eq!(texts("  a\t\tb\nc\u{a0}d  "), ["a", "b", "c", "d"]);
        assert_eq!(texts("Zürich 🙂 東京"), ["Zürich", "🙂", "東京"]);
        assert!(texts("   ").is_empty());
    }

    #[test]
    fn offsets_point_back_into_the_text() {
        let t = "Hé said: «Zürich»!  🙂ok";
        for w in split_words(t) {
            assert!(t.is_char_boundary(w.start) && t.is_char_boundary(w.end));
            assert_eq!(&t[w.start..w.end], w.text);
        }
    }
}
