//! `max`: a word takes the scores of its most confident sub-token.
use super::{Token, WordScorer};

pub struct Max;

impl WordScorer for Max {
    fn word_scores(&self, tokens: &[&Token]) -> Vec<f32> {
        let top = |t: &Token| t.probs.iter().cloned().fold(f32::MIN, f32::max);
        tokens
            .iter()
            .fold(
                tokens[0],
                |best, t| if top(t) > top(best) { t } else { best },
            )
            .probs
            .clone()
    }
}
