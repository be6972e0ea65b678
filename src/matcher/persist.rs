//! Compiled text lists on disk (`searchward lists compile`): a [`TermMatcher`] written out as its
//! term FST, postings, typo table and substring patterns, so that a proxy loading a bundle of a
//! million entries skips normalising and indexing every entry (seconds) and only reads and
//! checks the file (a fraction of a second).
//!
//! The file names the lists it was compiled from (name, declaration and the SHA-256 of each
//! source file), the searchward version that compiled it and a fingerprint of its normaliser
//! (the keys of fixed probe texts), since keys depend on the normaliser. A loader uses it only when all of that matches exactly what it is loading;
//! otherwise it compiles from the lists as before. Integrity comes from the bundle manifest
//! (the file's SHA-256, under the manifest signature); the FST's own checksum is checked too,
//! and every offset read from the file is bounds-checked, so a damaged file is refused or at
//! worst matches less, never panics.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::index::{Posting, PostingMap};
use super::substring::SubstringIndex;
use super::typo::TypoIndex;
use super::{ListInfo, TermMatcher, TextList};
use crate::lists::{ListKind, MatchMode};
use crate::mempages::{Pages, Region};
use crate::verdict::Action;

/// First bytes of a compiled file; the last byte is the format version.
const MAGIC: &[u8; 8] = b"SWIDX\0\0\x01";

