//! Exact digests: a sorted array of fixed-size keys with a parallel array of postings, searched
//! by binary search after a 16-bit prefix table narrows the range.
//!
//! Why not a hash set: a sorted array costs 24 bytes per MD5 entry with no per-entry allocation
//! and builds with one sort; digests are uniformly distributed, so the prefix table leaves only a
//! handful of keys per bucket and lookups touch two or three cache lines (see benches/hashes.rs
//! for the comparison with `std::collections::HashMap`).

use crate::verdict::Match;

/// Prefix table width: the first 16 bits of a digest pick a bucket.
const PREFIX_BITS: u32 = 16;

/// Sorted digests of one length with their postings.
#[derive(Debug)]
pub(crate) struct ExactSet<const N: usize> {
    keys: Vec<[u8; N]>,
    postings: Vec<Match>,
    /// `starts[p]..starts[p + 1]` is the range of keys whose first two bytes are `p`; empty
    /// for small sets, where a plain binary search is as fast.
    pub(super) starts: Vec<u32>,
}

impl<const N: usize> Default for ExactSet<N> {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl<const N: usize> ExactSet<N> {
    /// Sorts the entries by digest (then list, line) and builds the prefix table.
    pub(crate) fn new(mut entries: Vec<([u8; N], Match)>) -> Self {
        entries.sort_unstable();
        let (keys, postings): (Vec<_>, Vec<_>) = entries.into_iter().unzip();
        let starts = if keys.len() >= 1 << 12 && N >= 2 && keys.len() < u32::MAX as usize {
            prefix_table(&keys)
        } else {
            Vec::new()
        };
        ExactSet {
            keys,
            postings,
            starts,
        }
    }

    /// Number of listed digests.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Bytes of heap memory held by the set.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.keys.capacity() * N
            + self.postings.capacity() * size_of::<Match>()
            + self.starts.capacity() * 4
    }

    /// The postings of `digest`, sorted by (list, line).
    pub(crate) fn lookup(&self, digest: &[u8; N]) -> Vec<Match> {
        let (lo, hi) = self.range(digest);
        let Some(keys) = self.keys.get(lo..hi) else {
            return Vec::new();
        };
        let first = lo + keys.partition_point(|k| k < digest);
        let mut out = Vec::new();
        for i in first..hi {
            match (self.keys.get(i), self.postings.get(i)) {
                (Some(k), Some(m)) if k == digest => out.push(*m),
                _ => break,
            }
        }
        out
    }

    fn range(&self, digest: &[u8; N]) -> (usize, usize) {
        let p = prefix(digest);
        match (self.starts.get(p), self.starts.get(p + 1)) {
            (Some(&lo), Some(&hi)) => (lo as usize, hi as usize),
            _ => (0, self.keys.len()),
        }
    }
}

fn prefix<const N: usize>(key: &[u8; N]) -> usize {
    match key.as_slice() {
        [a, b, ..] => (usize::from(*a) << 8) | usize::from(*b),
        _ => 0,
    }
}

/// Counting pass over sorted keys: `starts[p]` is the index of the first key with prefix ≥ `p`.
fn prefix_table<const N: usize>(keys: &[[u8; N]]) -> Vec<u32> {
    let buckets = 1usize << PREFIX_BITS;
    let mut starts = vec![0u32; buckets + 1];
    for key in keys {
        if let Some(s) = starts.get_mut(prefix(key) + 1) {
            *s += 1;
        }
    }
    for i in 1..starts.len() {
        let prev = starts.get(i - 1).copied().unwrap_or(0);
        if let Some(s) = starts.get_mut(i) {
            *s += prev;
        }
    }
    starts
}
