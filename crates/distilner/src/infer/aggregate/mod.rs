//! Aggregation strategies with the HF token-classification pipeline's semantics. `none` reports each
//! sub-token; `simple` groups sub-tokens; `first`/`average`/`max` first decide one label per word
//! (each in its own file, behind `WordScorer`), then group words. `O` groups are dropped.
mod average;
mod first;
mod max;

use super::decode::{decode, Decoding, Transitions};
use super::pipeline::Token;
use crate::data::LabelSet;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    None,
    Simple,
    First,
    Average,
    Max,
}

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Strategy::None),
            "simple" => Ok(Strategy::Simple),
            "first" => Ok(Strategy::First),
            "average" => Ok(Strategy::Average),
            "max" => Ok(Strategy::Max),
            _ => Err(format!(
                "unknown aggregation_strategy {s:?}; use none, simple, first, average or max"
            )),
        }
    }
}

/// Chooses one probability vector (and so one label) for a word from its sub-tokens.
pub trait WordScorer {
    fn word_scores(&self, tokens: &[&Token]) -> Vec<f32>;
}

/// A labelled span before grouping.
struct Piece {
    label: String,
    score: f32,
    tokens: Vec<String>,
    start: usize,
    end: usize,
}

/// WordPiece tokens back to text: HF's `convert_tokens_to_string`, which is the fast tokenizer's
/// WordPiece decoder (`##` pieces joined, then its clean-up: "Co ." → "Co.", "Merkel ' s" → "Merkel's").
fn join_tokens(tokens: &[String]) -> String {
    use tokenizers::tokenizer::Decoder;
    let d = tokenizers::decoders::wordpiece::WordPiece::default();
    d.decode(tokens.to_vec())
        .unwrap_or_else(|_| tokens.join(" ").replace(" ##", ""))
}

fn split_tag(label: &str) -> (&str, &str) {
    if let Some(t) = label.strip_prefix("B-") {
        ("B", t)
    } else if let Some(t) = label.strip_prefix("I-") {
        ("I", t)
    } else {
        ("I", label)
    }
}

/// HF `group_entities`: a piece continues the group when its type matches and it is not `B-`.
fn group(pieces: Vec<Piece>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cur: Vec<Piece> = Vec::new();
    let flush = |cur: &mut Vec<Piece>, out: &mut Vec<Value>| {
        if cur.is_empty() {
            return;
        }
        let ty = split_tag(&cur[0].label).1.to_string();
        let tokens: Vec<String> = cur.iter().flat_map(|p| p.tokens.clone()).collect();
        let score = cur.iter().map(|p| p.score as f64).sum::<f64>() / cur.len() as f64;
        if ty != "O" {
            out.push(
                json!({"entity_group": ty, "score": score, "word": join_tokens(&tokens),
                "start": cur[0].start, "end": cur[cur.len() - 1].end}),
            );
        }
        cur.clear();
    };
    for p in pieces {
        if let Some(last) = cur.last() {
            let (bi, ty) = split_tag(&p.label);
            let (_, last_ty) = split_tag(&last.label);
            if !(ty == last_ty && bi != "B") {
                flush(&mut cur, &mut out);
            }
        }
        cur.push(p);
    }
    flush(&mut cur, &mut out);
    out
}

/// Entities of one text. Labels come from `decoding` over the text's sub-tokens (`none`, `simple`)
/// or over its words' scores (`first`, `average`, `max`); argmax is the pipeline's own behaviour.
pub fn aggregate(
    tokens: &[Token],
    labels: &LabelSet,
    strategy: Strategy,
    decoding: Decoding,
) -> Value {
    let tr = Transitions::for_labels(labels);
    let token_pieces = || {
        let scores: Vec<Vec<f32>> = tokens.iter().map(|t| t.probs.clone()).collect();
        decode(&scores, decoding, &tr)
            .into_iter()
            .zip(tokens)
            .map(|(i, t)| Piece {
                label: labels.name(i).to_string(),
                score: t.probs[i],
                tokens: vec![t.text.clone()],
                start: t.start,
                end: t.end,
            })
            .collect::<Vec<_>>()
    };
    let scorer: &dyn WordScorer = match strategy {
        Strategy::None => {
            let v: Vec<Value> = token_pieces()
                .into_iter()
                .zip(tokens)
                .filter(|(p, _)| p.label != "O")
                .map(|(p, t)| {
                    json!({"entity": p.label, "score": p.score, "index": t.index,
                        "word": t.text, "start": t.start, "end": t.end})
                })
                .collect();
            return Value::Array(v);
        }
        Strategy::Simple => return Value::Array(group(token_pieces())),
        Strategy::First => &first::First,
        Strategy::Average => &average::Average,
        Strategy::Max => &max::Max,
    };
    let mut words: Vec<Vec<&Token>> = Vec::new();
    for t in tokens {
        match words.last_mut() {
            Some(w) if !t.first_of_word => w.push(t),
            _ => words.push(vec![t]),
        }
    }
    let scores: Vec<Vec<f32>> = words.iter().map(|w| scorer.word_scores(w)).collect();
    let pieces = decode(&scores, decoding, &tr)
        .into_iter()
        .zip(words.iter().zip(&scores))
        .map(|(i, (w, s))| Piece {
            label: labels.name(i).to_string(),
            score: s[i],
            tokens: w.iter().map(|t| t.text.clone()).collect(),
            start: w[0].start,
            end: w[w.len() - 1].end,
        })
        .collect();
    Value::Array(group(pieces))
}

#[cfg(test)]
mod tests;
