//! An FST from normalised keys to postings, with single postings stored inline in the FST value.

use crate::mempages::Pages;
use fst::raw::Output;

use super::MatcherError;

/// Set in an FST value that holds its one posting inline; otherwise the value is a range of the
/// postings table.
const INLINE: u64 = 1 << 63;

/// One indexed entry: which list (position in the matcher's list table) and which line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Posting {
    pub list: u32,
    pub line: u32,
}

/// Keys collected for one FST, in an arena so a million entries do not mean millions of
/// allocations.
#[derive(Debug, Default)]
pub(super) struct KeyArena {
    bytes: Vec<u8>,
    /// (first eight key bytes big-endian, offset, length, posting): the prefix settles most
    /// comparisons of the sort without touching the arena.
    items: Vec<(u64, u32, u32, Posting)>,
}

impl KeyArena {
    pub fn push(&mut self, key: &[u8], posting: Posting) -> Result<(), MatcherError> {
        let off = u32::try_from(self.bytes.len()).map_err(|_| MatcherError::TooLarge)?;
        let len = u32::try_from(key.len()).map_err(|_| MatcherError::TooLarge)?;
        self.bytes.extend_from_slice(key);
        let mut prefix = 0u64;
        for (i, &b) in key.iter().take(8).enumerate() {
            prefix |= u64::from(b) << (56 - 8 * i);
        }
        self.items.push((prefix, off, len, posting));
        Ok(())
    }

    fn key(&self, off: u32, len: u32) -> &[u8] {
        self.bytes
            .get(off as usize..off as usize + len as usize)
            .unwrap_or(&[])
    }

    /// Sorts the keys and compiles the FST and postings table.
    pub fn build(mut self) -> Result<PostingMap, MatcherError> {
        let mut items = std::mem::take(&mut self.items);
        items.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| self.key(a.1, a.2).cmp(self.key(b.1, b.2)))
                .then(a.3.cmp(&b.3))
        });
        items.dedup_by(|a, b| a.3 == b.3 && a.0 == b.0 && self.key(a.1, a.2) == self.key(b.1, b.2));
        let mut builder = fst::MapBuilder::memory();
        let mut postings = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let key = self.key(items[i].1, items[i].2);
            let mut j = i + 1;
            while j < items.len() && self.key(items[j].1, items[j].2) == key {
                j += 1;
            }
            let value = if j - i == 1 {
                let p = items[i].3;
                INLINE | (u64::from(p.list) << 32) | u64::from(p.line)
            } else {
                let start = postings.len() as u64;
                postings.extend(items[i..j].iter().map(|it| it.3));
                (((j - i) as u64) << 32) | start
            };
            if start_overflows(postings.len()) {
                return Err(MatcherError::TooLarge);
            }
            builder.insert(key, value).map_err(MatcherError::Index)?;
            i = j;
        }
        let bytes = builder.into_inner().map_err(MatcherError::Index)?;
        let map = fst::Map::new(Pages::new(bytes)).map_err(MatcherError::Index)?;
        Ok(PostingMap { map, postings })
    }
}

fn start_overflows(n: usize) -> bool {
    n > u32::MAX as usize
}

/// Compiled keys → postings.
#[derive(Debug)]
pub(super) struct PostingMap {
    pub map: fst::Map<Pages>,
    postings: Vec<Posting>,
}

impl PostingMap {
    /// A map read back from a compiled file.
    pub fn from_parts(map: fst::Map<Pages>, postings: Vec<Posting>) -> Self {
        PostingMap { map, postings }
    }

    /// The postings table (keys with more than one posting point into it).
    pub fn postings_slice(&self) -> &[Posting] {
        &self.postings
    }

    /// The postings an FST output (accumulated to a final state) stands for.
    pub fn postings(&self, out: Output) -> PostingIter<'_> {
        let v = out.value();
        if v & INLINE != 0 {
            let p = Posting {
                list: ((v & !INLINE) >> 32) as u32,
                line: v as u32,
            };
            PostingIter::One(Some(p))
        } else {
            let start = (v & 0xFFFF_FFFF) as usize;
            let len = (v >> 32) as usize;
            PostingIter::Many(self.postings.get(start..start + len).unwrap_or(&[]).iter())
        }
    }

    /// Bytes used by the FST and the postings table.
    pub fn heap_bytes(&self) -> usize {
        self.map.as_fst().size() + self.postings.len() * std::mem::size_of::<Posting>()
    }
}

/// Iterator over the postings of one key.
pub(super) enum PostingIter<'a> {
    One(Option<Posting>),
    Many(std::slice::Iter<'a, Posting>),
}

impl Iterator for PostingIter<'_> {
    type Item = Posting;
    fn next(&mut self) -> Option<Posting> {
        match self {
            PostingIter::One(p) => p.take(),
            PostingIter::Many(it) => it.next().copied(),
        }
    }
}
