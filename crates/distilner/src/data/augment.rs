//! Mention replacement (Dai & Adel 2020): more labelled training sentences made from the training
//! split itself. Each sentence with entities is copied with every mention swapped for a random
//! mention of the same type from the split; the new tags follow from the spans, so the copies keep
//! gold labels, in the split's own tag scheme, and learn like any training sentence (gold CE, and in
//! `distill` KD on the teacher's logits, which are cached over them too).
use super::chunks::chunks_default;
use super::{Corpus, Loaded, Scheme, Sentence, SplitSummary};
use rand::seq::IndexedRandom;
use rand::SeedableRng;
use std::collections::BTreeMap;

/// The copies of one split: sentences and where their documents start (one new document per
/// original document that has entities, so document context stays inside a document).
pub struct Replaced {
    pub sentences: Vec<Sentence>,
    pub doc_starts: Vec<usize>,
    /// Mentions in the pool, per type.
    pub pool: BTreeMap<String, usize>,
}

/// Tags for `n` words with mention spans `(start, end, type)` (sorted, disjoint) in `scheme`; IOB2
/// for a split without a clear scheme (training reads every scheme as IOB2 anyway).
pub fn tags_for(n: usize, spans: &[(usize, usize, &str)], scheme: Scheme) -> Vec<String> {
    let mut tags = vec!["O".to_string(); n];
    let mut prev: Option<(usize, &str)> = None;
    for &(s, e, ty) in spans {
        for (i, t) in tags[s..e].iter_mut().enumerate() {
            let first = i == 0;
            let last = s + i + 1 == e;
            let p = match scheme {
                // IOB1: B- only where a mention directly follows one of its own type.
                Scheme::Iob1 if first && prev == Some((s, ty)) => "B",
                Scheme::Iob1 => "I",
                Scheme::Iobes if first && last => "S",
                Scheme::Iobes if last => "E",
                _ if first => "B",
                _ => "I",
            };
            *t = format!("{p}-{ty}");
        }
        prev = Some((e, ty));
    }
    tags
}

/// `copies` rounds over `c`'s sentences with entities, each mention swapped for one drawn (seeded)
/// from all of `c`'s mentions of its type. Mentions are read as conlleval reads them.
pub fn replace_mentions(c: &Corpus, copies: usize, seed: u64) -> Replaced {
    let scheme = super::detect(c.sentences.iter().map(|s| s.tags.as_slice()));
    let spans: Vec<Vec<(usize, usize, String)>> = c
        .sentences
        .iter()
        .map(|s| {
            chunks_default(&s.tags)
                .into_iter()
                .map(|e| (e.start, e.end, e.ty))
                .collect()
        })
        .collect();
    let mut pool: BTreeMap<&str, Vec<&[String]>> = BTreeMap::new();
    for (s, sp) in c.sentences.iter().zip(&spans) {
        for (a, b, ty) in sp {
            pool.entry(ty.as_str()).or_default().push(&s.words[*a..*b]);
        }
    }
    // Its own stream: the epoch order's RNG (seeded from the same seed) is not disturbed.
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x6d65_6e74_696f_6e73);
    let (mut sentences, mut doc_starts) = (Vec::new(), Vec::new());
    for _ in 0..copies {
        for doc in c.documents() {
            let mut started = false;
            for i in doc.filter(|&i| !spans[i].is_empty()) {
                let s = &c.sentences[i];
                let (mut words, mut new, mut last) = (Vec::new(), Vec::new(), 0);
                for (a, b, ty) in &spans[i] {
                    words.extend_from_slice(&s.words[last..*a]);
                    let m = pool[ty.as_str()]
                        .choose(&mut rng)
                        .expect("the mention itself");
                    new.push((words.len(), words.len() + m.len(), ty.as_str()));
                    words.extend_from_slice(m);
                    last = *b;
                }
                words.extend_from_slice(&s.words[last..]);
                if !started {
                    doc_starts.push(sentences.len());
                    started = true;
                }
                let tags = tags_for(words.len(), &new, scheme);
                sentences.push(Sentence { words, tags });
            }
        }
    }
    Replaced {
        sentences,
        doc_starts,
        pool: pool
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.len()))
            .collect(),
    }
}

