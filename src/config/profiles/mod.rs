//! Engine profiles: `[engine] profile = "elasticsearch"` brings a built-in route set covering
//! every endpoint of the engine's public API that takes a user query or a document (inspected),
//! the read-only endpoints known to be safe (passed through), and a default for every other
//! path: `unknown_endpoints = "deny"` answers `403 {"error":"endpoint_not_allowed"}`.
//!
//! The tables here are the ones documented in docs/endpoints.md (a unit test keeps them in step).

mod elasticsearch;
mod others;

use serde::Deserialize;

pub(crate) use crate::config::RouteKind as Kind;
use crate::config::{HashField, RawRoute, RouteOrigin, RouteSpec};

/// One endpoint of a profile's table.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    /// Name, unique within the profile (route names are `profile.name`).
    pub name: &'static str,
    /// Path pattern, as in `[[routes]]`.
    pub path: &'static str,
    /// Methods the endpoint takes; any other method on the path gets 405.
    pub methods: &'static [&'static str],
    /// What searchward does with it.
    pub kind: Kind,
}

impl Endpoint {
    const fn new(
        name: &'static str,
        path: &'static str,
        methods: &'static [&'static str],
        kind: Kind,
    ) -> Self {
        Self {
            name,
            path,
            methods,
            kind,
        }
    }
}

/// One endpoint with its path resolved (Solr handlers are served under several bases).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileEndpoint {
    /// Name, unique within the profile.
    pub name: String,
    /// Path pattern.
    pub path: String,
    /// Methods.
    pub methods: Vec<&'static str>,
    /// What searchward does with it.
    pub kind: Kind,
}

impl From<&Endpoint> for ProfileEndpoint {
    fn from(e: &Endpoint) -> Self {
        Self {
            name: e.name.to_owned(),
            path: e.path.to_owned(),
            methods: e.methods.to_vec(),
            kind: e.kind,
        }
    }
}

/// The profile names accepted by `[engine] profile`.
pub const PROFILES: &[&str] = &[
    "elasticsearch",
    "opensearch",
    "meilisearch",
    "solr",
    "typesense",
    "opensearch-suggest",
];

/// The endpoint table of `profile`, in match order; `None` for an unknown profile.
pub fn endpoints(profile: &str) -> Option<Vec<ProfileEndpoint>> {
    let table = |parts: &[&[Endpoint]]| {
        parts
            .iter()
            .flat_map(|p| p.iter())
            .map(ProfileEndpoint::from)
            .collect::<Vec<_>>()
    };
    Some(match profile {
        "elasticsearch" => table(&[elasticsearch::COMMON, elasticsearch::ELASTICSEARCH]),
        "opensearch" => table(&[elasticsearch::COMMON, elasticsearch::OPENSEARCH]),
        "meilisearch" => table(&[others::MEILISEARCH]),
        "typesense" => table(&[others::TYPESENSE]),
        "opensearch-suggest" => table(&[others::OPENSEARCH_SUGGEST]),
        "solr" => {
            let bases = [
                ("", "/solr/{core}/"),
                ("v2-collection-", "/api/collections/{core}/"),
                ("v2-core-", "/api/cores/{core}/"),
            ];
            let mut out = Vec::new();
            for (prefix, base) in bases {
                for (name, handler, methods, kind) in others::SOLR_HANDLERS {
                    out.push(ProfileEndpoint {
                        name: format!("{prefix}{name}"),
                        path: format!("{base}{handler}"),
                        methods: methods.to_vec(),
                        kind: *kind,
                    });
                }
            }
            out.extend(others::SOLR_GLOBAL.iter().map(ProfileEndpoint::from));
            out
        }
        _ => return None,
    })
}

/// What happens to a request no route matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownEndpoints {
    /// `403 {"error":"endpoint_not_allowed"}` (the default with a profile).
    #[default]
    Deny,
    /// Forwarded untouched (the default without a profile, and an explicit choice with one).
    Passthrough,
}

/// Options applied to every route of one kind that a profile brings.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileRouteOptions {
    /// Categories of lists enforced (empty: all).
    pub categories: Vec<String>,
    /// Search routes: hits whose title or snippet matches a term list are demoted.
    pub demote_matching_hits: bool,
    /// Index routes: refuse the whole request when any document is listed.
    pub refuse_whole_batch: bool,
    /// Where hashes are in a hit (search) or a document (index).
    pub hash_fields: Vec<HashField>,
    /// Where URLs are in a hit (search) or a document (index); empty: the adapter's default.
    pub url_fields: Vec<String>,
    /// Search routes: what happens to a hit whose URL or hash fields were hidden.
    pub unjudged_hits: crate::config::UnjudgedHits,
}

/// `[engine]`
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSection {
    /// The built-in route set to use (see [`PROFILES`]).
    pub profile: Option<String>,
    /// Requests no route matches: `deny` (default with a profile) or `passthrough` (default
    /// without one).
    pub unknown_endpoints: Option<UnknownEndpoints>,
    /// Endpoint names of the profile refused with 403 instead (narrowing the profile).
    pub deny: Vec<String>,
    /// Options of the profile's search and suggest routes.
    pub search: ProfileRouteOptions,
    /// Options of the profile's index routes.
    pub index: ProfileRouteOptions,
}

