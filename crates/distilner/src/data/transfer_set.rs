//! A soft-label transfer set: unlabelled sentences tagged by a teacher, for distillation. Parquet
//! parts (one per rank of `distilner label`) with the columns `tokens`, `tags` (the teacher's
//! word-level tags) and, per word, the teacher's `top_k` labels and probabilities — labels stored by
//! name, so a student matches them by name — plus `manifest.json` naming the teacher, its labels and
//! the parts.
use super::DataError;
use arrow_array::builder::{Float32Builder, ListBuilder, StringBuilder};
use arrow_array::{Array, ArrayRef, Float32Array, ListArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One sentence of a transfer set.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftSentence {
    pub words: Vec<String>,
    /// The teacher's tag per word (its most probable label).
    pub tags: Vec<String>,
    /// Per word, the teacher's `top_k` (label, probability), most probable first.
    pub top_k: Vec<Vec<(String, f32)>>,
}

fn schema() -> Arc<Schema> {
    let item = |t: DataType| Arc::new(Field::new("item", t, true));
    let list = |t: DataType| DataType::List(item(t));
    Arc::new(Schema::new(vec![
        Field::new("tokens", list(DataType::Utf8), false),
        Field::new("tags", list(DataType::Utf8), false),
        Field::new("top_k_labels", list(list(DataType::Utf8)), false),
        Field::new("top_k_probs", list(list(DataType::Float32)), false),
    ]))
}

/// Streams sentences into one Parquet part, a row group per `write` call.
pub struct PartWriter {
    path: PathBuf,
    writer: ArrowWriter<std::fs::File>,
    pub rows: usize,
}

fn io(path: &Path, e: impl std::fmt::Display) -> DataError {
    DataError::Format {
        path: path.display().to_string(),
        what: format!("cannot write the transfer set: {e}"),
    }
}

impl PartWriter {
    pub fn create(path: &Path) -> Result<Self, DataError> {
        let f = std::fs::File::create(path).map_err(|source| DataError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let writer = ArrowWriter::try_new(f, schema(), None).map_err(|e| io(path, e))?;
        Ok(PartWriter {
            path: path.to_path_buf(),
            writer,
            rows: 0,
        })
    }

    pub fn write(&mut self, sentences: &[SoftSentence]) -> Result<(), DataError> {
        if sentences.is_empty() {
            return Ok(());
        }
        let mut tokens = ListBuilder::new(StringBuilder::new());
        let mut tags = ListBuilder::new(StringBuilder::new());
        let mut labels = ListBuilder::new(ListBuilder::new(StringBuilder::new()));
        let mut probs = ListBuilder::new(ListBuilder::new(Float32Builder::new()));
        for s in sentences {
            for w in &s.words {
                tokens.values().append_value(w);
            }
            tokens.append(true);
            for t in &s.tags {
                tags.values().append_value(t);
            }
            tags.append(true);
            for k in &s.top_k {
                for (l, p) in k {
                    labels.values().values().append_value(l);
                    probs.values().values().append_value(*p);
                }
                labels.values().append(true);
                probs.values().append(true);
            }
            labels.append(true);
            probs.append(true);
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(tokens.finish()),
            Arc::new(tags.finish()),
            Arc::new(labels.finish()),
            Arc::new(probs.finish()),
        ];
        let batch = RecordBatch::try_new(schema(), cols).map_err(|e| io(&self.path, e))?;
        self.writer.write(&batch).map_err(|e| io(&self.path, e))?;
        self.writer.flush().map_err(|e| io(&self.path, e))?;
        self.rows += sentences.len();
        Ok(())
    }

    pub fn finish(self) -> Result<usize, DataError> {
        let path = self.path.clone();
        self.writer.close().map_err(|e| io(&path, e))?;
        Ok(self.rows)
    }
}

/// Read one part. Errors name the file and row.
pub fn read_part(path: &Path) -> Result<Vec<SoftSentence>, DataError> {
    let name = path.display().to_string();
    let bad = |what: String| DataError::Format {
        path: name.clone(),
        what,
    };
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: name.clone(),
        source,
    })?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| bad(format!("unreadable: {e}")))?;
        let col = |n: &str| -> Result<&ListArray, DataError> {
            batch
                .column_by_name(n)
                .and_then(|c| c.as_any().downcast_ref::<ListArray>())
                .ok_or_else(|| {
                    bad(format!(
                        "no list column {n:?}: not a transfer set written by `distilner label`"
                    ))
                })
        };
        let (tokens, tags, labels, probs) = (
            col("tokens")?,
            col("tags")?,
            col("top_k_labels")?,
            col("top_k_probs")?,
        );
        let strings = |a: ArrayRef| -> Vec<String> {
            let s = a.as_any().downcast_ref::<StringArray>();
            s.map(|s| (0..s.len()).map(|i| s.value(i).to_string()).collect())
                .unwrap_or_default()
        };
        for r in 0..batch.num_rows() {
            let row = out.len() + 1;
            let words = strings(tokens.value(r));
            let t = strings(tags.value(r));
            let (ls, ps) = (labels.value(r), probs.value(r));
            let (ls, ps) = (
                ls.as_any().downcast_ref::<ListArray>(),
                ps.as_any().downcast_ref::<ListArray>(),
            );
            let (Some(ls), Some(ps)) = (ls, ps) else {
                return Err(bad(format!(
                    "row {row}: top_k columns are not lists of lists"
                )));
            };
            if t.len() != words.len() || ls.len() != words.len() || ps.len() != words.len() {
                return Err(bad(format!(
                    "row {row}: {} tokens but {} tags and {} top-k lists; the file is damaged, label the text again",
                    words.len(),
                    t.len(),
                    ls.len()
                )));
            }
            let mut top_k = Vec::with_capacity(words.len());
            for w in 0..words.len() {
                let names = strings(ls.value(w));
                let p = ps.value(w);
                let p = p
                    .as_any()
                    .downcast_ref::<Float32Array>()
                    .map(|a| a.values().to_vec())
                    .unwrap_or_default();
                if names.len() != p.len() || names.is_empty() {
                    return Err(bad(format!(
                        "row {row}, word {}: {} labels but {} probabilities",
                        w + 1,
                        names.len(),
                        p.len()
                    )));
                }
                top_k.push(names.into_iter().zip(p).collect());
            }
            out.push(SoftSentence {
                words,
                tags: t,
                top_k,
            });
        }
    }
    Ok(out)
}

