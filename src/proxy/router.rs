//! The route table: the (normalised) path selects a route, then the method: the first route
//! whose pattern matches the path decides which routes are candidates (those with the same
//! pattern), and a method none of them takes gets 405 with `Allow`, never pass-through.
//! Requests no route matches go to the unknown-endpoint route (deny or pass-through).

use std::sync::Arc;

use crate::config::profiles::UnknownEndpoints;
use crate::config::{RouteKind, RouteSpec};
use crate::engines::Engine;
use crate::policy::FilterPlan;

/// A route's path pattern (parsed at config load).
pub use crate::config::Pattern;

/// Whether `path` matches `pattern`, ignoring one trailing slash (`/a/b/` is `/a/b`).
fn matches_ignoring_slash(pattern: &Pattern, path: &str) -> bool {
    let trimmed = super::path::for_matching(path);
    pattern.matches(trimmed) || (trimmed.len() != path.len() && pattern.matches(path))
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
    /// What hits are judged by on search and suggest routes, worked out once (with the engine).
    pub filter_plan: Option<Arc<FilterPlan>>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("pattern", &self.spec.pattern)
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

/// The ordered route table, plus the implicit route of unknown endpoints.
#[derive(Clone, Debug)]
pub struct Router {
    routes: Vec<Route>,
    fallback: Route,
    inspects: bool,
}

/// The outcome of routing one request.
#[derive(Debug)]
pub enum Routed<'a> {
    /// The route that handles it.
    Route(&'a Route),
    /// The path is a route's, the method is not: `405` with this `Allow` value. `route` is the
    /// first route of the path (for metrics and logs).
    MethodNotAllowed {
        /// The first route matching the path.
        route: &'a Route,
        /// Methods the path's routes take, comma-separated.
        allow: String,
    },
}

impl<'a> Routed<'a> {
    /// The route to count the request under.
    pub fn route(&self) -> &'a Route {
        match self {
            Routed::Route(r) | Routed::MethodNotAllowed { route: r, .. } => r,
        }
    }
}

