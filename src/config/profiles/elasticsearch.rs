//! The Elasticsearch and OpenSearch route set: every REST endpoint that takes a user query or a
//! document, and the read-only endpoints known to be safe. Anything else is an unknown endpoint.

use super::{Endpoint, Kind::*};

const GP: &[&str] = &["GET", "POST"];
const P: &[&str] = &["POST"];
const G: &[&str] = &["GET"];
const GH: &[&str] = &["GET", "HEAD"];
const D: &[&str] = &["DELETE"];
const PP: &[&str] = &["PUT", "POST"];

/// Endpoints shared by Elasticsearch and OpenSearch, in match order.
pub(super) const COMMON: &[Endpoint] = &[
    // Searches whose answer carries hits.
    Endpoint::new("search", "/_search", GP, Search),
    Endpoint::new("search-index", "/{index}/_search", GP, Search),
    Endpoint::new("msearch", "/_msearch", GP, Search),
    Endpoint::new("msearch-index", "/{index}/_msearch", GP, Search),
    Endpoint::new("search-template", "/_search/template", GP, Search),
    Endpoint::new(
        "search-template-index",
        "/{index}/_search/template",
        GP,
        Search,
    ),
    Endpoint::new("msearch-template", "/_msearch/template", GP, Search),
    Endpoint::new(
        "msearch-template-index",
        "/{index}/_msearch/template",
        GP,
        Search,
    ),
    Endpoint::new("render-template", "/_render/template", GP, Search),
    Endpoint::new("render-template-id", "/_render/template/{id}", GP, Search),
    Endpoint::new("scroll", "/_search/scroll", GP, Search),
    Endpoint::new("scroll-id", "/_search/scroll/{id}", GP, Search),
    Endpoint::new("clear-scroll", "/_search/scroll", D, Passthrough),
    Endpoint::new("clear-scroll-id", "/_search/scroll/{id}", D, Passthrough),
    // Query DSL without hits in the answer.
    Endpoint::new("count", "/_count", GP, Search),
    Endpoint::new("count-index", "/{index}/_count", GP, Search),
    Endpoint::new("explain", "/{index}/_explain/{id}", GP, Search),
    Endpoint::new("validate", "/_validate/query", GP, Search),
    Endpoint::new("validate-index", "/{index}/_validate/query", GP, Search),
    Endpoint::new("update-by-query", "/{index}/_update_by_query", P, Search),
    Endpoint::new("delete-by-query", "/{index}/_delete_by_query", P, Search),
    Endpoint::new("reindex", "/_reindex", P, Search),
    // Writes.
    Endpoint::new("bulk", "/_bulk", PP, Index),
    Endpoint::new("bulk-index", "/{index}/_bulk", PP, Index),
    Endpoint::new("doc-create", "/{index}/_doc", P, Index),
    Endpoint::new(
        "doc",
        "/{index}/_doc/{id}",
        &["PUT", "POST", "DELETE"],
        Index,
    ),
    Endpoint::new("doc-read", "/{index}/_doc/{id}", GH, Passthrough),
    Endpoint::new("create", "/{index}/_create/{id}", PP, Index),
    Endpoint::new("update", "/{index}/_update/{id}", P, Index),
    // Read-only endpoints that take neither a query nor a document.
    Endpoint::new("source-read", "/{index}/_source/{id}", GH, Passthrough),
    Endpoint::new("mget", "/_mget", GP, Passthrough),
    Endpoint::new("mget-index", "/{index}/_mget", GP, Passthrough),
    Endpoint::new("root", "/", GH, Passthrough),
    Endpoint::new("cluster-health", "/_cluster/health", G, Passthrough),
    Endpoint::new(
        "cluster-health-index",
        "/_cluster/health/{index}",
        G,
        Passthrough,
    ),
    // `_cat/count` runs the query it is given (`q`, a body, `source`) and answers the count.
    Endpoint::new("cat-count", "/_cat/count", G, Deny),
    Endpoint::new("cat-count-index", "/_cat/count/{index}", G, Deny),
    Endpoint::new("cat", "/_cat/*", G, Passthrough),
    Endpoint::new("mapping", "/_mapping", G, Passthrough),
    Endpoint::new("mapping-index", "/{index}/_mapping", G, Passthrough),
    Endpoint::new("settings-index", "/{index}/_settings", G, Passthrough),
    Endpoint::new("refresh", "/_refresh", GP, Passthrough),
    Endpoint::new("refresh-index", "/{index}/_refresh", GP, Passthrough),
];

/// Elasticsearch only.
pub(super) const ELASTICSEARCH: &[Endpoint] = &[
    Endpoint::new("async-search", "/_async_search", P, Search),
    Endpoint::new("async-search-index", "/{index}/_async_search", P, Search),
    Endpoint::new(
        "async-search-status",
        "/_async_search/status/{id}",
        G,
        Passthrough,
    ),
    Endpoint::new("async-search-get", "/_async_search/{id}", G, Search),
    Endpoint::new("async-search-delete", "/_async_search/{id}", D, Passthrough),
    Endpoint::new("terms-enum", "/{index}/_terms_enum", GP, Suggest),
    Endpoint::new("knn-search", "/{index}/_knn_search", GP, Search),
    Endpoint::new("eql", "/{index}/_eql/search", GP, Search),
    Endpoint::new("eql-status", "/_eql/search/status/{id}", G, Passthrough),
    Endpoint::new("eql-get", "/_eql/search/{id}", G, Search),
    Endpoint::new("eql-delete", "/_eql/search/{id}", D, Passthrough),
    Endpoint::new("sql", "/_sql", GP, Search),
    Endpoint::new("sql-translate", "/_sql/translate", GP, Search),
    Endpoint::new("sql-close", "/_sql/close", P, Passthrough),
    Endpoint::new(
        "sql-async-status",
        "/_sql/async/status/{id}",
        G,
        Passthrough,
    ),
    Endpoint::new("sql-async-get", "/_sql/async/{id}", G, Search),
    Endpoint::new(
        "sql-async-delete",
        "/_sql/async/delete/{id}",
        D,
        Passthrough,
    ),
    Endpoint::new("esql", "/_query", P, Search),
    Endpoint::new("esql-async", "/_query/async", P, Search),
    Endpoint::new("esql-async-get", "/_query/async/{id}", G, Search),
    Endpoint::new("esql-async-delete", "/_query/async/{id}", D, Passthrough),
    Endpoint::new("pit-open", "/{index}/_pit", P, Passthrough),
    Endpoint::new("pit-close", "/_pit", D, Passthrough),
];

/// OpenSearch only.
pub(super) const OPENSEARCH: &[Endpoint] = &[
    Endpoint::new("sql", "/_plugins/_sql", GP, Search),
    Endpoint::new("sql-explain", "/_plugins/_sql/_explain", GP, Search),
    Endpoint::new("ppl", "/_plugins/_ppl", GP, Search),
    Endpoint::new("ppl-explain", "/_plugins/_ppl/_explain", GP, Search),
    Endpoint::new("sql-legacy", "/_opendistro/_sql", GP, Search),
    Endpoint::new("pit-open", "/{index}/_search/point_in_time", P, Passthrough),
    Endpoint::new("pit-close", "/_search/point_in_time", D, Passthrough),
    Endpoint::new(
        "pit-all",
        "/_search/point_in_time/_all",
        &["GET", "DELETE"],
        Passthrough,
    ),
];
