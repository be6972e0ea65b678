//! What an evidence record holds, the `[evidence]` configuration, and the retention policy.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::lists::HashAlgorithm;

/// Whether a URL list or a hash list matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// A URL list entry matched a hit's or document's URL.
    Url,
    /// A hash list entry matched a hit's or document's digest.
    Hash,
}

/// Where the match happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// In a search response (a hit delisted or demoted).
    Query,
    /// In a document sent to an indexing route.
    Index,
}

impl MatchKind {
    /// The lowercase name used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Url => "url",
            MatchKind::Hash => "hash",
        }
    }
}

impl Stage {
    /// The lowercase name used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Query => "query",
            Stage::Index => "index",
        }
    }
}

/// One match of a URL or hash list, as kept for reporting (UK interim code, Section 5 and
/// Appendix 6). Never holds query text or content: only the listed URL or digest, where it was
/// seen and the request headers the operator chose to record (e.g. an uploader id).
///
/// Serialised as one JSON object per line with `time` first (the reader relies on it to recover
/// a record appended after a torn line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRecord {
    /// When the match happened (RFC 3339, UTC, milliseconds).
    #[serde(with = "super::time::serde_rfc3339")]
    pub time: SystemTime,
    /// Name of the route that saw it.
    pub route: String,
    /// Name of the matching list.
    pub list: String,
    /// Version of that list.
    pub list_version: String,
    /// URL or hash match.
    pub kind: MatchKind,
    /// Query (search response) or index (document upload).
    pub stage: Stage,
    /// Line of the matching entry in the list file.
    #[serde(default)]
    pub entry: Option<u32>,
    /// The URL of the hit or document, when it has one.
    #[serde(default)]
    pub url: Option<String>,
    /// The digest that matched (hex), for hash matches.
    #[serde(default)]
    pub hash: Option<String>,
    /// Its algorithm, for hash matches.
    #[serde(default)]
    pub algorithm: Option<HashAlgorithm>,
    /// Configured request headers (lowercase name → value), e.g. an uploader id.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Kept past the retention period until released.
    #[serde(default)]
    pub legal_hold: bool,
}

/// How long records are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Records older than this are purged unless on legal hold.
    pub max_age: Duration,
}

impl RetentionPolicy {
    /// Keep records for `days` days.
    pub fn from_days(days: u32) -> Self {
        RetentionPolicy {
            max_age: Duration::from_secs(u64::from(days) * 86_400),
        }
    }
}

impl Default for RetentionPolicy {
    /// 365 days.
    fn default() -> Self {
        Self::from_days(DEFAULT_RETENTION_DAYS)
    }
}

/// Default retention: a year, well over the 90-day minimum of Section 5.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

/// Section 5: material relating to reports is retained for at least 90 days.
pub const MIN_RETENTION_DAYS: u32 = 90;

/// Longest header value kept in a record; longer values are cut on a character boundary.
pub const MAX_HEADER_VALUE: usize = 256;

/// Headers never recorded: credentials, and `referer`, which may carry the query text.
const REFUSED_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization", "referer"];

/// The `[evidence]` section of the proxy configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceConfig {
    /// The JSONL file records are appended to (its directory must exist).
    pub path: PathBuf,
    /// Days records are kept (default 365, at least 90).
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// Request headers copied into each record (case-insensitive names).
    #[serde(default)]
    pub headers: Vec<String>,
}

fn default_retention_days() -> u32 {
    DEFAULT_RETENTION_DAYS
}

impl EvidenceConfig {
    /// Checks the section on its own; one message per problem (no file access).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.path.as_os_str().is_empty() {
            out.push("evidence.path must not be empty".to_owned());
        }
        if self.retention_days < MIN_RETENTION_DAYS {
            out.push(format!(
                "evidence.retention_days must be at least {MIN_RETENTION_DAYS} (material relating \
                 to reports is kept at least 90 days)"
            ));
        }
        for name in &self.headers {
            let lower = name.to_ascii_lowercase();
            if http::HeaderName::from_bytes(lower.as_bytes()).is_err() {
                out.push(format!("evidence.headers: {name:?} is not a header name"));
            } else if REFUSED_HEADERS.contains(&lower.as_str()) {
                out.push(format!(
                    "evidence.headers: {lower} may hold credentials or query text; not recorded"
                ));
            }
        }
        out
    }

    /// The retention policy of this section.
    pub fn retention(&self) -> RetentionPolicy {
        RetentionPolicy::from_days(self.retention_days)
    }

    /// The configured headers present in `headers`, lowercase names, values cut to
    /// [`MAX_HEADER_VALUE`] bytes; values that are not visible ASCII/UTF-8 are skipped.
    pub fn capture_headers(&self, headers: &http::HeaderMap) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for name in &self.headers {
            let lower = name.to_ascii_lowercase();
            if REFUSED_HEADERS.contains(&lower.as_str()) {
                continue;
            }
            let Some(value) = headers.get(lower.as_str()) else {
                continue;
            };
            let Ok(value) = std::str::from_utf8(value.as_bytes()) else {
                continue;
            };
            let mut end = value.len().min(MAX_HEADER_VALUE);
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            out.insert(lower, value.get(..end).unwrap_or_default().to_owned());
        }
        out
    }
}