impl Loaded {
    /// Append `copies` rounds of mention replacement to the training split (nothing when 0), with
    /// a row of their own in the data summary (metrics.json and the card's data table).
    pub fn with_mention_replacement(mut self, copies: usize, seed: u64) -> Loaded {
        if copies == 0 {
            return self;
        }
        let r = replace_mentions(&self.train, copies, seed);
        let base = self.train.sentences.len();
        let pool: Vec<String> = r.pool.iter().map(|(k, v)| format!("{k} {v}")).collect();
        eprintln!(
            "[data] mention replacement: {} new training sentences ({copies} cop{} of the {} with entities, seed {seed}; mentions {})",
            r.sentences.len(),
            if copies == 1 { "y" } else { "ies" },
            r.sentences.len() / copies,
            pool.join(", ")
        );
        let mut source = self.train.source.clone();
        source.format = format!(
            "mention replacement ×{copies} of the training split, seed {seed} (Dai & Adel 2020)"
        );
        let tokens = r.sentences.iter().map(|s| s.words.len()).sum();
        let at = self
            .summary
            .iter()
            .position(|d| d.role == "train")
            .map_or(0, |i| i + 1);
        self.summary.insert(
            at,
            SplitSummary {
                role: "train (added)".into(),
                source,
                sentences: r.sentences.len(),
                tokens,
                sentences_in_file: r.sentences.len(),
            },
        );
        let t = &mut self.train;
        t.doc_starts.extend(r.doc_starts.iter().map(|d| d + base));
        t.sentences.extend(r.sentences);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{parse_conll, Source};

    fn corpus(text: &str) -> Corpus {
        let mut c = parse_conll(text.as_bytes(), "t.conll").unwrap();
        c.source = Source::file("t.conll", "conll");
        c
    }

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn tags_follow_the_scheme() {
        let spans = [(0, 2, "PER"), (2, 3, "PER"), (4, 5, "LOC")];
        assert_eq!(
            tags_for(5, &spans, Scheme::Iob1),
            v("I-PER I-PER B-PER O I-LOC")
        );
        assert_eq!(
            tags_for(5, &spans, Scheme::Iob2),
            v("B-PER I-PER B-PER O B-LOC")
        );
        assert_eq!(
            tags_for(5, &spans, Scheme::Iobes),
            v("B-PER E-PER S-PER O S-LOC")
        );
    }

    const TEXT: &str = "-DOCSTART- -X- -X- O\n\nJohn I-PER\nSmith I-PER\nvisited O\nParis I-LOC\n\nNothing O\nhere O\n\n-DOCSTART- -X- -X- O\n\nAnn I-PER\nand O\nBob I-PER\nLee B-PER\nfirm O\nin O\nNew I-LOC\nYork I-LOC\n\n";

    #[test]
    fn copies_keep_every_mention_type_and_the_scheme() {
        let c = corpus(TEXT);
        let r = replace_mentions(&c, 3, 7);
        // Two sentences with entities, three copies; one new document per original with entities.
        assert_eq!(r.sentences.len(), 6);
        assert_eq!(r.doc_starts, vec![0, 1, 2, 3, 4, 5]);
        let words: std::collections::HashSet<&str> = c
            .sentences
            .iter()
            .flat_map(|s| s.words.iter().map(|w| w.as_str()))
            .collect();
        for (k, s) in r.sentences.iter().enumerate() {
            let orig = &c.sentences[if k % 2 == 0 { 0 } else { 2 }];
            let types = |t: &[String]| -> Vec<String> {
                chunks_default(t).into_iter().map(|e| e.ty).collect()
            };
            assert_eq!(types(&s.tags), types(&orig.tags), "{s:?}");
            assert_eq!(s.words.len(), s.tags.len());
            assert!(s.words.iter().all(|w| words.contains(w.as_str())));
            // Words outside mentions are the original's, in order.
            let outside = |x: &Sentence| -> Vec<String> {
                x.words
                    .iter()
                    .zip(&x.tags)
                    .filter(|(_, t)| *t == "O")
                    .map(|(w, _)| w.clone())
                    .collect()
            };
            assert_eq!(outside(s), outside(orig));
        }
        assert_eq!(
            crate::data::detect(r.sentences.iter().map(|s| s.tags.as_slice())),
            Scheme::Iob1
        );
        let pool: Vec<(&str, usize)> = r.pool.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(pool, vec![("LOC", 2), ("PER", 4)]);
    }

    #[test]
    fn the_seed_decides_and_the_summary_says_so() {
        let c = corpus(TEXT);
        let words = |seed| -> Vec<Vec<String>> {
            replace_mentions(&c, 4, seed)
                .sentences
                .into_iter()
                .map(|s| s.words)
                .collect()
        };
        assert_eq!(words(1), words(1));
        assert_ne!(words(1), words(2));
        let loaded = Loaded {
            train: c.clone(),
            dev: c.clone(),
            test: None,
            summary: Vec::new(),
        };
        let a = loaded.with_mention_replacement(2, 5);
        assert_eq!(a.train.sentences.len(), 3 + 4);
        assert_eq!(&a.train.sentences[..3], &c.sentences[..]);
        assert_eq!(a.train.documents().len(), 2 + 4);
        assert_eq!(a.summary[0].sentences, 4);
        assert!(a.summary[0].source.format.contains("seed 5"));
    }
}
