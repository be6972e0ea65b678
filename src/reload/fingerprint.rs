//! A cheap fingerprint of every list input: identity, size and modification time of each list
//! file, and of every file in each bundle's current directory (after the `..data` symlink). A
//! watcher event that changed none of them (the echo of a rename, an old version's directory
//! being removed, a broken push still in place) then costs a few `stat` calls instead of
//! re-reading and re-verifying a bundle of a million entries.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::lists::manifest::MANIFEST_FILE;

/// The fingerprint of the list `files` and the bundles in `bundle_dirs`.
pub(super) fn of(files: &[PathBuf], bundle_dirs: &[PathBuf]) -> u64 {
    let mut h = DefaultHasher::new();
    for f in files {
        file(&mut h, f);
    }
    for dir in bundle_dirs {
        let manifest = dir.join(MANIFEST_FILE);
        let Ok(real) = manifest.canonicalize() else {
            "no manifest".hash(&mut h);
            continue;
        };
        let current = real.parent().unwrap_or(dir);
        current.hash(&mut h);
        let mut names: Vec<PathBuf> = std::fs::read_dir(current)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        names.sort();
        for name in &names {
            file(&mut h, name);
        }
    }
    h.finish()
}

fn file(h: &mut DefaultHasher, path: &Path) {
    path.hash(h);
    match std::fs::metadata(path) {
        Ok(m) => (
            m.dev(),
            m.ino(),
            m.len(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime_nsec(),
        )
            .hash(h),
        Err(e) => e.kind().hash(h),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_with_content_and_with_the_data_link() {
        let tmp = tempfile::tempdir().unwrap();
        let list = tmp.path().join("terms.txt");
        std::fs::write(&list, "zorvexil\n").unwrap();
        let bundle = tmp.path().join("bundle");
        let v1 = tmp.path().join("bundle-v1");
        let v2 = tmp.path().join("bundle-v2");
        for v in [&v1, &v2] {
            std::fs::create_dir(v).unwrap();
            std::fs::write(v.join(MANIFEST_FILE), "version = \"x\"\n").unwrap();
        }
        std::os::unix::fs::symlink(&v1, &bundle).unwrap();
        let files = [list.clone()];
        let dirs = [bundle.clone()];
        let a = of(&files, &dirs);
        assert_eq!(a, of(&files, &dirs), "nothing changed");
        std::fs::write(&list, "zorvexil\nquandrith\n").unwrap();
        let b = of(&files, &dirs);
        assert_ne!(a, b, "list rewritten");
        std::fs::remove_file(&bundle).unwrap();
        std::os::unix::fs::symlink(&v2, &bundle).unwrap();
        let c = of(&files, &dirs);
        assert_ne!(b, c, "bundle link swapped");
        std::fs::write(v2.join("terms.txt"), "velmorik\n").unwrap();
        assert_ne!(c, of(&files, &dirs), "file added to the bundle");
    }
}
