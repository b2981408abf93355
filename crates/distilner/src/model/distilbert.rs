//! DistilBERT (`DistilBertForTokenClassification`) parameter names, as in HF checkpoints.
use super::layers::LayerNames;

pub const PREFIX: &str = "distilbert";
pub const EMBEDDINGS: &str = "distilbert.embeddings";
pub const LAYERS: &str = "distilbert.transformer.layer";

pub const LAYER_NAMES: LayerNames = LayerNames {
    query: "attention.q_lin",
    key: "attention.k_lin",
    value: "attention.v_lin",
    attn_out: "attention.out_lin",
    attn_norm: "sa_layer_norm",
    ffn_in: "ffn.lin1",
    ffn_out: "ffn.lin2",
    out_norm: "output_layer_norm",
    dropout_after_attention: false,
};
