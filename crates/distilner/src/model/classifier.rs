//! `BertForTokenClassification` / `DistilBertForTokenClassification`: an encoder plus a linear head.
use super::aoti::Compiled;
use super::config::{Arch, ModelConfig};
use super::int8::Int8Error;
use super::layers::{attention_mask, init_linear, sub, Dims, Embeddings, TransformerLayer};
use super::precision::{cast_linear, linear, Precision};
use super::{bert, distilbert};
use crate::data::LabelSet;
use std::sync::Arc;
use tch::nn;
use tch::{Device, Kind, Tensor};

pub struct TokenClassifier {
    pub config: ModelConfig,
    pub labels: LabelSet,
    pub vs: nn::VarStore,
    embeddings: Embeddings,
    layers: Vec<TransformerLayer>,
    classifier: nn::Linear,
    precision: Precision,
    /// The same weights compiled by AOTInductor (`distilner compile`), used by `logits` for the
    /// batch sizes its routes give it.
    compiled: Option<Arc<Compiled>>,
}

/// What a forward pass should collect besides the logits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Want {
    /// Every layer's hidden states.
    pub hidden: bool,
    /// This layer's queries, keys and values.
    pub qkv_layer: Option<usize>,
}

/// What a forward pass returns. `hidden_states[0]` is the embedding output, `[i+1]` layer i's output
/// (collected only when asked for).
pub struct Output {
    pub logits: Tensor,
    pub hidden_states: Vec<Tensor>,
    /// Queries, keys and values of `Want::qkv_layer`, [batch, heads, seq, head_dim] each.
    pub qkv: Option<[Tensor; 3]>,
}

impl TokenClassifier {
    /// A randomly initialised model (HF's init: normal(0, 0.02), zero biases); load weights after.
    pub fn new(config: ModelConfig, labels: LabelSet, device: Device) -> Self {
        let vs = nn::VarStore::new(device);
        let (names, emb_prefix, layer_prefix) = match config.arch {
            Arch::Bert => (&bert::LAYER_NAMES, bert::EMBEDDINGS, bert::LAYERS),
            Arch::DistilBert => (
                &distilbert::LAYER_NAMES,
                distilbert::EMBEDDINGS,
                distilbert::LAYERS,
            ),
        };
        let init_std = config.initializer_range;
        let d = Dims {
            hidden: config.hidden,
            heads: config.heads,
            intermediate: config.intermediate,
            eps: config.layer_norm_eps,
            dropout: config.dropout,
            attention_dropout: config.attention_dropout,
            init_std,
        };
        let root = vs.root();
        let embeddings = Embeddings::new(
            sub(&root, emb_prefix),
            config.vocab_size,
            config.max_position,
            config.type_vocab,
            &d,
        );
        let layers = (0..config.layers)
            .map(|i| TransformerLayer::new(sub(&root, &format!("{layer_prefix}.{i}")), names, &d))
            .collect();
        let classifier = init_linear(
            &root / "classifier",
            config.hidden,
            labels.len() as i64,
            init_std,
        );
        TokenClassifier {
            config,
            labels,
            vs,
            embeddings,
            layers,
            classifier,
            precision: Precision::Fp32,
            compiled: None,
        }
    }

    /// Train with dropout `p` everywhere (hidden, attention, head) instead of the config's; the
    /// config changes with it, so the saved config.json says what the model trained with.
    pub fn set_dropout(&mut self, p: f64) {
        self.config.dropout = p;
        self.config.attention_dropout = p;
        self.config.classifier_dropout = p;
        self.embeddings.set_dropout(p);
        for l in &mut self.layers {
            l.set_dropout(p);
        }
    }

    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Run the matrix products in `p` from now on (training keeps fp32 master weights).
    pub fn set_precision(&mut self, p: Precision) {
        self.precision = p;
    }

    /// Inference in `p`: the encoder's linear weights are stored in `p` once (bf16, fp16) or quantized
    /// and packed once (int8) instead of converted per batch; the head follows bf16/fp16 and stays fp32
    /// under int8 (it is tiny, and it is where the labels are decided). The model must not be trained or
    /// saved afterwards.
    pub fn set_inference_precision(&mut self, p: Precision) -> Result<(), Int8Error> {
        if p != Precision::Fp32 {
            for l in &mut self.layers {
                l.for_inference(p)?;
            }
            if matches!(p, Precision::Bf16 | Precision::Fp16) {
                cast_linear(&mut self.classifier, p.kind());
            }
        }
        self.precision = p;
        Ok(())
    }

    /// Run inference's `logits` through `c`, a package compiled from these very weights (the
    /// caller checks that: `infer::engine`). Training and hidden states stay eager.
    pub fn set_compiled(&mut self, c: Option<Arc<Compiled>>) {
        self.compiled = c;
    }

