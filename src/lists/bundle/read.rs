//! Reading a bundle's files: each must resolve inside the bundle, and every read is bounded by
//! its own cap and by what the bundle's byte budget has left.

use std::io::Read;
use std::path::Path;

use super::BundleError;
use crate::mempages::Pages;

/// Bytes still allowed for the rest of the bundle.
pub(super) struct Budget {
    pub(super) left: u64,
    pub(super) limit: u64,
}

/// Reads `path`, which must resolve inside `root`, refusing more than `cap` bytes or more than
/// the budget has left. Reads through `take` so a growing or endless file cannot exhaust memory.
pub(super) fn read_capped(
    root: &Path,
    path: &Path,
    cap: u64,
    budget: &mut Budget,
) -> Result<Vec<u8>, BundleError> {
    match read_into(root, path, cap, budget, Dest::Heap)? {
        Loaded::Heap(v) => Ok(v),
        Loaded::Pages(p) => Ok(p.as_ref().to_vec()),
    }
}

/// As [`read_capped`], into a [`Pages`] buffer (for a precompiled index, used where it lands).
pub(super) fn read_capped_pages(
    root: &Path,
    path: &Path,
    budget: &mut Budget,
) -> Result<Pages, BundleError> {
    match read_into(root, path, u64::MAX, budget, Dest::Pages)? {
        Loaded::Pages(p) => Ok(p),
        Loaded::Heap(v) => Ok(Pages::new(v)),
    }
}

fn read_into(
    root: &Path,
    path: &Path,
    cap: u64,
    budget: &mut Budget,
    into: Dest,
) -> Result<Loaded, BundleError> {
    let read_err = |source| BundleError::Read {
        path: path.to_path_buf(),
        source,
    };
    // Symlinks are followed (Kubernetes mounts are symlink farms) but must stay in the bundle.
    let real = path.canonicalize().map_err(read_err)?;
    if !real.starts_with(root) {
        return Err(BundleError::OutsideBundle {
            path: path.to_path_buf(),
        });
    }
    let limit = cap.min(budget.left);
    let file = std::fs::File::open(&real).map_err(read_err)?;
    let too_large = || BundleError::TooLarge {
        path: path.to_path_buf(),
        limit: if cap < budget.left { cap } else { budget.limit },
    };
    let size = file.metadata().map_err(read_err)?.len();
    if size > limit {
        return Err(too_large());
    }
    let mut reader = file.take(limit.saturating_add(1));
    let bytes = match into {
        Dest::Heap => {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            reader.read_to_end(&mut bytes).map_err(read_err)?;
            Loaded::Heap(bytes)
        }
        Dest::Pages => {
            let mut pages = Pages::zeroed(usize::try_from(size).map_err(|_| too_large())?);
            reader.read_exact(pages.as_mut()).map_err(read_err)?;
            // A file still growing is refused rather than read in part.
            if reader.read(&mut [0u8]).map_err(read_err)? != 0 {
                return Err(too_large());
            }
            Loaded::Pages(pages)
        }
    };
    let n = bytes.len() as u64;
    if n > limit {
        return Err(too_large());
    }
    budget.left -= n;
    Ok(bytes)
}

/// Where [`read_into`] puts a file.
enum Dest {
    Heap,
    Pages,
}

/// A file read by [`read_into`].
enum Loaded {
    Heap(Vec<u8>),
    Pages(Pages),
}

impl Loaded {
    fn len(&self) -> usize {
        match self {
            Loaded::Heap(v) => v.len(),
            Loaded::Pages(p) => p.as_ref().len(),
        }
    }
}
