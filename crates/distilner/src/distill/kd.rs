//! Knowledge-distillation objective: α·KL(softmax(t/T) ‖ softmax(s/T))·T² + (1−α)·CE, over labelled
//! sub-tokens (or all real tokens), from cached teacher logits.
use super::TeacherCache;
use crate::model::{Output, TokenClassifier};
use crate::train::{Batch, Objective};
use tch::{Kind, Tensor};

pub struct KdObjective<'a> {
    pub cache: &'a TeacherCache,
    pub alpha: f64,
    pub temperature: f64,
    /// KL over every real token, not only the labelled first sub-tokens.
    pub all_tokens: bool,
}

/// Batch-mean KL(p_t ‖ p_s)·T² over rows of `s`, `t` ([n, labels]); `torch`'s `kl_div(batchmean)`.
pub fn kl_t2(s: &Tensor, t: &Tensor, temperature: f64) -> Tensor {
    let n = s.size()[0].max(1) as f64;
    kl_t2_sum(s, t, temperature) / n
}

/// KL(p_t ‖ p_s)·T² summed over rows.
pub fn kl_t2_sum(s: &Tensor, t: &Tensor, temperature: f64) -> Tensor {
    let log_ps = (s / temperature).log_softmax(-1, Kind::Float);
    let log_pt = (t / temperature).log_softmax(-1, Kind::Float);
    let kl = (log_pt.exp() * (&log_pt - log_ps)).sum(Kind::Float);
    kl * (temperature * temperature)
}

impl Objective for KdObjective<'_> {
    fn loss(&self, out: &Output, batch: &Batch) -> Tensor {
        let n = out.logits.size()[2];
        let seq = out.logits.size()[1];
        let teacher = self.cache.batch(&batch.index, seq, out.logits.device());
        let keep = if self.all_tokens {
            batch.mask.ne(0)
        } else {
            batch.labels.ne(-100)
        };
        let keep = keep.view([-1]).nonzero().squeeze_dim(1);
        let s = out.logits.view([-1, n]).index_select(0, &keep);
        let t = teacher.view([-1, n]).index_select(0, &keep);
        // Sums over this shard divided by the global batch's counts: its share of the batch mean.
        let rows = if self.all_tokens {
            batch.tokens_total
        } else {
            batch.labelled_total
        };
        let kd = kl_t2_sum(&s, &t, self.temperature) / rows;
        if self.alpha >= 1.0 {
            return kd;
        }
        let ce = TokenClassifier::loss_sum(&out.logits, &batch.labels) / batch.labelled_total;
        kd * self.alpha + ce * (1.0 - self.alpha)
    }
    fn name(&self) -> &'static str {
        "kd"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn kl_is_zero_for_equal_and_positive_otherwise() {
        let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 0.0, 0.0, 0.0]).view([2, 3]);
        assert!(kl_t2(&a, &a, 2.0).double_value(&[]).abs() < 1e-7);
        let b = Tensor::from_slice(&[3.0f32, 2.0, 1.0, 0.0, 0.0, 5.0]).view([2, 3]);
        // By hand for row 2: p_t = softmax([0,0,2.5]); p_s = uniform(1/3) ... positive.
        assert!(kl_t2(&a, &b, 2.0).double_value(&[]) > 0.1);
    }
}