impl EngineSection {
    /// The policy for requests no route matches.
    pub fn unknown(&self) -> UnknownEndpoints {
        match (self.unknown_endpoints, &self.profile) {
            (Some(u), _) => u,
            (None, Some(_)) => UnknownEndpoints::Deny,
            (None, None) => UnknownEndpoints::Passthrough,
        }
    }

    /// The profile's routes, after the operator's own; each problem is pushed as `key: message`.
    pub fn routes(&self, problems: &mut Vec<String>) -> Vec<RouteSpec> {
        let Some(profile) = self.profile.as_deref() else {
            if !self.deny.is_empty() {
                problems.push("engine.deny: needs engine.profile".into());
            }
            return Vec::new();
        };
        let Some(table) = endpoints(profile) else {
            problems.push(format!(
                "engine.profile: unknown profile {profile:?}; known: {}",
                PROFILES.join(", ")
            ));
            return Vec::new();
        };
        for name in &self.deny {
            if !table.iter().any(|e| &e.name == name) {
                problems.push(format!(
                    "engine.deny: {profile} has no endpoint {name:?} (see docs/endpoints.md)"
                ));
            }
        }
        let mut routes = Vec::with_capacity(table.len());
        for e in table {
            let kind = if self.deny.contains(&e.name) {
                Kind::Deny
            } else {
                e.kind
            };
            let options = match kind {
                Kind::Index => &self.index,
                _ => &self.search,
            };
            let name = format!("{profile}.{}", e.name);
            let raw = RawRoute {
                name: name.clone(),
                path: e.path,
                methods: e.methods.iter().map(|m| (*m).to_owned()).collect(),
                kind,
                engine: kind.is_inspected().then(|| profile.to_owned()),
                generic: None,
                categories: options.categories.clone(),
                demote_matching_hits: options.demote_matching_hits,
                refuse_whole_batch: options.refuse_whole_batch,
                hash_fields: options.hash_fields.clone(),
                url_fields: options.url_fields.clone(),
                unjudged_hits: options.unjudged_hits,
            };
            match raw.validate(RouteOrigin::Profile) {
                Ok(route) => routes.push(route),
                Err(e) => problems.push(format!("engine.profile: {name}: {e}")),
            }
        }
        routes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_has_unique_names_and_valid_patterns() {
        for profile in PROFILES {
            let table = endpoints(profile).unwrap();
            let mut names = std::collections::BTreeSet::new();
            for e in &table {
                assert!(names.insert(e.name.clone()), "{profile}: {} twice", e.name);
                crate::config::Pattern::parse(&e.path)
                    .unwrap_or_else(|m| panic!("{profile}.{}: {m}", e.name));
                assert!(!e.methods.is_empty(), "{profile}.{}", e.name);
                if e.kind.is_inspected() {
                    crate::engines::build(profile, None).unwrap();
                }
            }
        }
        assert!(endpoints("lucene").is_none());
    }

    /// docs/endpoints.md lists every endpoint of every profile, with its path and methods.
    #[test]
    fn docs_list_every_endpoint() {
        let doc = include_str!("../../../docs/endpoints.md");
        for profile in PROFILES {
            let heading = format!("## `{profile}`");
            let start = doc
                .find(&heading)
                .unwrap_or_else(|| panic!("docs/endpoints.md has no {heading}"));
            let section = &doc[start + heading.len()..];
            let section = &section[..section.find("\n## ").unwrap_or(section.len())];
            for e in endpoints(profile).unwrap() {
                let row = format!("| `{}` | `{}` | {} |", e.name, e.path, e.methods.join(", "));
                assert!(section.contains(&row), "{profile}: no row starting {row}");
            }
        }
    }

    /// Solr's real-time get applies `fq` and other query parameters: it is inspected as a search.
    #[test]
    fn solr_get_is_inspected() {
        let table = endpoints("solr").unwrap();
        for name in ["get", "v2-collection-get", "v2-core-get"] {
            let e = table.iter().find(|e| e.name == name).unwrap();
            assert_eq!(e.kind, Kind::Search, "{name}");
        }
    }

    #[test]
    fn narrowing_and_problems() {
        let section = EngineSection {
            profile: Some("elasticsearch".into()),
            deny: vec!["sql".into(), "nope".into()],
            ..Default::default()
        };
        let mut problems = Vec::new();
        let routes = section.routes(&mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("nope"));
        let sql = routes
            .iter()
            .find(|r| r.name == "elasticsearch.sql")
            .unwrap();
        assert_eq!(sql.kind, Kind::Deny);
        assert_eq!(section.unknown(), UnknownEndpoints::Deny);
        assert_eq!(
            EngineSection::default().unknown(),
            UnknownEndpoints::Passthrough
        );
        let mut problems = Vec::new();
        let bad = EngineSection {
            profile: Some("lucene".into()),
            ..Default::default()
        };
        assert!(bad.routes(&mut problems).is_empty());
        assert!(problems[0].contains("lucene"), "{problems:?}");
    }
}
