//! distilner: distil BERT named-entity models into small DistilBERT-layout students on libtorch.
//!
//! Stages, in the order data flows: [`data`] → [`tokenize`] → [`model`] → [`infer`] (tagging) →
//! [`eval`] (pure scoring) → [`evaluate`] (a model over a corpus, scored) → [`train`] / [`distill`] →
//! [`export`]; [`pipeline`] runs a training stage and then its report. The command line, the HTTP server (`distilner-server`) and the Python binding are
//! shells over these.
/// `anyhow::bail!` for a function returning either `anyhow::Result` or [`Result`]: the message
/// becomes an `anyhow::Error`, converted into the function's error type.
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err(anyhow::anyhow!($($arg)*).into())
    };
}

pub mod bench;
pub mod data;
pub mod distill;
pub mod error;
pub mod eval;
pub mod evaluate;
pub mod export;
pub mod infer;
pub mod model;
pub mod pipeline;
pub mod tokenize;
pub mod train;
pub mod util;

pub use error::{Error, Result};
