//! A split to read → a `Corpus`: a file (format chosen by content, then extension), a directory
//! (`save_to_disk`, a `DatasetDict`, a hub snapshot, a `datasets` cache dir, the CoNLL-2003 folder),
//! or a hub dataset id found in the Hugging Face caches.
use super::rows::Table;
use super::{Corpus, DataError, ReadOptions, Source};
use std::path::{Path, PathBuf};

/// What to read: a path or a hub dataset id, and the split's name (used when it holds several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRef {
    pub spec: String,
    pub split: String,
}

impl DataRef {
    pub fn new(spec: impl Into<String>, split: impl Into<String>) -> Self {
        DataRef {
            spec: spec.into(),
            split: split.into(),
        }
    }
    pub fn load(&self, opts: &ReadOptions) -> Result<Corpus, DataError> {
        load(self, opts)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Conll,
    Parquet,
    Arrow,
    Json,
}

impl Format {
    fn name(self, path: &Path) -> &'static str {
        match self {
            Format::Conll => "conll",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
            Format::Json if path.extension().is_some_and(|e| e == "json") => "json",
            Format::Json => "jsonl",
        }
    }
}

/// The format of a file, by its first bytes (Parquet and Arrow have magic numbers; JSON starts with
/// `{` or `[`), then by extension; anything else is read as CoNLL text.
pub fn detect_format(path: &Path) -> Result<Format, DataError> {
    use std::io::Read;
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|source| DataError::Io {
            path: path.display().to_string(),
            source,
        })?;
    let head = &head[..n];
    if head.starts_with(b"PAR1") {
        return Ok(Format::Parquet);
    }
    if head.starts_with(b"ARROW1") || head.starts_with(&[0xff, 0xff, 0xff, 0xff]) {
        return Ok(Format::Arrow);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "parquet" => return Ok(Format::Parquet),
        "arrow" | "feather" | "ipc" => return Ok(Format::Arrow),
        "jsonl" | "json" | "ndjson" => return Ok(Format::Json),
        _ => {}
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | Some(b'[') => Ok(Format::Json),
        _ => Ok(Format::Conll),
    }
}

fn read_file(path: &Path, opts: &ReadOptions) -> Result<(Table, Format), DataError> {
    let f = detect_format(path)?;
    let t = match f {
        Format::Conll => {
            let c = super::read_conll(path)?;
            Table {
                sentences: c.sentences,
                doc_starts: c.doc_starts,
                names: None,
            }
        }
        Format::Parquet => super::parquet_file::read(path, opts)?,
        Format::Arrow => super::ipc_file::read(path, opts)?,
        Format::Json => super::json_file::read(path, opts)?,
    };
    Ok((t, f))
}

/// Read one split: every shard in order, concatenated.
pub fn read_files(
    files: &[PathBuf],
    dataset: &str,
    split: Option<&str>,
    opts: &ReadOptions,
) -> Result<Corpus, DataError> {
    let mut out: Option<Corpus> = None;
    for path in files {
        let (t, f) = read_file(path, opts)?;
        let c = out.get_or_insert_with(|| Corpus {
            path: path.clone(),
            sentences: Vec::new(),
            doc_starts: Vec::new(),
            source: Source {
                dataset: dataset.to_string(),
                split: split.map(String::from),
                format: f.name(path).to_string(),
                files: files.to_vec(),
                label_names_from: t.names.as_ref().map(|n| n.origin.clone()),
                label_names: t.names.as_ref().map(|n| n.names.clone()),
            },
        });
        // A shard's documents start where its sentences land in the split.
        let offset = c.sentences.len();
        c.doc_starts
            .extend(t.doc_starts.iter().map(|&s| s + offset));
        c.sentences.extend(t.sentences);
    }
    let c = out.ok_or_else(|| DataError::NoRows {
        path: dataset.to_string(),
    })?;
    if c.sentences.is_empty() {
        return Err(DataError::NoRows {
            path: c.path.display().to_string(),
        });
    }
    Ok(c)
}

/// Read a split from a path or a hub dataset id.
pub fn load(r: &DataRef, opts: &ReadOptions) -> Result<Corpus, DataError> {
    let p = Path::new(&r.spec);
    if p.is_file() {
        return read_files(&[p.to_path_buf()], &r.spec, None, opts);
    }
    if p.is_dir() {
        let (files, split) = super::hub::split_files(p, &r.split, &r.spec)?;
        return read_files(&files, &r.spec, split.as_deref(), opts);
    }
    if super::hub::looks_like_id(&r.spec) {
        let files = super::hub::dataset_files(&r.spec, &r.split)?;
        return read_files(&files, &r.spec, Some(&r.split), opts);
    }
    Err(DataError::Io {
        path: r.spec.clone(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file or directory (and not a hub dataset id like org/name)",
        ),
    })
}

/// The three splits of a training run and how to read them.
#[derive(Debug, Clone)]
pub struct Splits {
    pub train: DataRef,
    pub dev: DataRef,
    pub test: Option<DataRef>,
    pub read: ReadOptions,
}

