//! Engine adapters: where the user's text is in a request, and where hits, totals, suggestions
//! and related searches are in a response, for each search engine's API shape.
//!
//! Adapters are pure: they take bytes and return bytes or values. The proxy decides *what* to do
//! (through a [`ResponseFilter`]); an adapter only knows *where* things are and how to rebuild the
//! engine's own response shape.

use std::sync::Arc;

use serde_json::Value;

use crate::signpost::Notice;

pub mod elasticsearch;
pub mod expand;
pub mod generic;
mod hit;
pub mod html;
mod indexing;
pub mod meilisearch;
pub mod opensearch_suggest;
pub mod solr;
pub mod typesense;

pub use hit::{Hit, Strs};
pub use indexing::Parsed as IndexingBody;
pub use markup::strip_markup;
pub use name::EngineName;
pub use scan::CompiledPointers;
// The JSON scanner, for the fuzz targets (src/fuzzing/).
#[cfg(any(fuzzing, test))]
pub(crate) use {
    hit::Captured,
    scan::{Cursor as ScanCursor, Pointers as ScanPointers, whole as scan_whole},
};

mod markup;
mod name;

pub(crate) mod query;
pub mod reveal;
mod rewrite;
mod scan;
#[cfg(test)]
mod testkit;

/// The adapter names accepted by [`build`].
pub const NAMES: &[&str] = &[
    "elasticsearch",
    "opensearch",
    "meilisearch",
    "solr",
    "typesense",
    "opensearch-suggest",
    "generic",
    "html",
];

/// Builds the adapter called `name` in config (see [`EngineName::build`]).
///
/// # Errors
/// [`EngineError::Config`] for an unknown name (listing the known ones), a `generic` adapter
/// without options, or invalid generic options.
pub fn build(
    name: &str,
    generic: Option<&generic::GenericOptions>,
) -> Result<Arc<dyn Engine>, EngineError> {
    EngineName::parse(name)?.build(generic)
}

/// The first of `pointers` that resolves to a string inside `hit` (see [`HitFields`]).
pub fn hit_text<'h>(hit: &Hit<'h>, pointers: &[String]) -> Option<&'h str> {
    pointers.iter().find_map(|p| hit.str_at(p))
}

/// The parts of a client request an adapter may read.
#[derive(Clone, Copy, Debug)]
pub struct RequestView<'a> {
    /// HTTP method.
    pub method: &'a http::Method,
    /// Request path, without the query string.
    pub path: &'a str,
    /// Raw (still percent-encoded) query string, without the `?`.
    pub query: Option<&'a str>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The whole request body (inspected routes buffer it up to a limit).
    pub body: &'a [u8],
}

/// What to do with one search hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitDecision {
    /// Leave it where it is.
    Keep,
    /// Move it after all kept hits (order among demoted hits preserved).
    Demote,
    /// Remove it and reduce the total.
    Delist,
}

/// The proxy's decisions, asked for by an adapter while it rewrites a response.
pub trait ResponseFilter {
    /// Whether a suggestion or related search may be shown.
    fn keep_suggestion(&mut self, text: &str) -> bool;
    /// What to do with one hit; `hit` is the element of the engine's hits array, as returned.
    /// The decision may depend only on the values at [`ResponseFilter::hit_pointers`].
    fn judge_hit(&mut self, hit: &Hit<'_>) -> HitDecision;
    /// The JSON pointers (relative to one hit) that [`ResponseFilter::judge_hit`] reads. An
    /// adapter's fast path reads only these out of each hit.
    fn hit_pointers(&self) -> &[String];
    /// [`ResponseFilter::hit_pointers`] (the same pointers, in the same order) compiled for a
    /// fast path's scan, when the filter keeps them compiled (`None`: the fast path compiles
    /// them for this response).
    fn compiled_pointers(&self) -> Option<std::sync::Arc<CompiledPointers>> {
        None
    }
    /// The notice to inject, when the query is signposted.
    fn notice(&self) -> Option<&Notice>;
    /// The top-level key under which JSON notices go (default `searchward_notice`).
    fn notice_key(&self) -> &str;
}

/// Where a hit's URL, title and snippet are: JSON pointers relative to one element of the hits
/// array (the first pointer that resolves to a string wins). Route config may override them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HitFields {
    /// Pointers to the hit's URL.
    pub url: Vec<String>,
    /// Pointers to the hit's title.
    pub title: Vec<String>,
    /// Pointers to the hit's snippet or description.
    pub snippet: Vec<String>,
}

/// Everywhere an engine may return the value that one configured hit pointer names, so that a
/// hit is judged wherever the request made the engine put it (see [`Engine::field_forms`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldForms {
    /// Pointers whose strings are the value itself (the configured pointer first).
    pub plain: Vec<String>,
    /// Pointers whose strings are the value with highlighting markup (`<em>…</em>`), judged
    /// after [`strip_markup`].
    pub marked: Vec<String>,
    /// A pointer whose presence as an object shows the value would be there if the document
    /// had it (Elasticsearch's `_source`). `None`: the engine always shows the hit's fields.
    pub container: Option<String>,
}

