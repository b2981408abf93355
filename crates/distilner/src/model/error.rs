//! Why a model directory cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{dir}: not a directory; give a model directory or a Hugging Face id (org/name) in the local cache")]
    NotADirectory { dir: String },
    #[error("{path}: {why}")]
    Config { path: String, why: String },
    #[error("{dir}: only pytorch_model.bin is present; distilner reads safetensors. Convert it once with:\n  python -c \"from transformers import AutoModel as M; M.from_pretrained('{dir}').save_pretrained('{dir}', safe_serialization=True)\"")]
    OnlyPytorchBin { dir: String },
    #[error("{dir}: no model.safetensors")]
    NoWeights { dir: String },
    #[error("{dir}: the checkpoint has no token-classification head (architectures: {architectures}); fine-tune it first (`distilner finetune`)")]
    NoHead { dir: String, architectures: String },
}
