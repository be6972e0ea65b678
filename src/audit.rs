//! The admin audit log: one JSON line per attempted change (time, endpoint, list, old and new
//! version and checksum, result, client address), appended and synced. Never list content.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;

/// One audited admin action.
#[derive(Debug, Serialize)]
pub struct AuditRecord<'a> {
    /// RFC 3339 UTC time.
    pub time: String,
    /// Method and path.
    pub endpoint: &'a str,
    /// The list concerned, if any.
    pub list: Option<&'a str>,
    /// Version before.
    pub old_version: Option<String>,
    /// Checksum before.
    pub old_sha256: Option<String>,
    /// Version after.
    pub new_version: Option<String>,
    /// Checksum after.
    pub new_sha256: Option<String>,
    /// `ok`, `unauthorized`, `refused: …`.
    pub result: String,
    /// Client address.
    pub client: String,
}

/// Where audit records go: a JSONL file when configured, and always the log.
#[derive(Debug)]
pub struct Audit {
    file: Option<Mutex<std::fs::File>>,
    path: Option<PathBuf>,
}

impl Audit {
    /// Opens (creating) the audit file for appending.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(path: Option<PathBuf>) -> std::io::Result<Audit> {
        let file = match &path {
            Some(p) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            )),
            None => None,
        };
        Ok(Audit { file, path })
    }

    /// Records an action (blocking: a write and an fsync; admin actions are rare).
    pub fn record(&self, rec: &AuditRecord<'_>) {
        tracing::info!(target: "searchward::audit", endpoint = rec.endpoint, list = rec.list, result = %rec.result, client = %rec.client, "admin action");
        let Some(file) = &self.file else { return };
        let Ok(mut line) = serde_json::to_vec(rec) else {
            return;
        };
        line.push(b'\n');
        if let Ok(mut f) = file.lock()
            && (f.write_all(&line).is_err() || f.sync_data().is_err())
        {
            tracing::error!(path = ?self.path, "audit log write failed");
        }
    }
}

/// Now, as RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The client address as text.
pub fn client(addr: SocketAddr) -> String {
    addr.ip().to_string()
}
