//! Every way reading data can fail, each naming the file (and line or row) and the fix.
use std::fmt;

/// Where in a file: a text line (1-based) or a dataset row (0-based, as `dataset[i]` in Python).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    Line(usize),
    Row(usize),
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loc::Line(n) => write!(f, "line {n}"),
            Loc::Row(n) => write!(f, "row {n}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: invalid UTF-8 (byte {byte} of the line); re-encode the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)")]
    Utf8 {
        path: String,
        line: usize,
        byte: usize,
    },
    #[error("{path}:{line}: expected at least two columns (`word ... TAG`), found one: {text:?}; separate word and tag with a space or tab")]
    Columns {
        path: String,
        line: usize,
        text: String,
    },
    #[error("{path}:{line}: bad tag {tag:?}: {why}; tags are `O` or `B-TYPE`, `I-TYPE`, `E-TYPE`, `S-TYPE`")]
    BadTag {
        path: String,
        line: usize,
        tag: String,
        why: &'static str,
    },
    #[error("{path}: the file is empty; give a CoNLL file with `word ... TAG` lines")]
    Empty { path: String },
    #[error("{path}: no sentences found (only blank or -DOCSTART- lines); give a CoNLL file with `word ... TAG` lines")]
    NoSentences { path: String },
    #[error("{path}: {what}")]
    Format { path: String, what: String },
    #[error("{path}: no column {column:?} (columns: {available}); name the right one with {flag}")]
    MissingColumn {
        path: String,
        column: String,
        available: String,
        flag: &'static str,
    },
    #[error("{path}: column {column:?} is {found}; expected {expected}")]
    ColumnType {
        path: String,
        column: String,
        found: String,
        expected: &'static str,
    },
    #[error("{path}: {loc}: {column:?} is null; drop or fill the row (e.g. `ds.filter(lambda r: r[{column:?}] is not None)`)")]
    NullRow {
        path: String,
        loc: Loc,
        column: String,
    },
    #[error("{path}: {loc}: {tokens} tokens but {tags} tags; every token needs exactly one tag")]
    LengthMismatch {
        path: String,
        loc: Loc,
        tokens: usize,
        tags: usize,
    },
    #[error("{path}: the tags in {column:?} are integers and no label names were found (searched: the file's `huggingface` schema metadata, dataset_info.json / dataset_infos.json and the dataset card README.md beside it); pass them in id order with --label-names O,B-PER,I-PER,...")]
    NoLabelNames { path: String, column: String },
    #[error("{path}: {loc}: tag id {id} at position {pos} is outside the {n} label names ({origin}: {names:?}); fix the row or the names")]
    TagOutOfRange {
        path: String,
        loc: Loc,
        id: i64,
        pos: usize,
        n: usize,
        origin: String,
        names: Vec<String>,
    },
    #[error("{path}: label name {name:?} (id {id}, from {origin}) is not a valid tag: {why}; tags are `O` or `B-TYPE`, `I-TYPE`, `E-TYPE`, `S-TYPE` (rename the ClassLabel names, or pass --label-names)")]
    BadLabelName {
        path: String,
        name: String,
        id: usize,
        origin: String,
        why: &'static str,
    },
    #[error("{path}: {loc}: bad tag {tag:?} at position {pos}: {why}; tags are `O` or `B-TYPE`, `I-TYPE`, `E-TYPE`, `S-TYPE`")]
    BadRowTag {
        path: String,
        loc: Loc,
        tag: String,
        pos: usize,
        why: &'static str,
    },
    #[error("{path}: --label-names {given:?} disagree with the names in {origin} {found:?}; labels are matched by name, so drop --label-names or fix the metadata")]
    LabelNamesConflict {
        path: String,
        given: Vec<String>,
        origin: String,
        found: Vec<String>,
    },
    #[error("{path}: no sentences (every row was empty or a -DOCSTART- marker)")]
    NoRows { path: String },
    #[error("{spec}: no {split:?} split found{looked}; name the split with --train-split/--dev-split/--test-split (found: {found})")]
    NoSplit {
        spec: String,
        split: String,
        looked: String,
        found: String,
    },
    #[error("{id}: not a file or directory, and the dataset is not in the Hugging Face caches ({searched}); on a machine with network run `huggingface-cli download --repo-type dataset {id}` (or load it once with `datasets.load_dataset`) and copy the cache, or pass files with --train/--dev/--test")]
    DatasetNotFound { id: String, searched: String },
    #[error("{id}: failed to download the dataset from the Hugging Face hub: {why}; set HF_HUB_OFFLINE=1 to use only the local cache, or pass files with --train/--dev/--test")]
    DownloadFailed { id: String, why: String },
}
