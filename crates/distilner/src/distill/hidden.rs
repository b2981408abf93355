//! Hidden-state term: MSE between each student layer's output and its mapped teacher layer's
//! output over real tokens, from the teacher's forward pass on the same batch (its hidden states
//! are too large to cache: layers × tokens × hidden).
use crate::model::Output;
use crate::train::Batch;
use tch::{Kind, Tensor};

pub struct HiddenMse {
    /// Student layer i is matched to teacher layer `layer_map[i]`.
    pub layer_map: Vec<usize>,
    pub weight: f64,
}

impl HiddenMse {
    /// The weighted term; `student` and `teacher` carry every layer's hidden states.
    pub fn term(&self, student: &Output, teacher: &Output, batch: &Batch) -> Tensor {
        let keep = batch.mask.view([-1]).nonzero().squeeze_dim(1);
        let mut total = Tensor::zeros([], (Kind::Float, student.logits.device()));
        for (i, &tl) in self.layer_map.iter().enumerate() {
            let s = &student.hidden_states[i + 1];
            let h = s.size()[2];
            let s = s.view([-1, h]).index_select(0, &keep);
            let th = teacher.hidden_states[tl + 1]
                .view([-1, h])
                .index_select(0, &keep);
            // Summed, then divided by the global batch's real tokens × hidden: MSE's mean.
            total += s.mse_loss(&th, tch::Reduction::Sum) / (batch.tokens_total * h as f64);
        }
        total * (self.weight / self.layer_map.len().max(1) as f64)
    }
}
