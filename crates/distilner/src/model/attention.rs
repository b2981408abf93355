//! Attention outside training's dropout: which kernel runs it, and the kernels. libtorch's fused
//! SDPA everywhere except bf16 inference on the CPU from `WRITTEN_OUT_ROWS` rows, where the two
//! products are written out around an fp32 softmax.
use tch::{Device, Kind, Tensor};

/// Batches of at least this many rows attend in bf16 on the CPU with the two products written out.
pub const WRITTEN_OUT_ROWS: i64 = 8;

/// How attention outside training's dropout runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttentionKernel {
    /// libtorch's scaled_dot_product_attention (its fused kernel where it has one).
    Fused,
    /// The two products written out around an fp32 softmax (inference only: the mask must be
    /// `attention_mask`'s additive one).
    WrittenOut,
}

impl AttentionKernel {
    /// The kernel for queries `q` ([batch, heads, seq, head_dim]): written out in bf16 on the CPU
    /// from `WRITTEN_OUT_ROWS` rows at inference. libtorch's fused CPU kernel runs its bf16 products
    /// through MKL, whose generic path (the one it takes on AMD CPUs) converts them to an fp32
    /// sgemm; a bf16 matmul goes to oneDNN. Whole test split, one process (session 35, Zen 5): bf16
    /// +8–11% at batch 8 and 32 for both models, int8 +1–39%, test F1 unchanged to the digit; scores
    /// from fp32 queries and keys were slower and no more accurate. At one row the fused kernel is
    /// faster (bench/attention_kernels.py). The compiled packages choose alike (aoti_compile.py).
    pub fn for_queries(q: &Tensor, train: bool) -> AttentionKernel {
        if !train
            && q.kind() == Kind::BFloat16
            && q.device() == Device::Cpu
            && q.size()[0] >= WRITTEN_OUT_ROWS
        {
            AttentionKernel::WrittenOut
        } else {
            AttentionKernel::Fused
        }
    }

    /// softmax(q kᵀ / √d + mask) v, in `q`'s kind.
    pub fn attend(self, q: &Tensor, k: &Tensor, v: &Tensor, mask: Option<&Tensor>) -> Tensor {
        match self {
            AttentionKernel::Fused => {
                Tensor::scaled_dot_product_attention(q, k, v, mask, 0.0, false, None::<f64>, false)
            }
            AttentionKernel::WrittenOut => {
                let scores = scaled_scores(q, k);
                let scores = match mask {
                    Some(m) => scores + m,
                    None => scores,
                };
                scores.softmax(-1, Kind::Float).to_kind(q.kind()).matmul(v)
            }
        }
    }
}

/// q kᵀ / √d in fp32 (the product itself in `q`'s kind): the written-out kernel's scores, and
/// training's explicit attention's (the one with attention dropout).
pub fn scaled_scores(q: &Tensor, k: &Tensor) -> Tensor {
    let dh = q.size()[3] as f64;
    q.matmul(&k.transpose(-1, -2)).to_kind(Kind::Float) / dh.sqrt()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::layers::attention_mask;

    /// Self-attention of `q` through libtorch's fused kernel, the reference the tests compare with.
    pub(crate) fn sdpa(q: &Tensor, mask: Option<&Tensor>) -> Tensor {
        Tensor::scaled_dot_product_attention(q, q, q, mask, 0.0, false, None::<f64>, false)
    }

    /// Inference in bf16 on the CPU writes attention out from `WRITTEN_OUT_ROWS` rows; one row,
    /// fp32 and training keep the fused kernel.
    #[test]
    fn attention_is_written_out_for_bf16_inference_batches_only() {
        let q = Tensor::zeros([WRITTEN_OUT_ROWS, 2, 5, 4], (Kind::BFloat16, Device::Cpu));
        let pick = |q: &Tensor, train| AttentionKernel::for_queries(q, train);
        assert_eq!(pick(&q, false), AttentionKernel::WrittenOut);
        assert_eq!(pick(&q, true), AttentionKernel::Fused);
        assert_eq!(
            pick(&q.narrow(0, 0, WRITTEN_OUT_ROWS - 1), false),
            AttentionKernel::Fused
        );
        assert_eq!(pick(&q.to_kind(Kind::Float), false), AttentionKernel::Fused);
    }

    /// The written-out kernel in bf16 attends as the fused one does in fp32, up to bf16 rounding,
    /// padded keys masked: a padded row's real positions come out as the row alone does.
    #[test]
    fn written_out_attention_masks_padding_and_matches_the_fused_kernel() {
        tch::manual_seed(0);
        let q = Tensor::randn([WRITTEN_OUT_ROWS, 2, 5, 4], (Kind::Float, Device::Cpu));
        let mut rows = vec![[1i64; 5]; WRITTEN_OUT_ROWS as usize];
        rows[0] = [1, 1, 0, 0, 0];
        let mask = Tensor::from_slice2(&rows);
        let qb = q.to_kind(Kind::BFloat16);
        let mb = attention_mask(&mask, false, Kind::BFloat16);
        let out = AttentionKernel::WrittenOut.attend(&qb, &qb, &qb, mb.as_ref());
        assert_eq!(out.kind(), Kind::BFloat16);
        let want = sdpa(&q, attention_mask(&mask, false, Kind::Float).as_ref());
        let off = (out.to_kind(Kind::Float) - &want)
            .abs()
            .max()
            .double_value(&[]);
        assert!(
            off < 0.05,
            "written-out attention off the fused kernel by {off}"
        );
        let first = q.narrow(0, 0, 1).narrow(2, 0, 2);
        let alone = sdpa(&first, None);
        let moved = (out.narrow(0, 0, 1).narrow(2, 0, 2).to_kind(Kind::Float) - alone)
            .abs()
            .max()
            .double_value(&[]);
        assert!(moved < 0.05, "padding moved the first row by {moved}");
    }
}
