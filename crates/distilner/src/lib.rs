//! distilner: distil BERT named-entity models into small DistilBERT-layout students on libtorch.
//!
//! Stages, in the order data flows: [`data`] → [`tokenize`] → [`model`] → [`infer`] (tagging) →
//! [`eval`] (pure scoring) → [`evaluate`] (a model over a corpus, scored) → [`train`] / [`distill`] →
//! [`export`]. The command line, the HTTP server (`distilner-server`) and the Python binding are
//! shells over these.
pub mod bench;
pub mod data;
pub mod distill;
pub mod error;
pub mod eval;
pub mod evaluate;
pub mod export;
pub mod infer;
pub mod model;
pub mod tokenize;
pub mod train;
pub mod util;

pub use error::{Error, Result};
