//! The bundle manifest (`manifest.toml`): what a bundle holds, each list's declaration,
//! checksum and entry count, and its version, serial and validity period.
//!
//! Parsing is strict (`deny_unknown_fields`) and every problem names the manifest file and the
//! key (`lists[2].kind`), so a maintainer can fix a bundle without guessing.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lists::{HashAlgorithm, HitEffect, ListKind, ListSpec, MatchMode};
use crate::verdict::Action;

/// The manifest's file name inside a bundle directory.
pub const MANIFEST_FILE: &str = "manifest.toml";

/// A point in time written as an RFC 3339 UTC timestamp (`2026-11-28T22:00:00Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub SystemTime);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_rfc3339(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Quoted or bare: TOML has its own datetime type and maintainers will use both.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Toml(toml::value::Datetime),
        }
        const WANT: &str = "expected an RFC 3339 UTC timestamp such as \"2026-11-28T22:00:00Z\"";
        let text = match Raw::deserialize(d) {
            Ok(Raw::Text(t)) => t,
            Ok(Raw::Toml(t)) => t.to_string(),
            Err(_) => return Err(serde::de::Error::custom(WANT)),
        };
        humantime::parse_rfc3339(&text)
            .map(Timestamp)
            .map_err(|e| serde::de::Error::custom(format!("{e}: {WANT}")))
    }
}

/// A bundle's manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Human-readable bundle version; becomes every list's version in the snapshot.
    pub version: String,
    /// Monotonically increasing number; a loader refuses serials below the last one it accepted.
    pub serial: u64,
    /// When the bundle was made.
    pub created: Timestamp,
    /// After this time the bundle is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    /// The lists, in order.
    #[serde(default)]
    pub lists: Vec<ManifestList>,
    /// The bundle's text lists precompiled by `searchward lists compile` (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiled: Option<ManifestCompiled>,
}

/// A precompiled index of the bundle's text lists. It is checked like a list (its checksum, under
/// the manifest signature) and used only when it was compiled from exactly these lists by this
/// searchward version; otherwise the lists are compiled at load as usual.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestCompiled {
    /// Path of the compiled file relative to the bundle directory.
    pub file: PathBuf,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// One list in a manifest: a [`ListSpec`] whose `path` is `file` (relative to the bundle), plus
/// the entry count and checksum the loader verifies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestList {
    /// Unique list name.
    pub name: String,
    /// Path of the list file relative to the bundle directory (no `..`, not absolute).
    pub file: PathBuf,
    /// What the entries are.
    pub kind: ListKind,
    /// Category label used by per-route policy.
    #[serde(default = "default_category")]
    pub category: String,
    /// Action for terms and victims lists.
    #[serde(default = "default_action")]
    pub action: Action,
    /// Match mode for text lists.
    #[serde(default, rename = "match")]
    pub mode: MatchMode,
    /// One-edit typo tolerance for long tokens.
    #[serde(default = "default_typos")]
    pub typos: bool,
    /// For victims lists: the context list one of whose entries must also occur.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// For hashes lists: the digest algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<HashAlgorithm>,
    /// For URL and hash lists: delist or demote.
    #[serde(default)]
    pub effect: HitEffect,
    /// For PDQ lists: maximum Hamming distance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<u32>,
    /// For sealed terms and victims lists: the key file on the host that loads the bundle
    /// (never shipped inside it; an absolute path is best).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_key: Option<PathBuf>,
    /// Number of entries (lines that are neither blank nor `#` comments).
    pub entries: u64,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

// The defaults come from `ListSpec::from_flag` so a bundle and a config file mean the same thing
// when a key is left out.
fn flag_defaults() -> ListSpec {
    ListSpec::from_flag(ListKind::Terms, PathBuf::new())
}
fn default_category() -> String {
    flag_defaults().category
}
fn default_action() -> Action {
    flag_defaults().action
}
fn default_typos() -> bool {
    flag_defaults().typos
}

