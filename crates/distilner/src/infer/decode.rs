//! From label scores to labels: per-item argmax, or a Viterbi pass that only walks transitions the
//! tag scheme allows (no `I-X` after `O` or after another type; with IOBES, no `B-X`/`I-X` left open
//! and no `E-X` without a start). Constraints come from the label *names*, so they hold whatever
//! order the model numbers its labels in.
use crate::data::LabelSet;
use serde::{Deserialize, Serialize};

/// How scores become labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Decoding {
    /// The highest-scoring label of each word (or sub-token) on its own.
    #[default]
    Argmax,
    /// The highest-scoring label sequence among those the tag scheme allows.
    Viterbi,
}

impl Decoding {
    pub fn name(self) -> &'static str {
        match self {
            Decoding::Argmax => "argmax",
            Decoding::Viterbi => "viterbi",
        }
    }

    /// `argmax` or `viterbi`, any case.
    pub fn parse(s: &str) -> Option<Decoding> {
        match s.to_ascii_lowercase().as_str() {
            "argmax" => Some(Decoding::Argmax),
            "viterbi" => Some(Decoding::Viterbi),
            _ => None,
        }
    }
}

/// Which labels may start and end a sequence and which may follow which (`follow[prev][next]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transitions {
    pub start: Vec<bool>,
    pub end: Vec<bool>,
    pub follow: Vec<Vec<bool>>,
}

/// A label's prefix and type: `("B", "PER")`; `O` and unprefixed labels give `None`.
fn parts(label: &str) -> Option<(&str, &str)> {
    label
        .split_once('-')
        .filter(|(p, t)| matches!(*p, "B" | "I" | "E" | "S") && !t.is_empty())
}

impl Transitions {
    /// No constraint at all: Viterbi then equals argmax.
    pub fn free(n: usize) -> Self {
        Transitions {
            start: vec![true; n],
            end: vec![true; n],
            follow: vec![vec![true; n]; n],
        }
    }

    /// The transitions IOB2 (and IOBES, when an `E-`/`S-` label exists) allow between `labels`.
    pub fn for_labels(labels: &LabelSet) -> Self {
        let names = labels.names();
        let iobes = names
            .iter()
            .any(|l| matches!(parts(l), Some(("E" | "S", _))));
        // Inside an entity of type t after this label?
        fn opens(l: &str) -> Option<&str> {
            match parts(l) {
                Some(("B" | "I", t)) => Some(t),
                _ => None,
            }
        }
        // Continues an open entity of type t?
        let continues = |l: &'_ str| -> Option<String> {
            match parts(l) {
                Some(("I", t)) => Some(t.to_string()),
                Some(("E", t)) if iobes => Some(t.to_string()),
                _ => None,
            }
        };
        let n = names.len();
        let mut tr = Transitions::free(n);
        for (j, next) in names.iter().enumerate() {
            tr.start[j] = continues(next).is_none();
            // IOBES closes every entity with E- or S-; IOB2 may end anywhere.
            tr.end[j] = !iobes || opens(next).is_none();
            for (i, prev) in names.iter().enumerate() {
                tr.follow[i][j] = match (opens(prev), continues(next)) {
                    (Some(a), Some(b)) => a == b.as_str(),
                    (None, Some(_)) => false,
                    (Some(_), None) => !iobes,
                    (None, None) => true,
                };
            }
        }
        tr
    }

    pub fn allows(&self, path: &[usize]) -> bool {
        match (path.first(), path.last()) {
            (Some(&a), Some(&z)) => {
                self.start[a] && self.end[z] && path.windows(2).all(|w| self.follow[w[0]][w[1]])
            }
            _ => true,
        }
    }
}

/// Index of the largest score (the first on ties, as torch's argmax).
pub fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold(0, |b, (i, &x)| if x > v[b] { i } else { b })
}

