//! JSON Lines (`{"tokens": [...], "ner_tags": [...]}` per line, as `Dataset.to_json` writes it) and
//! JSON (an array of such objects, or `{"data": [...]}`). Tags are integers or strings.
use super::rows::{pick_column, RawTags, RowBuilder, Table, TAGS_COLUMNS, TOKENS_COLUMNS};
use super::{DataError, Loc, ReadOptions};
use serde_json::Value;
use std::path::Path;

fn strings(v: &Value) -> Option<Vec<Option<String>>> {
    v.as_array()?
        .iter()
        .map(|x| match x {
            Value::String(s) => Some(Some(s.clone())),
            Value::Null => Some(None),
            _ => None,
        })
        .collect()
}

fn ids(v: &Value) -> Option<Vec<Option<i64>>> {
    v.as_array()?
        .iter()
        .map(|x| match x {
            Value::Null => Some(None),
            x => x.as_i64().map(Some),
        })
        .collect()
}

fn row(name: &str, loc: Loc, obj: &Value, sink: &mut RowBuilder) -> Result<(), DataError> {
    let Some(map) = obj.as_object() else {
        return Err(DataError::Format {
            path: name.into(),
            what: format!(
                "{loc}: expected a JSON object like {{\"tokens\": [...], \"ner_tags\": [...]}}"
            ),
        });
    };
    let missing = |col: &str, flag| DataError::MissingColumn {
        path: format!("{name}: {loc}"),
        column: col.into(),
        available: map.keys().cloned().collect::<Vec<_>>().join(", "),
        flag,
    };
    let (tc, gc) = (sink.tokens_column, sink.tags_column);
    let tokens = map.get(tc).ok_or_else(|| missing(tc, "--tokens-column"))?;
    let tags = map.get(gc).ok_or_else(|| missing(gc, "--tags-column"))?;
    let type_err = |col: &str, expected| DataError::ColumnType {
        path: format!("{name}: {loc}"),
        column: col.into(),
        found: map
            .get(col)
            .map(|v| v.to_string().chars().take(60).collect())
            .unwrap_or_default(),
        expected,
    };
    let words = match tokens {
        Value::Null => None,
        v => Some(strings(v).ok_or_else(|| type_err(tc, "a list of strings"))?),
    };
    let raw = match tags {
        Value::Null => None,
        v => Some(
            if let Some(s) = strings(v).filter(|s| s.iter().any(Option::is_some)) {
                RawTags::Names(s)
            } else if let Some(i) = ids(v) {
                RawTags::Ids(i)
            } else {
                return Err(type_err(
                    gc,
                    "a list of integers (label ids) or of strings (tag names)",
                ));
            },
        ),
    };
    sink.push(loc, words, raw)
}

pub fn read(path: &Path, opts: &ReadOptions) -> Result<Table, DataError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
        path: name.clone(),
        source,
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(DataError::Empty { path: name });
    }
    let bad_json = |loc: String, e: serde_json::Error| DataError::Format {
        path: name.clone(),
        what: format!("{loc}: invalid JSON: {e}"),
    };
    // One whole JSON document (array or {"data": [...]}), else JSON Lines.
    let rows: Vec<(Loc, Value)> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => a
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Loc::Row(i), v))
            .collect(),
        Ok(Value::Object(o)) if o.get("data").is_some_and(Value::is_array) => {
            let Some(Value::Array(a)) = o.into_iter().find(|(k, _)| k == "data").map(|(_, v)| v)
            else {
                unreachable!()
            };
            a.into_iter()
                .enumerate()
                .map(|(i, v)| (Loc::Row(i), v))
                .collect()
        }
        _ => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l)
                    .map(|v| (Loc::Line(i + 1), v))
                    .map_err(|e| bad_json(format!("line {}", i + 1), e))
            })
            .collect::<Result<_, _>>()?,
    };
    let first = rows.first().and_then(|(_, v)| v.as_object());
    let has = |c: &str| first.is_some_and(|m| m.contains_key(c));
    let tc = pick_column(opts.tokens_column.as_deref(), &TOKENS_COLUMNS, has);
    let gc = pick_column(opts.tags_column.as_deref(), &TAGS_COLUMNS, has);
    // Integer tags anywhere: their names are needed before the first row is read.
    let int_tags = rows.iter().any(|(_, v)| {
        v.get(&gc)
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(Value::is_number))
    });
    let names = if int_tags {
        super::features::resolve(path, &gc, None, opts.label_names.as_deref())?
    } else {
        None
    };
    let mut sink = RowBuilder::new(&name, &tc, &gc);
    sink.names = names.as_ref();
    for (loc, v) in &rows {
        row(&name, *loc, v, &mut sink)?;
    }
    let (sentences, doc_starts) = (sink.sentences, sink.doc_starts);
    Ok(Table {
        sentences,
        doc_starts,
        names,
    })
}