/// One split as read, for metrics.json and the model card.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SplitSummary {
    pub role: String,
    #[serde(flatten)]
    pub source: Source,
    pub sentences: usize,
    pub tokens: usize,
    /// Sentences read before `max_*_sentences` cut the split (equal when nothing was cut).
    pub sentences_in_file: usize,
}

pub struct Loaded {
    pub train: Corpus,
    pub dev: Corpus,
    pub test: Option<Corpus>,
    pub summary: Vec<SplitSummary>,
}

fn summary(role: &str, c: &Corpus, before: usize) -> SplitSummary {
    SplitSummary {
        role: role.into(),
        source: c.source.clone(),
        sentences: c.sentences.len(),
        tokens: c.sentences.iter().map(|s| s.words.len()).sum(),
        sentences_in_file: before,
    }
}

impl Splits {
    /// Read all three (train and dev cut to the first `max_*` sentences when non-zero) and report
    /// on stderr where their label names disagree.
    pub fn load(&self, max_train: usize, max_dev: usize) -> Result<Loaded, DataError> {
        let train = self.train.load(&self.read)?;
        let dev = self.dev.load(&self.read)?;
        let test = self.test.as_ref().map(|t| t.load(&self.read)).transpose()?;
        let (nt, nd) = (train.sentences.len(), dev.sentences.len());
        let (train, dev) = (train.truncate(max_train), dev.truncate(max_dev));
        let mut summary = vec![
            summary("train", &train, nt),
            summary("validation", &dev, nd),
        ];
        if let Some(t) = &test {
            summary.push(self::summary("test", t, t.sentences.len()));
        }
        for note in compare_splits(&train, &dev, test.as_ref()) {
            eprintln!("[data] {note}");
        }
        Ok(Loaded {
            train,
            dev,
            test,
            summary,
        })
    }
}

/// Where splits disagree: different ClassLabel names (harmless: tags are names by now) and entity
/// types that only dev/test have (a model trained on train can never predict them).
pub fn compare_splits(train: &Corpus, dev: &Corpus, test: Option<&Corpus>) -> Vec<String> {
    let types = |c: &Corpus| -> std::collections::BTreeSet<String> {
        c.sentences
            .iter()
            .flat_map(|s| s.tags.iter())
            .filter_map(|t| t.split_once('-').map(|(_, ty)| ty.to_string()))
            .collect()
    };
    let train_types = types(train);
    let mut notes = Vec::new();
    for c in std::iter::once(dev).chain(test) {
        if let (Some(a), Some(b)) = (&train.source.label_names, &c.source.label_names) {
            if a != b {
                notes.push(format!(
                    "label names differ: {} has {a:?}, {} has {b:?}; tags are matched by name, so this is only reported",
                    train.display_name(),
                    c.display_name()
                ));
            }
        }
        let extra: Vec<String> = types(c).difference(&train_types).cloned().collect();
        if !extra.is_empty() {
            notes.push(format!(
                "warning: {} has entity types {extra:?} that {} lacks; the model cannot learn them and will miss every one",
                c.display_name(),
                train.display_name()
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(tags: &[&str], names: Option<&[&str]>) -> Corpus {
        let mut c = crate::data::parse_conll(
            tags.iter()
                .map(|t| format!("w {t}\n"))
                .collect::<String>()
                .as_bytes(),
            "x",
        )
        .unwrap();
        c.source.label_names = names.map(|n| n.iter().map(|s| s.to_string()).collect());
        c
    }

    #[test]
    fn documents_survive_json_rows_and_shards() {
        let dir = tempfile::tempdir().unwrap();
        let row = |t: &str| format!("{{\"tokens\": [\"{t}\"], \"ner_tags\": [\"O\"]}}\n");
        let shard = |name: &str, rows: &[&str]| {
            let p = dir.path().join(name);
            std::fs::write(&p, rows.iter().map(|r| row(r)).collect::<String>()).unwrap();
            p
        };
        // Shard 1: a sentence before any marker, then a document of two; shard 2: one document.
        let a = shard("a.jsonl", &["x", "-DOCSTART-", "y", "z"]);
        let b = shard("b.jsonl", &["-DOCSTART-", "u", "v"]);
        let c = read_files(&[a, b], "d", None, &ReadOptions::default()).unwrap();
        assert_eq!(c.sentences.len(), 5);
        assert_eq!(c.doc_starts, vec![1, 3]);
        assert_eq!(c.documents(), vec![0..1, 1..3, 3..5]);
    }

    #[test]
    fn disagreeing_splits_are_reported() {
        let train = corpus(&["B-PER", "O"], Some(&["O", "B-PER", "I-PER"]));
        let same = corpus(&["B-PER"], Some(&["O", "B-PER", "I-PER"]));
        assert!(compare_splits(&train, &same, None).is_empty());
        let reordered = corpus(&["B-PER"], Some(&["O", "I-PER", "B-PER"]));
        let notes = compare_splits(&train, &reordered, None);
        assert!(
            notes.len() == 1 && notes[0].contains("label names differ"),
            "{notes:?}"
        );
        let extra = corpus(&["B-LOC"], None);
        let notes = compare_splits(&train, &same, Some(&extra));
        assert!(
            notes.len() == 1 && notes[0].contains("[\"LOC\"]"),
            "{notes:?}"
        );
    }
}
