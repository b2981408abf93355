//! distilner: distil BERT named-entity models into small DistilBERT-layout students on libtorch.
//!
//! Stages, in the order data flows: [`data`] → [`tokenize`] → [`model`] → [`train`] / [`distill`] →
//! [`eval`] → [`export`] / [`infer`] / [`serve`].
pub mod bench;
pub mod data;
pub mod distill;
pub mod eval;
pub mod export;
pub mod infer;
pub mod model;
pub mod serve;
pub mod tokenize;
pub mod train;
pub mod util;
