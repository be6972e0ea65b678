//! What a list means. The meaning of a list (kind, category, action, match mode, hash algorithm)
//! is declared in config or a bundle manifest, never inside the list file itself.

use std::path::PathBuf;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::verdict::Action;

/// The kind of entries a list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// Search terms (words and phrases).
    Terms,
    /// Names of victims; matched as whole names, in either order.
    Victims,
    /// Context terms: never match on their own; a victims list may require one of them.
    Context,
    /// Allow-list entries that override matches of other lists.
    Allow,
    /// URLs and URL expressions (host, host/path-prefix, exact page).
    Urls,
    /// Content hashes (hex digests).
    Hashes,
}

impl ListKind {
    /// The lowercase name used in config and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Terms => "terms",
            ListKind::Victims => "victims",
            ListKind::Context => "context",
            ListKind::Allow => "allow",
            ListKind::Urls => "urls",
            ListKind::Hashes => "hashes",
        }
    }

    /// True for lists matched against query text (terms, victims, context, allow).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            ListKind::Terms | ListKind::Victims | ListKind::Context | ListKind::Allow
        )
    }
}

/// How a text list's entries are matched against the tokens of a query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchMode {
    /// Whole tokens: the entry must start and end on token boundaries (the default); an entry of
    /// eight letters or more may also be run into one neighbouring word (`zorvexilpics`).
    #[default]
    Token,
    /// The entry must start on a token boundary and may end inside a token (`zorv` → `zorvexil`).
    Prefix,
    /// Anywhere inside the normalised text (opt-in; for scripts without spaces or stems).
    Substring,
}

/// The digest algorithm of a hash list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgorithm {
    /// MD5, 32 hex digits.
    Md5,
    /// SHA-1, 40 hex digits.
    Sha1,
    /// SHA-256, 64 hex digits.
    Sha256,
    /// PDQ perceptual hash, 256 bits as 64 hex digits, matched by Hamming distance.
    Pdq,
}

impl HashAlgorithm {
    /// Number of hex digits in a digest of this algorithm.
    pub fn hex_len(self) -> usize {
        match self {
            HashAlgorithm::Md5 => 32,
            HashAlgorithm::Sha1 => 40,
            HashAlgorithm::Sha256 | HashAlgorithm::Pdq => 64,
        }
    }

    /// The lowercase name used in config and flags (`md5:FILE`).
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Md5 => "md5",
            HashAlgorithm::Sha1 => "sha1",
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Pdq => "pdq",
        }
    }
}

/// What happens to a search hit (or indexed document) whose URL or hash is on a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HitEffect {
    /// Remove the hit (totals adjusted); refuse the document at indexing.
    #[default]
    Delist,
    /// Move the hit after all clean hits.
    Demote,
}

/// A list declaration from config or a bundle manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    /// Unique name; used in metrics, logs and the admin API.
    pub name: String,
    /// What the entries are.
    pub kind: ListKind,
    /// The list file.
    pub path: PathBuf,
    /// Free-form category label (e.g. `csea`), used by per-route policy.
    #[serde(default = "default_category")]
    pub category: String,
    /// Action for text lists (terms, victims). Ignored for allow, context, urls and hashes.
    #[serde(default = "default_action")]
    pub action: Action,
    /// Match mode for text lists.
    #[serde(default, rename = "match")]
    pub mode: MatchMode,
    /// One-edit typo tolerance for tokens of 7 or more letters (text lists).
    #[serde(default = "default_true")]
    pub typos: bool,
    /// For victims lists: name of a `context` list one of whose entries must also occur.
    #[serde(default)]
    pub context: Option<String>,
    /// For hash lists: the digest algorithm.
    #[serde(default)]
    pub algorithm: Option<HashAlgorithm>,
    /// For URL and hash lists: delist (default) or demote.
    #[serde(default)]
    pub effect: HitEffect,
    /// For PDQ lists: maximum Hamming distance (default 31).
    #[serde(default)]
    pub max_distance: Option<u32>,
    /// Largest age of the list file (since its last modification) before it counts as stale,
    /// e.g. `"30d"` or `"12h"`.
    #[serde(default, with = "max_age", skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Duration>,
    /// For sealed terms and victims lists: the key file the list was sealed with (see
    /// [`crate::sealed`]). Sealed lists match whole tokens only, without typo tolerance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_key: Option<PathBuf>,
}

fn default_category() -> String {
    "csea".to_owned()
}
fn default_action() -> Action {
    Action::Block
}
fn default_true() -> bool {
    true
}

