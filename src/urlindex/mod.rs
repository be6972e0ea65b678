//! URL lists compiled into an index keyed by Safe Browsing expressions (issue 5).
//!
//! Each entry (a URL, or an expression such as `zorvexil-forum.example/` for a whole host,
//! `host/dir/` for everything under a directory, `host/page.html` for one page, with or without
//! a scheme) is canonicalised with [`crate::url::canonicalize`] and stored under its expression
//! `host/path[?query]`. A URL matches when one of its lookup expressions is stored.
//!
//! Layout: a hash map from expression bytes to a slot in a compressed postings table, and a set
//! of host hashes in front of it, so a URL whose hosts are all unlisted costs one probe per host
//! suffix (at most five) and no allocation.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

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
    /// More distinct expressions or postings than the index can address.
    #[error("URL lists too large: more than 2^32 entries")]
    TooLarge,
}

/// Compiled URL lists.
#[derive(Debug, Default)]
pub struct UrlIndex {
    /// Hashes of the hosts of all stored expressions: a cheap first test per host suffix.
    hosts: FxHashSet<u64>,
    /// Expression → index into `offsets`.
    exprs: FxHashMap<Box<[u8]>, u32>,
    /// Postings of expression `i` are `postings[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    postings: Vec<Match>,
    narrow: usize,
}

impl UrlIndex {
    /// Compiles URL lists.
    ///
    /// # Errors
    /// [`UrlListError::BadEntry`] (with file and line) for an entry that is not a URL or
    /// contains white space; [`UrlListError::TooLarge`] past 2^32 entries.
    pub fn build(lists: &[UrlList<'_>]) -> Result<Self, UrlListError> {
        let total: usize = lists.iter().map(|l| l.entries.len()).sum();
        let mut exprs: FxHashMap<Box<[u8]>, u32> =
            FxHashMap::with_capacity_and_hasher(total, Default::default());
        let mut hosts: FxHashSet<u64> = FxHashSet::default();
        let mut pairs: Vec<(u32, Match)> = Vec::with_capacity(total);
        let mut narrow = 0;
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
                hosts.insert(host_hash(c.host()));
                let next = u32::try_from(exprs.len()).map_err(|_| UrlListError::TooLarge)?;
                let id = *exprs
                    .entry(c.expression().as_bytes().into())
                    .or_insert(next);
                pairs.push((
                    id,
                    Match {
                        list: list.id,
                        line: entry.line,
                    },
                ));
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut offsets = Vec::with_capacity(exprs.len() + 1);
        let mut postings = Vec::with_capacity(pairs.len());
        for (id, m) in pairs {
            while offsets.len() <= id as usize {
                offsets.push(u32::try_from(postings.len()).map_err(|_| UrlListError::TooLarge)?);
            }
            postings.push(m);
        }
        offsets.push(u32::try_from(postings.len()).map_err(|_| UrlListError::TooLarge)?);
        Ok(Self {
            hosts,
            exprs,
            offsets,
            postings,
            narrow,
        })
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
        if self.exprs.is_empty() {
            return;
        }
        let expressions = url.expressions();
        let mut key: Vec<u8> = Vec::new();
        for &host in expressions.hosts() {
            if !self.hosts.contains(&host_hash(host)) {
                continue;
            }
            for &path in expressions.paths() {
                key.clear();
                key.extend_from_slice(host.as_bytes());
                key.extend_from_slice(path.as_bytes());
                let Some(&slot) = self.exprs.get(key.as_slice()) else {
                    continue;
                };
                if !f(self.postings_of(slot)) {
                    return;
                }
            }
        }
    }

    fn postings_of(&self, slot: u32) -> &[Match] {
        let i = slot as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self
                .postings
                .get(a as usize..b as usize)
                .unwrap_or_default(),
            _ => &[],
        }
    }

    /// Number of distinct expressions stored.
    pub fn len(&self) -> usize {
        self.exprs.len()
    }

    /// True when no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.exprs.is_empty()
    }

    /// Entries that can match only URLs with exactly their host or path, although they read
    /// as a host or directory: hosts of more than five components or directories more than
    /// three deep are never generated as lookup expressions of longer URLs (a limit of the
    /// Safe Browsing scheme). Reported as a count at load so list owners can shorten them.
    pub fn narrowed(&self) -> usize {
        self.narrow
    }
}

fn host_hash(host: &str) -> u64 {
    let mut h = FxHasher::default();
    host.as_bytes().hash(&mut h);
    h.finish()
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
