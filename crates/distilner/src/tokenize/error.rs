//! Why a model directory's tokenizer cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    #[error("{dir}: no tokenizer.json or vocab.txt; copy the tokenizer files of the model's base checkpoint here")]
    NoFiles { dir: String },
    #[error("{path}: cannot read the tokenizer: {why}")]
    Unreadable { path: String, why: String },
    #[error("{path}: the tokenizer has no {token} token; is this a BERT tokenizer?")]
    MissingSpecial { path: String, token: &'static str },
}
