//! The immutable set of compiled lists the proxy enforces, and the `ArcSwap` holder requests
//! load it from. A reload builds a whole new [`Snapshot`] off the request path and swaps it in.

use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwapOption;

use crate::hashes::{HashIndex, HashList, HashListError};
use crate::lists::{
    Entry, ListKind, ListSource, ListSpec, ParseError, ReadError, count_entries, parse_reader,
    read_files,
};
use crate::matcher::{MatcherError, PersistError, TermMatcher, TextList};
use crate::mempages::Pages;
use crate::sealed::{SealKey, SealedError, SealedIndex, SealedList, is_sealed};
use crate::urlindex::{UrlIndex, UrlList, UrlListError};
use crate::verdict::{ListId, Verdict};

/// Metadata of one loaded list (never its entries).
#[derive(Clone, Debug)]
pub struct LoadedList {
    /// The declaration it was loaded with.
    pub spec: ListSpec,
    /// Number of entries (comments and blank lines excluded).
    pub entries: usize,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Version: the bundle's version, or the first 12 hex digits of the checksum.
    pub version: String,
    /// When this content was loaded.
    pub loaded_at: SystemTime,
    /// When this content goes stale, if it declares a maximum age or an expiry.
    pub stale_after: Option<SystemTime>,
}

/// Why a snapshot could not be built. The previous snapshot stays in force.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A list file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A list file is malformed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A text list failed to compile.
    #[error(transparent)]
    Terms(#[from] MatcherError),
    /// A URL list failed to compile.
    #[error(transparent)]
    Urls(#[from] UrlListError),
    /// A hash list failed to compile.
    #[error(transparent)]
    Hashes(#[from] HashListError),
    /// A sealed list (or its key) failed to load.
    #[error(transparent)]
    Sealed(#[from] SealedError),
    /// The declarations are inconsistent.
    #[error("list {name}: {reason}")]
    Spec {
        /// List name.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// Every compiled list, immutable once built.
#[derive(Debug)]
pub struct Snapshot {
    /// Metadata per list; a list's position here is its [`ListId`].
    pub lists: Vec<LoadedList>,
    /// Terms, victims, context and allow lists.
    pub terms: TermMatcher,
    /// URL lists.
    pub urls: UrlIndex,
    /// Hash lists.
    pub hashes: HashIndex,
    /// Sealed terms and victims lists (keyed hashes; whole-token matching only).
    pub sealed: SealedIndex,
    /// True when the text lists came from a bundle's precompiled index rather than being
    /// compiled at load.
    pub precompiled: bool,
}

impl Snapshot {
    /// Reads every declared list from disk and compiles them.
    ///
    /// # Errors
    /// [`LoadError`] naming the file (and line) of the first problem.
    pub fn load(specs: &[ListSpec]) -> Result<Self, LoadError> {
        Self::build(read_files(specs)?)
    }

    /// Compiles lists from their raw content.
    ///
    /// # Errors
    /// [`LoadError`] for a malformed list or inconsistent declarations.
    pub fn build(sources: Vec<ListSource>) -> Result<Self, LoadError> {
        check_specs(sources.iter().map(|s| &s.spec))?;
        let loaded_at = SystemTime::now();
        let mut lists = Vec::with_capacity(sources.len());
        let mut entries: Vec<Vec<Entry>> = Vec::with_capacity(sources.len());
        let mut sealed_bytes: Vec<(usize, Vec<u8>, SealKey)> = Vec::new();
        let mut sealed_key = None;
        let mut compiled = Vec::with_capacity(sources.len());
        let mut deferred_bytes: Vec<(usize, Vec<u8>)> = Vec::new();
        for mut source in sources {
            compiled.push(source.compiled.clone());
            // A text list a precompiled index may stand for is only checked and counted here;
            // its entries are read only if the index turns out not to fit.
            let deferred = source.compiled.is_some() && in_term_matcher(&source.spec);
            let (parsed, count) = if deferred {
                (
                    Vec::new(),
                    count_entries(source.bytes(), &source.spec.path)?,
                )
            } else {
                let parsed = parse_reader(source.bytes(), &source.spec.path)?;
                let n = parsed.len();
                (parsed, n)
            };
            // A sealed file never reaches the plain matcher: its lines are hashes, not terms.
            let parsed = match (&source.spec.sealed_key, is_sealed(source.bytes())) {
                (Some(key), true) => {
                    sealed_key = Some(SealKey::load(key)?);
                    parsed
                }
                (None, false) => parsed,
                (Some(_), false) => {
                    return Err(LoadError::Spec {
                        name: source.spec.name,
                        reason: "`sealed_key` is set but the file is not a sealed list".into(),
                    });
                }
                (None, true) => {
                    return Err(LoadError::Spec {
                        name: source.spec.name,
                        reason: "the file is a sealed list; declare its `sealed_key`".into(),
                    });
                }
            };
            let sha256 = source.sha256().to_owned();
            let version = source
                .version
                .take()
                .unwrap_or_else(|| sha256.get(..12).unwrap_or(&sha256).to_owned());
            let stale_after = source.stale_after;
            let (spec, bytes) = source.into_parts();
            lists.push(LoadedList {
                spec,
                entries: count,
                sha256,
                version,
                loaded_at,
                stale_after,
            });
            entries.push(parsed);
            if let Some(key) = sealed_key.take() {
                sealed_bytes.push((lists.len() - 1, bytes, key));
            } else if deferred {
                deferred_bytes.push((lists.len() - 1, bytes));
            }
        }
        let precompiled = try_precompiled(&text_lists(&lists, &entries), &lists, &compiled);
        let (terms, precompiled) = match precompiled {
            Some(m) => (m, true),
            None => {
                for (i, bytes) in &deferred_bytes {
                    if let (Some(slot), Some(list)) = (entries.get_mut(*i), lists.get(*i)) {
                        *slot = parse_reader(bytes.as_slice(), &list.spec.path)?;
                    }
                }
                (TermMatcher::build(&text_lists(&lists, &entries))?, false)
            }
        };
        let ids = || (0..lists.len()).map(|i| i as ListId);
        let urls: Vec<UrlList<'_>> = ids()
            .zip(lists.iter().zip(&entries))
            .filter(|(_, (l, _))| l.spec.kind == ListKind::Urls)
            .map(|(id, (l, e))| UrlList {
                id,
                spec: &l.spec,
                entries: e,
            })
            .collect();
        let hashes: Vec<HashList<'_>> = ids()
            .zip(lists.iter().zip(&entries))
            .filter(|(_, (l, _))| l.spec.kind == ListKind::Hashes)
            .map(|(id, (l, e))| HashList {
                id,
                spec: &l.spec,
                entries: e,
            })
            .collect();
        let urls = UrlIndex::build(&urls)?;
        let hashes = HashIndex::build(&hashes)?;
        let sealed: Vec<SealedList<'_>> = sealed_bytes
            .iter()
            .filter_map(|(i, bytes, key)| {
                Some(SealedList {
                    id: *i as ListId,
                    spec: &lists.get(*i)?.spec,
                    bytes,
                    key,
                })
            })
            .collect();
        let sealed = SealedIndex::build(&sealed)?;
        Ok(Snapshot {
            lists,
            terms,
            urls,
            hashes,
            sealed,
            precompiled,
        })
    }

    /// The snapshot's text lists as a precompiled index file (`searchward lists compile`).
    ///
    /// # Errors
    /// Only if the matcher and the list table disagree, which a built snapshot does not.
    pub fn compiled_text_index(&self) -> Result<Vec<u8>, PersistError> {
        let text: Vec<&LoadedList> = self
            .lists
            .iter()
            .filter(|l| in_term_matcher(&l.spec))
            .collect();
        let names: Vec<&str> = text.iter().map(|l| l.spec.name.as_str()).collect();
        let sums: Vec<&str> = text.iter().map(|l| l.sha256.as_str()).collect();
        self.terms.to_compiled(&names, &sums)
    }

    /// Checks a query text against the text lists. Allow lists do not override matches of
    /// sealed lists (those carry no spans to compare).
    pub fn check_text(&self, text: &str) -> Verdict {
        let mut verdict = self.terms.check(text);
        if !self.sealed.is_empty() {
            verdict.merge(self.sealed.check(text));
            verdict.finish();
        }
        verdict
    }

    /// Checks a pattern the engine expands (see [`crate::engines::expand`]) by the terms and
    /// names it reaches. Sealed lists hold keyed hashes of whole keys: no pattern reaches them.
    pub fn check_pattern(&self, pattern: &str) -> Verdict {
        self.terms.check_pattern(pattern)
    }

    /// The lists whose content is stale at `now`.
    pub fn stale_lists(&self, now: SystemTime) -> impl Iterator<Item = &LoadedList> {
        self.lists
            .iter()
            .filter(move |l| l.stale_after.is_some_and(|t| t <= now))
    }

    /// The metadata of list `id`.
    pub fn list(&self, id: ListId) -> Option<&LoadedList> {
        self.lists.get(id as usize)
    }

    /// The id of the list called `name`.
    pub fn list_id(&self, name: &str) -> Option<ListId> {
        self.lists
            .iter()
            .position(|l| l.spec.name == name)
            .map(|i| i as ListId)
    }
}

fn check_specs<'a>(specs: impl Iterator<Item = &'a ListSpec> + Clone) -> Result<(), LoadError> {
    let mut seen = std::collections::HashSet::new();
    for spec in specs.clone() {
        if let Some(reason) = spec.problems().into_iter().next() {
            return Err(LoadError::Spec {
                name: spec.name.clone(),
                reason,
            });
        }
        if !seen.insert(spec.name.as_str()) {
            return Err(LoadError::Spec {
                name: spec.name.clone(),
                reason: "two lists have this name".to_owned(),
            });
        }
    }
    for spec in specs.clone() {
        if let Some(ctx) = &spec.context {
            let found = specs
                .clone()
                .any(|s| &s.name == ctx && s.kind == ListKind::Context);
            if !found {
                return Err(LoadError::Spec {
                    name: spec.name.clone(),
                    reason: format!("context list {ctx:?} is not a declared context list"),
                });
            }
        }
    }
    Ok(())
}

/// True for the lists compiled into the [`TermMatcher`] (text lists that are not sealed).
pub fn in_term_matcher(spec: &ListSpec) -> bool {
    spec.kind.is_text() && spec.sealed_key.is_none()
}

/// The lists that go into the [`TermMatcher`], with their entries.
fn text_lists<'a>(lists: &'a [LoadedList], entries: &'a [Vec<Entry>]) -> Vec<TextList<'a>> {
    lists
        .iter()
        .zip(entries)
        .enumerate()
        .filter(|(_, (l, _))| in_term_matcher(&l.spec))
        .map(|(id, (l, e))| TextList {
            id: id as ListId,
            spec: &l.spec,
            entries: e,
        })
        .collect()
}

/// The text lists' matcher read from the bundle's precompiled index, when one covers exactly
/// these lists as they are (same names, declarations and content, same searchward version).
/// An index that does not fit is logged (with its reason, never entries) and ignored, never an
/// error: the lists are then compiled from their entries.
fn try_precompiled(
    text: &[TextList<'_>],
    lists: &[LoadedList],
    compiled: &[Option<Arc<Pages>>],
) -> Option<TermMatcher> {
    let of = |t: &TextList<'_>| compiled.get(t.id as usize).cloned().flatten();
    let index = text.first().and_then(of);
    let covers = index.as_ref().is_some_and(|index| {
        text.iter()
            .all(|t| of(t).is_some_and(|c| Arc::ptr_eq(&c, index)))
    });
    match (&index, covers) {
        (Some(index), true) => {
            let sums: Vec<&str> = text
                .iter()
                .filter_map(|t| lists.get(t.id as usize).map(|l| l.sha256.as_str()))
                .collect();
            TermMatcher::from_compiled(index, text, &sums)
                .inspect_err(|error| {
                    tracing::warn!(%error, "precompiled index not used; compiling the lists at load");
                })
                .ok()
        }
        _ => {
            if compiled.iter().any(Option::is_some) {
                tracing::info!(
                    "a precompiled index covers only some of the text lists; compiling them at load"
                );
            }
            None
        }
    }
}

/// The holder requests load the current snapshot from: `None` until a valid one is loaded.
#[derive(Debug, Default)]
pub struct SnapshotHolder {
    current: ArcSwapOption<Snapshot>,
}

impl SnapshotHolder {
    /// An empty holder (not ready).
    pub fn new() -> Self {
        Self::default()
    }

    /// The current snapshot; call once per request, before any `.await`.
    pub fn load(&self) -> Option<Arc<Snapshot>> {
        self.current.load_full()
    }

    /// Publishes a new snapshot for all following requests.
    pub fn store(&self, snapshot: Arc<Snapshot>) {
        self.current.store(Some(snapshot));
    }

    /// True once a valid snapshot has been published.
    pub fn is_ready(&self) -> bool {
        self.current.load().is_some()
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn source(name: &str, kind: ListKind, text: &str) -> ListSource {
        source_bytes(name, kind, text.as_bytes())
    }

    fn source_bytes(name: &str, kind: ListKind, bytes: &[u8]) -> ListSource {
        ListSource::new(
            ListSpec {
                name: name.to_owned(),
                ..ListSpec::from_flag(kind, PathBuf::from(format!("{name}.txt")))
            },
            bytes.to_vec(),
        )
    }

    #[test]
    fn builds_metadata_without_entries() {
        let snap = Snapshot::build(vec![source(
            "t",
            ListKind::Terms,
            "# c\nzorvexil\nquandor\n",
        )])
        .unwrap();
        let l = &snap.lists[0];
        assert_eq!(l.entries, 2);
        assert_eq!(l.sha256.len(), 64);
        assert_eq!(l.version, l.sha256[..12]);
        assert_eq!(snap.list_id("t"), Some(0));
    }

    #[test]
    fn duplicate_names_and_missing_context_are_refused() {
        let err = Snapshot::build(vec![
            source("t", ListKind::Terms, "a\n"),
            source("t", ListKind::Terms, "b\n"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("two lists"));
        let mut v = source("v", ListKind::Victims, "Ada Quill\n");
        v.spec.context = Some("ctx".into());
        assert!(Snapshot::build(vec![v]).is_err());
    }

    #[test]
    fn bad_utf8_is_refused_and_holder_keeps_last_good() {
        let holder = SnapshotHolder::new();
        assert!(!holder.is_ready());
        let good = Snapshot::build(vec![source("t", ListKind::Terms, "zorvexil\n")]).unwrap();
        holder.store(Arc::new(good));
        let bad = Snapshot::build(vec![source_bytes("t", ListKind::Terms, b"ok\n\xff\n")]);
        assert!(bad.unwrap_err().to_string().contains("t.txt:2"));
        assert_eq!(holder.load().unwrap().lists[0].entries, 1);
    }

    /// A precompiled index is used when it fits the lists exactly; when a list changed, the
    /// lists are compiled from their entries, and the new entry matches.
    #[test]
    fn precompiled_index_is_used_only_when_it_fits() {
        let with = |text: &str, index: &Arc<Pages>| {
            let mut terms = source("t", ListKind::Terms, text);
            let mut allow = source("a", ListKind::Allow, "zorvexil garden\n");
            terms.compiled = Some(index.clone());
            allow.compiled = Some(index.clone());
            Snapshot::build(vec![
                terms,
                allow,
                source("u", ListKind::Urls, "bad.example/\n"),
            ])
            .unwrap()
        };
        let plain = Snapshot::build(vec![
            source("t", ListKind::Terms, "zorvexil\n"),
            source("a", ListKind::Allow, "zorvexil garden\n"),
        ])
        .unwrap();
        let index = Arc::new(Pages::new(plain.compiled_text_index().unwrap()));

        let same = with("zorvexil\n", &index);
        assert!(same.precompiled);
        assert!(!same.check_text("z0rvexil pics").is_allow());
        assert!(same.check_text("zorvexil garden").is_allow());
        assert_eq!(same.lists[0].entries, 1);

        let changed = with("zorvexil\nquandrith\n", &index);
        assert!(!changed.precompiled);
        assert!(!changed.check_text("quandrith").is_allow());
        assert_eq!(changed.lists[0].entries, 2);

        // Damaged: refused by the reader, compiled from the lists instead.
        let damaged = Arc::new(Pages::new(b"SWIDX\0\0\x01garbage".to_vec()));
        let snap = with("zorvexil\n", &damaged);
        assert!(!snap.precompiled);
        assert!(!snap.check_text("zorvexil").is_allow());
    }
}
