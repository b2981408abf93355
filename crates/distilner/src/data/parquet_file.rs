//! Parquet as the Hugging Face hub publishes it (and `Dataset.to_parquet` writes it), read with the
//! Arrow project's own `parquet` crate; only the two needed columns are decoded.
use super::rows::{pick_column, Table, TAGS_COLUMNS, TOKENS_COLUMNS};
use super::{DataError, ReadOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use std::path::Path;

pub fn read(path: &Path, opts: &ReadOptions) -> Result<Table, DataError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: name.clone(),
        source,
    })?;
    let bad = |e: parquet::errors::ParquetError| DataError::Format {
        path: name.clone(),
        what: format!("not a readable Parquet file: {e}"),
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(bad)?;
    let schema = builder.schema().clone();
    let has = |c: &str| schema.index_of(c).is_ok();
    let roots: Vec<usize> = [
        pick_column(opts.tokens_column.as_deref(), &TOKENS_COLUMNS, has),
        pick_column(opts.tags_column.as_deref(), &TAGS_COLUMNS, has),
    ]
    .iter()
    .filter_map(|c| schema.index_of(c).ok())
    .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(4096)
        .build()
        .map_err(bad)?;
    // Column checks run against the full schema, so a missing column lists every column there is.
    super::record_batch::read_table(path, &schema, reader, opts)
}
