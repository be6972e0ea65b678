//! The append-only evidence file: whole-line appends with `fsync`, torn-tail repair on open, and
//! atomic rewrites (write temp, fsync, rename, fsync directory) for retention and legal holds.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use serde::Serialize;

use crate::atomic_fs::{AtomicFile, sync_dir};

use super::read::{RecordFilter, for_each_record, read_file};
use super::{EvidenceConfig, EvidenceError, EvidenceRecord, ReadOutcome, RetentionPolicy};

/// Evidence is personal data about suspected offences: owner read/write only.
const FILE_MODE: u32 = 0o600;

/// What [`EvidenceLog::purge`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PurgeCounts {
    /// Records kept (including held ones).
    pub kept: usize,
    /// Records removed because they were past the retention period.
    pub purged: usize,
    /// Records past the retention period kept because of a legal hold.
    pub held: usize,
    /// Torn or unreadable lines dropped by the rewrite.
    pub skipped: usize,
}

/// An open evidence log.
///
/// Blocking: every method does file I/O and `fsync`. From async code share it as
/// `Arc<EvidenceLog>` and call it inside `tokio::task::spawn_blocking`. An internal mutex
/// serialises appends and rewrites, so lines never interleave and each record lands whole, in
/// the order the calls take the lock.
///
/// One process writes a log. [`EvidenceLog::append`] notices when the file was replaced behind
/// its back (e.g. `searchward evidence purge` run by hand) and reopens it, but a record
/// appended while another process rewrites the file can be lost: run purges and holds through
/// the serving process, or while it is stopped.
#[derive(Debug)]
pub struct EvidenceLog {
    path: PathBuf,
    retention: RetentionPolicy,
    file: Mutex<File>,
    repaired_bytes: u64,
}

impl EvidenceLog {
    /// Opens (creating if needed, mode 0600) the log at `path` for appending. A torn last line
    /// left by a crash is cut off first, so the next record starts on a fresh line.
    ///
    /// # Errors
    /// [`EvidenceError::Open`] when the file cannot be opened, repaired or created durably.
    pub fn open(
        path: impl Into<PathBuf>,
        retention: RetentionPolicy,
    ) -> Result<Self, EvidenceError> {
        let path = path.into();
        let (file, repaired_bytes) = open_append(&path)?;
        Ok(EvidenceLog {
            path,
            retention,
            file: Mutex::new(file),
            repaired_bytes,
        })
    }

