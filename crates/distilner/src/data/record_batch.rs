//! Arrow record batches (from Parquet or Arrow IPC) → rows. Tokens are any list of strings; tags any
//! list of integers (ClassLabel ids) or strings. Columns are found by name.
use super::rows::{RawTags, RowBuilder};
use super::{DataError, Loc};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use std::sync::Arc;

/// How the tags column stores its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    Ids,
    Names,
}

fn list_item(dt: &DataType) -> Option<&DataType> {
    match dt {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            Some(f.data_type())
        }
        DataType::ListView(f) | DataType::LargeListView(f) => Some(f.data_type()),
        _ => None,
    }
}

fn is_string(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) || matches!(dt, DataType::Dictionary(_, v) if is_string(v))
}

/// The index of `column` in `schema`, or an error listing the columns there are.
pub fn column_index(
    schema: &Schema,
    column: &str,
    path: &str,
    flag: &'static str,
) -> Result<usize, DataError> {
    schema
        .index_of(column)
        .map_err(|_| DataError::MissingColumn {
            path: path.into(),
            column: column.into(),
            available: schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", "),
            flag,
        })
}

/// Check the two columns' types; returns how tags are stored.
pub fn check_types(
    schema: &Schema,
    tokens: &str,
    tags: &str,
    path: &str,
) -> Result<TagKind, DataError> {
    let ty = |c: &str| schema.field_with_name(c).map(|f| f.data_type().clone());
    let tok = ty(tokens).expect("checked by column_index");
    if !list_item(&tok).is_some_and(is_string) {
        return Err(DataError::ColumnType {
            path: path.into(),
            column: tokens.into(),
            found: tok.to_string(),
            expected: "a list of strings (one sentence's words)",
        });
    }
    let tag = ty(tags).expect("checked by column_index");
    match list_item(&tag) {
        Some(t) if t.is_integer() => Ok(TagKind::Ids),
        Some(t) if is_string(t) => Ok(TagKind::Names),
        _ => Err(DataError::ColumnType {
            path: path.into(),
            column: tags.into(),
            found: tag.to_string(),
            expected: "a list of integers (ClassLabel ids) or of strings (tag names)",
        }),
    }
}

fn cast_list(a: &ArrayRef, item: DataType, path: &str, col: &str) -> Result<ArrayRef, DataError> {
    let to = DataType::List(Arc::new(Field::new_list_field(item, true)));
    arrow_cast::cast(a, &to).map_err(|e| DataError::Format {
        path: path.into(),
        what: format!("column {col:?}: {e}"),
    })
}

/// Push every row of `batch`; `first_row` is the batch's offset in the split.
pub fn push_batch(
    batch: &RecordBatch,
    first_row: usize,
    kind: TagKind,
    sink: &mut RowBuilder,
) -> Result<(), DataError> {
    let path = sink.path;
    let col = |name: &str| {
        batch
            .column_by_name(name)
            .cloned()
            .ok_or_else(|| DataError::Format {
                path: path.into(),
                what: format!("column {name:?} missing from a record batch"),
            })
    };
    let (tc, gc) = (sink.tokens_column, sink.tags_column);
    let tokens = cast_list(&col(tc)?, DataType::Utf8, path, tc)?;
    let tokens = tokens.as_list::<i32>();
    let item = match kind {
        TagKind::Ids => DataType::Int64,
        TagKind::Names => DataType::Utf8,
    };
    let tags = cast_list(&col(gc)?, item, path, gc)?;
    let tags = tags.as_list::<i32>();
    for i in 0..batch.num_rows() {
        let words = (!tokens.is_null(i)).then(|| {
            let v = tokens.value(i);
            v.as_string::<i32>()
                .iter()
                .map(|s| s.map(String::from))
                .collect()
        });
        let row_tags = (!tags.is_null(i)).then(|| {
            let v = tags.value(i);
            match kind {
                TagKind::Ids => RawTags::Ids(
                    v.as_primitive::<arrow_array::types::Int64Type>()
                        .iter()
                        .collect(),
                ),
                TagKind::Names => RawTags::Names(
                    v.as_string::<i32>()
                        .iter()
                        .map(|s| s.map(String::from))
                        .collect(),
                ),
            }
        });
        sink.push(Loc::Row(first_row + i), words, row_tags)?;
    }
    Ok(())
}

/// Read a whole Arrow table (Parquet or IPC) given its schema and batches.
pub fn read_table<E: std::fmt::Display>(
    path: &std::path::Path,
    schema: &Schema,
    batches: impl Iterator<Item = Result<RecordBatch, E>>,
    opts: &super::ReadOptions,
) -> Result<super::rows::Table, DataError> {
    use super::rows::{pick_column, Table, TAGS_COLUMNS, TOKENS_COLUMNS};
    let name = path.display().to_string();
    let has = |c: &str| schema.index_of(c).is_ok();
    let tc = pick_column(opts.tokens_column.as_deref(), &TOKENS_COLUMNS, has);
    let gc = pick_column(opts.tags_column.as_deref(), &TAGS_COLUMNS, has);
    column_index(schema, &tc, &name, "--tokens-column")?;
    column_index(schema, &gc, &name, "--tags-column")?;
    let kind = check_types(schema, &tc, &gc, &name)?;
    let names = match kind {
        TagKind::Ids => Some(
            super::features::resolve(
                path,
                &gc,
                schema.metadata().get("huggingface").map(String::as_str),
                opts.label_names.as_deref(),
            )?
            .ok_or_else(|| DataError::NoLabelNames {
                path: name.clone(),
                column: gc.clone(),
            })?,
        ),
        TagKind::Names => None,
    };
    let mut sink = RowBuilder::new(&name, &tc, &gc);
    sink.names = names.as_ref();
    let mut row = 0;
    for b in batches {
        let b = b.map_err(|e| DataError::Format {
            path: name.clone(),
            what: format!("cannot decode a record batch after row {row}: {e}"),
        })?;
        push_batch(&b, row, kind, &mut sink)?;
        row += b.num_rows();
    }
    let (sentences, doc_starts) = (sink.sentences, sink.doc_starts);
    Ok(Table {
        sentences,
        doc_starts,
        names,
    })
}