impl ListSpec {
    /// A list with default options, as declared by a command-line flag such as `--terms FILE`:
    /// named after the file's stem, action `block`, whole-token matching with typo tolerance.
    pub fn from_flag(kind: ListKind, path: PathBuf) -> Self {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| kind.as_str().to_owned());
        ListSpec {
            name,
            kind,
            path,
            category: default_category(),
            action: Action::Block,
            mode: MatchMode::Token,
            typos: true,
            context: None,
            algorithm: None,
            effect: HitEffect::Delist,
            max_distance: None,
            max_age: None,
            sealed_key: None,
        }
    }

    /// Checks the declaration on its own; returns one message per problem (no file access).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.name.trim().is_empty() {
            out.push("name must not be empty".to_owned());
        }
        match self.kind {
            ListKind::Hashes if self.algorithm.is_none() => {
                out.push("a hashes list needs `algorithm` (md5, sha1, sha256 or pdq)".to_owned())
            }
            ListKind::Hashes => {}
            _ if self.algorithm.is_some() => {
                out.push("`algorithm` applies only to hashes lists".to_owned())
            }
            _ => {}
        }
        if self.context.is_some() && self.kind != ListKind::Victims {
            out.push("`context` applies only to victims lists".to_owned());
        }
        if self.max_distance.is_some() && self.algorithm != Some(HashAlgorithm::Pdq) {
            out.push("`max_distance` applies only to pdq hash lists".to_owned());
        }
        if let Some(d) = self.max_distance
            && d > 128
        {
            out.push("`max_distance` must be at most 128".to_owned());
        }
        if self.sealed_key.is_some() {
            if !matches!(self.kind, ListKind::Terms | ListKind::Victims) {
                out.push("`sealed_key` applies only to terms and victims lists".to_owned());
            }
            if self.mode != MatchMode::Token {
                out.push(format!(
                    "a sealed list matches whole tokens only; `match = \"{}\"` needs the plain list",
                    match self.mode {
                        MatchMode::Prefix => "prefix",
                        _ => "substring",
                    }
                ));
            }
            if self.context.is_some() {
                out.push("a sealed victims list cannot require a `context` list".to_owned());
            }
        }
        out
    }

    /// The declared maximum age, if any.
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age
    }

    /// When content last modified at `modified` goes stale under this declaration.
    pub fn stale_after(&self, modified: std::time::SystemTime) -> Option<std::time::SystemTime> {
        self.max_age().and_then(|a| modified.checked_add(a))
    }
}

/// `max_age` written as a duration like `"30d"` or `"12h"` (humantime), read once into a
/// [`Duration`].
mod max_age {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        humantime::parse_duration(&text).map(Some).map_err(|_| {
            serde::de::Error::custom(format!(
                "`max_age` {text:?} is not a duration like \"30d\" or \"12h\""
            ))
        })
    }

    pub(super) fn serialize<S: Serializer>(
        age: &Option<Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match age {
            Some(a) => s.collect_str(&humantime::format_duration(*a)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_lists_are_named_after_the_file_stem() {
        let spec = ListSpec::from_flag(ListKind::Terms, PathBuf::from("/x/held.txt"));
        assert_eq!(spec.name, "held");
        assert_eq!(spec.action, Action::Block);
        assert!(spec.problems().is_empty());
    }

    #[test]
    fn hashes_need_an_algorithm() {
        let spec = ListSpec::from_flag(ListKind::Hashes, PathBuf::from("h.txt"));
        assert_eq!(spec.problems().len(), 1);
    }

    #[test]
    fn sealed_lists_are_whole_token_terms_or_victims() {
        let sealed = |kind, f: fn(&mut ListSpec)| {
            let mut s = ListSpec::from_flag(kind, PathBuf::from("s.txt"));
            s.sealed_key = Some(PathBuf::from("k.key"));
            f(&mut s);
            s.problems()
        };
        type Case = (&'static str, ListKind, fn(&mut ListSpec), &'static str);
        let cases: &[Case] = &[
            ("terms", ListKind::Terms, |_| {}, ""),
            ("victims", ListKind::Victims, |_| {}, ""),
            ("allow", ListKind::Allow, |_| {}, "applies only to terms"),
            (
                "prefix",
                ListKind::Terms,
                |s| s.mode = MatchMode::Prefix,
                "whole tokens only",
            ),
            (
                "substring",
                ListKind::Terms,
                |s| s.mode = MatchMode::Substring,
                "whole tokens",
            ),
            (
                "context",
                ListKind::Victims,
                |s| s.context = Some("c".into()),
                "context",
            ),
        ];
        for (name, kind, f, want) in cases {
            let got = sealed(*kind, *f);
            if want.is_empty() {
                assert!(got.is_empty(), "{name}: {got:?}");
            } else {
                assert!(got.iter().any(|p| p.contains(want)), "{name}: {got:?}");
            }
        }
    }

    #[test]
    fn defaults_from_toml() {
        let spec: ListSpec = toml::from_str(
            "name = \"t\"\nkind = \"victims\"\npath = \"v.txt\"\ncontext = \"ctx\"\naction = \"signpost\"",
        )
        .unwrap();
        assert_eq!(spec.mode, MatchMode::Token);
        assert!(spec.typos);
        assert_eq!(spec.action, Action::Signpost);
        assert!(spec.problems().is_empty());
        let err =
            toml::from_str::<ListSpec>("name = \"t\"\nkind = \"terms\"\npath = \"a\"\nbogus = 1");
        assert!(err.unwrap_err().to_string().contains("bogus"));
    }
}
