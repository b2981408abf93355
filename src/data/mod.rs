//! Data stage: CoNLL files in, `Sentence`s with validated tags out.
pub mod conll;
pub mod labels;
pub mod scheme;
pub mod stats;

pub use conll::{parse_conll, read_conll, Corpus, DataError, Sentence};
pub use labels::LabelSet;
pub use scheme::{convert, detect, Scheme};
