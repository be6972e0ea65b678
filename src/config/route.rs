//! Routes: the `[[routes]]` entry as written, and the route it is validated into once at config
//! load (pattern parsed, methods parsed, engine adapter built), which the router uses as it is.

use std::sync::Arc;

use serde::Deserialize;

use super::Pattern;
use crate::engines::generic::GenericOptions;
use crate::engines::{Engine, EngineName};

/// What a route does with a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    /// Search: the query is checked; results are filtered.
    Search,
    /// Autocomplete: the prefix is checked; suggestions are filtered.
    Suggest,
    /// Indexing: documents whose URL or hash is listed are refused.
    Index,
    /// Forwarded untouched, streaming both ways.
    #[default]
    Passthrough,
    /// Refused with 403.
    Deny,
}

impl RouteKind {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteKind::Search => "search",
            RouteKind::Suggest => "suggest",
            RouteKind::Index => "index",
            RouteKind::Passthrough => "passthrough",
            RouteKind::Deny => "deny",
        }
    }

    /// True for kinds whose traffic is evaluated (buffered, checked, rewritten).
    pub fn is_inspected(self) -> bool {
        matches!(
            self,
            RouteKind::Search | RouteKind::Suggest | RouteKind::Index
        )
    }
}

/// One `[[routes]]` entry as written; [`RawRoute::validate`] turns it into a [`RouteSpec`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// Name used in logs and metrics.
    pub name: String,
    /// Path pattern: exact (`/search`), `{param}` segments (`/indexes/{index}/search`), or a
    /// prefix ending in `*` (`/api/*`).
    pub path: String,
    /// Methods; empty means any.
    #[serde(default)]
    pub methods: Vec<String>,
    /// What the route does.
    #[serde(default)]
    pub kind: RouteKind,
    /// Engine adapter name (required for search, suggest and index kinds).
    #[serde(default)]
    pub engine: Option<String>,
    /// Options of the `generic` and `html` adapters.
    #[serde(default)]
    pub generic: Option<GenericOptions>,
    /// Categories of lists enforced on this route (empty: all).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Hits whose title or snippet matches a term list are demoted.
    #[serde(default)]
    pub demote_matching_hits: bool,
    /// Index routes: refuse the whole request when any document is listed (default: drop only
    /// the listed documents).
    #[serde(default)]
    pub refuse_whole_batch: bool,
    /// Where hashes are in a hit or document: `{ pointer = "/md5", algorithm = "md5" }`.
    #[serde(default)]
    pub hash_fields: Vec<HashField>,
    /// Override the adapter's URL pointers (relative to a hit or document).
    #[serde(default)]
    pub url_fields: Vec<String>,
    /// Search hits whose URL or hash fields were hidden from searchward (e.g. no `_source`):
    /// `drop` (default) removes them; `keep` is the operator's explicit opt-out.
    #[serde(default)]
    pub unjudged_hits: UnjudgedHits,
}

/// A validated route: what the router and the policy use; nothing is parsed again.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "RawRoute")]
pub struct RouteSpec {
    /// Name used in logs and metrics.
    pub name: String,
    /// The path pattern.
    pub pattern: Pattern,
    /// Methods; empty means any.
    pub methods: Vec<http::Method>,
    /// What the route does.
    pub kind: RouteKind,
    /// The engine adapter (always set for search, suggest and index kinds).
    pub engine: Option<RouteEngine>,
    /// Categories of lists enforced on this route (empty: all).
    pub categories: Vec<String>,
    /// Hits whose title or snippet matches a term list are demoted.
    pub demote_matching_hits: bool,
    /// Index routes: refuse the whole request when any document is listed.
    pub refuse_whole_batch: bool,
    /// Where hashes are in a hit or document.
    pub hash_fields: Vec<HashField>,
    /// Override the adapter's URL pointers (relative to a hit or document).
    pub url_fields: Vec<String>,
    /// Where the route came from.
    pub origin: RouteOrigin,
    /// What happens to search hits that cannot be judged.
    pub unjudged_hits: UnjudgedHits,
}

