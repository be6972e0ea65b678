//! Replacing files and directories on disk atomically, so a reader (the list watcher, a restart,
//! an operator) sees the old content or the new, never half of it: a file is written to a temp
//! file beside it, fsynced, renamed over it, and the directory fsynced; a directory is moved in
//! whole (or its symlink retargeted). Used by list pushes, the lists CLI and the evidence log.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A file being written in place of another: a temp file beside the target until
/// [`AtomicFile::commit`]; dropped uncommitted, the temp file is removed and the target is
/// untouched.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
}

impl AtomicFile {
    /// Starts replacing `path` (created with permissions `0o666` less the umask).
    ///
    /// # Errors
    /// When the temp file cannot be created.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Self::create_with_mode(path, 0o666)
    }

    /// Starts replacing `path`, the new file created with permissions `mode`. When `path` is a
    /// symlink, the file it points at is replaced and the link kept.
    ///
    /// # Errors
    /// When the temp file cannot be created.
    pub fn create_with_mode(path: &Path, mode: u32) -> std::io::Result<Self> {
        let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = target.with_file_name(format!(".{name}.searchward-tmp"));
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        Ok(AtomicFile {
            target,
            tmp,
            file: Some(file),
        })
    }

    /// Makes the written content durable and puts it in place of the target.
    ///
    /// # Errors
    /// When the content cannot be synced or renamed; the target is then unchanged.
    pub fn commit(mut self) -> std::io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        std::fs::rename(&self.tmp, &self.target)?;
        sync_dir(&self.target)
    }

    fn file(&mut self) -> std::io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("atomic file already committed"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file()?.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Replaces `path` with `bytes` atomically (see [`AtomicFile`]).
///
/// # Errors
/// When the file cannot be written, synced or renamed; `path` is then unchanged.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Makes a create or rename in `path`'s directory durable.
///
/// # Errors
/// When the directory cannot be opened or synced.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// A fresh sibling path of `dir`: `.{name}.{what}-{pid}-{nanos}`.
pub fn sibling(dir: &Path, what: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    dir.parent()
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.{what}-{}-{nanos}", std::process::id()))
}

/// Moves the complete directory `incoming` to `dir`. When `dir` is a symlink (Kubernetes
/// style) the link is retargeted atomically; otherwise the old directory is renamed away first
/// and put back if the move fails.
///
/// # Errors
/// When a rename or the new link fails; `dir` then still holds the old content.
pub fn replace_dir(incoming: &Path, dir: &Path) -> std::io::Result<()> {
    let is_link = std::fs::symlink_metadata(dir)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    if is_link {
        let tmp_link = sibling(dir, "link");
        std::os::unix::fs::symlink(incoming, &tmp_link)?;
        std::fs::rename(&tmp_link, dir)?;
    } else {
        let old = sibling(dir, "previous");
        let had_old = dir.exists();
        if had_old {
            std::fs::rename(dir, &old)?;
        }
        if let Err(e) = std::fs::rename(incoming, dir) {
            if had_old {
                let _ = std::fs::rename(&old, dir);
            }
            return Err(e);
        }
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, "old\n").unwrap();

        // Dropped before commit: the target is unchanged and no temp file is left.
        let mut half = AtomicFile::create(&path).unwrap();
        half.write_all(b"ne").unwrap();
        drop(half);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        write_atomically(&path, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_symlinked_file_keeps_its_link_and_modes_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        std::fs::write(&real, "old\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut f = AtomicFile::create_with_mode(&link, 0o600).unwrap();
        f.write_all(b"new\n").unwrap();
        f.commit().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new\n");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_directory_or_its_link_is_replaced_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("bundle");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("v"), "1").unwrap();
        let incoming = sibling(&dir, "incoming");
        std::fs::create_dir(&incoming).unwrap();
        std::fs::write(incoming.join("v"), "2").unwrap();
        replace_dir(&incoming, &dir).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("v")).unwrap(), "2");
        // Only the new directory remains.
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);

        let link = root.path().join("current");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        let next = sibling(&link, "incoming");
        std::fs::create_dir(&next).unwrap();
        std::fs::write(next.join("v"), "3").unwrap();
        replace_dir(&next, &link).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(link.join("v")).unwrap(), "3");
    }
}
