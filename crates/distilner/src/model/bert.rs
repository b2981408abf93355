//! BERT (`BertForTokenClassification`) parameter names, as in HF checkpoints.
use super::layers::LayerNames;

pub const PREFIX: &str = "bert";
pub const EMBEDDINGS: &str = "bert.embeddings";
pub const LAYERS: &str = "bert.encoder.layer";

pub const LAYER_NAMES: LayerNames = LayerNames {
    query: "attention.self.query",
    key: "attention.self.key",
    value: "attention.self.value",
    attn_out: "attention.output.dense",
    attn_norm: "attention.output.LayerNorm",
    ffn_in: "intermediate.dense",
    ffn_out: "output.dense",
    out_norm: "output.LayerNorm",
    dropout_after_attention: true,
};