/// Why a compiled file cannot be used. The loader then compiles from the lists themselves.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// Not a compiled index of this format.
    #[error("not a searchward compiled index (or of another format version)")]
    Magic,
    /// The file ends inside a section.
    #[error("compiled index is truncated ({0})")]
    Truncated(&'static str),
    /// The header is not valid.
    #[error("compiled index header: {0}")]
    Header(#[source] serde_json::Error),
    /// Compiled by another searchward version (whose normaliser may differ).
    #[error("compiled by searchward {found}, this is {}", env!("CARGO_PKG_VERSION"))]
    Version {
        /// The version that compiled the file.
        found: String,
    },
    /// Compiled by a build whose normaliser gives different keys.
    #[error("compiled by a build that normalises differently")]
    Normaliser,
    /// The file was compiled from other lists or declarations than those being loaded.
    #[error("compiled index does not match the lists: {0}")]
    Mismatch(String),
    /// The FST is damaged.
    #[error("compiled index: term FST is invalid")]
    Fst(#[source] fst::Error),
    /// The substring automaton could not be rebuilt.
    #[error("compiled index: substring patterns")]
    Substring(#[source] super::MatcherError),
}

/// One list as the compiled file records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompiledList {
    /// List name.
    pub name: String,
    /// Kind.
    pub kind: ListKind,
    /// Declared action.
    pub action: Action,
    /// Match mode.
    pub mode: MatchMode,
    /// Typo tolerance.
    pub typos: bool,
    /// Position (among these lists) of the context list a victims list requires.
    pub context: Option<usize>,
    /// SHA-256 (hex) of the list file it was compiled from.
    pub sha256: String,
}

/// Texts whose keys fingerprint the normaliser: case, compatibility forms, diacritics,
/// confusables from other scripts, mathematical letters, leetspeak, separators, invisible
/// characters, repeats, unspaced scripts, name order. All synthetic.
const PROBES: &[&str] = &[
    "Zörvéxil",
    "ＺＯＲＶＥＸＩＬ",
    "zоrvеxіl",
    "𝐳𝐨𝐫𝐯𝐞𝐱𝐢𝐥 ⓩⓞⓡ",
    "z0rv3x1l $7@|8 9!",
    "z.o.r v-e_x*i l",
    "zor\u{200b}ve\u{00ad}xil\u{2067}\u{fe0f}",
    "zzzooorrrvexilll",
    "quandrith velmorik",
    "Ada Quillfeather",
    "ゾルヴェクシル語",
    "Straße İstanbul ǅ ﬁ",
];

/// A fingerprint of how this build normalises entries into keys: a compiled index is only used
/// by a build whose normaliser gives exactly the same keys for [`PROBES`].
pub fn normaliser_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let mut views = crate::normalize::Views::default();
    let mut keys = Vec::new();
    let mut h = Sha256::new();
    for (i, probe) in PROBES.iter().enumerate() {
        views.normalize(probe);
        super::keys::entry_keys(&views, i % 2 == 1, &mut keys);
        for k in &keys {
            h.update((k.len() as u64).to_le_bytes());
            h.update(k);
            // The coarse keys are indexed from these too.
            let mut c = Vec::new();
            super::sounds::coarse(k, &mut c);
            h.update(&c);
        }
        h.update(b"|");
    }
    // Cyrillic and Greek entries' Latin keys are respelt by this table.
    for (from, to) in super::sounds::ROMAN_RESPELL {
        h.update(from);
        for t in *to {
            h.update(b"=");
            h.update(t);
        }
        h.update(b";");
    }
    // What the index holds besides the keys: which tokens get typo tolerance.
    for n in [
        super::typo::MIN_TYPO_LEN,
        super::typo::MIN_PART_TYPO_LEN,
        super::typo::MIN_HELD_LEN,
    ] {
        h.update((n as u64).to_le_bytes());
    }
    hex::encode(h.finalize())
}

#[derive(Serialize, Deserialize)]
struct Header {
    searchward: String,
    /// [`normaliser_fingerprint`] of the build that compiled it.
    normaliser: String,
    lists: Vec<CompiledList>,
    prefix_lists: bool,
    typo_slots: usize,
    typo_tokens: usize,
}

impl TermMatcher {
    /// The compiled file for this matcher. `sums[i]` is the SHA-256 of the file of the `i`th
    /// list given to [`TermMatcher::build`], `names[i]` its name.
    pub fn to_compiled(&self, names: &[&str], sums: &[&str]) -> Result<Vec<u8>, PersistError> {
        if names.len() != self.lists.len() || sums.len() != self.lists.len() {
            return Err(PersistError::Mismatch(
                "one name and checksum per list".into(),
            ));
        }
        let header = Header {
            searchward: env!("CARGO_PKG_VERSION").to_owned(),
            normaliser: normaliser_fingerprint(),
            lists: self
                .lists
                .iter()
                .zip(names.iter().zip(sums))
                .map(|(l, (name, sum))| describe(l, name, sum))
                .collect(),
            prefix_lists: self.prefix_lists,
            typo_slots: self.typos.slot_count(),
            typo_tokens: self.typos.token_count(),
        };
        let header = serde_json::to_vec(&header).map_err(PersistError::Header)?;
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put(&mut out, &header);
        put(&mut out, self.keys.map.as_fst().as_bytes());
        let mut postings = Vec::with_capacity(self.keys.postings_slice().len() * 8);
        for p in self.keys.postings_slice() {
            postings.extend_from_slice(&p.list.to_le_bytes());
            postings.extend_from_slice(&p.line.to_le_bytes());
        }
        put(&mut out, &postings);
        put(&mut out, self.typos.slot_bytes());
        let mut subs = Vec::new();
        for (pattern, ps) in self.substring.pairs() {
            put(&mut subs, pattern);
            subs.extend_from_slice(&(ps.len() as u64).to_le_bytes());
            for p in ps {
                subs.extend_from_slice(&p.list.to_le_bytes());
                subs.extend_from_slice(&p.line.to_le_bytes());
            }
        }
        put(&mut out, &subs);
        Ok(out)
    }

    /// Reads a compiled file made from exactly `lists`, whose files have the SHA-256 `sums`.
    /// The typo table is used where the file was read to, not copied.
    ///
    /// # Errors
    /// [`PersistError`] when the file is damaged, of another version, or made from other lists
    /// or declarations.
    pub fn from_compiled(
        file: &Arc<Pages>,
        lists: &[TextList<'_>],
        sums: &[&str],
    ) -> Result<TermMatcher, PersistError> {
        let bytes = file.as_ref().as_ref();
        if !bytes.starts_with(MAGIC) {
            return Err(PersistError::Magic);
        }
        let mut at = Cursor {
            bytes,
            pos: MAGIC.len(),
        };
        let header: Header =
            serde_json::from_slice(at.section("header")?).map_err(PersistError::Header)?;
        if header.searchward != env!("CARGO_PKG_VERSION") {
            return Err(PersistError::Version {
                found: header.searchward,
            });
        }
        // Same version number, different normaliser (a development build): keys would differ.
        if header.normaliser != normaliser_fingerprint() {
            return Err(PersistError::Normaliser);
        }
        let infos = super::list_infos(lists).map_err(|e| PersistError::Mismatch(e.to_string()))?;
        if header.lists.len() != lists.len() || sums.len() != lists.len() {
            return Err(PersistError::Mismatch(format!(
                "compiled from {} text lists, loading {}",
                header.lists.len(),
                lists.len()
            )));
        }
        for ((have, (info, l)), sum) in header.lists.iter().zip(infos.iter().zip(lists)).zip(sums) {
            if *have != describe(info, &l.spec.name, sum) {
                return Err(PersistError::Mismatch(format!(
                    "list {} differs (declaration or content)",
                    l.spec.name
                )));
            }
        }
        // The term FST is walked at every step of every query: it gets its own buffer.
        let fst = at.section("term FST")?.to_vec();
        let map = fst::Map::new(Pages::new(fst)).map_err(PersistError::Fst)?;
        map.as_fst().verify().map_err(PersistError::Fst)?;
        let postings = at
            .section("postings")?
            .chunks_exact(8)
            .map(|c| Posting {
                list: u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                line: u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            })
            .collect();
        let slots = at.range("typo table")?;
        if slots.len() != header.typo_slots.saturating_mul(8) {
            return Err(PersistError::Truncated("typo table"));
        }
        let slots = Region::of(file, slots).ok_or(PersistError::Truncated("typo table"))?;
        let typos = TypoIndex::from_parts(slots, header.typo_slots, header.typo_tokens);
        let mut subs = Cursor {
            bytes: at.section("substring patterns")?,
            pos: 0,
        };
        let mut pairs = Vec::new();
        while !subs.done() {
            let pattern = subs.section("substring pattern")?.to_vec();
            let n = subs.u64()?;
            for _ in 0..n {
                let list = subs.u32()?;
                let line = subs.u32()?;
                pairs.push((pattern.clone(), Posting { list, line }));
            }
        }
        let keys = PostingMap::from_parts(map, postings);
        Ok(TermMatcher {
            prefix_lists: header.prefix_lists,
            roman: super::roman::RomanIndex::from_keys(&keys),
            lists: infos,
            keys,
            typos,
            substring: SubstringIndex::build(pairs).map_err(PersistError::Substring)?,
        })
    }
}

/// Reads length-prefixed sections, every length checked against what is left.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn take<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], PersistError> {
        let chunk = self
            .bytes
            .get(self.pos..self.pos + N)
            .and_then(|c| <[u8; N]>::try_from(c).ok())
            .ok_or(PersistError::Truncated(what))?;
        self.pos += N;
        Ok(chunk)
    }

    fn u64(&mut self) -> Result<u64, PersistError> {
        self.take::<8>("length").map(u64::from_le_bytes)
    }

    fn u32(&mut self) -> Result<u32, PersistError> {
        self.take::<4>("posting").map(u32::from_le_bytes)
    }

    /// The byte range of the next section.
    fn range(&mut self, what: &'static str) -> Result<std::ops::Range<usize>, PersistError> {
        let len = usize::try_from(self.u64()?).map_err(|_| PersistError::Truncated(what))?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(PersistError::Truncated(what))?;
        let range = self.pos..end;
        self.pos = end;
        Ok(range)
    }

    fn section(&mut self, what: &'static str) -> Result<&'a [u8], PersistError> {
        let range = self.range(what)?;
        self.bytes.get(range).ok_or(PersistError::Truncated(what))
    }
}

fn describe(l: &ListInfo, name: &str, sum: &str) -> CompiledList {
    CompiledList {
        name: name.to_owned(),
        kind: l.kind,
        action: l.action,
        mode: l.mode,
        typos: l.typos,
        context: l.context,
        sha256: sum.to_owned(),
    }
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}