impl FieldForms {
    /// Only the configured pointer.
    pub fn only(pointer: &str) -> Self {
        Self {
            plain: vec![pointer.to_owned()],
            ..Self::default()
        }
    }
}

/// A response body produced by the proxy instead of the upstream's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synthesized {
    /// Value of the `Content-Type` header.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

/// Why an adapter could not evaluate a request or response. Every variant makes the proxy fail
/// closed for the route (the safe response), never pass unevaluated content.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The body is not valid JSON (or NDJSON, or form data) of the expected shape.
    #[error("body is not valid {what}")]
    Malformed {
        /// What was expected, e.g. "JSON" or "NDJSON line 3".
        what: String,
    },
    /// A required part of the response is missing or of the wrong type.
    #[error("unexpected response shape: {0}")]
    Shape(String),
    /// The adapter does not handle this operation.
    #[error("{0} is not supported by this engine adapter")]
    Unsupported(&'static str),
    /// The adapter name or options in config are wrong.
    #[error("engine config: {0}")]
    Config(String),
}

/// One search engine's API shape.
pub trait Engine: Send + Sync {
    /// The adapter's config name, e.g. `elasticsearch`.
    fn name(&self) -> &'static str;

    /// Default locations of URL, title and snippet inside one hit.
    fn hit_fields(&self) -> HitFields {
        HitFields::default()
    }

    /// Where else than at `pointer` (a configured URL or hash pointer relative to one hit) the
    /// engine may return the same value: `fields`, highlighting, formatted copies. By default
    /// only `pointer` itself.
    fn field_forms(&self, pointer: &str) -> FieldForms {
        FieldForms::only(pointer)
    }

    /// Whether `req` asks the engine to leave fields out of its hits (`_source` filtering,
    /// `filter_path`, `attributesToRetrieve`, `include_fields`…): then a hit's container (see
    /// [`FieldForms::container`]) no longer shows that a field it lacks is absent.
    fn hides_fields(&self, _req: &RequestView<'_>) -> bool {
        false
    }

    /// Default locations of URL and title inside one document of an indexing request (the
    /// document itself, not a search hit wrapping it): `/url` and `/title`.
    fn document_fields(&self) -> HitFields {
        HitFields {
            url: vec!["/url".into()],
            title: vec!["/title".into()],
            snippet: Vec::new(),
        }
    }

