//! Unpacking a pushed bundle (a tar archive) into a fresh directory, refusing anything that is
//! not a plain file directly inside it: no paths with `..`, no absolute paths, no links or
//! devices, a bounded number of files and bytes.

use std::io::Read;
use std::path::{Component, Path};

/// At most this many files in a pushed bundle.
pub const MAX_FILES: usize = 256;

/// Why an archive was refused.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// The archive is not a readable tar file.
    #[error("not a readable tar archive")]
    Tar(#[source] std::io::Error),
    /// An entry is not a plain file directly in the bundle.
    #[error("archive entry {0:?} is not a plain file inside the bundle")]
    Entry(String),
    /// Too many files or bytes.
    #[error("archive has more than {MAX_FILES} files or more than {0} bytes")]
    TooLarge(u64),
    /// Writing the files failed.
    #[error("writing the bundle: {0}")]
    Write(#[source] std::io::Error),
}

/// Unpacks `archive` into `dir` (which must exist and be empty). A leading `./` or one common
/// top-level directory is allowed; nested directories are not.
///
/// # Errors
/// [`UnpackError`] for anything but plain files, or past the limits.
pub fn unpack(archive: &[u8], dir: &Path, max_bytes: u64) -> Result<usize, UnpackError> {
    unpack_reader(archive, dir, max_bytes)
}

/// As [`unpack`], reading the archive as it goes (from a spooled upload, say) rather than from
/// memory.
///
/// # Errors
/// As [`unpack`].
pub fn unpack_reader<R: Read>(
    archive: R,
    dir: &Path,
    max_bytes: u64,
) -> Result<usize, UnpackError> {
    let mut tar = tar::Archive::new(archive);
    let mut files = 0usize;
    let mut total = 0u64;
    for entry in tar.entries().map_err(UnpackError::Tar)? {
        let mut entry = entry.map_err(UnpackError::Tar)?;
        let path = entry.path().map_err(UnpackError::Tar)?.into_owned();
        let shown = path.display().to_string();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(UnpackError::Entry(shown));
        }
        let parts: Vec<&std::ffi::OsStr> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(p) => Some(Ok(p)),
                Component::CurDir => None,
                _ => Some(Err(())),
            })
            .collect::<Result<_, _>>()
            .map_err(|()| UnpackError::Entry(shown.clone()))?;
        // `name` or `top/name`: the bundle's files, possibly under one directory.
        let name = match parts.as_slice() {
            [name] | [_, name] => *name,
            _ => return Err(UnpackError::Entry(shown)),
        };
        files += 1;
        total = total.saturating_add(entry.size());
        if files > MAX_FILES || total > max_bytes {
            return Err(UnpackError::TooLarge(max_bytes));
        }
        let mut bytes = Vec::with_capacity(entry.size().min(max_bytes) as usize);
        entry
            .by_ref()
            .take(max_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(UnpackError::Tar)?;
        let target = dir.join(name);
        if target.exists() {
            return Err(UnpackError::Entry(shown));
        }
        std::fs::write(&target, &bytes).map_err(UnpackError::Write)?;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8], tar::EntryType)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data, kind) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            // Bypass the builder's own path checks to test ours.
            let bytes = name.as_bytes();
            h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn unpacks_plain_files_flat_or_under_one_directory() {
        let dir = tempfile::tempdir().unwrap();
        let a = archive(&[
            ("manifest.toml", b"m", tar::EntryType::Regular),
            ("./terms.txt", b"t", tar::EntryType::Regular),
        ]);
        assert_eq!(unpack(&a, dir.path(), 1 << 20).unwrap(), 2);
        assert_eq!(std::fs::read(dir.path().join("terms.txt")).unwrap(), b"t");
        let dir = tempfile::tempdir().unwrap();
        let a = archive(&[
            ("bundle/", b"", tar::EntryType::Directory),
            ("bundle/manifest.toml", b"m", tar::EntryType::Regular),
        ]);
        assert_eq!(unpack(&a, dir.path(), 1 << 20).unwrap(), 1);
    }

    #[test]
    fn refuses_traversal_links_nesting_and_size() {
        type Entries<'a> = &'a [(&'a str, &'a [u8], tar::EntryType)];
        let cases: [(&str, Entries<'_>); 5] = [
            ("parent", &[("../evil.txt", b"x", tar::EntryType::Regular)]),
            (
                "absolute",
                &[("/etc/evil.txt", b"x", tar::EntryType::Regular)],
            ),
            ("symlink", &[("link", b"", tar::EntryType::Symlink)]),
            ("nested", &[("a/b/c.txt", b"x", tar::EntryType::Regular)]),
            (
                "duplicate",
                &[
                    ("a.txt", b"x", tar::EntryType::Regular),
                    ("top/a.txt", b"y", tar::EntryType::Regular),
                ],
            ),
        ];
        for (name, entries) in cases {
            let dir = tempfile::tempdir().unwrap();
            assert!(
                unpack(&archive(entries), dir.path(), 1 << 20).is_err(),
                "{name}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let big = archive(&[("a.txt", &[b'x'; 2048], tar::EntryType::Regular)]);
        assert!(matches!(
            unpack(&big, dir.path(), 1024),
            Err(UnpackError::TooLarge(_))
        ));
        assert!(
            unpack(b"not a tar archive at all, just bytes", dir.path(), 1024).is_err()
                || std::fs::read_dir(dir.path()).unwrap().count() == 0
        );
    }
}
