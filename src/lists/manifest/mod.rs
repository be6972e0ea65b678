//! The bundle manifest (`manifest.toml`): what a bundle holds, each list's declaration,
//! checksum and entry count, and its version, serial and validity period.
//!
//! Parsing is strict (`deny_unknown_fields`) and every problem names the manifest file and the
//! key (`lists[2].kind`), so a maintainer can fix a bundle without guessing.

mod check;
mod error;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lists::{HashAlgorithm, HitEffect, ListKind, ListSpec, MatchMode};
use crate::verdict::Action;

use error::syntax;
pub use error::{ManifestError, Problem};

/// The manifest's file name inside a bundle directory.
pub const MANIFEST_FILE: &str = "manifest.toml";

/// A point in time written as an RFC 3339 UTC timestamp (`2026-11-28T22:00:00Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub SystemTime);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_rfc3339(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Quoted or bare: TOML has its own datetime type and maintainers will use both.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Toml(toml::value::Datetime),
        }
        const WANT: &str = "expected an RFC 3339 UTC timestamp such as \"2026-11-28T22:00:00Z\"";
        let text = match Raw::deserialize(d) {
            Ok(Raw::Text(t)) => t,
            Ok(Raw::Toml(t)) => t.to_string(),
            Err(_) => return Err(serde::de::Error::custom(WANT)),
        };
        humantime::parse_rfc3339(&text)
            .map(Timestamp)
            .map_err(|e| serde::de::Error::custom(format!("{e}: {WANT}")))
    }
}

/// A bundle's manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Human-readable bundle version; becomes every list's version in the snapshot.
    pub version: String,
    /// Monotonically increasing number; a loader refuses serials below the last one it accepted.
    pub serial: u64,
    /// When the bundle was made.
    pub created: Timestamp,
    /// After this time the bundle is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    /// The lists, in order.
    #[serde(default)]
    pub lists: Vec<ManifestList>,
    /// The bundle's text lists precompiled by `searchward lists compile` (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiled: Option<ManifestCompiled>,
}

/// A precompiled index of the bundle's text lists. It is checked like a list (its checksum, under
/// the manifest signature) and used only when it was compiled from exactly these lists by this
/// searchward version; otherwise the lists are compiled at load as usual.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestCompiled {
    /// Path of the compiled file relative to the bundle directory.
    pub file: PathBuf,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// One list in a manifest: a [`ListSpec`] whose `path` is `file` (relative to the bundle), plus
/// the entry count and checksum the loader verifies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestList {
    /// Unique list name.
    pub name: String,
    /// Path of the list file relative to the bundle directory (no `..`, not absolute).
    pub file: PathBuf,
    /// What the entries are.
    pub kind: ListKind,
    /// Category label used by per-route policy.
    #[serde(default = "default_category")]
    pub category: String,
    /// Action for terms and victims lists.
    #[serde(default = "default_action")]
    pub action: Action,
    /// Match mode for text lists.
    #[serde(default, rename = "match")]
    pub mode: MatchMode,
    /// One-edit typo tolerance for long tokens.
    #[serde(default = "default_typos")]
    pub typos: bool,
    /// For victims lists: the context list one of whose entries must also occur.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// For hashes lists: the digest algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<HashAlgorithm>,
    /// For URL and hash lists: delist or demote.
    #[serde(default)]
    pub effect: HitEffect,
    /// For PDQ lists: maximum Hamming distance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<u32>,
    /// For sealed terms and victims lists: the key file on the host that loads the bundle
    /// (never shipped inside it; an absolute path is best).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_key: Option<PathBuf>,
    /// Number of entries (lines that are neither blank nor `#` comments).
    pub entries: u64,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

// The defaults come from `ListSpec::from_flag` so a bundle and a config file mean the same thing
// when a key is left out.
fn flag_defaults() -> ListSpec {
    ListSpec::from_flag(ListKind::Terms, PathBuf::new())
}
fn default_category() -> String {
    flag_defaults().category
}
fn default_action() -> Action {
    flag_defaults().action
}
fn default_typos() -> bool {
    flag_defaults().typos
}

impl Manifest {
    /// Parses and validates a manifest; `path` is used only in error messages.
    ///
    /// # Errors
    /// [`ManifestError::Syntax`] for TOML or type errors (with line and key),
    /// [`ManifestError::Invalid`] listing every semantic problem.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| syntax(text, path, &e))?;
        let problems = manifest.problems();
        if problems.is_empty() {
            Ok(manifest)
        } else {
            Err(ManifestError::Invalid {
                path: path.to_path_buf(),
                problems,
            })
        }
    }

    /// Parses a manifest a maintainer is still writing: `entries`, `sha256`, `created` and
    /// `serial` may be missing (they are filled in with placeholders to be recomputed), as may
    /// `version` when `version` is given. Everything else is checked as in [`Manifest::parse`].
    ///
    /// # Errors
    /// As [`Manifest::parse`].
    pub fn parse_draft(
        text: &str,
        path: &Path,
        version: Option<&str>,
    ) -> Result<Self, ManifestError> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| syntax(text, path, &e))?;
        let placeholder = |k: &str, v: toml::Value, t: &mut toml::Table| {
            t.entry(k.to_owned()).or_insert(v);
        };
        if let Some(v) = version {
            table.insert("version".into(), toml::Value::String(v.to_owned()));
        }
        placeholder("serial", toml::Value::Integer(0), &mut table);
        placeholder(
            "created",
            toml::Value::String("1970-01-01T00:00:00Z".into()),
            &mut table,
        );
        if let Some(toml::Value::Array(lists)) = table.get_mut("lists") {
            for list in lists.iter_mut().filter_map(toml::Value::as_table_mut) {
                placeholder("entries", toml::Value::Integer(0), list);
                placeholder("sha256", toml::Value::String("0".repeat(64)), list);
            }
        }
        // Line numbers of the filled-in text are not the maintainer's, so only keys are kept.
        let filled = toml::to_string(&table).map_err(|e| ManifestError::Syntax {
            path: path.to_path_buf(),
            line: 0,
            key: None,
            message: e.to_string(),
        })?;
        Manifest::parse(&filled, path).map_err(|e| match e {
            ManifestError::Syntax {
                path, key, message, ..
            } => ManifestError::Syntax {
                path,
                line: 0,
                key,
                message,
            },
            other => other,
        })
    }

    /// The manifest as TOML text.
    ///
    /// # Errors
    /// Only if serialisation fails, which a validated manifest does not.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}

impl ManifestList {
    /// The list's declaration, with its file resolved against the bundle directory `dir`.
    pub fn spec_in(&self, dir: &Path) -> ListSpec {
        ListSpec {
            name: self.name.clone(),
            kind: self.kind,
            path: dir.join(&self.file),
            category: self.category.clone(),
            action: self.action,
            mode: self.mode,
            typos: self.typos,
            context: self.context.clone(),
            algorithm: self.algorithm,
            effect: self.effect,
            max_distance: self.max_distance,
            max_age: None,
            sealed_key: self.sealed_key.clone(),
        }
    }
}
