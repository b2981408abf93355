//! Hugging Face's `config.json` for the two families distilner runs, as typed structs: field names
//! verbatim, and defaults written out as transformers' `BertConfig` / `DistilBertConfig` have them, so
//! a field a checkpoint leaves out means what it means to transformers.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fields both families share, and the ones that pick the family.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Common {
    pub model_type: Option<String>,
    pub architectures: Option<Vec<String>>,
    /// Label names by id ("0", "1", ...), when the checkpoint has a classification head.
    pub id2label: Option<BTreeMap<String, String>>,
}

/// transformers' `BertConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BertConfig {
    pub vocab_size: i64,
    pub hidden_size: i64,
    pub num_hidden_layers: i64,
    pub num_attention_heads: i64,
    pub intermediate_size: i64,
    pub hidden_act: String,
    pub hidden_dropout_prob: f64,
    pub attention_probs_dropout_prob: f64,
    pub max_position_embeddings: i64,
    pub type_vocab_size: i64,
    pub initializer_range: f64,
    pub layer_norm_eps: f64,
    pub pad_token_id: Option<i64>,
    /// Gone from transformers 5 (absolute positions only); a transformers 4 checkpoint may name
    /// another kind, which distilner refuses rather than run as absolute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_embedding_type: Option<String>,
    /// The head's dropout; `None`: `hidden_dropout_prob`.
    pub classifier_dropout: Option<f64>,
}

impl Default for BertConfig {
    fn default() -> Self {
        BertConfig {
            vocab_size: 30522,
            hidden_size: 768,
            num_hidden_layers: 12,
            num_attention_heads: 12,
            intermediate_size: 3072,
            hidden_act: "gelu".into(),
            hidden_dropout_prob: 0.1,
            attention_probs_dropout_prob: 0.1,
            max_position_embeddings: 512,
            type_vocab_size: 2,
            initializer_range: 0.02,
            layer_norm_eps: 1e-12,
            pad_token_id: Some(0),
            position_embedding_type: None,
            classifier_dropout: None,
        }
    }
}

/// transformers' `DistilBertConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DistilBertConfig {
    pub vocab_size: i64,
    pub max_position_embeddings: i64,
    pub sinusoidal_pos_embds: bool,
    pub n_layers: i64,
    pub n_heads: i64,
    pub dim: i64,
    pub hidden_dim: i64,
    pub dropout: f64,
    pub attention_dropout: f64,
    pub activation: String,
    pub initializer_range: f64,
    pub qa_dropout: f64,
    pub seq_classif_dropout: f64,
    pub pad_token_id: Option<i64>,
}

impl Default for DistilBertConfig {
    fn default() -> Self {
        DistilBertConfig {
            vocab_size: 30522,
            max_position_embeddings: 512,
            sinusoidal_pos_embds: false,
            n_layers: 6,
            n_heads: 12,
            dim: 768,
            hidden_dim: 4 * 768,
            dropout: 0.1,
            attention_dropout: 0.1,
            activation: "gelu".into(),
            initializer_range: 0.02,
            qa_dropout: 0.1,
            seq_classif_dropout: 0.2,
            pad_token_id: Some(0),
        }
    }
}

/// A checkpoint's config in its family's own fields.
#[derive(Debug, Clone, PartialEq)]
pub enum HfConfig {
    Bert(BertConfig),
    DistilBert(DistilBertConfig),
}