    /// Opens the log described by an `[evidence]` section.
    ///
    /// # Errors
    /// As [`EvidenceLog::open`].
    pub fn from_config(config: &EvidenceConfig) -> Result<Self, EvidenceError> {
        Self::open(config.path.clone(), config.retention())
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The retention policy [`EvidenceLog::purge`] applies.
    pub fn retention(&self) -> RetentionPolicy {
        self.retention
    }

    /// Bytes of a torn last line cut off when the log was opened (0 after a clean shutdown).
    pub fn repaired_bytes(&self) -> u64 {
        self.repaired_bytes
    }

    /// Appends one record as one write of a whole line, then `fsync`s the data. On failure the
    /// file is cut back to its previous length so no partial line stays behind.
    ///
    /// # Errors
    /// [`EvidenceError::Write`] when the record could not be made durable.
    pub fn append(&self, record: &EvidenceRecord) -> Result<(), EvidenceError> {
        let mut line = serde_json::to_vec(record).map_err(EvidenceError::Serialize)?;
        line.push(b'\n');
        let mut file = self.lock();
        let write_err = |source| EvidenceError::Write {
            path: self.path.clone(),
            source,
        };
        if replaced(&self.path, &file) {
            *file = open_append(&self.path)?.0;
        }
        let before = file.metadata().map_err(write_err)?.len();
        if let Err(source) = file.write_all(&line).and_then(|()| file.sync_data()) {
            // Best effort: the original error is the one worth reporting.
            let _ = file.set_len(before);
            return Err(write_err(source));
        }
        Ok(())
    }

    /// Reads every record (consistent with concurrent appends through this handle).
    ///
    /// # Errors
    /// [`EvidenceError::Read`] when the file cannot be read.
    pub fn read(&self) -> Result<ReadOutcome, EvidenceError> {
        let _guard = self.lock();
        read_file(&self.path)
    }

    /// Removes records older than the retention period at `now`, except those on legal hold,
    /// by rewriting the file atomically. Torn lines are dropped by the rewrite.
    ///
    /// # Errors
    /// [`EvidenceError::Read`] or [`EvidenceError::Rewrite`]; the old file then stays intact.
    pub fn purge(&self, now: SystemTime) -> Result<PurgeCounts, EvidenceError> {
        let cutoff = now.checked_sub(self.retention.max_age);
        let mut counts = PurgeCounts::default();
        counts.skipped = self.rewrite(|r| {
            let expired = cutoff.is_some_and(|c| r.time < c);
            match (expired, r.legal_hold) {
                (false, _) => counts.kept += 1,
                (true, true) => {
                    counts.kept += 1;
                    counts.held += 1;
                }
                (true, false) => counts.purged += 1,
            }
            !expired || r.legal_hold
        })?;
        Ok(counts)
    }

    /// Sets (or with `hold == false`, releases) the legal hold of every record `filter`
    /// matches; returns how many records changed.
    ///
    /// # Errors
    /// As [`EvidenceLog::purge`].
    pub fn set_legal_hold(
        &self,
        filter: &RecordFilter,
        hold: bool,
    ) -> Result<usize, EvidenceError> {
        let mut changed = 0;
        self.rewrite(|r| {
            if filter.matches(r) && r.legal_hold != hold {
                r.legal_hold = hold;
                changed += 1;
            }
            true
        })?;
        Ok(changed)
    }

    /// Rewrites the file with the records `keep` returns true for (after it may change them).
    /// Returns the number of skipped lines. Skips the rewrite when nothing changed.
    fn rewrite(
        &self,
        mut keep: impl FnMut(&mut EvidenceRecord) -> bool,
    ) -> Result<usize, EvidenceError> {
        let mut file = self.lock();
        let err = |source| EvidenceError::Rewrite {
            path: self.path.clone(),
            source,
        };
        let source = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(source) => {
                return Err(EvidenceError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        // Streams record by record so a year of evidence never has to fit in memory.
        let streamed = (|| {
            let out = AtomicFile::create_with_mode(&self.path, FILE_MODE)?;
            let mut w = BufWriter::with_capacity(1 << 16, out);
            let mut changed = false;
            let mut write_error = None;
            let skipped = for_each_record(BufReader::with_capacity(1 << 16, source), |r| {
                let mut r2 = r.clone();
                let kept = keep(&mut r2);
                changed |= !kept || r2 != r;
                if kept && write_error.is_none() {
                    let line = serde_json::to_writer(&mut w, &r2)
                        .map_err(std::io::Error::from)
                        .and_then(|()| w.write_all(b"\n"));
                    write_error = line.err();
                }
            })?;
            if let Some(e) = write_error {
                return Err(e);
            }
            let out = w.into_inner().map_err(|e| e.into_error())?;
            // Unchanged: the temp file is dropped, the log left as it is.
            if !(changed || skipped > 0) {
                return Ok(None);
            }
            out.commit()?;
            Ok(Some(skipped))
        })();
        match streamed.map_err(err)? {
            Some(skipped) => {
                *file = open_append(&self.path)?.0;
                Ok(skipped)
            }
            None => Ok(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, File> {
        // A panic while holding the lock leaves at worst a torn line, which readers skip.
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Opens for appending, cuts a torn tail and makes a newly created file's name durable.
fn open_append(path: &Path) -> Result<(File, u64), EvidenceError> {
    let err = |source| EvidenceError::Open {
        path: path.to_path_buf(),
        source,
    };
    let existed = path.exists();
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(err)?;
    let repaired = repair_tail(&file).map_err(err)?;
    if !existed {
        sync_dir(path).map_err(err)?;
    }
    Ok((file, repaired))
}

/// Truncates the file after its last newline; returns the number of bytes cut.
fn repair_tail(file: &File) -> std::io::Result<u64> {
    let len = file.metadata()?.len();
    let mut end = len;
    let mut block = vec![0u8; 1 << 16];
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let chunk = block
            .get_mut(..usize::try_from(end - start).unwrap_or(0))
            .unwrap_or_default();
        file.read_exact_at(chunk, start)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            let keep = start + i as u64 + 1;
            if keep == len {
                return Ok(0);
            }
            file.set_len(keep)?;
            file.sync_data()?;
            return Ok(len - keep);
        }
        end = start;
    }
    if len > 0 {
        file.set_len(0)?;
        file.sync_data()?;
    }
    Ok(len)
}

/// True when `path` no longer names the open file (rewritten or removed by another process).
fn replaced(path: &Path, file: &File) -> bool {
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(p), Ok(f)) => p.dev() != f.dev() || p.ino() != f.ino(),
        _ => true,
    }
}
