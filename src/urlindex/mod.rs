//! URL lists compiled into an index keyed by Safe Browsing expressions.
//!
//! Each entry (a URL, or an expression such as `zorvexil-forum.example/` for a whole host,
//! `host/dir/` for everything under a directory, `host/page.html` for one page, with or without
//! a scheme) is canonicalised with [`crate::url::canonicalize`] and stored under its expression
//! `host/path[?query]`. A URL matches when one of its lookup expressions is stored.
//!
//! Layout (built once, immutable): a hash map from the hash of a listed host to its run of
//! records, sorted by path hash; each record keeps its expression's bytes in one arena (to
//! confirm a hit exactly) and its range of postings. A URL costs one map probe per host suffix
//! (at most five) and, only for a listed host, a binary search of its records per path prefix
//! (at most six); the lookup allocates only for its result.

use std::hash::{BuildHasherDefault, Hasher};

use rustc_hash::FxHasher;

use crate::lists::{Entry, ListSpec};
use crate::url::{Canonical, canonicalize};
use crate::verdict::{ListId, Match};

/// One URL list handed to [`UrlIndex::build`].
#[derive(Clone, Copy, Debug)]
pub struct UrlList<'a> {
    /// Its id in the snapshot.
    pub id: ListId,
    /// Its declaration.
    pub spec: &'a ListSpec,
    /// Its entries.
    pub entries: &'a [Entry],
}

/// Why a URL list could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum UrlListError {
    /// An entry is not a URL or expression.
    #[error("{path}:{line}: not a URL or URL expression ({reason})")]
    BadEntry {
        /// The list file.
        path: std::path::PathBuf,
        /// 1-based line.
        line: u32,
        /// What is wrong with it (never the entry text).
        reason: &'static str,
    },
    /// More entries or expression bytes than 32-bit offsets can address.
    #[error("URL lists too large: more than 2^32 entries or bytes")]
    TooLarge,
}

/// Keys that are already well-mixed 64-bit hashes need no hashing again.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in rather than drop it.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Host hash → `(first record, record count)`.
type HostMap = std::collections::HashMap<u64, (u32, u32), BuildHasherDefault<PreHashed>>;

/// One stored expression of a host group.
#[derive(Clone, Copy, Debug)]
struct Record {
    /// Hash of the path part (`/path[?query]`).
    path_hash: u64,
    /// The whole expression is `arena[start..start + len]`.
    start: u32,
    len: u32,
    /// Its postings are `postings[post..post + posts]`.
    post: u32,
    posts: u32,
}

/// Compiled URL lists.
#[derive(Debug, Default)]
pub struct UrlIndex {
    hosts: HostMap,
    records: Vec<Record>,
    arena: Vec<u8>,
    postings: Vec<Match>,
    narrow: usize,
}

/// An entry on its way into the index.
struct Pending {
    host_hash: u64,
    path_hash: u64,
    start: u32,
    len: u32,
    m: Match,
}

