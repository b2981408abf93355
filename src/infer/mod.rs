//! Inference stage: batched tagging of word sequences; raw text → words with offsets → entities.
pub mod tagger;

pub use tagger::{tag_sentences, TagOptions};