    /// The user texts in a search or suggest request (query, suggest text, each query of a
    /// multi-search…). An empty vector means the request carries no user text.
    ///
    /// # Errors
    /// [`EngineError::Malformed`] when the request body cannot be parsed.
    fn extract(&self, req: &RequestView<'_>) -> Result<Vec<String>, EngineError>;

    /// The engine's own empty-result response for a blocked search, with the notice injected.
    ///
    /// # Errors
    /// When the request cannot be parsed to shape the answer (the proxy then sends its generic
    /// safe response).
    /// By default: [`Engine::empty_json`] with the notice under `key`.
    fn blocked(
        &self,
        req: &RequestView<'_>,
        notice: &Notice,
        key: &str,
    ) -> Result<Synthesized, EngineError> {
        rewrite::json_response(&rewrite::with_notice(self.empty_json(req)?, notice, key))
    }

    /// The engine's empty suggestion response for a flagged prefix on a suggest route.
    /// By default: [`Engine::empty_json`].
    ///
    /// # Errors
    /// As for [`Engine::blocked`].
    fn empty_suggestions(&self, req: &RequestView<'_>) -> Result<Synthesized, EngineError> {
        rewrite::json_response(&self.empty_json(req)?)
    }

    /// The engine's own empty-result JSON for this request, when one shape serves both blocked
    /// searches and flagged suggestion prefixes.
    ///
    /// # Errors
    /// [`EngineError::Unsupported`] by default; request parse errors in implementations.
    fn empty_json(&self, _req: &RequestView<'_>) -> Result<Value, EngineError> {
        Err(EngineError::Unsupported("an empty JSON result"))
    }

    /// Rewrites a response body through `filter`. `Ok(None)` means nothing changed and the
    /// upstream's bytes are forwarded as they are.
    ///
    /// # Errors
    /// [`EngineError::Malformed`] / [`EngineError::Shape`] when the body cannot be evaluated.
    fn rewrite(
        &self,
        req: &RequestView<'_>,
        body: &[u8],
        filter: &mut dyn ResponseFilter,
    ) -> Result<Option<Vec<u8>>, EngineError>;

    /// Parses an indexing request body with the adapter's body shape (`engines/indexing/`):
    /// its documents and how to rebuild it without some of them. The only indexing method an
    /// adapter writes; [`Engine::documents`] and [`Engine::filter_documents`] go through it.
    ///
    /// # Errors
    /// [`EngineError::Unsupported`] by default; [`EngineError::Malformed`] for a body that
    /// cannot be evaluated.
    fn indexing(&self, _req: &RequestView<'_>) -> Result<IndexingBody, EngineError> {
        Err(EngineError::Unsupported("indexing"))
    }

    /// The documents in an indexing request (one `Value` per document), for the indexing guard.
    ///
    /// # Errors
    /// As [`Engine::indexing`].
    fn documents(&self, req: &RequestView<'_>) -> Result<Vec<Value>, EngineError> {
        self.indexing(req).map(IndexingBody::into_documents)
    }

    /// Rebuilds an indexing request body keeping only the documents whose `keep` flag is true.
    ///
    /// # Errors
    /// As [`Engine::indexing`], and [`IndexingBody::filter`]'s.
    fn filter_documents(
        &self,
        req: &RequestView<'_>,
        keep: &[bool],
    ) -> Result<Vec<u8>, EngineError> {
        self.indexing(req)?.filter(req.body, keep)
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::{FakeFilter, Req};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn registry_builds_every_name() {
        let opts = generic::GenericOptions {
            hits: Some("/hits".into()),
            ..Default::default()
        };
        for name in NAMES {
            let engine = build(name, Some(&opts)).unwrap();
            assert_eq!(engine.name(), *name);
        }
    }

    #[test]
    fn registry_errors() {
        let unknown = build("lucene", None).err().unwrap().to_string();
        assert!(
            unknown.contains("lucene") && unknown.contains("meilisearch"),
            "{unknown}"
        );
        assert!(matches!(
            build("generic", None),
            Err(EngineError::Config(_))
        ));
        let bad = generic::GenericOptions {
            hits: Some("hits".into()),
            ..Default::default()
        };
        assert!(matches!(
            build("generic", Some(&bad)),
            Err(EngineError::Config(_))
        ));
    }

    #[test]
    fn hit_text_takes_first_string() {
        let hit = serde_json::json!({"title": ["A"], "t2": "B"});
        let ptrs = ["/title".to_owned(), "/title/0".to_owned(), "/t2".to_owned()];
        let hit = Hit::tree(&hit);
        assert_eq!(hit_text(&hit, &ptrs), Some("A"));
        assert_eq!(hit_text(&hit, &ptrs[2..]), Some("B"));
        assert_eq!(hit_text(&hit, &[]), None);
    }

    fn es_response(urls: &[String]) -> Vec<u8> {
        let hits: Vec<Value> = urls
            .iter()
            .map(|u| serde_json::json!({"_id": u, "_source": {"url": u, "title": u}}))
            .collect();
        let total = urls.len();
        serde_json::to_vec(&serde_json::json!({
            "took": 1,
            "hits": {"total": {"value": total, "relation": "eq"}, "hits": hits}
        }))
        .unwrap()
    }

    proptest! {
        /// No listed hit survives a rewrite, the total drops by what was removed, and a response
        /// with nothing flagged is forwarded as it is.
        #[test]
        fn es_rewrite_removes_every_listed_hit(
            urls in proptest::collection::vec(
                prop_oneof![Just("zorvexil".to_owned()), Just("quandrith".to_owned()), Just("velmorik".to_owned()), "[a-z]{1,6}"]
                    .prop_map(|s| format!("https://example.org/{s}")),
                0..12,
            )
        ) {
            let engine = build("elasticsearch", None).unwrap();
            let req = Req::get("/p/_search", "q=x");
            let mut filter = FakeFilter::new(engine.hit_fields(), false);
            let out = engine.rewrite(&req.view(), &es_response(&urls), &mut filter).unwrap();
            let listed = urls.iter().filter(|u| u.contains("zorvexil")).count();
            let demoted = urls.iter().filter(|u| u.contains("quandrith")).count();
            match out {
                None => prop_assert_eq!(listed + demoted, 0),
                Some(body) => {
                    let v: Value = serde_json::from_slice(&body).unwrap();
                    let hits = v["hits"]["hits"].as_array().unwrap();
                    prop_assert_eq!(hits.len(), urls.len() - listed);
                    prop_assert!(hits.iter().all(|h| !h["_id"].as_str().unwrap().contains("zorvexil")));
                    prop_assert_eq!(v["hits"]["total"]["value"].as_u64(), Some((urls.len() - listed) as u64));
                }
            }
        }

        /// Arbitrary bytes never panic any adapter.
        #[test]
        fn arbitrary_bodies_do_not_panic(body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let opts = generic::GenericOptions { hits: Some("/hits".into()), ..Default::default() };
            for name in NAMES {
                let engine = build(name, Some(&opts)).unwrap();
                let req = Req::post("/x/_search", "application/json", &body);
                let _ = engine.extract(&req.view());
                let mut filter = FakeFilter::new(engine.hit_fields(), true);
                let _ = engine.rewrite(&req.view(), &body, &mut filter);
            }
        }
    }
}