    pub fn compiled(&self) -> Option<&Compiled> {
        self.compiled.as_deref()
    }

    /// Inference logits (fp32) for `ids` and `mask`: the compiled package's where one is set and
    /// its routes send a batch of this size to a package, else the eager forward's.
    pub fn logits(&self, ids: &Tensor, mask: &Tensor) -> Tensor {
        match self.compiled.as_ref().and_then(|c| c.pick(ids)) {
            Some(p) => p.logits(ids, mask),
            None => self.forward(ids, mask, false, false).logits,
        }
    }

    pub fn device(&self) -> Device {
        self.vs.device()
    }

    pub fn num_parameters(&self) -> i64 {
        self.vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum()
    }

    /// `ids`, `mask`: int64 [batch, seq]; mask 1 for real tokens.
    pub fn forward(&self, ids: &Tensor, mask: &Tensor, train: bool, want_hidden: bool) -> Output {
        let want = Want {
            hidden: want_hidden,
            qkv_layer: None,
        };
        self.forward_with(ids, mask, train, want)
    }

    /// `forward`, collecting what `want` asks for.
    pub fn forward_with(&self, ids: &Tensor, mask: &Tensor, train: bool, want: Want) -> Output {
        let want_hidden = want.hidden;
        // The layers' products outside the int8 linears (all of them in fp32 / bf16) run in `ck`.
        let ck = self.precision.attention_kind();
        let m = attention_mask(mask, train, ck);
        let mut x = self.embeddings.forward_t(ids, train);
        let mut hidden_states = Vec::new();
        if want_hidden {
            hidden_states.push(x.shallow_clone());
        }
        let mut qkv = None;
        for (i, l) in self.layers.iter().enumerate() {
            let keep = want.qkv_layer == Some(i);
            let (y, kept) = l.forward_qkv(&x, m.as_ref(), train, ck, keep);
            x = y;
            if keep {
                qkv = kept;
            }
            if want_hidden {
                hidden_states.push(x.shallow_clone());
            }
        }
        if !want_hidden {
            hidden_states.push(x.shallow_clone());
        }
        let logits = linear(
            &self.classifier,
            &super::dropout::dropout(&x, self.config.classifier_dropout, train),
            self.precision.kind(),
        )
        .to_kind(Kind::Float);
        Output {
            logits,
            hidden_states,
            qkv,
        }
    }

    /// Mean cross-entropy over positions whose label is not -100 (as HF computes `loss`).
    pub fn loss(logits: &Tensor, labels: &Tensor) -> Tensor {
        Self::loss_with(logits, labels, tch::Reduction::Mean)
    }

    /// Cross-entropy summed over labelled sub-tokens (a shard's part of a global batch's mean).
    pub fn loss_sum(logits: &Tensor, labels: &Tensor) -> Tensor {
        Self::loss_with(logits, labels, tch::Reduction::Sum)
    }

    fn loss_with(logits: &Tensor, labels: &Tensor, r: tch::Reduction) -> Tensor {
        let n = logits.size()[2];
        logits
            .view([-1, n])
            .cross_entropy_loss::<Tensor>(&labels.view([-1]), None, r, -100, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `set_dropout(0)` reaches every dropout: training's forward then equals inference's, and the
    /// config written out says 0 (the head's null, as hidden_dropout_prob's).
    #[test]
    fn set_dropout_reaches_every_layer_and_the_saved_config() {
        tch::manual_seed(0);
        let config = ModelConfig::from_json(json!({"model_type": "bert", "vocab_size": 50,
            "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 32, "max_position_embeddings": 16}))
        .unwrap();
        let labels = LabelSet::new(vec!["O".into(), "B-PER".into(), "I-PER".into()]);
        let mut m = TokenClassifier::new(config, labels.clone(), Device::Cpu);
        let ids = Tensor::from_slice2(&[[1i64, 5, 7, 9, 2], [1, 4, 2, 0, 0]]);
        let mask = ids.ne(0).to_kind(Kind::Int64);
        let gap = |m: &TokenClassifier| {
            let train = m.forward(&ids, &mask, true, false).logits;
            let eval = m.forward(&ids, &mask, false, false).logits;
            (train - eval).abs().max().double_value(&[])
        };
        assert!(gap(&m) > 1e-3, "dropout 0.1 must change training's forward");
        m.set_dropout(0.0);
        assert!(gap(&m) < 1e-5, "{}", gap(&m));
        let written = m.config.to_json(&labels);
        assert_eq!(written["hidden_dropout_prob"], 0.0);
        assert_eq!(written["attention_probs_dropout_prob"], 0.0);
        assert_eq!(written["classifier_dropout"], serde_json::Value::Null);
        m.config.classifier_dropout = 0.3;
        assert_eq!(m.config.to_json(&labels)["classifier_dropout"], 0.3);
    }
}