/// One problem found in a manifest, with the key it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key such as `lists[1].file`, or `""` for the document.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// Why a manifest was refused.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not valid TOML, or a key is unknown, missing or of the wrong type.
    #[error("{}", at(path, *line, key.as_deref(), message))]
    Syntax {
        /// The manifest file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// The key at that line, as `lists[N].key` inside a list table.
        key: Option<String>,
        /// The parser's message.
        message: String,
    },
    /// Well-formed but inconsistent; every problem is listed.
    #[error("{path}: {}", join(problems))]
    Invalid {
        /// The manifest file.
        path: PathBuf,
        /// Each problem with its key.
        problems: Vec<Problem>,
    },
}

fn at(path: &Path, line: usize, key: Option<&str>, message: &str) -> String {
    let mut out = path.display().to_string();
    if line > 0 {
        out.push_str(&format!(":{line}"));
    }
    if let Some(key) = key {
        out.push_str(&format!(": {key}"));
    }
    format!("{out}: {message}")
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Manifest {
    /// Parses and validates a manifest; `path` is used only in error messages.
    ///
    /// # Errors
    /// [`ManifestError::Syntax`] for TOML or type errors (with line and key),
    /// [`ManifestError::Invalid`] listing every semantic problem.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| syntax(text, path, &e))?;
        let problems = manifest.problems();
        if problems.is_empty() {
            Ok(manifest)
        } else {
            Err(ManifestError::Invalid {
                path: path.to_path_buf(),
                problems,
            })
        }
    }

    /// Parses a manifest a maintainer is still writing: `entries`, `sha256`, `created` and
    /// `serial` may be missing (they are filled in with placeholders to be recomputed), as may
    /// `version` when `version` is given. Everything else is checked as in [`Manifest::parse`].
    ///
    /// # Errors
    /// As [`Manifest::parse`].
    pub fn parse_draft(
        text: &str,
        path: &Path,
        version: Option<&str>,
    ) -> Result<Self, ManifestError> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| syntax(text, path, &e))?;
        let placeholder = |k: &str, v: toml::Value, t: &mut toml::Table| {
            t.entry(k.to_owned()).or_insert(v);
        };
        if let Some(v) = version {
            table.insert("version".into(), toml::Value::String(v.to_owned()));
        }
        placeholder("serial", toml::Value::Integer(0), &mut table);
        placeholder(
            "created",
            toml::Value::String("1970-01-01T00:00:00Z".into()),
            &mut table,
        );
        if let Some(toml::Value::Array(lists)) = table.get_mut("lists") {
            for list in lists.iter_mut().filter_map(toml::Value::as_table_mut) {
                placeholder("entries", toml::Value::Integer(0), list);
                placeholder("sha256", toml::Value::String("0".repeat(64)), list);
            }
        }
        // Line numbers of the filled-in text are not the maintainer's, so only keys are kept.
        let filled = toml::to_string(&table).map_err(|e| ManifestError::Syntax {
            path: path.to_path_buf(),
            line: 0,
            key: None,
            message: e.to_string(),
        })?;
        Manifest::parse(&filled, path).map_err(|e| match e {
            ManifestError::Syntax {
                path, key, message, ..
            } => ManifestError::Syntax {
                path,
                line: 0,
                key,
                message,
            },
            other => other,
        })
    }

    /// The manifest as TOML text.
    ///
    /// # Errors
    /// Only if serialisation fails, which a validated manifest does not.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

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