/// A transfer set's parts: a directory with `manifest.json` (its parts, in rank order), or one
/// Parquet file.
pub fn parts(path: &Path) -> Result<Vec<PathBuf>, DataError> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let manifest = path.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).map_err(|source| DataError::Io {
        path: manifest.display().to_string(),
        source,
    })?;
    let m: serde_json::Value = serde_json::from_str(&text).map_err(|e| DataError::Format {
        path: manifest.display().to_string(),
        what: format!("not JSON: {e}"),
    })?;
    let files: Vec<PathBuf> = m["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["file"].as_str().map(|f| path.join(f)))
        .collect();
    if files.is_empty() {
        return Err(DataError::Format {
            path: manifest.display().to_string(),
            what: "lists no parts; label the text again with `distilner label`".into(),
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parts_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("part.parquet");
        let s = vec![
            SoftSentence {
                words: vec!["EU".into(), "rejects".into()],
                tags: vec!["B-ORG".into(), "O".into()],
                top_k: vec![
                    vec![("B-ORG".into(), 0.9), ("B-LOC".into(), 0.05)],
                    vec![("O".into(), 0.99), ("B-MISC".into(), 0.004)],
                ],
            },
            SoftSentence {
                words: vec![],
                tags: vec![],
                top_k: vec![],
            },
        ];
        let mut w = PartWriter::create(&p).unwrap();
        w.write(&s[..1]).unwrap();
        w.write(&s[1..]).unwrap();
        assert_eq!(w.finish().unwrap(), 2);
        assert_eq!(read_part(&p).unwrap(), s);
        assert_eq!(parts(&p).unwrap(), vec![p.clone()]);
        let e = read_part(&d.path().join("none.parquet"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("none.parquet"), "{e}");
    }
}
