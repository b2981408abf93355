//! The building blocks BERT and DistilBERT share: embeddings and the post-LayerNorm transformer
//! block. Only parameter names (and one dropout) differ between the families; `LayerNames` holds them
//! so every variable is created under the exact HF checkpoint name.
use super::attention::{scaled_scores, AttentionKernel};
use super::dropout::dropout;
use super::int8::{Int8Error, Int8Linear};
use super::precision::{layer_norm as norm, Precision};
use super::proj::Proj;
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

/// `a.b.c` as nested tch paths (tch forbids dots inside one path component).
pub fn sub<'a>(p: &nn::Path<'a>, dotted: &str) -> nn::Path<'a> {
    dotted.split('.').fold(p.clone(), |acc, part| acc / part)
}

pub fn init_linear(p: nn::Path, i: i64, o: i64, std: f64) -> nn::Linear {
    let cfg = nn::LinearConfig {
        ws_init: nn::Init::Randn {
            mean: 0.0,
            stdev: std,
        },
        bs_init: Some(nn::Init::Const(0.0)),
        bias: true,
    };
    nn::linear(p, i, o, cfg)
}

fn init_embedding(p: nn::Path, n: i64, d: i64, std: f64) -> nn::Embedding {
    nn::embedding(
        p,
        n,
        d,
        nn::EmbeddingConfig {
            ws_init: nn::Init::Randn {
                mean: 0.0,
                stdev: std,
            },
            ..Default::default()
        },
    )
}

fn layer_norm(p: nn::Path, d: i64, eps: f64) -> nn::LayerNorm {
    nn::layer_norm(
        p,
        vec![d],
        nn::LayerNormConfig {
            eps,
            ..Default::default()
        },
    )
}

/// HF names of one transformer block's parameters, relative to the block.
pub struct LayerNames {
    pub query: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub attn_out: &'static str,
    pub attn_norm: &'static str,
    pub ffn_in: &'static str,
    pub ffn_out: &'static str,
    pub out_norm: &'static str,
    /// BERT applies hidden dropout after the attention output projection; DistilBERT does not.
    pub dropout_after_attention: bool,
}

pub struct Dims {
    pub hidden: i64,
    pub heads: i64,
    pub intermediate: i64,
    pub eps: f64,
    pub dropout: f64,
    pub attention_dropout: f64,
    pub init_std: f64,
}

pub struct Embeddings {
    word: nn::Embedding,
    position: nn::Embedding,
    /// BERT only: the token-type embeddings (distilner always uses type 0).
    token_type: Option<nn::Embedding>,
    norm: nn::LayerNorm,
    dropout: f64,
}

impl Embeddings {
    pub fn new(p: nn::Path, vocab: i64, max_pos: i64, type_vocab: i64, d: &Dims) -> Self {
        Embeddings {
            word: init_embedding(&p / "word_embeddings", vocab, d.hidden, d.init_std),
            position: init_embedding(&p / "position_embeddings", max_pos, d.hidden, d.init_std),
            token_type: (type_vocab > 0).then(|| {
                init_embedding(
                    &p / "token_type_embeddings",
                    type_vocab,
                    d.hidden,
                    d.init_std,
                )
            }),
            norm: layer_norm(&p / "LayerNorm", d.hidden, d.eps),
            dropout: d.dropout,
        }
    }

    pub fn forward_t(&self, ids: &Tensor, train: bool) -> Tensor {
        let t = ids.size()[1];
        let pos = Tensor::arange(t, (Kind::Int64, ids.device()));
        let mut e = self.word.forward(ids) + self.position.forward(&pos);
        if let Some(tt) = &self.token_type {
            e += tt.ws.get(0);
        }
        dropout(&norm(&self.norm, &e), self.dropout, train)
    }

    pub fn set_dropout(&mut self, p: f64) {
        self.dropout = p;
    }
}

/// `mask` (int [batch, seq], 1 for real tokens) as the layers take it. Training: boolean [batch, 1,
/// 1, seq], true where a key may be attended to. Inference: none when no position is padded (SDPA
/// then runs unmasked, as HF's sdpa path does), else the additive mask in `kind` (0 or -inf) that
/// SDPA would otherwise build from a boolean one in every layer. At batch 1 that spares each layer
/// its mask handling; the result is the same.
pub fn attention_mask(mask: &Tensor, train: bool, kind: Kind) -> Option<Tensor> {
    let keep = mask.to_kind(Kind::Bool).unsqueeze(1).unsqueeze(1);
    if train {
        return Some(keep);
    }
    if keep.all().int64_value(&[]) != 0 {
        return None;
    }
    Some(
        Tensor::zeros(keep.size(), (kind, keep.device()))
            .masked_fill(&keep.logical_not(), f64::NEG_INFINITY),
    )
}

