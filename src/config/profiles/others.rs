//! The route sets of Solr, Meilisearch, Typesense and OpenSearch-format suggestion services.

use super::{Endpoint, Kind::*};

const GP: &[&str] = &["GET", "POST"];
const P: &[&str] = &["POST"];
const G: &[&str] = &["GET"];
const GH: &[&str] = &["GET", "HEAD"];
const D: &[&str] = &["DELETE"];

/// Solr request handlers under one core or collection, as `(name, handler, methods, kind)`;
/// each is served under `/solr/{core}/`, `/api/collections/{core}/` and `/api/cores/{core}/`.
pub(super) const SOLR_HANDLERS: &[(&str, &str, &[&str], super::Kind)] = &[
    ("select", "select", GP, Search),
    ("query", "query", GP, Search),
    ("browse", "browse", GP, Search),
    ("export", "export", GP, Search),
    ("stream", "stream", GP, Search),
    ("sql", "sql", GP, Search),
    ("graph", "graph", GP, Search),
    ("mlt", "mlt", GP, Search),
    ("tvrh", "tvrh", GP, Search),
    ("spell", "spell", GP, Suggest),
    ("suggest", "suggest", GP, Suggest),
    ("terms", "terms", GP, Suggest),
    ("update", "update", P, Index),
    ("update-json", "update/json", P, Index),
    ("update-json-docs", "update/json/docs", P, Index),
    ("update-csv", "update/csv", P, Index),
    ("update-xml", "update/xml", P, Index),
    // Binary documents go through Tika, which searchward cannot read: refused.
    ("update-extract", "update/extract", P, Deny),
    // Real-time get applies `fq` (and other query parameters): inspected as a search.
    ("get", "get", G, Search),
    ("ping", "admin/ping", G, Passthrough),
    ("schema", "schema", G, Passthrough),
];

/// Solr endpoints outside a core.
pub(super) const SOLR_GLOBAL: &[Endpoint] = &[
    Endpoint::new("system-info", "/solr/admin/info/system", G, Passthrough),
    Endpoint::new("api-node-system", "/api/node/system", G, Passthrough),
];

/// Meilisearch.
pub(super) const MEILISEARCH: &[Endpoint] = &[
    Endpoint::new("search", "/indexes/{uid}/search", GP, Search),
    Endpoint::new("multi-search", "/multi-search", P, Search),
    Endpoint::new("facet-search", "/indexes/{uid}/facet-search", P, Suggest),
    Endpoint::new("similar", "/indexes/{uid}/similar", GP, Search),
    Endpoint::new(
        "documents-fetch",
        "/indexes/{uid}/documents/fetch",
        P,
        Passthrough,
    ),
    Endpoint::new(
        "documents-delete-batch",
        "/indexes/{uid}/documents/delete-batch",
        P,
        Index,
    ),
    Endpoint::new(
        "documents-delete",
        "/indexes/{uid}/documents/delete",
        P,
        Index,
    ),
    Endpoint::new("documents-edit", "/indexes/{uid}/documents/edit", P, Index),
    Endpoint::new(
        "documents",
        "/indexes/{uid}/documents",
        &["POST", "PUT", "DELETE"],
        Index,
    ),
    Endpoint::new("documents-read", "/indexes/{uid}/documents", G, Passthrough),
    Endpoint::new("document-delete", "/indexes/{uid}/documents/{id}", D, Index),
    Endpoint::new(
        "document-read",
        "/indexes/{uid}/documents/{id}",
        G,
        Passthrough,
    ),
    Endpoint::new("health", "/health", G, Passthrough),
    Endpoint::new("version", "/version", G, Passthrough),
    Endpoint::new("stats", "/stats", G, Passthrough),
    Endpoint::new("indexes", "/indexes", G, Passthrough),
    Endpoint::new("index", "/indexes/{uid}", G, Passthrough),
    Endpoint::new("index-stats", "/indexes/{uid}/stats", G, Passthrough),
    Endpoint::new("settings", "/indexes/{uid}/settings", G, Passthrough),
    Endpoint::new("tasks", "/tasks", G, Passthrough),
    Endpoint::new("task", "/tasks/{id}", G, Passthrough),
];

/// Typesense.
pub(super) const TYPESENSE: &[Endpoint] = &[
    Endpoint::new("search", "/collections/{c}/documents/search", GP, Search),
    Endpoint::new("multi-search", "/multi_search", P, Search),
    Endpoint::new("import", "/collections/{c}/documents/import", P, Index),
    Endpoint::new(
        "export",
        "/collections/{c}/documents/export",
        G,
        Passthrough,
    ),
    Endpoint::new(
        "documents",
        "/collections/{c}/documents",
        &["POST", "PATCH", "DELETE"],
        Index,
    ),
    Endpoint::new(
        "document",
        "/collections/{c}/documents/{id}",
        &["PUT", "PATCH", "DELETE"],
        Index,
    ),
    Endpoint::new(
        "document-read",
        "/collections/{c}/documents/{id}",
        G,
        Passthrough,
    ),
    Endpoint::new("health", "/health", G, Passthrough),
    Endpoint::new("collections", "/collections", G, Passthrough),
    Endpoint::new("collection", "/collections/{c}", G, Passthrough),
    Endpoint::new("stats", "/stats.json", G, Passthrough),
    Endpoint::new("metrics", "/metrics.json", G, Passthrough),
];

/// A service answering OpenSearch-format suggestions (`["q", ["s1", …]]`) at `/suggest`.
pub(super) const OPENSEARCH_SUGGEST: &[Endpoint] = &[
    Endpoint::new("suggest", "/suggest", G, Suggest),
    Endpoint::new("root", "/", GH, Passthrough),
];
