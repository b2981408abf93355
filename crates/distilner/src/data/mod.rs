//! Data stage: users' data in — CoNLL text, Parquet (the hub's), Arrow (`datasets` save_to_disk and
//! cache), JSON Lines / JSON, hub dataset ids — and `Sentence`s with validated tag *names* out.
//! Integer tags become names here, from the dataset's own ClassLabel names; nothing downstream ever
//! sees an integer tag, so nothing downstream can map labels by position.
pub mod augment;
pub mod chunks;
pub mod conll;
pub mod error;
pub mod features;
pub mod hub;
pub mod ipc_file;
pub mod json_file;
pub mod labels;
pub mod parquet_file;
pub mod record_batch;
pub mod rows;
pub mod scheme;
pub mod source;
pub mod stats;
pub mod transfer_set;
pub mod unlabelled;

pub use conll::{parse_conll, read_conll};
pub use error::{DataError, Loc};
pub use labels::LabelSet;
pub use scheme::{convert, detect, Scheme};
pub use source::{load, DataRef, Loaded, SplitSummary, Splits};
use std::path::PathBuf;

/// One sentence: words and their tags, same length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub words: Vec<String>,
    pub tags: Vec<String>,
}

/// A parsed split.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The file read (the first one, for a sharded split).
    pub path: PathBuf,
    pub sentences: Vec<Sentence>,
    /// Where each `-DOCSTART-` marker (a CoNLL line, a dataset row) began a document: the index of
    /// the sentence that follows it. Sentences before the first marker form a document of their own.
    pub doc_starts: Vec<usize>,
    pub source: Source,
}

/// What was read, for logs, metrics.json and the model card.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Source {
    /// The dataset id or path as the user gave it.
    pub dataset: String,
    /// The split's name when it came from a multi-split dataset.
    pub split: Option<String>,
    /// conll, parquet, arrow, jsonl, json.
    pub format: String,
    pub files: Vec<PathBuf>,
    /// The integer tags' names in id order and where they were found (None for string tags).
    pub label_names: Option<Vec<String>>,
    pub label_names_from: Option<String>,
}

impl Source {
    pub fn file(path: &str, format: &str) -> Source {
        Source {
            dataset: path.to_string(),
            split: None,
            format: format.to_string(),
            files: vec![PathBuf::from(path)],
            label_names: None,
            label_names_from: None,
        }
    }
}

/// Which columns hold the words and the tags, and the names of integer tags when the data has none.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Default: `tokens` (or `words`).
    pub tokens_column: Option<String>,
    /// Default: `ner_tags` (or `tags`, `labels`).
    pub tags_column: Option<String>,
    /// Names of integer tags in id order, used when the data carries none (`--label-names`).
    pub label_names: Option<Vec<String>>,
}

impl Corpus {
    /// Keep the first `limit` sentences when `limit > 0` (smoke tests).
    pub fn truncate(mut self, limit: usize) -> Corpus {
        if limit > 0 && self.sentences.len() > limit {
            self.sentences.truncate(limit);
        }
        self
    }

    /// `-DOCSTART-` markers seen.
    pub fn docs(&self) -> usize {
        self.doc_starts.len()
    }

    /// The documents as ranges of sentence indices, in order, none empty: every sentence is in one.
    pub fn documents(&self) -> Vec<std::ops::Range<usize>> {
        let n = self.sentences.len();
        let mut cuts: Vec<usize> = std::iter::once(0)
            .chain(self.doc_starts.iter().map(|&s| s.min(n)))
            .chain(std::iter::once(n))
            .collect();
        cuts.dedup();
        cuts.windows(2).map(|w| w[0]..w[1]).collect()
    }

    /// The name shown for this split: `id[split]` or the file path.
    pub fn display_name(&self) -> String {
        match &self.source.split {
            Some(s) => format!("{}[{s}]", self.source.dataset),
            None => self.source.dataset.clone(),
        }
    }
}
