//! Memory for the large read-only indexes (term FST, typo table, a compiled index file), and
//! shared views into it, so that an index read from a compiled file is used where it was read.
//!
//! With `SEARCHWARD_HUGE_PAGES=1` the buffers are anonymous mappings advised for transparent
//! huge pages, so a lookup that misses the cache does not also miss the TLB (on a VM with
//! nested paging a TLB miss costs several memory reads). Off by default: see `wanted`. The
//! heap is used whenever the mapping or the advice is refused, so behaviour never depends on
//! it; only speed does.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use memmap2::{Advice, MmapMut};

/// Buffers smaller than this stay on the heap: one huge page would be mostly empty.
const HUGE_MIN: usize = 2 << 20;

/// A read-only byte buffer, in huge pages when the system grants them.
pub struct Pages(Inner);

enum Inner {
    Heap(Vec<u8>),
    Mapped { map: MmapMut, len: usize },
}

impl Pages {
    /// Moves `bytes` into huge-page-advised memory when it is large enough, else keeps the
    /// vector as it is.
    pub fn new(bytes: Vec<u8>) -> Self {
        if bytes.len() < HUGE_MIN {
            return Pages(Inner::Heap(bytes));
        }
        match mapped(&bytes) {
            Some(map) => Pages(Inner::Mapped {
                map,
                len: bytes.len(),
            }),
            None => Pages(Inner::Heap(bytes)),
        }
    }

    /// `len` zero bytes, in huge pages when large enough (for indexes filled in place).
    pub fn zeroed(len: usize) -> Self {
        if len >= HUGE_MIN
            && let Some(map) = anon(len)
        {
            return Pages(Inner::Mapped { map, len });
        }
        Pages(Inner::Heap(vec![0; len]))
    }

    /// True when the buffer lives in a huge-page-advised mapping.
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Inner::Mapped { .. })
    }
}

fn mapped(bytes: &[u8]) -> Option<MmapMut> {
    let mut map = anon(bytes.len())?;
    map.get_mut(..bytes.len())?.copy_from_slice(bytes);
    Some(map)
}

/// True when `SEARCHWARD_HUGE_PAGES=1` (or `on`) asks for huge pages. Off by default: with the
/// kernel's usual `defrag=madvise`, faulting in advised memory compacts synchronously, and in
/// the list-swap soak that stalled request threads for over a second while a new snapshot was
/// being read (p99 1.4 s against 43 ms without); the lookup gain is ~10 % at best.
fn wanted() -> bool {
    static WANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WANTED.get_or_init(|| {
        matches!(
            std::env::var("SEARCHWARD_HUGE_PAGES").as_deref(),
            Ok("1" | "on" | "true")
        )
    })
}

/// A zeroed anonymous mapping of at least `len` bytes, advised for huge pages.
fn anon(len: usize) -> Option<MmapMut> {
    if !wanted() {
        return None;
    }
    // Whole huge pages, so the tail is not left in small pages.
    let len = len.div_ceil(HUGE_MIN) * HUGE_MIN;
    let map = MmapMut::map_anon(len).ok()?;
    map.advise(Advice::HugePage).ok()?;
    Some(map)
}

impl AsRef<[u8]> for Pages {
    fn as_ref(&self) -> &[u8] {
        match &self.0 {
            Inner::Heap(v) => v,
            Inner::Mapped { map, len } => map.get(..*len).unwrap_or(&[]),
        }
    }
}

impl AsMut<[u8]> for Pages {
    fn as_mut(&mut self) -> &mut [u8] {
        match &mut self.0 {
            Inner::Heap(v) => v,
            Inner::Mapped { map, len } => map.get_mut(..*len).unwrap_or(&mut []),
        }
    }
}

impl Default for Pages {
    fn default() -> Self {
        Pages(Inner::Heap(Vec::new()))
    }
}

impl fmt::Debug for Pages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("len", &self.as_ref().len())
            .field("mapped", &self.is_mapped())
            .finish()
    }
}

/// A read-only range of a shared [`Pages`] buffer: an index read from a compiled file stays
/// where the file was read to, instead of being copied out.
#[derive(Clone, Debug)]
pub struct Region {
    pages: Arc<Pages>,
    range: Range<usize>,
}

impl Region {
    /// All of `pages`.
    pub fn whole(pages: Pages) -> Self {
        let range = 0..AsRef::<[u8]>::as_ref(&pages).len();
        Region {
            pages: Arc::new(pages),
            range,
        }
    }

    /// `range` of `pages`, or `None` when it is out of bounds.
    pub fn of(pages: &Arc<Pages>, range: Range<usize>) -> Option<Self> {
        <Pages as AsRef<[u8]>>::as_ref(pages).get(range.clone())?;
        Some(Region {
            pages: pages.clone(),
            range,
        })
    }
}

impl AsRef<[u8]> for Region {
    fn as_ref(&self) -> &[u8] {
        <Pages as AsRef<[u8]>>::as_ref(&self.pages)
            .get(self.range.clone())
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_bytes_small_or_large() {
        for len in [0, 10, HUGE_MIN - 1, HUGE_MIN, HUGE_MIN * 3 + 17] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let pages = Pages::new(bytes.clone());
            assert_eq!(pages.as_ref(), bytes.as_slice(), "len {len}");
            // Whether the mapping is granted depends on the kernel; only small buffers are
            // certain to stay on the heap.
            assert!(len >= HUGE_MIN || !pages.is_mapped(), "len {len}");
            let mut zeroed = Pages::zeroed(len);
            assert!(zeroed.as_ref().iter().all(|&b| b == 0), "len {len}");
            assert_eq!(zeroed.as_mut().len(), len);
        }
    }

    #[test]
    fn regions_are_bounded_views() {
        let pages = Arc::new(Pages::new((0..100u8).collect()));
        let r = Region::of(&pages, 10..20).unwrap();
        assert_eq!(r.as_ref(), &(10..20u8).collect::<Vec<_>>()[..]);
        assert!(Region::of(&pages, 90..101).is_none());
        assert_eq!(Region::whole(Pages::new(vec![1, 2])).as_ref(), &[1, 2]);
    }
}
