//! Training hyperparameters: TOML file, then CLI flags on top; the resolved set is saved in the run.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    pub epochs: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub eval_batch_size: usize,
    pub seed: u64,
    pub weight_decay: f64,
    pub adam_beta1: f64,
    pub adam_beta2: f64,
    pub adam_epsilon: f64,
    /// Fraction of all steps spent warming the learning rate up linearly from 0.
    pub warmup_ratio: f64,
    pub max_grad_norm: f64,
    /// Layer-wise learning-rate decay: encoder layer i of L trains at `layer_lr_decay^(L - i)` times
    /// the rate, the embeddings one step lower, the head at the full rate (1 = off).
    pub layer_lr_decay: f64,
    /// Exponential moving average of the weights (Polyak averaging): each step the average moves
    /// `1 - ema_decay` of the way to the weights, and the average is what is scored on dev and
    /// kept (0 = off; 0.999 averages over about the last 1,000 steps).
    pub ema_decay: f64,
    /// Dropout while training (hidden, attention and head alike), over the model config's own
    /// (BERT's and MiniLM's 0.1); the kept model's config.json says what it trained with. None: the
    /// config's.
    pub dropout: Option<f64>,
    /// Sub-tokens per model input, [CLS]/[SEP] included; longer sentences are windowed.
    pub max_len: usize,
    pub stride: usize,
    /// Label every sub-token of a word instead of the first only.
    pub label_all_subtokens: bool,
    /// Document context (FLERT): sub-tokens of the same document's neighbouring sentences fed on
    /// each side of a sentence, in training, evaluation and (saved in tagging.json) inference.
    /// 0 = each sentence alone.
    pub document_context: usize,
    /// Mention replacement (Dai & Adel 2020): this many extra rounds of the training split's
    /// sentences with entities, every mention swapped for a random one of its type from the split,
    /// trained on with their gold tags. 0 = off.
    pub mention_replacement: usize,
    /// How word scores become labels: `auto` (constrained Viterbi if it scores higher on dev than
    /// argmax, measured at the end of the run), `argmax` or `viterbi`.
    pub decoding: String,
    /// Stop after this many epochs without a dev F1 improvement (0 = never).
    pub early_stopping_patience: usize,
    /// Save resumable state every N steps (and at every epoch end).
    pub save_every: usize,
    /// Intra-op threads for libtorch.
    pub threads: usize,
    /// bf16 mixed precision (fp32 master weights), used where the hardware has native bf16: CUDA, or
    /// CPUs with AVX512-BF16/AMX. Elsewhere emulated bf16 is slower than fp32, so fp32 is used.
    pub mixed_precision: bool,
    /// Use only the first N training / dev sentences (0 = all): for smoke tests.
    pub max_train_sentences: usize,
    pub max_dev_sentences: usize,
    /// `cpu`, `cuda` or `auto`.
    pub device: String,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 3,
            // Measured on the main job (MiniLM-L6 teacher, 3-layer student; bench/RESULTS.md, session
            // 25): 2e-4 beat 1e-4 and 3e-4 on dev for both models on two seeds. BERT-base-sized
            // models usually want less (the `seed` preset: 6e-5).
            learning_rate: 2e-4,
            batch_size: 32,
            eval_batch_size: 64,
            seed: 33,
            weight_decay: 0.01,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            adam_epsilon: 1e-8,
            warmup_ratio: 0.1,
            max_grad_norm: 1.0,
            layer_lr_decay: 1.0,
            ema_decay: 0.0,
            dropout: None,
            max_len: 256,
            stride: 64,
            label_all_subtokens: false,
            document_context: 0,
            mention_replacement: 0,
            decoding: "auto".into(),
            early_stopping_patience: 0,
            save_every: 200,
            threads: 2,
            mixed_precision: true,
            max_train_sentences: 0,
            max_dev_sentences: 0,
            device: "auto".into(),
        }
    }
}