/// Whether training writes attention out rather than calling libtorch's SDPA: wherever there is
/// attention dropout, so the probabilities take the fast dropout mask (SDPA falls back to the same
/// math with its slow bernoulli: 8.2 vs 6.6 ms per layer, fwd+bwd, examples/attn_profile.rs); and
/// without it for bf16 on the CPU, where the fused kernel's products go through MKL's generic path
/// (see `AttentionKernel`): the main job's student without dropout trained in 351 s this way, 430 s
/// through SDPA (session 37, Zen 5).
fn written_out_in_training(q: &Tensor, attention_dropout: f64) -> bool {
    attention_dropout > 0.0 || (q.kind() == Kind::BFloat16 && q.device() == Device::Cpu)
}

pub struct TransformerLayer {
    query: Proj,
    key: Proj,
    value: Proj,
    attn_out: Proj,
    attn_norm: nn::LayerNorm,
    ffn_in: Proj,
    ffn_out: Proj,
    out_norm: nn::LayerNorm,
    /// Int8 inference only: q, k and v packed as one weight.
    qkv: Option<Int8Linear>,
    heads: i64,
    dropout: f64,
    attention_dropout: f64,
    dropout_after_attention: bool,
}

impl TransformerLayer {
    pub fn new(p: nn::Path, n: &LayerNames, d: &Dims) -> Self {
        let lin = |name: &str, i, o| Proj::new(init_linear(sub(&p, name), i, o, d.init_std));
        TransformerLayer {
            query: lin(n.query, d.hidden, d.hidden),
            key: lin(n.key, d.hidden, d.hidden),
            value: lin(n.value, d.hidden, d.hidden),
            attn_out: lin(n.attn_out, d.hidden, d.hidden),
            attn_norm: layer_norm(sub(&p, n.attn_norm), d.hidden, d.eps),
            ffn_in: lin(n.ffn_in, d.hidden, d.intermediate),
            ffn_out: lin(n.ffn_out, d.intermediate, d.hidden),
            out_norm: layer_norm(sub(&p, n.out_norm), d.hidden, d.eps),
            qkv: None,
            heads: d.heads,
            dropout: d.dropout,
            attention_dropout: d.attention_dropout,
            dropout_after_attention: n.dropout_after_attention,
        }
    }

    pub fn set_dropout(&mut self, p: f64) {
        self.dropout = p;
        self.attention_dropout = p;
    }

    /// Prepare the linear layers for inference in `p` (see `Proj::for_inference`). Under int8, q, k
    /// and v become one packed weight: their common input is then quantized once, not three times.
    pub fn for_inference(&mut self, p: Precision) -> Result<(), Int8Error> {
        if p == Precision::Int8 {
            let cat = |f: fn(&nn::Linear) -> Tensor| {
                Tensor::cat(
                    &[
                        f(&self.query.dense),
                        f(&self.key.dense),
                        f(&self.value.dense),
                    ],
                    0,
                )
            };
            let w = cat(|l| l.ws.shallow_clone());
            let b = self.query.dense.bs.as_ref().map(|_| {
                cat(|l| {
                    l.bs.as_ref()
                        .expect("all of q, k, v have biases")
                        .shallow_clone()
                })
            });
            self.qkv = Some(Int8Linear::from_weights(&w, b.as_ref())?);
        } else {
            for l in [&mut self.query, &mut self.key, &mut self.value] {
                l.for_inference(p)?;
            }
        }
        for l in [&mut self.attn_out, &mut self.ffn_in, &mut self.ffn_out] {
            l.for_inference(p)?;
        }
        Ok(())
    }

    /// `mask`: from `attention_mask` (none: every key may be attended to). `ck`: the kind the
    /// matrix products run in (fp32, or bf16 for mixed precision; under int8 the attention's, the
    /// linears being int8); `x` and the result are fp32.
    pub fn forward_t(&self, x: &Tensor, mask: Option<&Tensor>, train: bool, ck: Kind) -> Tensor {
        self.forward_qkv(x, mask, train, ck, false).0
    }

