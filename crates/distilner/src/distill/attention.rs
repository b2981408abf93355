//! Optional attention-relation loss (MiniLM, Wang et al. 2020): for one student layer and one
//! teacher layer, KL between their self-attention distributions softmax(QKᵀ/√d) and between their
//! value relations softmax(VVᵀ/√d), per head, over real query tokens (padding keys masked), from
//! the teacher's forward pass on the same batch (its attention maps are too large to cache).
use crate::model::Output;
use crate::train::Batch;
use tch::{Kind, Tensor};

pub struct AttentionKd {
    pub student_layer: usize,
    pub teacher_layer: usize,
    pub weight: f64,
}

/// Log of softmax(a bᵀ/√d) over keys, with padding keys (`keys` false) given no mass.
fn log_relation(a: &Tensor, b: &Tensor, keys: &Tensor) -> Tensor {
    let d = *a.size().last().expect("[batch, heads, seq, dim]") as f64;
    let a = a.to_kind(Kind::Float);
    let b = b.to_kind(Kind::Float);
    // A large finite fill, not -inf: the KL terms of padding keys are then 0·(finite) = 0.
    (a.matmul(&b.transpose(-1, -2)) / d.sqrt())
        .masked_fill(&keys.logical_not(), -1e9)
        .log_softmax(-1, Kind::Float)
}

/// KL(teacher ‖ student) of the attention distributions plus that of the value relations, summed
/// over heads and real query positions. `mask`: [batch, seq], 1 for real tokens.
pub fn relation_kl_sum(student: &[Tensor; 3], teacher: &[Tensor; 3], mask: &Tensor) -> Tensor {
    let keys = mask.to_kind(Kind::Bool).unsqueeze(1).unsqueeze(1);
    let queries = mask.to_kind(Kind::Float).unsqueeze(1).unsqueeze(-1);
    let [sq, sk, sv] = student;
    let [tq, tk, tv] = teacher;
    let kl = |s: Tensor, t: Tensor| (t.exp() * (&t - s) * &queries).sum(Kind::Float);
    kl(log_relation(sq, sk, &keys), log_relation(tq, tk, &keys))
        + kl(log_relation(sv, sv, &keys), log_relation(tv, tv, &keys))
}

impl AttentionKd {
    /// The weighted term; `student` and `teacher` carry the chosen layers' queries, keys, values.
    pub fn term(&self, student: &Output, teacher: &Output, batch: &Batch) -> Tensor {
        let (Some(s), Some(t)) = (&student.qkv, &teacher.qkv) else {
            unreachable!("the objective asks both forward passes for the layers' q, k, v");
        };
        let heads = s[0].size()[1] as f64;
        // Summed over this shard, divided by the global batch's real tokens × heads: the mean.
        relation_kl_sum(s, t, &batch.mask) / (batch.tokens_total * heads) * self.weight
    }
}
