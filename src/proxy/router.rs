//! The route table: method + path → the configured route (kind, engine). First match wins;
//! requests no route matches are passed through.

use std::sync::Arc;

use crate::config::{RouteKind, RouteSpec};
use crate::engines::Engine;

/// A compiled path pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// The whole path must be equal.
    Exact(String),
    /// The path must start with this.
    Prefix(String),
    /// Segment by segment; `None` is a `{param}` matching any one non-empty segment.
    Segments(Vec<Option<String>>),
}

impl Pattern {
    /// Parses `/exact`, `/prefix/*` or `/indexes/{index}/search`.
    ///
    /// # Errors
    /// A message when the pattern is not an absolute path or a `{…}` is malformed.
    pub fn parse(p: &str) -> Result<Pattern, String> {
        if !p.starts_with('/') {
            return Err(format!("{p:?} must start with '/'"));
        }
        if let Some(prefix) = p.strip_suffix('*') {
            if prefix.contains(['*', '{', '}']) {
                return Err(format!("{p:?}: '*' may only end a prefix pattern"));
            }
            return Ok(Pattern::Prefix(prefix.to_owned()));
        }
        if !p.contains(['{', '}']) {
            return Ok(Pattern::Exact(p.to_owned()));
        }
        let mut segs = Vec::new();
        for seg in p[1..].split('/') {
            if seg.starts_with('{')
                && seg.ends_with('}')
                && seg.len() > 2
                && !seg[1..seg.len() - 1].contains(['{', '}'])
            {
                segs.push(None);
            } else if seg.contains(['{', '}']) {
                return Err(format!(
                    "{p:?}: a parameter must be a whole segment like {{name}}"
                ));
            } else {
                segs.push(Some(seg.to_owned()));
            }
        }
        Ok(Pattern::Segments(segs))
    }

    /// Whether `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            Pattern::Exact(p) => p == path,
            Pattern::Prefix(p) => path.starts_with(p.as_str()),
            Pattern::Segments(segs) => {
                let Some(rest) = path.strip_prefix('/') else {
                    return false;
                };
                let mut parts = rest.split('/');
                for seg in segs {
                    match (seg, parts.next()) {
                        (_, None) => return false,
                        (None, Some("")) => return false,
                        (None, Some(_)) => {}
                        (Some(want), Some(part)) if want == part => {}
                        (Some(_), Some(_)) => return false,
                    }
                }
                parts.next().is_none()
            }
        }
    }
}

/// One compiled route.
#[derive(Clone)]
pub struct Route {
    /// Name in logs and metrics.
    pub name: String,
    /// Index of the route (for per-route metrics).
    pub index: usize,
    /// What it does.
    pub kind: RouteKind,
    /// Adapter for inspected kinds.
    pub engine: Option<Arc<dyn Engine>>,
    /// The config it came from.
    pub spec: RouteSpec,
    pattern: Pattern,
    methods: Vec<http::Method>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("pattern", &self.pattern)
            .finish_non_exhaustive()
    }
}

/// Why the route table could not be built (config validation normally catches these first).
#[derive(Debug, thiserror::Error)]
#[error("route {name}: {reason}")]
pub struct RouterError {
    /// Route name.
    pub name: String,
    /// What is wrong.
    pub reason: String,
}

/// The ordered route table, plus the implicit pass-through route.
#[derive(Clone, Debug)]
pub struct Router {
    routes: Vec<Route>,
    fallback: Route,
}

impl Router {
    /// Compiles the configured routes.
    ///
    /// # Errors
    /// [`RouterError`] for a bad pattern, method or engine.
    pub fn new(specs: &[RouteSpec]) -> Result<Router, RouterError> {
        let mut routes = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let err = |reason: String| RouterError {
                name: spec.name.clone(),
                reason,
            };
            let pattern = Pattern::parse(&spec.path).map_err(err)?;
            let methods = spec
                .methods
                .iter()
                .map(|m| {
                    http::Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                        .map_err(|e| err(e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let engine = match &spec.engine {
                Some(name) => Some(
                    crate::engines::build(name, spec.generic.as_ref())
                        .map_err(|e| err(e.to_string()))?,
                ),
                None => None,
            };
            if spec.kind.is_inspected() && engine.is_none() {
                return Err(err("an inspected route needs an engine".into()));
            }
            routes.push(Route {
                name: spec.name.clone(),
                index,
                kind: spec.kind,
                engine,
                spec: spec.clone(),
                pattern,
                methods,
            });
        }
        let fallback = Route {
            name: "passthrough".into(),
            index: routes.len(),
            kind: RouteKind::Passthrough,
            engine: None,
            spec: RouteSpec {
                name: "passthrough".into(),
                path: "/*".into(),
                methods: Vec::new(),
                kind: RouteKind::Passthrough,
                engine: None,
                generic: None,
                categories: Vec::new(),
                demote_matching_hits: false,
                refuse_whole_batch: false,
                hash_fields: Vec::new(),
                url_fields: Vec::new(),
                unjudged_hits: crate::config::UnjudgedHits::default(),
            },
            pattern: Pattern::Prefix("/".into()),
            methods: Vec::new(),
        };
        Ok(Router { routes, fallback })
    }

    /// The first route matching `method` and `path`, or the pass-through fallback.
    pub fn route(&self, method: &http::Method, path: &str) -> &Route {
        self.routes
            .iter()
            .find(|r| {
                (r.methods.is_empty() || r.methods.contains(method)) && r.pattern.matches(path)
            })
            .unwrap_or(&self.fallback)
    }

    /// Every route including the fallback (for metrics).
    pub fn all(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().chain(std::iter::once(&self.fallback))
    }

    /// Number of routes including the fallback.
    pub fn len(&self) -> usize {
        self.routes.len() + 1
    }

    /// Never empty: the fallback always exists.
    pub fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_table() {
        let cases = [
            ("/search", "/search", true),
            ("/search", "/search/", false),
            ("/search", "/searchx", false),
            ("/api/*", "/api/", true),
            ("/api/*", "/api/x/y", true),
            ("/api/*", "/ap", false),
            ("/indexes/{uid}/search", "/indexes/books/search", true),
            ("/indexes/{uid}/search", "/indexes//search", false),
            ("/indexes/{uid}/search", "/indexes/books/search/x", false),
            ("/indexes/{uid}/search", "/indexes/books", false),
            ("/{index}/_search", "/logs/_search", true),
            ("/{index}/_search", "/_search", false),
        ];
        for (pattern, path, want) in cases {
            let p = Pattern::parse(pattern).unwrap();
            assert_eq!(p.matches(path), want, "{pattern} vs {path}");
        }
    }

    #[test]
    fn bad_patterns() {
        for p in ["search", "/a/*/b*", "/a/x{y}/b", "/a/{b"] {
            assert!(Pattern::parse(p).is_err(), "{p}");
        }
    }
}
