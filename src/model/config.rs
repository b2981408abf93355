//! `config.json` of BERT and DistilBERT checkpoints, read into one shape and written back in each
//! family's own field names (unknown fields are kept).
use crate::data::LabelSet;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
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
    /// Labels from `id2label`, when the checkpoint has a token-classification head.
    pub labels: Option<LabelSet>,
    /// Whether the checkpoint's architectures name a token-classification model.
    pub has_head: bool,
    /// The original JSON, so fields we do not model survive a save.
    pub raw: Value,
}

fn get_i(v: &Value, keys: &[&str], default: Option<i64>) -> Result<i64> {
    for k in keys {
        if let Some(x) = v.get(*k).and_then(Value::as_i64) {
            return Ok(x);
        }
    }
    default.with_context(|| format!("missing integer field `{}`", keys[0]))
}

fn get_f(v: &Value, key: &str, default: f64) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(default)
}

impl ModelConfig {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let raw: Value = serde_json::from_str(&text)
            .with_context(|| format!("{}: not valid JSON", path.display()))?;
        Self::from_json(raw)
            .with_context(|| format!("{}: not a usable BERT/DistilBERT config", path.display()))
    }

    pub fn from_json(raw: Value) -> Result<Self> {
        if !raw.is_object() {
            bail!("config is not a JSON object");
        }
        let model_type = raw.get("model_type").and_then(Value::as_str).unwrap_or("");
        let act = raw
            .get("hidden_act")
            .or_else(|| raw.get("activation"))
            .and_then(Value::as_str)
            .unwrap_or("gelu");
        if act != "gelu" {
            bail!("activation {act:?} is not supported (only exact `gelu`, as BERT and DistilBERT use)");
        }
        let labels = raw
            .get("id2label")
            .and_then(Value::as_object)
            .map(|m| -> Result<LabelSet> {
                let mut v: Vec<(usize, String)> = m
                    .iter()
                    .map(|(k, l)| {
                        Ok((
                            k.parse::<usize>()?,
                            l.as_str()
                                .context("id2label value is not a string")?
                                .to_string(),
                        ))
                    })
                    .collect::<Result<_>>()?;
                v.sort();
                if v.iter().enumerate().any(|(i, (k, _))| i != *k) {
                    bail!("id2label ids are not 0..n");
                }
                Ok(LabelSet::new(v.into_iter().map(|(_, l)| l).collect()))
            });
        let labels = labels.transpose()?;
        let has_head = raw
            .get("architectures")
            .and_then(Value::as_array)
            .is_some_and(|a| {
                a.iter().any(|x| {
                    x.as_str()
                        .is_some_and(|s| s.ends_with("ForTokenClassification"))
                })
            });
        let mut c = match model_type {
            "distilbert" => ModelConfig {
                arch: Arch::DistilBert,
                vocab_size: get_i(&raw, &["vocab_size"], None)?,
                hidden: get_i(&raw, &["dim"], Some(768))?,
                layers: get_i(&raw, &["n_layers"], Some(6))?,
                heads: get_i(&raw, &["n_heads"], Some(12))?,
                intermediate: get_i(&raw, &["hidden_dim"], Some(3072))?,
                dropout: get_f(&raw, "dropout", 0.1),
                attention_dropout: get_f(&raw, "attention_dropout", 0.1),
                classifier_dropout: get_f(&raw, "dropout", 0.1),
                max_position: get_i(&raw, &["max_position_embeddings"], Some(512))?,
                type_vocab: 0,
                layer_norm_eps: 1e-12,
                pad_token_id: get_i(&raw, &["pad_token_id"], Some(0))?,
                labels,
                has_head,
                raw: raw.clone(),
            },
            "bert" | "" => {
                let dropout = get_f(&raw, "hidden_dropout_prob", 0.1);
                ModelConfig {
                    arch: Arch::Bert,
                    vocab_size: get_i(&raw, &["vocab_size"], None)?,
                    hidden: get_i(&raw, &["hidden_size"], None)?,
                    layers: get_i(&raw, &["num_hidden_layers"], None)?,
                    heads: get_i(&raw, &["num_attention_heads"], None)?,
                    intermediate: get_i(&raw, &["intermediate_size"], None)?,
                    dropout,
                    attention_dropout: get_f(&raw, "attention_probs_dropout_prob", 0.1),
                    classifier_dropout: get_f(&raw, "classifier_dropout", dropout),
                    max_position: get_i(&raw, &["max_position_embeddings"], Some(512))?,
                    type_vocab: get_i(&raw, &["type_vocab_size"], Some(2))?,
                    layer_norm_eps: get_f(&raw, "layer_norm_eps", 1e-12),
                    pad_token_id: get_i(&raw, &["pad_token_id"], Some(0))?,
                    labels,
                    has_head,
                    raw: raw.clone(),
                }
            }
            other => bail!(
                "model_type {other:?} is not supported; distilner handles `bert` and `distilbert`"
            ),
        };
        if raw.get("sinusoidal_pos_embds").and_then(Value::as_bool) == Some(true) {
            bail!("sinusoidal_pos_embds=true is not supported");
        }
        if c.hidden <= 0 || c.heads <= 0 || c.hidden % c.heads != 0 {
            bail!(
                "hidden size {} is not a multiple of the number of heads {}",
                c.hidden,
                c.heads
            );
        }
        if c.layers <= 0 || c.vocab_size <= 0 || c.intermediate <= 0 || c.max_position <= 0 {
            bail!("layers, vocab_size, intermediate size and max_position_embeddings must be positive");
        }
        c.raw = raw;
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
        let fields = match self.arch {
            Arch::Bert => json!({
                "architectures": ["BertForTokenClassification"], "model_type": "bert",
                "vocab_size": self.vocab_size, "hidden_size": self.hidden, "num_hidden_layers": self.layers,
                "num_attention_heads": self.heads, "intermediate_size": self.intermediate, "hidden_act": "gelu",
                "hidden_dropout_prob": self.dropout, "attention_probs_dropout_prob": self.attention_dropout,
                "max_position_embeddings": self.max_position, "type_vocab_size": self.type_vocab,
                "layer_norm_eps": self.layer_norm_eps, "pad_token_id": self.pad_token_id,
            }),
            Arch::DistilBert => json!({
                "architectures": ["DistilBertForTokenClassification"], "model_type": "distilbert",
                "vocab_size": self.vocab_size, "dim": self.hidden, "n_layers": self.layers, "n_heads": self.heads,
                "hidden_dim": self.intermediate, "activation": "gelu", "dropout": self.dropout,
                "attention_dropout": self.attention_dropout, "max_position_embeddings": self.max_position,
                "sinusoidal_pos_embds": false, "pad_token_id": self.pad_token_id,
                "qa_dropout": 0.1, "seq_classif_dropout": 0.2, "tie_weights_": true,
            }),
        };
        for (k, x) in fields.as_object().unwrap() {
            obj.insert(k.clone(), x.clone());
        }
        obj.insert("id2label".into(), Value::Object(id2label));
        obj.insert("label2id".into(), Value::Object(label2id));
        obj.insert("dtype".into(), json!("float32"));
        v
    }
}