impl UrlIndex {
    /// Compiles URL lists.
    ///
    /// # Errors
    /// [`UrlListError::BadEntry`] (with file and line) for an entry that is not a URL or
    /// contains white space; [`UrlListError::TooLarge`] past 2^32 entries or arena bytes.
    pub fn build(lists: &[UrlList<'_>]) -> Result<Self, UrlListError> {
        let total: usize = lists.iter().map(|l| l.entries.len()).sum();
        let mut arena: Vec<u8> = Vec::with_capacity(total * 32);
        let mut pending: Vec<Pending> = Vec::with_capacity(total);
        let mut narrow = 0;
        let offset = |n: usize| u32::try_from(n).map_err(|_| UrlListError::TooLarge);
        for list in lists {
            for entry in list.entries {
                let bad = |reason| UrlListError::BadEntry {
                    path: list.spec.path.clone(),
                    line: entry.line,
                    reason,
                };
                if entry.text.bytes().any(|b| b.is_ascii_whitespace()) {
                    return Err(bad("contains white space; write %20"));
                }
                let c = canonicalize(&entry.text).map_err(|e| bad(error_reason(&e)))?;
                narrow += usize::from(is_narrowed(&c));
                let expression = c.expression().as_bytes();
                let host_len = c.host().len();
                pending.push(Pending {
                    host_hash: hash(c.host().as_bytes()),
                    path_hash: hash(expression.get(host_len..).unwrap_or_default()),
                    start: offset(arena.len())?,
                    len: offset(expression.len())?,
                    m: Match {
                        list: list.id,
                        line: entry.line,
                    },
                });
                arena.extend_from_slice(expression);
            }
        }
        let text = |p: &Pending| {
            arena
                .get(p.start as usize..(p.start as usize + p.len as usize))
                .unwrap_or_default()
        };
        pending.sort_unstable_by(|a, b| {
            (a.host_hash, a.path_hash)
                .cmp(&(b.host_hash, b.path_hash))
                .then_with(|| text(a).cmp(text(b)))
                .then_with(|| a.m.cmp(&b.m))
        });

        let mut index = UrlIndex {
            narrow,
            ..UrlIndex::default()
        };
        index.hosts.reserve(pending.len());
        let mut prev: Option<&Pending> = None;
        for p in &pending {
            let same_host = prev.is_some_and(|q| q.host_hash == p.host_hash);
            let same_expr =
                same_host && prev.is_some_and(|q| q.path_hash == p.path_hash && text(q) == text(p));
            let first_record = offset(index.records.len())?;
            if !same_host {
                index.hosts.insert(p.host_hash, (first_record, 0));
            }
            if !same_expr {
                index.records.push(Record {
                    path_hash: p.path_hash,
                    start: p.start,
                    len: p.len,
                    post: offset(index.postings.len())?,
                    posts: 0,
                });
                if let Some(run) = index.hosts.get_mut(&p.host_hash) {
                    run.1 += 1;
                }
            }
            if !(same_expr && prev.is_some_and(|q| q.m == p.m)) {
                index.postings.push(p.m);
                if let Some(r) = index.records.last_mut() {
                    r.posts += 1;
                }
            }
            prev = Some(p);
        }
        drop(pending);
        // Duplicate expressions left unused bytes behind; they cost little and keep offsets.
        arena.shrink_to_fit();
        index.arena = arena;
        Ok(index)
    }

    /// The listed entries matching `url` (any of its expressions), sorted, without duplicates.
    /// A URL that cannot be canonicalised matches nothing.
    pub fn lookup(&self, url: &str) -> Vec<Match> {
        match canonicalize(url) {
            Ok(c) => self.lookup_canonical(&c),
            Err(_) => Vec::new(),
        }
    }

    /// [`UrlIndex::lookup`] for an already canonical URL.
    pub fn lookup_canonical(&self, url: &Canonical) -> Vec<Match> {
        let mut out = Vec::new();
        self.for_each_match(url, |m| {
            out.extend_from_slice(m);
            true
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// True when any entry matches `url`; stops at the first.
    pub fn is_listed(&self, url: &Canonical) -> bool {
        let mut found = false;
        self.for_each_match(url, |_| {
            found = true;
            false
        });
        found
    }

    /// Calls `f` with the postings of each listed expression of `url` until it returns false.
    fn for_each_match(&self, url: &Canonical, mut f: impl FnMut(&[Match]) -> bool) {
        if self.hosts.is_empty() {
            return;
        }
        let expressions = url.expressions();
        let paths = expressions.paths();
        let mut path_hashes = [0u64; crate::url::MAX_PATHS];
        let mut hashed = false;
        for &host in expressions.hosts() {
            let Some(&run) = self.hosts.get(&hash(host.as_bytes())) else {
                continue;
            };
            if !hashed {
                for (slot, p) in path_hashes.iter_mut().zip(paths) {
                    *slot = hash(p.as_bytes());
                }
                hashed = true;
            }
            let records = self.run(run);
            for (&path, &ph) in paths.iter().zip(&path_hashes) {
                // Records of a group are sorted by path hash: a host with many listed pages
                // costs a binary search, not a scan.
                let first = records.partition_point(|r| r.path_hash < ph);
                let same = records.get(first..).unwrap_or_default();
                for r in same.iter().take_while(|r| r.path_hash == ph) {
                    if self.is_expression(r, host, path) && !f(self.postings_of(r)) {
                        return;
                    }
                }
            }
        }
    }

    fn run(&self, (first, count): (u32, u32)) -> &[Record] {
        let first = first as usize;
        self.records
            .get(first..first + count as usize)
            .unwrap_or_default()
    }

    /// True when the stored expression of `r` is exactly `host` followed by `path`.
    fn is_expression(&self, r: &Record, host: &str, path: &str) -> bool {
        let start = r.start as usize;
        let stored = self
            .arena
            .get(start..start + r.len as usize)
            .unwrap_or_default();
        stored.len() == host.len() + path.len()
            && stored.starts_with(host.as_bytes())
            && stored.ends_with(path.as_bytes())
    }

    fn postings_of(&self, r: &Record) -> &[Match] {
        let post = r.post as usize;
        self.postings
            .get(post..post + r.posts as usize)
            .unwrap_or_default()
    }

    /// Number of distinct expressions stored.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Entries that can match only URLs with exactly their host or path, although they read
    /// as a host or directory: hosts of more than five components or directories more than
    /// three deep are never generated as lookup expressions of longer URLs (a limit of the
    /// Safe Browsing scheme). Reported as a count at load so list owners can shorten them.
    pub fn narrowed(&self) -> usize {
        self.narrow
    }
}

/// FxHash of the bytes with the murmur3 finaliser, so every bit is usable by the host map.
fn hash(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.write_usize(bytes.len());
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

fn is_narrowed(c: &Canonical) -> bool {
    let deep_host = !c.host_is_ip() && c.host().bytes().filter(|&b| b == b'.').count() >= 5;
    let deep_dir = c.query().is_none()
        && c.path().ends_with('/')
        && c.path().bytes().filter(|&b| b == b'/').count() > 4;
    deep_host || deep_dir
}

fn error_reason(e: &crate::url::UrlError) -> &'static str {
    use crate::url::UrlError;
    match e {
        UrlError::Empty => "empty",
        UrlError::NoAuthority => "scheme without //",
        UrlError::NoHost => "no host",
        UrlError::BadHost => "invalid host",
    }
}

#[cfg(test)]
mod tests;
