//! Micro and per-type precision/recall/F1 and token accuracy, as seqeval 1.2.2 computes them.
use crate::data::chunks::{chunks_default, chunks_strict_iob2, Entity};
use std::collections::{BTreeMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// seqeval default mode = conlleval.pl.
    #[default]
    Default,
    /// seqeval `mode="strict", scheme=IOB2`.
    Strict,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold entities of this type.
    pub support: usize,
    /// Predicted entities of this type (conlleval's last column).
    #[serde(default)]
    pub found: usize,
    /// Predicted entities of this type that match a gold one exactly.
    #[serde(default)]
    pub correct: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub accuracy: f64,
    pub per_type: BTreeMap<String, Prf>,
    pub tokens: usize,
    pub gold_entities: usize,
    pub found_entities: usize,
    pub correct_entities: usize,
    pub correct_tokens: usize,
}

fn div(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

fn f1(p: f64, r: f64) -> f64 {
    div(2.0 * p * r, p + r)
}

#[derive(Debug, thiserror::Error)]
#[error("sentence {sentence}: gold has {gold} tags but the prediction has {pred}")]
pub struct LengthMismatch {
    pub sentence: usize,
    pub gold: usize,
    pub pred: usize,
}

/// Score predicted tag sequences against gold ones (one inner list per sentence).
pub fn score<S: AsRef<str>>(
    gold: &[Vec<S>],
    pred: &[Vec<S>],
    mode: Mode,
) -> Result<Report, LengthMismatch> {
    if gold.len() != pred.len() {
        return Err(LengthMismatch {
            sentence: gold.len().min(pred.len()),
            gold: gold.len(),
            pred: pred.len(),
        });
    }
    let chunk = |t: &[S]| match mode {
        Mode::Default => chunks_default(t),
        Mode::Strict => chunks_strict_iob2(t),
    };
    let (mut tokens, mut correct_tokens) = (0, 0);
    let mut g_set: HashSet<(usize, Entity)> = HashSet::new();
    let mut p_set: HashSet<(usize, Entity)> = HashSet::new();
    for (i, (g, p)) in gold.iter().zip(pred).enumerate() {
        if g.len() != p.len() {
            return Err(LengthMismatch {
                sentence: i,
                gold: g.len(),
                pred: p.len(),
            });
        }
        tokens += g.len();
        correct_tokens += g
            .iter()
            .zip(p)
            .filter(|(a, b)| a.as_ref() == b.as_ref())
            .count();
        g_set.extend(chunk(g).into_iter().map(|e| (i, e)));
        p_set.extend(chunk(p).into_iter().map(|e| (i, e)));
    }
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new(); // gold, found, correct
    for (_, e) in &g_set {
        counts.entry(e.ty.clone()).or_default()[0] += 1;
    }
    for x in &p_set {
        let c = counts.entry(x.1.ty.clone()).or_default();
        c[1] += 1;
        if g_set.contains(x) {
            c[2] += 1;
        }
    }
    let per_type = counts
        .iter()
        .map(|(ty, &[g, f, c])| {
            let (p, r) = (div(c as f64, f as f64), div(c as f64, g as f64));
            (
                ty.clone(),
                Prf {
                    precision: p,
                    recall: r,
                    f1: f1(p, r),
                    support: g,
                    found: f,
                    correct: c,
                },
            )
        })
        .collect();
    let correct = counts.values().map(|c| c[2]).sum::<usize>();
    let (p, r) = (
        div(correct as f64, p_set.len() as f64),
        div(correct as f64, g_set.len() as f64),
    );
    Ok(Report {
        precision: p,
        recall: r,
        f1: f1(p, r),
        accuracy: div(correct_tokens as f64, tokens as f64),
        per_type,
        tokens,
        gold_entities: g_set.len(),
        found_entities: p_set.len(),
        correct_entities: correct,
        correct_tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_empty() {
        let g = vec![vec!["B-PER", "I-PER", "O"]];
        let r = score(&g, &g, Mode::Default).unwrap();
        assert_eq!(
            (r.precision, r.recall, r.f1, r.accuracy),
            (1.0, 1.0, 1.0, 1.0)
        );
        let p = vec![vec!["O", "O", "O"]];
        let r = score(&g, &p, Mode::Default).unwrap();
        assert_eq!((r.precision, r.recall, r.f1), (0.0, 0.0, 0.0));
        assert!((r.accuracy - 1.0 / 3.0).abs() < 1e-12);
        assert!(score(&g, &[vec!["O"]], Mode::Default).is_err());
    }
}