    /// `forward_t`, also returning the layer's queries, keys and values ([batch, heads, seq,
    /// head_dim]) when `keep_qkv` (attention-relation distillation).
    pub fn forward_qkv(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
        ck: Kind,
        keep_qkv: bool,
    ) -> (Tensor, Option<[Tensor; 3]>) {
        let (b, t, h) = x.size3().expect("hidden states are [batch, seq, hidden]");
        let dh = h / self.heads;
        let split = |y: Tensor| y.view([b, t, self.heads, dh]).transpose(1, 2);
        // One cast of x serves q, k and v (linear's own cast is then a no-op).
        let (q, k, v) = match &self.qkv {
            Some(qkv) => {
                // fp32 out of the int8 product; attention in `ck` (the output projection casts
                // the context back to fp32 for its own quantization).
                let y = qkv
                    .forward(x)
                    .to_kind(ck)
                    .view([b, t, 3, self.heads, dh])
                    .permute([2, 0, 3, 1, 4]);
                (y.get(0), y.get(1), y.get(2))
            }
            None => {
                let xc = x.to_kind(ck);
                (
                    split(self.query.forward(&xc, ck)),
                    split(self.key.forward(&xc, ck)),
                    split(self.value.forward(&xc, ck)),
                )
            }
        };
        let kept = keep_qkv.then(|| [q.shallow_clone(), k.shallow_clone(), v.shallow_clone()]);
        let ctx = if train && written_out_in_training(&q, self.attention_dropout) {
            // Scores and softmax in fp32.
            let scores = scaled_scores(&q, &k);
            // Training's mask is always `attention_mask`'s boolean one.
            let scores = match mask {
                Some(m) => scores.masked_fill(&m.logical_not(), f32::MIN as f64),
                None => scores,
            };
            dropout(
                &scores.softmax(-1, Kind::Float),
                self.attention_dropout,
                true,
            )
            .to_kind(ck)
            .matmul(&v)
        } else {
            AttentionKernel::for_queries(&q, train).attend(&q, &k, &v, mask)
        };
        let ctx = ctx.transpose(1, 2).reshape([b, t, h]);
        let mut a = self.attn_out.forward(&ctx, ck);
        if self.dropout_after_attention {
            a = dropout(&a, self.dropout, train);
        }
        // bf16 + fp32 promotes to fp32: the residual stream stays fp32.
        let a = norm(&self.attn_norm, &(a + x));
        let f = dropout(
            &self
                .ffn_out
                .forward(&self.ffn_in.forward(&a, ck).gelu("none"), ck),
            self.dropout,
            train,
        );
        (norm(&self.out_norm, &(f + a)), kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::attention::tests::sdpa;
    use crate::model::attention::WRITTEN_OUT_ROWS;
    use tch::Device;

    #[test]
    fn training_writes_attention_out_with_dropout_or_in_bf16_on_the_cpu() {
        let q = |k| Tensor::zeros([2, 2, 3, 4], (k, Device::Cpu));
        assert!(written_out_in_training(&q(Kind::Float), 0.1));
        assert!(written_out_in_training(&q(Kind::BFloat16), 0.0));
        assert!(!written_out_in_training(&q(Kind::Float), 0.0));
    }

    /// Inference drops the mask of an unpadded batch and hands SDPA a padded batch's mask in the
    /// form it would build itself: attention comes out as with the boolean mask training uses.
    #[test]
    fn inference_masks_only_padded_batches_with_the_boolean_masks_result() {
        tch::manual_seed(0);
        let q = Tensor::randn([2, 2, 3, 4], (Kind::Float, Device::Cpu));
        for rows in [vec![[1i64, 1, 1], [1, 1, 1]], vec![[1i64, 1, 1], [1, 1, 0]]] {
            let mask = Tensor::from_slice2(&rows);
            let keep = attention_mask(&mask, true, Kind::Float).unwrap();
            assert_eq!(keep.kind(), Kind::Bool, "training keeps the boolean mask");
            let want = sdpa(&q, Some(&keep));
            let padded = rows.iter().flatten().any(|&v| v == 0);
            let m = attention_mask(&mask, false, Kind::Float);
            assert_eq!(m.is_some(), padded, "inference mask for {rows:?}");
            let d = (sdpa(&q, m.as_ref()) - &want).abs().max().double_value(&[]);
            assert!(d < 1e-6, "{rows:?}: attention off by {d}");
        }
    }

    /// A layer in bf16 on a padded batch of `WRITTEN_OUT_ROWS` rows (written-out attention) stays
    /// within bf16 rounding of the same layer in fp32 (fused kernel).
    #[test]
    fn a_bf16_layer_with_written_out_attention_tracks_fp32() {
        tch::manual_seed(0);
        let d = Dims {
            hidden: 8,
            intermediate: 16,
            heads: 2,
            dropout: 0.0,
            attention_dropout: 0.0,
            init_std: 0.5,
            eps: 1e-12,
        };
        let vs = nn::VarStore::new(Device::Cpu);
        let layer = TransformerLayer::new(vs.root(), &crate::model::bert::LAYER_NAMES, &d);
        let x = Tensor::randn([WRITTEN_OUT_ROWS, 5, 8], (Kind::Float, Device::Cpu));
        let mut rows = vec![[1i64; 5]; WRITTEN_OUT_ROWS as usize];
        rows[0] = [1, 1, 0, 0, 0];
        let mask = Tensor::from_slice2(&rows);
        let _g = tch::no_grad_guard();
        let run = |k| layer.forward_t(&x, attention_mask(&mask, false, k).as_ref(), false, k);
        let off = (run(Kind::BFloat16) - run(Kind::Float))
            .abs()
            .max()
            .double_value(&[]);
        assert!(off < 0.1, "bf16 layer off fp32 by {off}");
    }
}
