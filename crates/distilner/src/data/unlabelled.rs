//! Unlabelled text for a teacher to tag (`distilner label`): text lines, JSON Lines (`tokens` or
//! `text`) or Parquet (a `tokens` list column or a `text` column), streamed so a corpus of millions
//! of sentences is never held whole. Each sentence is handed over with its index, so ranks can take
//! disjoint shares.
use super::DataError;
use arrow_array::{Array, ListArray, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::io::BufRead;
use std::path::Path;

/// One unlabelled sentence: words already split, or raw text to split.
#[derive(Debug, Clone, PartialEq)]
pub enum Unlabelled {
    Tokens(Vec<String>),
    Text(String),
}

const COLUMNS: [&str; 2] = ["tokens", "text"];

fn format_error(path: &Path, what: String) -> DataError {
    DataError::Format {
        path: path.display().to_string(),
        what,
    }
}

/// Call `f(index, sentence)` for every sentence whose index `keep` accepts, in file order; returns
/// how many sentences the file has. Blank text lines are not sentences.
pub fn for_each(
    path: &Path,
    column: Option<&str>,
    keep: impl Fn(usize) -> bool,
    mut f: impl FnMut(usize, Unlabelled) -> Result<(), DataError>,
) -> Result<usize, DataError> {
    let name = path.display().to_string();
    let open = || {
        std::fs::File::open(path).map_err(|source| DataError::Io {
            path: name.clone(),
            source,
        })
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut n = 0usize;
    match ext.as_str() {
        "parquet" => {
            let reader = ParquetRecordBatchReaderBuilder::try_new(open()?)
                .and_then(|b| b.with_batch_size(4096).build())
                .map_err(|e| format_error(path, format!("not a readable Parquet file: {e}")))?;
            for batch in reader {
                let batch = batch.map_err(|e| format_error(path, format!("unreadable: {e}")))?;
                let names: Vec<String> = batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect();
                let col = match column {
                    Some(c) => c.to_string(),
                    None => COLUMNS
                        .iter()
                        .find(|c| names.iter().any(|n| n == *c))
                        .map(|c| c.to_string())
                        .ok_or_else(|| {
                            format_error(path, format!("has no `tokens` or `text` column (columns: {names:?}); pass --column"))
                        })?,
                };
                let a = batch.column_by_name(&col).ok_or_else(|| {
                    format_error(path, format!("has no column {col:?} (columns: {names:?})"))
                })?;
                if let Some(l) = a.as_any().downcast_ref::<ListArray>() {
                    for r in 0..l.len() {
                        if keep(n) {
                            let v = l.value(r);
                            let s = v.as_any().downcast_ref::<StringArray>().ok_or_else(|| {
                                format_error(
                                    path,
                                    format!("column {col:?} is not a list of strings"),
                                )
                            })?;
                            let words = (0..s.len()).map(|i| s.value(i).to_string()).collect();
                            f(n, Unlabelled::Tokens(words))?;
                        }
                        n += 1;
                    }
                } else if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
                    for r in 0..s.len() {
                        if keep(n) {
                            f(n, Unlabelled::Text(s.value(r).to_string()))?;
                        }
                        n += 1;
                    }
                } else {
                    return Err(format_error(
                        path,
                        format!(
                            "column {col:?} is {}, not text or a list of words",
                            a.data_type()
                        ),
                    ));
                }
            }
        }
        _ => {
            // One sentence per non-blank line: a JSON object (JSON Lines) or plain text.
            let json = ext == "jsonl" || ext == "json";
            for (i, line) in std::io::BufReader::new(open()?).lines().enumerate() {
                let line = line.map_err(|source| DataError::Io {
                    path: name.clone(),
                    source,
                })?;
                if line.trim().is_empty() {
                    continue;
                }
                if keep(n) {
                    let s = if json {
                        json_sentence(path, i + 1, &line, column)?
                    } else {
                        Unlabelled::Text(line)
                    };
                    f(n, s)?;
                }
                n += 1;
            }
        }
    }
    Ok(n)
}

/// One JSON Lines sentence: `tokens` (a list of words) or `text`, or the field `column`.
fn json_sentence(
    path: &Path,
    line: usize,
    text: &str,
    column: Option<&str>,
) -> Result<Unlabelled, DataError> {
    let bad = |what: &str| {
        format_error(
            path,
            format!("line {line}: {what}; each line needs {{\"tokens\": [words]}} or {{\"text\": \"...\"}}"),
        )
    };
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(&format!("not JSON ({e})")))?;
    let pick = column.map(|c| vec![c]).unwrap_or(COLUMNS.to_vec());
    pick.iter()
        .find_map(|c| match &v[*c] {
            serde_json::Value::String(t) => Some(Ok(Unlabelled::Text(t.clone()))),
            serde_json::Value::Array(a) => Some(
                a.iter()
                    .map(|w| w.as_str().map(String::from))
                    .collect::<Option<Vec<_>>>()
                    .map(Unlabelled::Tokens)
                    .ok_or_else(|| bad(&format!("{c:?} is not a list of strings"))),
            ),
            _ => None,
        })
        .unwrap_or_else(|| Err(bad("no text")))
}

#[cfg(test)]
mod tests {
    use super::*;
    fn all(path: &Path) -> Vec<Unlabelled> {
        let mut v = Vec::new();
        for_each(
            path,
            None,
            |_| true,
            |_, s| {
                v.push(s);
                Ok(())
            },
        )
        .unwrap();
        v
    }
    #[test]
    fn text_and_jsonl_with_shares_and_errors() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("a.txt");
        std::fs::write(&t, "EU rejects it .\n\nPeter went home\n").unwrap();
        assert_eq!(
            all(&t),
            vec![
                Unlabelled::Text("EU rejects it .".into()),
                Unlabelled::Text("Peter went home".into())
            ]
        );
        let j = d.path().join("a.jsonl");
        std::fs::write(
            &j,
            "{\"tokens\": [\"EU\", \"rejects\"]}\n{\"text\": \"Peter\"}\n{\"x\": 1}\n",
        )
        .unwrap();
        let mut odd = Vec::new();
        let n = for_each(
            &j,
            None,
            |i| i % 2 == 1,
            |i, s| {
                odd.push((i, s));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(n, 3);
        assert_eq!(odd, vec![(1, Unlabelled::Text("Peter".into()))]);
        let e = for_each(&j, None, |_| true, |_, _| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.jsonl") && e.contains("line 3"), "{e}");
    }
}
