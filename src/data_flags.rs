//! Data flags shared by the training commands: where each split comes from and how to read it.
use distilner::data::{DataRef, ReadOptions, Splits};

/// How to read tables: which columns, and the names of integer tags when the data has none.
#[derive(clap::Args, Clone, Default)]
pub struct ReadFlags {
    /// Column with each sentence's words (default: tokens, else words).
    #[arg(long)]
    pub tokens_column: Option<String>,
    /// Column with the tags, integer ClassLabel ids or strings (default: ner_tags, else tags, labels).
    #[arg(long)]
    pub tags_column: Option<String>,
    /// Names of integer tags in id order (O,B-PER,I-PER,...), for data that does not carry them in its
    /// metadata; refused if it contradicts names the data does carry.
    #[arg(long, value_delimiter = ',')]
    pub label_names: Option<Vec<String>>,
}

impl ReadFlags {
    pub fn options(&self) -> ReadOptions {
        ReadOptions {
            tokens_column: self.tokens_column.clone(),
            tags_column: self.tags_column.clone(),
            label_names: self.label_names.clone(),
        }
    }
}

/// Where the train/dev/test splits come from.
#[derive(clap::Args, Clone)]
pub struct DataFlags {
    /// A dataset: a hub id (`eriktks/conll2003`, `conll2003`; found offline in HF_HUB_CACHE / HF_HOME or
    /// the `datasets` cache, downloaded only when online) or a directory (`save_to_disk`, a hub
    /// snapshot, the CoNLL-2003 folder). Its splits are chosen with --train-split/--dev-split/--test-split.
    #[arg(long, alias = "data", default_value = "../shared/data/conll2003")]
    pub dataset: String,
    /// Training data instead of the dataset's train split: a CoNLL file, a .parquet/.arrow/.jsonl/.json
    /// file, a dataset directory or a hub id.
    #[arg(long)]
    pub train: Option<String>,
    /// Validation data (as --train); picks the checkpoint kept.
    #[arg(long)]
    pub dev: Option<String>,
    /// Test data (as --train), scored once at the end with the kept checkpoint ("none" to skip).
    #[arg(long)]
    pub test: Option<String>,
    #[arg(long, default_value = "train")]
    pub train_split: String,
    #[arg(long, default_value = "validation")]
    pub dev_split: String,
    #[arg(long, default_value = "test")]
    pub test_split: String,
    #[command(flatten)]
    pub read: ReadFlags,
}

impl DataFlags {
    pub fn splits(&self) -> Splits {
        let pick = |given: &Option<String>, split: &str| {
            DataRef::new(given.clone().unwrap_or_else(|| self.dataset.clone()), split)
        };
        Splits {
            train: pick(&self.train, &self.train_split),
            dev: pick(&self.dev, &self.dev_split),
            test: (self.test.as_deref() != Some("none"))
                .then(|| pick(&self.test, &self.test_split)),
            read: self.read.options(),
        }
    }
}
