//! The buffers one check reuses from the last, so that a hot loop does not allocate per query.

use super::{Hit, corrections};
use crate::normalize::{TokenView, Views};

/// Buffers reused across checks so a hot loop does not allocate per query.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(super) views: Views,
    pub(super) typo_ranges: Vec<(u32, u32)>,
    pub(super) typo_spans: Vec<(u32, u32)>,
    /// Per correction: it corrects a short word (valid only inside a multi-word match).
    pub(super) typo_part: Vec<bool>,
    pub(super) typo_bytes: Vec<u8>,
    pub(super) hits: Vec<Hit>,
    pub(super) hay: String,
    pub(super) marks: Vec<(usize, usize)>,
    pub(super) key: Vec<u8>,
    /// Per skeleton token: whether it anchors its neighbours' short-word corrections.
    pub(super) anchor: Vec<corrections::Anchor>,
    pub(super) raw: corrections::RawTypos,
    /// A neighbouring token's key, in codes and squeezed.
    pub(super) ncode: Vec<u8>,
    pub(super) nkey: Vec<u8>,
    /// A token in one-byte codes, and corrections in codes before they are decoded.
    pub(super) code: Vec<u8>,
    pub(super) code_bytes: Vec<u8>,
    /// A re-read query's words in coarse form, under each spelling they may stand for, and
    /// the buffers they are made in.
    pub(super) respelt: TokenView,
    pub(super) spelt: Vec<u8>,
    pub(super) spelt_cuts: Vec<(usize, usize)>,
    pub(super) spelt_sites: Vec<(usize, usize, usize)>,
    /// The query re-read from another script.
    pub(super) reread: String,
    /// Per skeleton token: whether a walk of the Latin keys of Cyrillic and Greek entries may
    /// start there.
    pub(super) roman_starts: Vec<bool>,
}
