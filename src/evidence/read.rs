//! Reading an evidence log back: every complete line is a record; a torn line (a crash in the
//! middle of an append) is skipped and counted, and a record appended after a torn line on the
//! same line is recovered.

use std::io::BufRead;
use std::path::Path;
use std::time::SystemTime;

use super::{EvidenceError, EvidenceRecord};

/// Every record that could be read, and how many torn or unreadable lines were skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOutcome {
    /// The records, in file order.
    pub records: Vec<EvidenceRecord>,
    /// Lines (or line fragments) that were not whole records.
    pub skipped: usize,
}

/// Which records an export or a legal hold applies to. Empty fields match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Records at or after this time.
    pub since: Option<SystemTime>,
    /// Records strictly before this time.
    pub until: Option<SystemTime>,
    /// Records of this list.
    pub list: Option<String>,
}

impl RecordFilter {
    /// True when `record` is inside the filter.
    pub fn matches(&self, record: &EvidenceRecord) -> bool {
        self.since.is_none_or(|s| record.time >= s)
            && self.until.is_none_or(|u| record.time < u)
            && self.list.as_ref().is_none_or(|l| *l == record.list)
    }
}

/// What every record line starts with; it cannot occur inside a JSON string (quotes are escaped).
const RECORD_START: &[u8] = b"{\"time\":";

/// Calls `f` with each record of `reader` in order; returns the number of skipped lines.
///
/// A last line without a newline is torn (the writer appends whole lines) and is skipped even
/// if it happens to parse, so the reader and [`super::EvidenceLog::open`] agree on it.
///
/// # Errors
/// The reader's I/O error.
pub fn for_each_record<R: BufRead>(
    mut reader: R,
    mut f: impl FnMut(EvidenceRecord),
) -> std::io::Result<usize> {
    let mut skipped = 0;
    let mut buf = Vec::with_capacity(512);
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let Some(line) = buf.strip_suffix(b"\n") else {
            skipped += 1;
            break;
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice(line) {
            Ok(record) => f(record),
            Err(_) => {
                skipped += 1;
                let later = line
                    .windows(RECORD_START.len())
                    .rposition(|w| w == RECORD_START)
                    .filter(|&p| p > 0)
                    .and_then(|p| line.get(p..))
                    .and_then(|rest| serde_json::from_slice(rest).ok());
                if let Some(record) = later {
                    f(record);
                }
            }
        }
    }
    Ok(skipped)
}

/// Reads every record from `reader`.
///
/// # Errors
/// The reader's I/O error.
pub fn read_records<R: BufRead>(reader: R) -> std::io::Result<ReadOutcome> {
    let mut records = Vec::new();
    let skipped = for_each_record(reader, |r| records.push(r))?;
    Ok(ReadOutcome { records, skipped })
}

/// Reads every record of the log at `path`; a missing file reads as empty.
///
/// # Errors
/// [`EvidenceError::Read`] when the file exists but cannot be read.
pub fn read_file(path: &Path) -> Result<ReadOutcome, EvidenceError> {
    let err = |source| EvidenceError::Read {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::File::open(path) {
        Ok(file) => read_records(std::io::BufReader::with_capacity(1 << 16, file)).map_err(err),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ReadOutcome::default()),
        Err(e) => Err(err(e)),
    }
}
