//! Optional hidden-state loss: MSE between each student layer's output and its mapped teacher
//! layer's output over real tokens, added to another objective. The teacher runs on each batch (its
//! hidden states are too large to cache: layers × tokens × hidden).
use crate::model::{Output, TokenClassifier};
use crate::train::{Batch, Objective};
use tch::{Kind, Tensor};

pub struct WithHiddenMse<'a> {
    pub inner: &'a dyn Objective,
    pub teacher: &'a TokenClassifier,
    /// Student layer i is matched to teacher layer `layer_map[i]`.
    pub layer_map: Vec<usize>,
    pub weight: f64,
}

impl Objective for WithHiddenMse<'_> {
    fn loss(&self, out: &Output, batch: &Batch) -> Tensor {
        let base = self.inner.loss(out, batch);
        let t = tch::no_grad(|| self.teacher.forward(&batch.ids, &batch.mask, false, true));
        let keep = batch.mask.view([-1]).nonzero().squeeze_dim(1);
        let mut total = Tensor::zeros([], (Kind::Float, out.logits.device()));
        for (i, &tl) in self.layer_map.iter().enumerate() {
            let s = &out.hidden_states[i + 1];
            let h = s.size()[2];
            let s = s.view([-1, h]).index_select(0, &keep);
            let th = t.hidden_states[tl + 1].view([-1, h]).index_select(0, &keep);
            // Summed, then divided by the global batch's real tokens × hidden: MSE's mean.
            total += s.mse_loss(&th, tch::Reduction::Sum) / (batch.tokens_total * h as f64);
        }
        base + total * (self.weight / self.layer_map.len().max(1) as f64)
    }
    fn wants_hidden(&self) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "kd+hidden-mse"
    }
}
