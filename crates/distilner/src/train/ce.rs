//! Plain cross-entropy over labelled sub-tokens: the fine-tuning objective.
use super::{Batch, Objective};
use crate::model::{Output, TokenClassifier};
use tch::Tensor;

pub struct CrossEntropy;

impl Objective for CrossEntropy {
    fn loss(&self, out: &Output, batch: &Batch) -> Tensor {
        TokenClassifier::loss_sum(&out.logits, &batch.labels) / batch.labelled_total
    }
    fn name(&self) -> &'static str {
        "cross-entropy"
    }
}
