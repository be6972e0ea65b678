//! A manifest's semantic checks: every problem with its key, no file access.

use std::path::{Component, Path};

use super::{MANIFEST_FILE, Manifest, Problem};

impl Manifest {
    /// Every semantic problem, each with its key (no file access).
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut push = |key: String, message: String| out.push(Problem { key, message });
        if self.version.trim().is_empty() {
            push("version".into(), "must not be empty".into());
        }
        // TOML integers are 64-bit signed; larger ones are not portable between readers.
        if i64::try_from(self.serial).is_err() {
            push("serial".into(), format!("must be at most {}", i64::MAX));
        }
        if let Some(expires) = self.expires
            && expires <= self.created
        {
            push("expires".into(), "must be later than `created`".into());
        }
        if let Some(c) = &self.compiled {
            if let Some(reason) = file_problem(&c.file) {
                push("compiled.file".into(), reason);
            }
            if !is_sha256_hex(&c.sha256) {
                push(
                    "compiled.sha256".into(),
                    "must be 64 lowercase hex digits".into(),
                );
            }
        }
        let mut names = std::collections::HashSet::new();
        for (i, list) in self.lists.iter().enumerate() {
            let key = |k: &str| format!("lists[{i}].{k}");
            if !names.insert(list.name.as_str()) {
                push(key("name"), format!("{:?} is used by two lists", list.name));
            }
            if let Some(reason) = file_problem(&list.file) {
                push(key("file"), reason);
            }
            if !is_sha256_hex(&list.sha256) {
                push(key("sha256"), "must be 64 lowercase hex digits".into());
            }
            for reason in list.spec_in(Path::new("")).problems() {
                push(format!("lists[{i}]"), reason);
            }
        }
        out
    }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Why a list's `file` may not be used, if it may not: it must stay inside the bundle.
fn file_problem(file: &Path) -> Option<String> {
    if file.as_os_str().is_empty() {
        return Some("must not be empty".into());
    }
    for c in file.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Some("must not contain `..`".into()),
            Component::RootDir | Component::Prefix(_) => {
                return Some("must be a relative path inside the bundle".into());
            }
        }
    }
    if file == Path::new(MANIFEST_FILE) {
        return Some("must not be the manifest itself".into());
    }
    None
}