/// A route's engine adapter: its name and the adapter built from it (and its options).
#[derive(Clone)]
pub struct RouteEngine {
    /// Which adapter.
    pub name: EngineName,
    /// The adapter, built once.
    pub adapter: Arc<dyn Engine>,
}

impl std::fmt::Debug for RouteEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RouteEngine").field(&self.name).finish()
    }
}

/// Why a route entry is invalid: one `(key, message)` per problem, the key relative to the
/// route (`path`, `methods`, `engine`).
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(|(k, m)| format!("{k}: {m}")).collect::<Vec<_>>().join("; "))]
pub struct RouteError(pub Vec<(&'static str, String)>);

impl RawRoute {
    /// Validates the entry into a [`RouteSpec`] coming from `origin`.
    ///
    /// # Errors
    /// [`RouteError`] with every problem of the entry.
    pub fn validate(self, origin: RouteOrigin) -> Result<RouteSpec, RouteError> {
        let mut problems = Vec::new();
        let pattern = Pattern::parse(&self.path)
            .map_err(|msg| problems.push(("path", msg)))
            .ok();
        let mut methods = Vec::with_capacity(self.methods.len());
        for m in &self.methods {
            match http::Method::from_bytes(m.to_ascii_uppercase().as_bytes()) {
                Ok(method) => methods.push(method),
                Err(_) => problems.push(("methods", format!("{m:?} is not an HTTP method"))),
            }
        }
        let engine = match (&self.engine, self.kind.is_inspected()) {
            (None, true) => {
                problems.push((
                    "engine",
                    format!("required for a {} route", self.kind.as_str()),
                ));
                None
            }
            (Some(name), _) => match EngineName::parse(name)
                .and_then(|n| Ok((n, n.build(self.generic.as_ref())?)))
            {
                Ok((name, adapter)) => Some(RouteEngine { name, adapter }),
                Err(e) => {
                    problems.push(("engine", e.to_string()));
                    None
                }
            },
            (None, false) => None,
        };
        match pattern {
            Some(pattern) if problems.is_empty() => Ok(RouteSpec {
                name: self.name,
                pattern,
                methods,
                kind: self.kind,
                engine,
                categories: self.categories,
                demote_matching_hits: self.demote_matching_hits,
                refuse_whole_batch: self.refuse_whole_batch,
                hash_fields: self.hash_fields,
                url_fields: self.url_fields,
                origin,
                unjudged_hits: self.unjudged_hits,
            }),
            _ => Err(RouteError(problems)),
        }
    }
}

impl TryFrom<RawRoute> for RouteSpec {
    type Error = RouteError;

    fn try_from(raw: RawRoute) -> Result<Self, Self::Error> {
        raw.validate(RouteOrigin::Config)
    }
}

impl RouteSpec {
    /// The implicit route of requests no other route matches: every path, any method.
    pub fn unknown_endpoints(name: &str, kind: RouteKind) -> RouteSpec {
        RouteSpec {
            name: name.into(),
            pattern: Pattern::Prefix("/".into()),
            methods: Vec::new(),
            kind,
            engine: None,
            categories: Vec::new(),
            demote_matching_hits: false,
            refuse_whole_batch: false,
            hash_fields: Vec::new(),
            url_fields: Vec::new(),
            origin: RouteOrigin::Unknown,
            unjudged_hits: UnjudgedHits::default(),
        }
    }
}

/// Where a route came from; a denial by a profile or for an unknown endpoint answers
/// `endpoint_not_allowed`, an operator's own `deny` route `denied`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RouteOrigin {
    /// A `[[routes]]` entry.
    #[default]
    Config,
    /// The `[engine]` profile's table.
    Profile,
    /// The implicit route of requests no other route matches.
    Unknown,
}

/// What happens to a search hit that cannot be judged against the URL and hash lists.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UnjudgedHits {
    /// Removed from the response (and from the total), counted.
    #[default]
    Drop,
    /// Shown unjudged, counted.
    Keep,
}

/// A hash field of hits or indexed documents.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashField {
    /// JSON pointer relative to the hit or document; a string or an array of strings.
    pub pointer: String,
    /// Digest algorithm of the values.
    pub algorithm: crate::lists::HashAlgorithm,
}
