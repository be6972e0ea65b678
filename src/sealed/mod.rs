//! Sealed lists: a terms or victims list deployed as keyed hashes of its normalised entries, so
//! the file on a server is not a readable list of what is blocked. [`seal`] turns a plain list
//! into one; [`SealedIndex`] matches queries by hashing their token n-grams.
//!
//! File format (a text list, so `#` comments and line numbers still work):
//! ```text
//! # searchward-sealed v1 key-id=<16 hex> kind=<terms|victims> max-tokens=<N> max-bytes=<M>
//! <32 hex> <32 hex> ...      one line per line of the plain list, hashes sorted
//! #                          comments kept as bare `#`, blank lines kept
//! ```
//! Line `n + 1` of the sealed file holds line `n` of the plain list, and verdicts report the
//! plain list's line, so entry ids mean the same in both.
//!
//! Sealed lists match whole tokens only: no prefixes, substrings, typo tolerance, context or
//! allow-list overrides, and `1`/`|` read only as `i`.

mod forms;
mod key;

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::lists::{Entry, ListKind, ListSpec};
use crate::verdict::{Action, ListId, Match, Verdict};

pub use forms::MAX_JOIN;
pub use key::{KEY_BYTES, SealKey};

use forms::{Form, entry_forms, query_grams};

/// What the first line of a sealed file starts with.
pub const MAGIC: &str = "# searchward-sealed v1";

/// Why a list could not be sealed or a sealed list could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SealedError {
    /// The key file could not be read.
    #[error("{path}: cannot read key file")]
    ReadKey {
        /// The key file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The key file does not hold 64 hex digits.
    #[error("{path}: a key file holds 64 hex digits (make one with `searchward lists keygen`)")]
    BadKey {
        /// The key file.
        path: PathBuf,
    },
    /// No randomness for a new key.
    #[error("cannot get random bytes for a key: {0}")]
    Random(String),
    /// The first line is not a sealed-list header.
    #[error("{path}:1: not a sealed list header ({MAGIC} key-id=… kind=… max-tokens=…)")]
    BadHeader {
        /// The list file.
        path: PathBuf,
    },
    /// The list was sealed with another key.
    #[error("{path}:1: sealed with key {file_key}, but the key file has id {key}")]
    WrongKey {
        /// The list file.
        path: PathBuf,
        /// Key id in the file.
        file_key: String,
        /// Id of the key given.
        key: String,
    },
    /// The list was sealed as another kind than it is declared.
    #[error("{path}:1: sealed as a {sealed} list but declared {declared}")]
    WrongKind {
        /// The list file.
        path: PathBuf,
        /// Kind in the header.
        sealed: String,
        /// Declared kind.
        declared: &'static str,
    },
    /// A line is not a list of 32-hex-digit hashes.
    #[error("{path}:{line}: expected 32-hex-digit hashes separated by spaces")]
    BadLine {
        /// The list file.
        path: PathBuf,
        /// 1-based line of the sealed file.
        line: u32,
    },
    /// An entry of a plain list has no letters or digits.
    #[error("{path}:{line}: entry is empty once normalised")]
    EmptyEntry {
        /// The plain list.
        path: PathBuf,
        /// 1-based line.
        line: u32,
    },
    /// Only terms and victims lists can be sealed.
    #[error("only terms and victims lists can be sealed, not {0}")]
    Kind(&'static str),
}

/// True when `bytes` is a sealed list file (its first line is a sealed header).
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .starts_with(MAGIC.as_bytes())
}

