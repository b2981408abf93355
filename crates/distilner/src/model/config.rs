//! `config.json` of BERT and DistilBERT checkpoints: read through the typed HF structs of
//! `hf_config` (transformers' defaults for what a file leaves out) into one shape the model code
//! uses, and written back in each family's own field names, every field written out (unknown fields
//! are kept).
use super::error::ModelError;
use super::hf_config::{BertConfig, Common, DistilBertConfig, HfConfig};
use crate::data::LabelSet;
use anyhow::{Context, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Arch {
    Bert,
    DistilBert,
}

#[derive(Debug, Clone)]
pub struct ModelConfig {
    pub arch: Arch,
    pub vocab_size: i64,
    pub hidden: i64,
    pub layers: i64,
    pub heads: i64,
    pub intermediate: i64,
    pub dropout: f64,
    pub attention_dropout: f64,
    pub classifier_dropout: f64,
    pub max_position: i64,
    pub type_vocab: i64,
    pub layer_norm_eps: f64,
    pub pad_token_id: i64,
    /// The std of HF's normal init for new weights.
    pub initializer_range: f64,
    /// Labels from `id2label`, when the checkpoint has a token-classification head.
    pub labels: Option<LabelSet>,
    /// Whether the checkpoint's architectures name a token-classification model.
    pub has_head: bool,
    /// The checkpoint's `architectures`, as written.
    pub architectures: Vec<String>,
    /// The config in its family's HF fields.
    pub hf: HfConfig,
    /// The original JSON, so fields we do not model survive a save.
    pub raw: Value,
}

/// `raw` into `T`, a wrong field named by its path (`hidden_size: invalid type ...`).
fn typed<T: serde::de::DeserializeOwned>(raw: &Value) -> Result<T> {
    serde_path_to_error::deserialize(raw).map_err(|e| anyhow::anyhow!("{e}"))
}

fn labels_from(id2label: &BTreeMap<String, String>) -> Result<LabelSet> {
    let mut v: Vec<(usize, String)> = id2label
        .iter()
        .map(|(k, l)| {
            Ok((
                k.parse::<usize>()
                    .with_context(|| format!("id2label key {k:?} is not a label id"))?,
                l.clone(),
            ))
        })
        .collect::<Result<_>>()?;
    v.sort();
    if v.iter().enumerate().any(|(i, (k, _))| i != *k) {
        fail!("id2label ids are not 0..n");
    }
    Ok(LabelSet::new(v.into_iter().map(|(_, l)| l).collect()))
}

impl ModelConfig {
    pub fn from_file(path: &Path) -> std::result::Result<Self, ModelError> {
        let fail = |why: String| ModelError::Config {
            path: path.display().to_string(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let raw: Value =
            serde_json::from_str(&text).map_err(|e| fail(format!("not valid JSON: {e}")))?;
        Self::from_json(raw)
            .map_err(|e| fail(format!("not a usable BERT/DistilBERT config: {e:#}")))
    }

    pub fn from_json(raw: Value) -> crate::Result<Self> {
        if !raw.is_object() {
            fail!("config is not a JSON object");
        }
        let common: Common = typed(&raw)?;
        let labels = common.id2label.as_ref().map(labels_from).transpose()?;
        let has_head = common
            .architectures
            .iter()
            .flatten()
            .any(|s| s.ends_with("ForTokenClassification"));
        let hf = match common.model_type.as_deref().unwrap_or("") {
            "distilbert" => HfConfig::DistilBert(typed(&raw)?),
            "bert" | "" => HfConfig::Bert(typed(&raw)?),
            other => fail!(
                "model_type {other:?} is not supported; distilner handles `bert` and `distilbert`"
            ),
        };
        let c = match &hf {
            HfConfig::DistilBert(d) => {
                if d.activation != "gelu" {
                    fail!("activation {:?} is not supported (only exact `gelu`, as BERT and DistilBERT use)", d.activation);
                }
                if d.sinusoidal_pos_embds {
                    fail!("sinusoidal_pos_embds=true is not supported");
                }
                ModelConfig {
                    arch: Arch::DistilBert,
                    vocab_size: d.vocab_size,
                    hidden: d.dim,
                    layers: d.n_layers,
                    heads: d.n_heads,
                    intermediate: d.hidden_dim,
                    dropout: d.dropout,
                    attention_dropout: d.attention_dropout,
                    // DistilBertForTokenClassification's head dropout is `dropout`.
                    classifier_dropout: d.dropout,
                    max_position: d.max_position_embeddings,
                    type_vocab: 0,
                    // Fixed in transformers' DistilBERT.
                    layer_norm_eps: 1e-12,
                    pad_token_id: d.pad_token_id.unwrap_or(0),
                    initializer_range: d.initializer_range,
                    labels,
                    has_head,
                    architectures: common.architectures.clone().unwrap_or_default(),
                    hf: hf.clone(),
                    raw,
                }
            }
            HfConfig::Bert(b) => {
                if b.hidden_act != "gelu" {
                    fail!("activation {:?} is not supported (only exact `gelu`, as BERT and DistilBERT use)", b.hidden_act);
                }
                if let Some(p) = b
                    .position_embedding_type
                    .as_deref()
                    .filter(|&p| p != "absolute")
                {
                    fail!("position_embedding_type {p:?} is not supported (only `absolute`)");
                }
                ModelConfig {
                    arch: Arch::Bert,
                    vocab_size: b.vocab_size,
                    hidden: b.hidden_size,
                    layers: b.num_hidden_layers,
                    heads: b.num_attention_heads,
                    intermediate: b.intermediate_size,
                    dropout: b.hidden_dropout_prob,
                    attention_dropout: b.attention_probs_dropout_prob,
                    classifier_dropout: b.classifier_dropout.unwrap_or(b.hidden_dropout_prob),
                    max_position: b.max_position_embeddings,
                    type_vocab: b.type_vocab_size,
                    layer_norm_eps: b.layer_norm_eps,
                    pad_token_id: b.pad_token_id.unwrap_or(0),
                    initializer_range: b.initializer_range,
                    labels,
                    has_head,
                    architectures: common.architectures.clone().unwrap_or_default(),
                    hf: hf.clone(),
                    raw,
                }
            }
        };
        if c.hidden <= 0 || c.heads <= 0 || c.hidden % c.heads != 0 {
            fail!(
                "hidden size {} is not a multiple of the number of heads {}",
                c.hidden,
                c.heads
            );
        }
        if c.layers <= 0 || c.vocab_size <= 0 || c.intermediate <= 0 || c.max_position <= 0 {
            fail!("layers, vocab_size, intermediate size and max_position_embeddings must be positive");
        }
        Ok(c)
    }

    pub fn num_labels(&self) -> Option<usize> {
        self.labels.as_ref().map(|l| l.len())
    }

    /// The HF `config.json` for this model with `labels` as its head.
    pub fn to_json(&self, labels: &LabelSet) -> Value {
        let mut v = self.raw.clone();
        let obj = v.as_object_mut().expect("config is an object");
        for k in ["_name_or_path", "gradient_checkpointing", "position_ids"] {
            obj.remove(k);
        }
        let id2label: serde_json::Map<String, Value> = labels
            .names()
            .iter()
            .enumerate()
            .map(|(i, l)| (i.to_string(), json!(l)))
            .collect();
        let label2id: serde_json::Map<String, Value> = labels
            .names()
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), json!(i)))
            .collect();
        // The shape's values in the family's fields (a built student's shape may differ from the
        // config it was read from), every field written out.
        let (fields, arch) = match &self.hf {
            HfConfig::Bert(b) => (
                serde_json::to_value(BertConfig {
                    vocab_size: self.vocab_size,
                    hidden_size: self.hidden,
                    num_hidden_layers: self.layers,
                    num_attention_heads: self.heads,
                    intermediate_size: self.intermediate,
                    hidden_dropout_prob: self.dropout,
                    attention_probs_dropout_prob: self.attention_dropout,
                    max_position_embeddings: self.max_position,
                    type_vocab_size: self.type_vocab,
                    layer_norm_eps: self.layer_norm_eps,
                    pad_token_id: Some(self.pad_token_id),
                    initializer_range: self.initializer_range,
                    // null (hidden_dropout_prob's) stays null while the two agree.
                    classifier_dropout: (b.classifier_dropout.is_some()
                        || self.classifier_dropout != self.dropout)
                        .then_some(self.classifier_dropout),
                    ..b.clone()
                }),
                ("BertForTokenClassification", "bert"),
            ),
            HfConfig::DistilBert(d) => (
                serde_json::to_value(DistilBertConfig {
                    vocab_size: self.vocab_size,
                    dim: self.hidden,
                    n_layers: self.layers,
                    n_heads: self.heads,
                    hidden_dim: self.intermediate,
                    dropout: self.dropout,
                    attention_dropout: self.attention_dropout,
                    max_position_embeddings: self.max_position,
                    pad_token_id: Some(self.pad_token_id),
                    initializer_range: self.initializer_range,
                    ..d.clone()
                }),
                ("DistilBertForTokenClassification", "distilbert"),
            ),
        };
        let fields = fields.expect("a config serialises");
        obj.insert("architectures".into(), json!([arch.0]));
        obj.insert("model_type".into(), json!(arch.1));
        for (k, x) in fields.as_object().unwrap() {
            obj.insert(k.clone(), x.clone());
        }
        obj.insert("id2label".into(), Value::Object(id2label));
        obj.insert("label2id".into(), Value::Object(label2id));
        obj.insert("dtype".into(), json!("float32"));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> LabelSet {
        LabelSet::new(vec!["O".into(), "B-PER".into(), "I-PER".into()])
    }

    #[test]
    fn missing_fields_take_transformers_defaults() {
        let c = ModelConfig::from_json(json!({"model_type": "bert"})).unwrap();
        assert_eq!(
            (c.vocab_size, c.hidden, c.layers, c.heads, c.intermediate),
            (30522, 768, 12, 12, 3072)
        );
        assert_eq!((c.max_position, c.type_vocab, c.pad_token_id), (512, 2, 0));
        assert_eq!(
            (c.dropout, c.classifier_dropout, c.initializer_range),
            (0.1, 0.1, 0.02)
        );
        let d =
            ModelConfig::from_json(json!({"model_type": "distilbert", "dim": 384, "n_heads": 12}))
                .unwrap();
        assert_eq!(
            (d.hidden, d.layers, d.intermediate, d.vocab_size),
            (384, 6, 3072, 30522)
        );
        // classifier_dropout null means hidden_dropout_prob, as in BertForTokenClassification.
        let c = ModelConfig::from_json(
            json!({"model_type": "bert", "hidden_dropout_prob": 0.2, "classifier_dropout": null}),
        )
        .unwrap();
        assert_eq!(c.classifier_dropout, 0.2);
    }

    #[test]
    fn a_bad_field_is_named() {
        let e = ModelConfig::from_json(json!({"model_type": "bert", "hidden_size": "768"}))
            .unwrap_err();
        assert!(format!("{e:#}").contains("hidden_size"), "{e:#}");
        let e = ModelConfig::from_json(json!({"id2label": {"0": "O", "1": 7}})).unwrap_err();
        assert!(format!("{e:#}").contains("id2label"), "{e:#}");
        let e =
            ModelConfig::from_json(json!({"position_embedding_type": "relative_key"})).unwrap_err();
        assert!(format!("{e:#}").contains("relative_key"), "{e:#}");
    }

    #[test]
    fn every_hf_field_is_written_and_unknown_ones_survive() {
        let c = ModelConfig::from_json(json!({"model_type": "bert", "hidden_size": 64,
            "num_attention_heads": 4, "my_field": [1, 2]}))
        .unwrap();
        let v = c.to_json(&labels());
        for k in [
            "vocab_size",
            "hidden_size",
            "num_hidden_layers",
            "intermediate_size",
            "hidden_act",
            "initializer_range",
            "layer_norm_eps",
            "type_vocab_size",
            "classifier_dropout",
            "pad_token_id",
        ] {
            assert!(v.get(k).is_some(), "{k} not written: {v}");
        }
        assert_eq!(v["hidden_size"], 64);
        assert_eq!(v["my_field"], json!([1, 2]));
        assert_eq!(v["architectures"], json!(["BertForTokenClassification"]));
        assert_eq!(v["id2label"]["1"], "B-PER");
        // Read back, the same model.
        let back = ModelConfig::from_json(v).unwrap();
        assert_eq!(back.hf, c.hf);
        assert_eq!(back.labels.unwrap().names(), labels().names());
        let d = ModelConfig::from_json(json!({"model_type": "distilbert"})).unwrap();
        let v = d.to_json(&labels());
        for k in [
            "dim",
            "n_layers",
            "n_heads",
            "hidden_dim",
            "activation",
            "qa_dropout",
            "seq_classif_dropout",
            "sinusoidal_pos_embds",
        ] {
            assert!(v.get(k).is_some(), "{k} not written: {v}");
        }
    }
}
