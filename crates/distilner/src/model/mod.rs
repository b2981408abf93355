//! Model stage: BERT and DistilBERT token classifiers on libtorch with HF parameter names, HF
//! directory load/save, hub ids, and the BERT → DistilBERT student builder.
pub mod aoti;
pub mod attention;
pub mod bert;
pub mod checkpoint;
pub mod classifier;
pub mod config;
pub mod distilbert;
pub mod dropout;
pub mod error;
pub mod hf_config;
pub mod hub;
pub mod inference_mode;
pub mod int8;
pub mod layers;
pub mod precision;
pub mod proj;
mod shim_error;
pub mod student;

pub use checkpoint::{load_dir, load_model, save_dir, Head, Loaded};
pub use classifier::{Output, TokenClassifier, Want};
pub use config::{Arch, ModelConfig};
pub use error::ModelError;
pub use precision::Precision;
