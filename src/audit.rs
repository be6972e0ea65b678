//! The admin audit log: one JSON line per attempted change (time, endpoint, list, old and new
//! version and checksum, result, client address), and one per client per throttle window of
//! failed authentications (with the count), appended and synced. Size-bounded: past its bound
//! the file is renamed to `<name>.1` (replacing the previous one) and a new one started. Never
//! list content, never text chosen by the client.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
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
    /// How many attempts the record stands for (aggregated failed authentications).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

/// Where audit records go: a JSONL file when configured, and always the log.
#[derive(Debug)]
pub struct Audit {
    file: Option<Mutex<Current>>,
    path: Option<PathBuf>,
    max_bytes: u64,
}

/// The open file and its size.
#[derive(Debug)]
struct Current {
    file: std::fs::File,
    len: u64,
}

impl Audit {
    /// Opens (creating) the audit file for appending; it is rotated past `max_bytes`.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(path: Option<PathBuf>, max_bytes: u64) -> std::io::Result<Audit> {
        let file = match &path {
            Some(p) => Some(Mutex::new(open_append(p)?)),
            None => None,
        };
        Ok(Audit {
            file,
            path,
            max_bytes,
        })
    }

    /// Records an action (blocking: a write and an fsync; admin actions are rare, and failed
    /// authentications are aggregated before they get here).
    pub fn record(&self, rec: &AuditRecord<'_>) {
        tracing::info!(target: "searchward::audit", endpoint = rec.endpoint, list = rec.list, result = %rec.result, client = %rec.client, count = rec.count, "admin action");
        let (Some(file), Some(path)) = (&self.file, &self.path) else {
            return;
        };
        let Ok(mut line) = serde_json::to_vec(rec) else {
            return;
        };
        line.push(b'\n');
        let Ok(mut cur) = file.lock() else { return };
        if cur.len > 0 && cur.len + line.len() as u64 > self.max_bytes {
            match rotate(path) {
                Ok(fresh) => *cur = fresh,
                Err(e) => tracing::error!(path = ?path, error = %e, "audit log rotation failed"),
            }
        }
        if cur.file.write_all(&line).is_err() || cur.file.sync_data().is_err() {
            tracing::error!(path = ?path, "audit log write failed");
        } else {
            cur.len += line.len() as u64;
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<Current> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let len = file.metadata()?.len();
    Ok(Current { file, len })
}

/// Renames `path` to `path.1` (replacing it) and opens a new `path`.
fn rotate(path: &Path) -> std::io::Result<Current> {
    let mut old = path.as_os_str().to_owned();
    old.push(".1");
    std::fs::rename(path, &old)?;
    open_append(path)
}

/// Now, as RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The client address as text.
pub fn client(addr: SocketAddr) -> String {
    addr.ip().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(client: &str) -> AuditRecord<'static> {
        AuditRecord {
            time: now_rfc3339(),
            endpoint: "PUT /admin/lists/{name}",
            list: Some("terms"),
            old_version: None,
            old_sha256: None,
            new_version: None,
            new_sha256: None,
            result: "ok".into(),
            client: client.into(),
            count: None,
        }
    }

    #[test]
    fn the_log_rotates_past_its_bound_and_keeps_one_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let audit = Audit::open(Some(path.clone()), 1024).unwrap();
        for i in 0..200 {
            audit.record(&record(&format!("127.0.0.{}", i % 250)));
        }
        let now = std::fs::metadata(&path).unwrap().len();
        let old = std::fs::metadata(dir.path().join("audit.jsonl.1"))
            .unwrap()
            .len();
        assert!(now <= 1024 && old <= 1024, "{now} {old}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        // Every line is whole JSON.
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["result"], "ok");
            assert!(v.get("count").is_none());
        }
    }
}