impl Router {
    /// Compiles the configured routes; `unknown` decides what happens to requests no route
    /// matches.
    ///
    /// # Errors
    /// [`RouterError`] for an inspected route without an engine (config validation refuses it
    /// first).
    pub fn new(specs: &[RouteSpec], unknown: UnknownEndpoints) -> Result<Router, RouterError> {
        let mut routes = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let engine = spec.engine.as_ref().map(|e| e.adapter.clone());
            if spec.kind.is_inspected() && engine.is_none() {
                return Err(RouterError {
                    name: spec.name.clone(),
                    reason: "an inspected route needs an engine".into(),
                });
            }
            let filter_plan = engine
                .as_deref()
                .map(|e| Arc::new(FilterPlan::for_engine(spec, e)));
            routes.push(Route {
                name: spec.name.clone(),
                index,
                kind: spec.kind,
                engine,
                filter_plan,
                spec: spec.clone(),
            });
        }
        let (name, kind) = match unknown {
            UnknownEndpoints::Passthrough => ("passthrough", RouteKind::Passthrough),
            UnknownEndpoints::Deny => ("endpoint_not_allowed", RouteKind::Deny),
        };
        let fallback = Route {
            name: name.into(),
            index: routes.len(),
            kind,
            engine: None,
            filter_plan: None,
            spec: RouteSpec::unknown_endpoints(name, kind),
        };
        let inspects = routes.iter().any(|r| r.kind.is_inspected());
        Ok(Router {
            routes,
            fallback,
            inspects,
        })
    }

    /// Routes a request by its normalised path, then its method (case-sensitive: `get` is not
    /// `GET`).
    pub fn route(&self, method: &http::Method, path: &str) -> Routed<'_> {
        let Some(first) = self
            .routes
            .iter()
            .position(|r| matches_ignoring_slash(&r.spec.pattern, path))
        else {
            return Routed::Route(&self.fallback);
        };
        let candidates = self.routes.get(first..).unwrap_or_default();
        let Some(head) = candidates.first() else {
            return Routed::Route(&self.fallback);
        };
        let same_path = || {
            candidates
                .iter()
                .filter(|r| r.spec.pattern == head.spec.pattern)
        };
        if let Some(r) =
            same_path().find(|r| r.spec.methods.is_empty() || r.spec.methods.contains(method))
        {
            return Routed::Route(r);
        }
        let mut allow: Vec<&str> = Vec::new();
        for m in same_path().flat_map(|r| r.spec.methods.iter()) {
            if !allow.contains(&m.as_str()) {
                allow.push(m.as_str());
            }
        }
        Routed::MethodNotAllowed {
            route: head,
            allow: allow.join(", "),
        }
    }

    /// Whether any route is inspected: then a path with an encoded slash or backslash is
    /// refused, since the engine behind may read it as a separator.
    pub fn inspects(&self) -> bool {
        self.inspects
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

    fn spec(name: &str, path: &str, methods: &[&str], kind: RouteKind) -> RouteSpec {
        let engine = if kind.is_inspected() {
            "engine = \"elasticsearch\"\n"
        } else {
            ""
        };
        toml::from_str(&format!(
            "name = {name:?}\npath = {path:?}\nmethods = {methods:?}\nkind = {:?}\n{engine}",
            kind.as_str()
        ))
        .unwrap()
    }

    #[test]
    fn path_selects_then_method() {
        let routes = [
            spec(
                "search",
                "/{index}/_search",
                &["GET", "POST"],
                RouteKind::Search,
            ),
            spec("bulk", "/_bulk", &["POST", "PUT"], RouteKind::Index),
            spec("any", "/{index}", &["GET"], RouteKind::Passthrough),
            spec("doc", "/{i}/_doc/{id}", &["PUT"], RouteKind::Index),
            spec(
                "doc-read",
                "/{index}/_doc/{id}",
                &["GET"],
                RouteKind::Passthrough,
            ),
        ];
        let router = Router::new(&routes, UnknownEndpoints::Deny).unwrap();
        let m = |s: &str| http::Method::from_bytes(s.as_bytes()).unwrap();
        // (method, path, route name or "405 <allow>")
        let cases = [
            ("GET", "/idx/_search", "search"),
            ("POST", "/idx/_search/", "search"),
            ("PUT", "/idx/_search", "405 GET, POST"),
            ("get", "/idx/_search", "405 GET, POST"),
            ("OPTIONS", "/idx/_search", "405 GET, POST"),
            // A broader route later in the table never takes a method the path's own refuses.
            ("GET", "/_bulk", "405 POST, PUT"),
            ("GET", "/idx", "any"),
            ("PUT", "/idx/_doc/1", "doc"),
            ("GET", "/idx/_doc/1", "doc-read"),
            ("DELETE", "/idx/_doc/1", "405 PUT, GET"),
            ("GET", "/a/b/c/d", "endpoint_not_allowed"),
        ];
        for (method, path, want) in cases {
            let got = match router.route(&m(method), path) {
                Routed::Route(r) => r.name.clone(),
                Routed::MethodNotAllowed { allow, .. } => format!("405 {allow}"),
            };
            assert_eq!(got, want, "{method} {path}");
        }
        assert!(router.inspects());
        let open = Router::new(&routes[2..3], UnknownEndpoints::Passthrough).unwrap();
        let Routed::Route(r) = open.route(&m("GET"), "/a/b") else {
            panic!("unknown endpoints pass through")
        };
        assert_eq!(r.kind, RouteKind::Passthrough);
        assert!(!open.inspects());
    }

    /// `_cat/count` runs the query it is given (`q`, a body, `source`) and answers a count, so
    /// the Elasticsearch and OpenSearch profiles deny it ahead of the read-only `_cat` tables.
    #[test]
    fn profiles_deny_cat_count_before_the_cat_tables() {
        let m = |s: &str| http::Method::from_bytes(s.as_bytes()).unwrap();
        for profile in ["elasticsearch", "opensearch"] {
            let section = crate::config::profiles::EngineSection {
                profile: Some(profile.into()),
                ..Default::default()
            };
            let mut problems = Vec::new();
            let routes = section.routes(&mut problems);
            assert!(problems.is_empty(), "{problems:?}");
            let router = Router::new(&routes, section.unknown()).unwrap();
            for (path, want) in [
                ("/_cat/count", RouteKind::Deny),
                ("/_cat/count/", RouteKind::Deny),
                ("/_cat/count/idx", RouteKind::Deny),
                ("/_cat/count/a,b", RouteKind::Deny),
                ("/_cat/indices", RouteKind::Passthrough),
                ("/_cat/indices/idx", RouteKind::Passthrough),
            ] {
                let Routed::Route(r) = router.route(&m("GET"), path) else {
                    panic!("{profile}: GET {path}: 405")
                };
                assert_eq!(r.kind, want, "{profile}: GET {path} ({})", r.name);
            }
            let Routed::MethodNotAllowed { allow, .. } = router.route(&m("POST"), "/_cat/count")
            else {
                panic!("{profile}: POST /_cat/count routed")
            };
            assert_eq!(allow, "GET");
        }
    }

    #[test]
    fn bad_patterns() {
        for p in ["search", "/a/*/b*", "/a/x{y}/b", "/a/{b"] {
            assert!(Pattern::parse(p).is_err(), "{p}");
        }
    }

    /// Routing as the service applies it, driven in-process: a search route on `GET` only, a
    /// blocking terms list, unknown endpoints denied.
    mod served {
        use bytes::Bytes;
        use http::{Request, StatusCode, header};

        use crate::config::{Config, Overrides};
        use crate::server::testing::Harness;
        use crate::server::testing::upstream::Loopback;

        async fn harness(dir: &std::path::Path, up: &Loopback) -> Harness {
            let terms = dir.join("terms.txt");
            std::fs::write(&terms, "zorvexil\n").unwrap();
            let text = format!(
                "[upstream]\nurl = \"{}\"\n[engine]\nunknown_endpoints = \"deny\"\n\
                 [[routes]]\nname = \"search\"\npath = \"/search\"\nmethods = [\"GET\", \"HEAD\"]\n\
                 kind = \"search\"\nengine = \"generic\"\n\
                 [routes.generic]\nquery_param = \"q\"\nhits = \"/hits\"\ntotal = \"/total\"\nurl = \"/url\"\ntitle = \"/title\"\n\
                 [[lists]]\nname = \"terms\"\nkind = \"terms\"\npath = \"{}\"\naction = \"block\"\n",
                up.url(),
                terms.display()
            );
            let config = Config::parse(&text, None, &Overrides::default()).unwrap();
            let h = Harness::new(config).unwrap();
            h.load_lists().await;
            h
        }

        async fn send(h: &Harness, method: &str, target: &str) -> http::Response<Bytes> {
            let req = Request::builder()
                .method(method)
                .uri(target)
                .body(Bytes::new())
                .unwrap();
            h.proxy(req, "192.0.2.3:7000".parse().unwrap())
                .await
                .unwrap()
        }

        fn error(resp: &http::Response<Bytes>) -> serde_json::Value {
            serde_json::from_slice::<serde_json::Value>(resp.body()).unwrap()["error"].clone()
        }

        #[tokio::test]
        async fn other_methods_are_405_with_allow() {
            let up = Loopback::start("{\"total\":0,\"hits\":[]}").await;
            let dir = tempfile::tempdir().unwrap();
            let h = harness(dir.path(), &up).await;
            for method in ["POST", "PUT", "DELETE"] {
                let resp = send(&h, method, "/search?q=garden").await;
                assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
                let allow = resp.headers().get(header::ALLOW).unwrap().to_str().unwrap();
                assert!(
                    allow.contains("GET") && allow.contains("HEAD"),
                    "{method}: {allow}"
                );
                assert_eq!(error(&resp), "method_not_allowed");
            }
            assert_eq!(up.requests(), 0);
            assert_eq!(
                send(&h, "GET", "/search?q=garden").await.status(),
                StatusCode::OK
            );
            assert_eq!(up.requests(), 1);
        }

        #[tokio::test]
        async fn routing_sees_the_normalised_path() {
            let up = Loopback::start("{\"total\":0,\"hits\":[]}").await;
            let dir = tempfile::tempdir().unwrap();
            let h = harness(dir.path(), &up).await;
            // Each spelling reaches the search route and is inspected there: blocked.
            for target in [
                "//search?q=zorvexil",
                "/x/../search?q=zorvexil",
                "/%73earch?q=zorvexil",
                "/./search?q=zorvexil",
            ] {
                let resp = send(&h, "GET", target).await;
                assert_eq!(resp.status(), StatusCode::OK, "{target}");
                let v: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
                assert_eq!(
                    v["searchward_notice"]["kind"], "deterrence",
                    "{target}: {v}"
                );
            }
            assert_eq!(up.requests(), 0, "a blocked spelling reached the upstream");
            // An encoded separator is ambiguous on an inspecting proxy.
            let resp = send(&h, "GET", "/x%2F..%2Fsearch?q=zorvexil").await;
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
            assert_eq!(error(&resp), "ambiguous_path");
        }

        #[tokio::test]
        async fn unknown_endpoints_are_denied() {
            let up = Loopback::start("{}").await;
            let dir = tempfile::tempdir().unwrap();
            let h = harness(dir.path(), &up).await;
            for target in ["/_cat/indices", "/searchx?q=garden", "/"] {
                let resp = send(&h, "GET", target).await;
                assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{target}");
                assert_eq!(error(&resp), "endpoint_not_allowed", "{target}");
            }
            assert_eq!(up.requests(), 0, "a denied endpoint reached the upstream");
        }
    }
}
