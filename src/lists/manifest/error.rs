//! Why a manifest was refused: problems with their keys, and TOML errors located by line and
//! key.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem found in a manifest, with the key it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key such as `lists[1].file`, or `""` for the document.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// Why a manifest was refused.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not valid TOML, or a key is unknown, missing or of the wrong type.
    #[error("{}", at(path, *line, key.as_deref(), message))]
    Syntax {
        /// The manifest file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// The key at that line, as `lists[N].key` inside a list table.
        key: Option<String>,
        /// The parser's message.
        message: String,
    },
    /// Well-formed but inconsistent; every problem is listed.
    #[error("{path}: {}", join(problems))]
    Invalid {
        /// The manifest file.
        path: PathBuf,
        /// Each problem with its key.
        problems: Vec<Problem>,
    },
}

fn at(path: &Path, line: usize, key: Option<&str>, message: &str) -> String {
    let mut out = path.display().to_string();
    if line > 0 {
        out.push_str(&format!(":{line}"));
    }
    if let Some(key) = key {
        out.push_str(&format!(": {key}"));
    }
    format!("{out}: {message}")
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Turns a TOML error into a [`ManifestError::Syntax`] naming the line and the key there.
pub(super) fn syntax(text: &str, path: &Path, err: &toml::de::Error) -> ManifestError {
    let (line, key) = match err.span() {
        Some(span) => locate(text, span.start),
        None => (0, None),
    };
    ManifestError::Syntax {
        path: path.to_path_buf(),
        line,
        key,
        message: err.message().to_owned(),
    }
}

/// The 1-based line of byte `offset` and the dotted key defined on it (`lists[N].key` after the
/// N+1-th `[[lists]]` header).
fn locate(text: &str, offset: usize) -> (usize, Option<String>) {
    let before = text.get(..offset).unwrap_or(text);
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let tables = text
        .lines()
        .take(line_no)
        .filter(|l| l.trim_start().starts_with("[[lists]]"))
        .count();
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let key = match (key, tables) {
        (Some(k), 0) => Some(k),
        (Some(k), n) => Some(format!("lists[{}].{k}", n - 1)),
        (None, 0) => None,
        (None, n) => Some(format!("lists[{}]", n - 1)),
    };
    (line_no, key)
}
