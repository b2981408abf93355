//! Inference stage: batched tagging of word sequences; raw text → words with offsets → entities.
pub mod aggregate;
pub mod decode;
pub mod engine;
pub mod load;
pub mod pipeline;
pub mod precision;
pub mod render;
pub mod tagger;
pub mod tagging;
pub mod words;

pub use aggregate::Strategy;
pub use decode::{Decoding, Transitions};
pub use load::{Tagger, TaggerRequest};
pub use pipeline::{analyze, entities, predict, prepare, tokens, Prepared};
pub use tagger::{tag_documents, tag_sentences, TagOptions};
