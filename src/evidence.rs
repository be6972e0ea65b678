//! Append-only evidence records of URL and hash matches, for reports (stub until issue 5 lands).

use std::path::PathBuf;

/// `[evidence]` config.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceConfig {
    /// The JSONL file.
    pub path: PathBuf,
}