impl ManifestList {
    /// The list's declaration, with its file resolved against the bundle directory `dir`.
    pub fn spec_in(&self, dir: &Path) -> ListSpec {
        ListSpec {
            name: self.name.clone(),
            kind: self.kind,
            path: dir.join(&self.file),
            category: self.category.clone(),
            action: self.action,
            mode: self.mode,
            typos: self.typos,
            context: self.context.clone(),
            algorithm: self.algorithm,
            effect: self.effect,
            max_distance: self.max_distance,
            max_age: None,
            sealed_key: self.sealed_key.clone(),
        }
    }
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

/// Turns a TOML error into a [`ManifestError::Syntax`] naming the line and the key there.
fn syntax(text: &str, path: &Path, err: &toml::de::Error) -> ManifestError {
    let (line, key) = match err.span() {
        Some(span) => locate(text, span.start),
        None => (0, None),
    };
    ManifestError::Syntax {
        path: path.to_path_buf(),
        line,
        key,
        message: err.message().to_owned(),
    }
}

/// The 1-based line of byte `offset` and the dotted key defined on it (`lists[N].key` after the
/// N+1-th `[[lists]]` header).
fn locate(text: &str, offset: usize) -> (usize, Option<String>) {
    let before = text.get(..offset).unwrap_or(text);
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let tables = text
        .lines()
        .take(line_no)
        .filter(|l| l.trim_start().starts_with("[[lists]]"))
        .count();
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let key = match (key, tables) {
        (Some(k), 0) => Some(k),
        (Some(k), n) => Some(format!("lists[{}].{k}", n - 1)),
        (None, 0) => None,
        (None, n) => Some(format!("lists[{}]", n - 1)),
    };
    (line_no, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn doc(lists: &str) -> String {
        format!("version = \"v1\"\nserial = 3\ncreated = \"2026-11-28T22:00:00Z\"\n\n{lists}")
    }

    fn list(extra: &str) -> String {
        format!(
            "[[lists]]\nname = \"t\"\nfile = \"t.txt\"\nkind = \"terms\"\nentries = 2\nsha256 = \"{SHA}\"\n{extra}"
        )
    }

    #[test]
    fn good_manifest_gets_list_spec_defaults() {
        let m = Manifest::parse(&doc(&list("")), Path::new("m.toml")).unwrap();
        assert_eq!(m.serial, 3);
        let spec = m.lists[0].spec_in(Path::new("/b"));
        let flag = ListSpec::from_flag(ListKind::Terms, PathBuf::from("/b/t.txt"));
        assert_eq!(
            spec,
            ListSpec {
                name: "t".into(),
                ..flag
            }
        );
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let second = format!(
            "{}[[lists]]\nname = \"u\"\nfile = \"u.txt\"\nkind = \"wordlist\"\nentries = 1\nsha256 = \"{SHA}\"\n",
            list("")
        );
        // (case, manifest text, text the error must contain)
        let cases: &[(&str, String, &str)] = &[
            ("not toml", "version = ".into(), "m.toml:1"),
            ("unknown top-level key", doc("colour = 1\n"), "colour"),
            (
                "unknown list key",
                doc(&list("bogus = true\n")),
                "lists[0].bogus",
            ),
            (
                "unknown kind names the key",
                doc(&second),
                "m.toml:14: lists[1].kind: unknown variant `wordlist`",
            ),
            (
                "missing version",
                "serial = 1\ncreated = \"2026-11-28T22:00:00Z\"\n".into(),
                "missing field `version`",
            ),
            (
                "negative serial",
                doc("").replace("serial = 3", "serial = -1"),
                "serial",
            ),
            (
                "local time",
                doc("").replace("22:00:00Z", "22:00:00+01:00"),
                "created: timestamp format is invalid",
            ),
            (
                "missing sha256",
                doc(&list("")).replace(&format!("sha256 = \"{SHA}\"\n"), ""),
                "lists[0]: missing field `sha256`",
            ),
            (
                "bad sha256",
                doc(&list("")).replace(SHA, "ABC"),
                "lists[0].sha256: must be 64 lowercase hex digits",
            ),
            (
                "parent dir",
                doc(&list("")).replace("t.txt", "../t.txt"),
                "lists[0].file: must not contain `..`",
            ),
            (
                "absolute",
                doc(&list("")).replace("t.txt", "/etc/t.txt"),
                "lists[0].file: must be a relative path",
            ),
            (
                "duplicate names",
                doc(&format!("{}{}", list(""), list(""))),
                "lists[1].name: \"t\" is used by two lists",
            ),
            (
                "hashes need algorithm",
                doc(&list("")).replace("\"terms\"", "\"hashes\""),
                "lists[0]: a hashes list needs `algorithm`",
            ),
            (
                "expires before created",
                doc("").replace(
                    "serial = 3",
                    "serial = 3\nexpires = \"2020-01-01T00:00:00Z\"",
                ),
                "expires: must be later",
            ),
            (
                "empty version",
                doc("").replace("\"v1\"", "\"\""),
                "version: must not be empty",
            ),
        ];
        for (name, text, want) in cases {
            let err = Manifest::parse(text, Path::new("m.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{name}: {err:?} lacks {want:?}");
        }
    }

    #[test]
    fn bare_toml_datetime_is_accepted() {
        let text = doc("").replace("\"2026-11-28T22:00:00Z\"", "2026-11-28T22:00:00Z");
        let m = Manifest::parse(&text, Path::new("m.toml")).unwrap();
        assert_eq!(m.created.to_string(), "2026-11-28T22:00:00Z");
    }

    #[test]
    fn draft_fills_placeholders_but_keeps_checks() {
        let draft = "[[lists]]\nname = \"t\"\nfile = \"t.txt\"\nkind = \"terms\"\n";
        let m = Manifest::parse_draft(draft, Path::new("m.toml"), Some("v2")).unwrap();
        assert_eq!(m.version, "v2");
        assert_eq!(m.lists[0].entries, 0);
        let err = Manifest::parse_draft(draft, Path::new("m.toml"), None).unwrap_err();
        assert!(err.to_string().contains("version"), "{err}");
        let bad = draft.replace("terms\"", "wordlist\"");
        let err = Manifest::parse_draft(&bad, Path::new("m.toml"), Some("v")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("m.toml: lists[0].kind: unknown variant"),
            "{err}"
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;
        use std::time::{Duration, UNIX_EPOCH};

        fn time() -> impl Strategy<Value = Timestamp> {
            (0u64..253_402_300_799, 0u32..1_000_000_000)
                .prop_map(|(s, n)| Timestamp(UNIX_EPOCH + Duration::new(s, n)))
        }

        fn kind() -> impl Strategy<Value = ListKind> {
            prop_oneof![
                Just(ListKind::Terms),
                Just(ListKind::Victims),
                Just(ListKind::Context),
                Just(ListKind::Allow),
                Just(ListKind::Urls),
            ]
        }

        fn entry() -> impl Strategy<Value = ManifestList> {
            (
                "[a-z][a-z0-9_-]{0,12}",
                "[a-z0-9_]{1,8}(/[a-z0-9_]{1,8}\\.txt){0,2}",
                kind(),
                "\\PC{0,12}",
                prop_oneof![
                    Just(Action::Block),
                    Just(Action::Signpost),
                    Just(Action::Monitor)
                ],
                any::<bool>(),
                0..=i64::MAX as u64,
                "[0-9a-f]{64}",
            )
                .prop_map(
                    |(name, file, kind, category, action, typos, entries, sha256)| ManifestList {
                        name,
                        file: PathBuf::from(file),
                        kind,
                        category,
                        action,
                        mode: MatchMode::Prefix,
                        typos,
                        context: None,
                        algorithm: None,
                        effect: HitEffect::Demote,
                        max_distance: None,
                        sealed_key: None,
                        entries,
                        sha256,
                    },
                )
        }

        proptest! {
            #[test]
            fn arbitrary_text_never_panics(text in "\\PC{0,200}", cut in 0usize..400) {
                let _ = Manifest::parse(&text, Path::new("m.toml"));
                let good = doc(&list(""));
                let mut damaged = good.clone();
                damaged.truncate(cut.min(good.len()));
                damaged.push_str(&text);
                let _ = Manifest::parse(&damaged, Path::new("m.toml"));
                let _ = Manifest::parse_draft(&damaged, Path::new("m.toml"), Some("v"));
            }

            #[test]
            fn serialise_then_parse_is_identity(
                version in "\\PC{1,20}",
                serial in 0..=i64::MAX as u64,
                created in time(),
                expires in proptest::option::of(time()),
                lists in proptest::collection::vec(entry(), 0..4),
            ) {
                let mut lists = lists;
                for (i, l) in lists.iter_mut().enumerate() {
                    l.name = format!("{}{i}", l.name);
                }
                let expires = expires.filter(|e| *e > created);
                prop_assume!(!version.trim().is_empty());
                let m = Manifest { version, serial, created, expires, lists, compiled: None };
                let text = m.to_toml().unwrap();
                let back = Manifest::parse(&text, Path::new("m.toml")).unwrap();
                prop_assert_eq!(back, m);
            }
        }
    }
}
