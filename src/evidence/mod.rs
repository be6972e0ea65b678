//! Append-only evidence records of URL and hash list matches, kept for reporting to the
//! appropriate authorities (UK interim code of practice on CSEA, Section 5 and Appendix 6).
//!
//! Each match at query or indexing time becomes one JSON line ([`EvidenceRecord`]) appended and
//! `fsync`ed by an [`EvidenceLog`]. Records hold list names and versions, the matched URL or
//! digest and configured request headers, never query text or content. Readers skip torn lines
//! left by a crash ([`read_file`]); retention purges old records except those on legal hold,
//! by atomic rewrite ([`EvidenceLog::purge`], [`EvidenceLog::set_legal_hold`]).
//!
//! Async callers: the log is blocking; share an `Arc<EvidenceLog>` and call
//! `tokio::task::spawn_blocking(move || log.append(&record))`.

mod export;
mod log;
mod read;
mod record;
mod time;

use std::path::PathBuf;

pub use export::{ExportFormat, write_records};
pub use log::{EvidenceLog, PurgeCounts};
pub use read::{ReadOutcome, RecordFilter, for_each_record, read_file, read_records};
pub use record::{
    DEFAULT_RETENTION_DAYS, EvidenceConfig, EvidenceRecord, MAX_HEADER_VALUE, MIN_RETENTION_DAYS,
    MatchKind, RetentionPolicy, Stage,
};
pub use time::{format_rfc3339, parse_rfc3339};

/// Why the evidence log could not be opened, written, read or rewritten.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The file could not be opened, created or repaired.
    #[error("{path}: cannot open evidence log")]
    Open {
        /// The log file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be written durably.
    #[error("{path}: cannot append evidence record")]
    Write {
        /// The log file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be read.
    #[error("{path}: cannot read evidence log")]
    Read {
        /// The log file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A retention or legal-hold rewrite failed; the previous file is intact.
    #[error("{path}: cannot rewrite evidence log")]
    Rewrite {
        /// The log file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be serialised.
    #[error("cannot serialise evidence record")]
    Serialize(#[source] serde_json::Error),
}

#[cfg(test)]
mod tests;