/// Seals the entries of a plain list with `key`. `lines` is the plain file's line count; every
/// line is kept (comments as bare `#`, blanks blank) so line numbers map one to one.
///
/// # Errors
/// [`SealedError::EmptyEntry`] (with `path:line`) for an entry without letters or digits,
/// [`SealedError::Kind`] for a kind other than terms or victims.
pub fn seal(
    entries: &[Entry],
    lines: &[&str],
    kind: ListKind,
    key: &SealKey,
    path: &Path,
) -> Result<String, SealedError> {
    if !matches!(kind, ListKind::Terms | ListKind::Victims) {
        return Err(SealedError::Kind(kind.as_str()));
    }
    let mut body: Vec<String> = lines
        .iter()
        .map(|l| if l.trim().is_empty() { "" } else { "#" }.to_owned())
        .collect();
    let mut max_tokens = 1;
    let mut max_bytes = 1;
    for e in entries {
        let (forms, n) = entry_forms(&e.text, kind == ListKind::Victims);
        if forms.is_empty() {
            return Err(SealedError::EmptyEntry {
                path: path.to_path_buf(),
                line: e.line,
            });
        }
        max_tokens = max_tokens.max(n);
        max_bytes = forms.iter().map(Vec::len).fold(max_bytes, usize::max);
        let mut hashes: Vec<String> = forms
            .iter()
            .map(|f| format!("{:032x}", key.hash(f)))
            .collect();
        // Sorted, so a hash's position does not tell which form it came from.
        hashes.sort_unstable();
        if let Some(slot) = body.get_mut((e.line as usize).saturating_sub(1)) {
            *slot = hashes.join(" ");
        }
    }
    // Rounded up, so the header tells little about the longest entry.
    let max_bytes = max_bytes.div_ceil(16) * 16;
    let mut out = format!(
        "{MAGIC} key-id={} kind={} max-tokens={max_tokens} max-bytes={max_bytes}\n",
        key.id(),
        kind.as_str()
    );
    for line in body {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// One sealed list handed to [`SealedIndex::build`].
#[derive(Clone, Copy, Debug)]
pub struct SealedList<'a> {
    /// Its id in the snapshot.
    pub id: ListId,
    /// Its declaration (kind terms or victims, match mode token).
    pub spec: &'a ListSpec,
    /// The sealed file's bytes.
    pub bytes: &'a [u8],
    /// The key it was sealed with.
    pub key: &'a SealKey,
}

/// One matched line: the list's position in the index and the plain list's line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Posting {
    list: u32,
    line: u32,
}

/// The lists sealed with one key: they share the hashes of a query.
#[derive(Debug)]
struct KeyGroup {
    key: SealKey,
    max_tokens: usize,
    max_bytes: usize,
    /// Hash → range of `postings`.
    map: FxHashMap<u128, (u32, u32)>,
    postings: Vec<Posting>,
}

/// Compiled sealed lists. Immutable; cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct SealedIndex {
    lists: Vec<(ListId, Action)>,
    groups: Vec<KeyGroup>,
}

impl SealedIndex {
    /// Compiles sealed lists.
    ///
    /// # Errors
    /// [`SealedError`] naming the file (and line) of the first problem: a bad header, a key or
    /// kind that does not match the header, a malformed line.
    pub fn build(lists: &[SealedList<'_>]) -> Result<Self, SealedError> {
        let mut index = SealedIndex::default();
        let mut pending: Vec<(usize, Vec<(u128, Posting)>)> = Vec::new();
        for (ix, l) in lists.iter().enumerate() {
            let list = u32::try_from(ix).map_err(|_| SealedError::Kind("too many"))?;
            let path = &l.spec.path;
            let text = std::str::from_utf8(l.bytes).map_err(|_| SealedError::BadLine {
                path: path.clone(),
                line: 1,
            })?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let mut lines = text.lines();
            let header = parse_header(lines.next().unwrap_or(""), path)?;
            if header.key_id != l.key.id() {
                return Err(SealedError::WrongKey {
                    path: path.clone(),
                    file_key: header.key_id.to_owned(),
                    key: l.key.id().to_owned(),
                });
            }
            if header.kind != l.spec.kind.as_str() {
                return Err(SealedError::WrongKind {
                    path: path.clone(),
                    sealed: header.kind.to_owned(),
                    declared: l.spec.kind.as_str(),
                });
            }
            let g = match index.groups.iter().position(|g| g.key.id() == l.key.id()) {
                Some(g) => g,
                None => {
                    index.groups.push(KeyGroup {
                        key: l.key.clone(),
                        max_tokens: 1,
                        max_bytes: 1,
                        map: FxHashMap::default(),
                        postings: Vec::new(),
                    });
                    pending.push((index.groups.len() - 1, Vec::new()));
                    index.groups.len() - 1
                }
            };
            let (group, hashes) = match (index.groups.get_mut(g), pending.get_mut(g)) {
                (Some(group), Some((_, hashes))) => (group, hashes),
                _ => return Err(SealedError::Kind("internal")),
            };
            group.max_tokens = group.max_tokens.max(header.max_tokens);
            group.max_bytes = group.max_bytes.max(header.max_bytes);
            for (n, line) in lines.enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                // Sealed line n + 2 (after the header) holds plain line n + 1.
                let plain = u32::try_from(n + 1).map_err(|_| SealedError::BadLine {
                    path: path.clone(),
                    line: u32::MAX,
                })?;
                for h in line.split_ascii_whitespace() {
                    let hash = (h.len() == 32)
                        .then(|| u128::from_str_radix(h, 16).ok())
                        .flatten()
                        .ok_or_else(|| SealedError::BadLine {
                            path: path.clone(),
                            line: plain.saturating_add(1),
                        })?;
                    hashes.push((hash, Posting { list, line: plain }));
                }
            }
            index.lists.push((l.id, l.spec.action));
        }
        for (g, mut hashes) in pending {
            let Some(group) = index.groups.get_mut(g) else {
                continue;
            };
            hashes.sort_unstable();
            hashes.dedup();
            group.map.reserve(hashes.len());
            group.postings.reserve(hashes.len());
            let mut i = 0;
            while let Some(&(h, _)) = hashes.get(i) {
                let start = group.postings.len() as u32;
                while let Some(&(h2, p)) = hashes.get(i)
                    && h2 == h
                {
                    group.postings.push(p);
                    i += 1;
                }
                group.map.insert(h, (start, group.postings.len() as u32));
            }
            group.map.shrink_to_fit();
        }
        Ok(index)
    }

