//! `first`: a word takes its first sub-token's scores.
use super::{Token, WordScorer};

pub struct First;

impl WordScorer for First {
    fn word_scores(&self, tokens: &[&Token]) -> Vec<f32> {
        tokens[0].probs.clone()
    }
}
