//! Arrow IPC as `datasets` writes it: `save_to_disk` shards (`data-00000-of-00001.arrow`) and the
//! cache of a loaded dataset (`<builder>-train.arrow`) are IPC *streams*; `.feather`/IPC files too.
use super::rows::Table;
use super::{DataError, ReadOptions};
use arrow_ipc::reader::{FileReader, StreamReader};
use std::io::{BufReader, Read, Seek};
use std::path::Path;

pub fn read(path: &Path, opts: &ReadOptions) -> Result<Table, DataError> {
    let name = path.display().to_string();
    let io = |source| DataError::Io {
        path: name.clone(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut magic = [0u8; 6];
    let n = file.read(&mut magic).map_err(io)?;
    file.rewind().map_err(io)?;
    let bad = |e: arrow_schema::ArrowError| DataError::Format {
        path: name.clone(),
        what: format!("not a readable Arrow IPC file or stream: {e}"),
    };
    if n == 6 && &magic == b"ARROW1" {
        let r = FileReader::try_new(BufReader::new(file), None).map_err(bad)?;
        let schema = r.schema();
        super::record_batch::read_table(path, &schema, r, opts)
    } else {
        let r = StreamReader::try_new(BufReader::new(file), None).map_err(bad)?;
        let schema = r.schema();
        super::record_batch::read_table(path, &schema, r, opts)
    }
}