impl TrainConfig {
    /// The seed model card's hyperparameters (`--preset seed`): lr 6e-5, batch 128, 15 epochs, seed 33,
    /// Adam (0.9, 0.999, 1e-8), linear schedule without warmup, mixed precision where the hardware has it.
    pub fn seed_preset() -> Self {
        TrainConfig {
            epochs: 15,
            learning_rate: 6e-5,
            batch_size: 128,
            seed: 33,
            warmup_ratio: 0.0,
            mixed_precision: true,
            ..TrainConfig::default()
        }
    }

    pub fn from_toml(text: &str) -> crate::Result<Self> {
        let c: TrainConfig =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("invalid config: {e}"))?;
        c.validate()?;
        Ok(c)
    }

    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: &str| Err(anyhow::anyhow!("invalid config: {m}").into());
        if self.epochs == 0 || self.batch_size == 0 || self.eval_batch_size == 0 {
            return bad("epochs, batch_size and eval_batch_size must be at least 1");
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad("learning_rate must be a positive number");
        }
        if !(0.0..1.0).contains(&self.warmup_ratio) {
            return bad("warmup_ratio must be in [0, 1)");
        }
        if !(self.layer_lr_decay > 0.0 && self.layer_lr_decay <= 1.0) {
            return bad("layer_lr_decay must be in (0, 1] (1 = every layer at the full rate)");
        }
        if !(0.0..1.0).contains(&self.ema_decay) {
            return bad("ema_decay must be in [0, 1) (0 = off)");
        }
        if self.dropout.is_some_and(|d| !(0.0..1.0).contains(&d)) {
            return bad("dropout must be in [0, 1)");
        }
        if self.max_len < 8 || self.stride * 2 >= self.max_len {
            return bad("max_len must be at least 8 and stride less than max_len / 2");
        }
        if self.wanted_decoding().is_err() {
            return bad("decoding must be auto, argmax or viterbi");
        }
        if crate::util::parse_device(&self.device).is_err() {
            return bad("device must be auto, cpu or cuda");
        }
        Ok(())
    }

    /// The precision training actually runs in on `device`.
    pub fn precision(&self, device: tch::Device) -> crate::model::Precision {
        use crate::model::Precision;
        if self.mixed_precision {
            Precision::auto(device)
        } else {
            Precision::Fp32
        }
    }

    /// The decoding the user fixed, or None for `auto`.
    pub fn wanted_decoding(&self) -> crate::Result<Option<crate::infer::Decoding>> {
        use crate::infer::Decoding;
        match self.decoding.as_str() {
            "auto" => Ok(None),
            "argmax" => Ok(Some(Decoding::Argmax)),
            "viterbi" => Ok(Some(Decoding::Viterbi)),
            d => fail!("unknown decoding {d:?}; use auto, argmax or viterbi"),
        }
    }

    /// Windows, context and evaluation batch as configured; the decoding is argmax while
    /// training (the run's choice is made at its end).
    pub fn tag_options(&self) -> crate::infer::TagOptions {
        crate::infer::TagOptions {
            max_len: self.max_len,
            stride: self.stride,
            batch_size: self.eval_batch_size,
            context: self.document_context,
            decoding: crate::infer::Decoding::Argmax,
        }
    }

    pub fn device(&self) -> tch::Device {
        crate::util::parse_device(&self.device).unwrap_or(tch::Device::Cpu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn toml_overrides_and_rejects_unknown() {
        let c = TrainConfig::from_toml("epochs = 5\nlearning_rate = 3e-5\n").unwrap();
        assert_eq!((c.epochs, c.learning_rate, c.batch_size), (5, 3e-5, 32));
        assert!(TrainConfig::from_toml("epoch = 5")
            .unwrap_err()
            .to_string()
            .contains("epoch"));
        assert!(TrainConfig::from_toml("epochs = 0").is_err());
        assert!(TrainConfig::from_toml("epochs = \"x\"").is_err());
    }
}