    /// True when no sealed list is loaded.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// Number of distinct hashes held.
    pub fn hashes(&self) -> usize {
        self.groups.iter().map(|g| g.map.len()).sum()
    }

    /// Checks one text against the sealed lists: whole-token matches of any entry form.
    pub fn check(&self, text: &str) -> Verdict {
        let mut verdict = Verdict::allow();
        if self.groups.is_empty() {
            return verdict;
        }
        let (lit, skel) = Form::both(text);
        let mut bufs = (Vec::with_capacity(64), Vec::with_capacity(64));
        for g in &self.groups {
            for form in std::iter::once(&lit).chain(skel.as_ref()) {
                query_grams(form, g.max_tokens, g.max_bytes, &mut bufs, &mut |gram| {
                    let Some(&(s, e)) = g.map.get(&g.key.hash(gram)) else {
                        return;
                    };
                    for p in g.postings.get(s as usize..e as usize).unwrap_or(&[]) {
                        if let Some(&(list, action)) = self.lists.get(p.list as usize) {
                            verdict.push(Match { list, line: p.line }, action);
                        }
                    }
                });
            }
        }
        verdict.finish();
        verdict
    }
}

/// The fields of a sealed file's first line.
struct Header<'a> {
    key_id: &'a str,
    kind: &'a str,
    max_tokens: usize,
    max_bytes: usize,
}

fn parse_header<'a>(line: &'a str, path: &Path) -> Result<Header<'a>, SealedError> {
    let bad = || SealedError::BadHeader {
        path: path.to_path_buf(),
    };
    let rest = line.trim().strip_prefix(MAGIC).ok_or_else(bad)?;
    let (mut key_id, mut kind, mut max_tokens, mut max_bytes) = (None, None, None, None);
    for field in rest.split_ascii_whitespace() {
        match field.split_once('=') {
            Some(("key-id", v)) if v.len() == 16 => key_id = Some(v),
            Some(("kind", v)) => kind = Some(v),
            Some(("max-tokens", v)) => max_tokens = v.parse::<usize>().ok().filter(|&n| n > 0),
            Some(("max-bytes", v)) => max_bytes = v.parse::<usize>().ok().filter(|&n| n > 0),
            _ => return Err(bad()),
        }
    }
    Ok(Header {
        key_id: key_id.ok_or_else(bad)?,
        kind: kind.ok_or_else(bad)?,
        max_tokens: max_tokens.ok_or_else(bad)?,
        max_bytes: max_bytes.ok_or_else(bad)?,
    })
}

/// What the sealed header says about a file, for tools that describe lists without a key.
pub fn describe(bytes: &[u8]) -> Option<String> {
    if !is_sealed(bytes) {
        return None;
    }
    let first = bytes.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(first).ok()?;
    let h = parse_header(line.trim_start_matches('\u{feff}'), Path::new("")).ok()?;
    Some(format!(
        "sealed with key {} (whole-token matching only)",
        h.key_id
    ))
}

#[cfg(test)]
mod tests;
