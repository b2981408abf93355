//! `average`: a word takes the mean of its sub-tokens' score vectors.
use super::{Token, WordScorer};

pub struct Average;

impl WordScorer for Average {
    fn word_scores(&self, tokens: &[&Token]) -> Vec<f32> {
        let n = tokens[0].probs.len();
        let mut s = vec![0f32; n];
        for t in tokens {
            for (a, b) in s.iter_mut().zip(&t.probs) {
                *a += b;
            }
        }
        s.iter().map(|x| x / tokens.len() as f32).collect()
    }
}