/// The allowed label sequence with the largest sum of log scores, `scores[k]` being item k's
/// probabilities. Falls back to argmax when no allowed sequence exists (labels with no `O`).
pub fn viterbi(scores: &[Vec<f32>], tr: &Transitions) -> Vec<usize> {
    let Some(first) = scores.first() else {
        return Vec::new();
    };
    let n = first.len();
    let ln = |p: f32| (p.max(1e-30) as f64).ln();
    let mut best: Vec<f64> = (0..n)
        .map(|j| {
            if tr.start[j] {
                ln(first[j])
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let mut back: Vec<Vec<usize>> = Vec::with_capacity(scores.len());
    for s in &scores[1..] {
        let mut next = vec![f64::NEG_INFINITY; n];
        let mut from = vec![0; n];
        for j in 0..n {
            for (i, &b) in best.iter().enumerate() {
                if tr.follow[i][j] && b > next[j] {
                    next[j] = b;
                    from[j] = i;
                }
            }
            next[j] += ln(s[j]);
        }
        back.push(from);
        best = next;
    }
    let last = (0..n)
        .filter(|&j| tr.end[j] && best[j].is_finite())
        .max_by(|&a, &b| best[a].total_cmp(&best[b]).then(b.cmp(&a)));
    let Some(mut j) = last else {
        return scores.iter().map(|s| argmax(s)).collect();
    };
    let mut path = vec![j; scores.len()];
    for (k, from) in back.iter().enumerate().rev() {
        j = from[j];
        path[k] = j;
    }
    path
}

/// Labels for one sequence of score vectors.
pub fn decode(scores: &[Vec<f32>], decoding: Decoding, tr: &Transitions) -> Vec<usize> {
    match decoding {
        Decoding::Argmax => scores.iter().map(|s| argmax(s)).collect(),
        Decoding::Viterbi => viterbi(scores, tr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iob2() -> LabelSet {
        LabelSet::new(
            ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
                .map(String::from)
                .to_vec(),
        )
    }

    #[test]
    fn iob2_forbids_i_after_o_and_after_another_type() {
        let l = iob2();
        let tr = Transitions::for_labels(&l);
        let id = |s| l.id(s).unwrap();
        assert!(!tr.start[id("I-PER")] && tr.start[id("B-PER")]);
        assert!(!tr.follow[id("O")][id("I-PER")]);
        assert!(!tr.follow[id("B-LOC")][id("I-PER")]);
        assert!(tr.follow[id("B-PER")][id("I-PER")] && tr.follow[id("I-PER")][id("I-PER")]);
        assert!(tr.follow[id("I-PER")][id("B-PER")] && tr.follow[id("I-PER")][id("O")]);
        assert!(tr.end.iter().all(|&e| e));
    }

    #[test]
    fn the_rules_follow_names_not_positions() {
        // dslim's order: O, B-MISC, I-MISC, B-PER, I-PER, ...
        let l = LabelSet::new(["I-PER", "O", "B-PER"].map(String::from).to_vec());
        let tr = Transitions::for_labels(&l);
        assert_eq!(tr.start, vec![false, true, true]);
        assert!(!tr.follow[1][0] && tr.follow[2][0]);
    }

    #[test]
    fn iobes_closes_entities() {
        let l = LabelSet::from_tags(&["S-PER".to_string()]);
        let tr = Transitions::for_labels(&l);
        let id = |s| l.id(s).unwrap();
        assert!(!tr.end[id("B-PER")] && tr.end[id("E-PER")] && tr.end[id("S-PER")]);
        assert!(!tr.follow[id("B-PER")][id("O")] && tr.follow[id("B-PER")][id("E-PER")]);
        assert!(!tr.follow[id("O")][id("E-PER")] && tr.follow[id("E-PER")][id("S-PER")]);
    }

    #[test]
    fn viterbi_repairs_an_i_after_o() {
        let l = iob2();
        let tr = Transitions::for_labels(&l);
        // "Peter" O-ish but close, "Smith" clearly I-PER: argmax gives O I-PER.
        let s = vec![
            vec![0.5, 0.45, 0.02, 0.02, 0.01],
            vec![0.1, 0.05, 0.8, 0.02, 0.03],
        ];
        assert_eq!(decode(&s, Decoding::Argmax, &tr), vec![0, 2]);
        assert_eq!(decode(&s, Decoding::Viterbi, &tr), vec![1, 2]);
    }

    fn scores(n: usize) -> impl Strategy<Value = Vec<Vec<f32>>> {
        prop::collection::vec(prop::collection::vec(0.0f32..1.0, n), 0..12)
    }

    proptest! {
        #[test]
        fn viterbi_never_outputs_a_forbidden_transition(s in scores(5)) {
            let tr = Transitions::for_labels(&iob2());
            let path = viterbi(&s, &tr);
            prop_assert_eq!(path.len(), s.len());
            prop_assert!(tr.allows(&path), "{:?}", path);
        }

        #[test]
        fn iobes_paths_are_well_formed(s in scores(9)) {
            let l = LabelSet::from_tags(&["S-PER".to_string(), "S-LOC".to_string()]);
            let tr = Transitions::for_labels(&l);
            prop_assert!(tr.allows(&viterbi(&s, &tr)));
        }

        #[test]
        fn viterbi_without_constraints_is_argmax(s in scores(5)) {
            let free = Transitions::free(5);
            prop_assert_eq!(viterbi(&s, &free), decode(&s, Decoding::Argmax, &free));
        }
    }
}
