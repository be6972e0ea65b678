//! Which Elasticsearch/OpenSearch API a request calls (from its normalised path), the texts its
//! body carries beyond the query DSL (SQL, PPL, ES|QL and EQL queries, `_terms_enum` strings),
//! the requests refused because their effect cannot be inspected (scripted by-query updates,
//! remote or scripted reindex), and each API's empty answer and response handling.

use serde_json::{Value, json};

use super::rewrite_search;
use crate::engines::EngineError;
use crate::engines::query::{push_str, shape};
use crate::engines::rewrite::Rewriter;

/// The API a request calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Api {
    /// `_search` (with and without index), templates, scroll, `_knn_search`: hits.
    Search,
    /// `_msearch` and `_msearch/template`: NDJSON in, `responses[]` out.
    Msearch,
    /// `_async_search` submit and get: a search response under `response`.
    Async,
    /// `_eql/search`: `hits.events` or `hits.sequences[].events`.
    Eql,
    /// `_terms_enum`: `terms[]`, autocomplete in effect.
    TermsEnum,
    /// `_sql`, `_plugins/_sql`, `_plugins/_ppl`, `_query` (ES|QL): rows.
    Sql,
    /// `_count`.
    Count,
    /// `_reindex`: refused when remote or scripted.
    Reindex,
    /// `_update_by_query`: refused when scripted.
    UpdateByQuery,
    /// `_explain`, `_validate/query`, `_render/template`, `_delete_by_query`: no hits.
    Other,
}

impl Api {
    /// The API of a (normalised) path. Index names never start with `_`, so the first
    /// `_`-segment names the API.
    pub(super) fn of(path: &str) -> Api {
        for seg in path.split('/') {
            return match seg {
                "_msearch" => Api::Msearch,
                "_async_search" => Api::Async,
                "_eql" => Api::Eql,
                "_terms_enum" => Api::TermsEnum,
                "_sql" | "_ppl" | "_query" | "_plugins" | "_opendistro" => Api::Sql,
                "_count" => Api::Count,
                "_reindex" => Api::Reindex,
                "_update_by_query" => Api::UpdateByQuery,
                "_explain" | "_validate" | "_render" | "_delete_by_query" => Api::Other,
                // `_all` is a target (every index), not an API.
                "_all" => continue,
                s if s.starts_with('_') => Api::Search,
                _ => continue,
            };
        }
        Api::Search
    }
}

/// Keys whose string value is user text wherever they appear in a body: the query languages'
/// `query`, `_terms_enum`'s `string`, inference `model_text`, `more_like_this` texts.
const TEXT_KEYS: &[&str] = &["query", "string", "model_text", "like", "unlike", "source"];

/// Texts of one request body beyond what the query DSL walker reads, and refusal of bodies
/// whose effect cannot be inspected.
///
/// # Errors
/// [`EngineError::Unsupported`] for scripted `_update_by_query`, remote or scripted `_reindex`;
/// [`EngineError::Malformed`] when nested too deep.
pub(super) fn body_texts(api: Api, body: &Value, out: &mut Vec<String>) -> Result<(), EngineError> {
    match api {
        Api::UpdateByQuery if body.get("script").is_some() => {
            return Err(EngineError::Unsupported("scripted update by query"));
        }
        Api::Reindex if body.get("script").is_some() => {
            return Err(EngineError::Unsupported("scripted reindex"));
        }
        Api::Reindex if body.pointer("/source/remote").is_some() => {
            return Err(EngineError::Unsupported("reindex from a remote cluster"));
        }
        _ => {}
    }
    keyed_texts(body, 0, out)
}

fn keyed_texts(v: &Value, depth: usize, out: &mut Vec<String>) -> Result<(), EngineError> {
    if depth > crate::engines::query::MAX_DEPTH {
        return Err(crate::engines::query::malformed("a body nested too deep"));
    }
    match v {
        Value::Array(items) => items
            .iter()
            .try_for_each(|i| keyed_texts(i, depth + 1, out)),
        Value::Object(map) => {
            for (key, val) in map {
                if TEXT_KEYS.contains(&key.as_str()) {
                    match val {
                        Value::String(_) => push_str(Some(val), out),
                        Value::Array(items) => items.iter().for_each(|i| push_str(Some(i), out)),
                        _ => {}
                    }
                }
                if matches!(key.as_str(), "like" | "unlike") {
                    artificial_documents(val, out)?;
                }
                keyed_texts(val, depth + 1, out)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Every string of the artificial documents (`{"doc": {…}}`) a `more_like_this` query is like
/// or unlike: the engine takes its terms from them.
fn artificial_documents(val: &Value, out: &mut Vec<String>) -> Result<(), EngineError> {
    let items = match val {
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    for doc in items.iter().filter_map(|i| i.get("doc")) {
        crate::engines::query::all_strings(doc, &[], out)?;
    }
    Ok(())
}

fn shards() -> Value {
    json!({"total": 0, "successful": 0, "skipped": 0, "failed": 0})
}

/// The empty answer of the APIs whose answer is not a search response; `None` for those whose
/// answer is one (`Search`, `Msearch`).
pub(super) fn empty(api: Api, search: impl FnOnce() -> Value) -> Option<Value> {
    Some(match api {
        Api::Search | Api::Msearch => return None,
        Api::Async => json!({"is_partial": false, "is_running": false, "response": search()}),
        Api::Eql => json!({
            "is_partial": false, "is_running": false, "took": 0, "timed_out": false,
            "hits": {"total": {"value": 0, "relation": "eq"}, "events": []}
        }),
        Api::TermsEnum => json!({"_shards": shards(), "terms": [], "complete": true}),
        Api::Sql => json!({"columns": [], "rows": []}),
        Api::Count => json!({"count": 0, "_shards": shards()}),
        Api::Reindex | Api::UpdateByQuery | Api::Other => json!({}),
    })
}

/// Filters the answer of an API other than `Search`/`Msearch`; `Ok(None)` forwards it as is.
///
/// # Errors
/// [`EngineError::Malformed`] / [`EngineError::Shape`] when a response that carries hits or
/// terms cannot be evaluated.
pub(super) fn rewrite(
    api: Api,
    body: &[u8],
    rw: &mut Rewriter<'_>,
) -> Result<Option<Value>, EngineError> {
    let parse = || crate::engines::query::parse_json(body);
    let mut root = match api {
        Api::Async => {
            let mut root = parse()?;
            if let Some(resp) = root.get_mut("response") {
                rewrite_search(rw, resp)?;
            }
            root
        }
        Api::Eql => {
            let mut root = parse()?;
            if let Some(Value::Object(hits)) = root.get_mut("hits") {
                let mut removed = 0;
                if hits.contains_key("events") {
                    removed += rw.hits(hits.get_mut("events"), "hits.events")?;
                }
                if let Some(Value::Array(seqs)) = hits.get_mut("sequences") {
                    for seq in seqs.iter_mut() {
                        let events = seq.get_mut("events");
                        let gone = rw.hits(events, "hits.sequences[].events")?;
                        if gone > 0 {
                            removed += 1;
                            *seq = Value::Null;
                        }
                    }
                    seqs.retain(|s| !s.is_null());
                }
                if let Some(total) = hits.get_mut("total") {
                    rw.reduce_total(Some(total), removed, "hits.total")?;
                }
            }
            root
        }
        Api::TermsEnum => {
            let mut root = parse()?;
            let terms = root.get_mut("terms");
            if terms.is_none() {
                return Err(shape("a terms_enum answer without terms"));
            }
            rw.texts(terms, None, "terms")?;
            root
        }
        // Rows, counts and explanations carry no hit list: only a notice may be added, and an
        // answer that is not JSON (`_sql?format=txt`) is forwarded as it is.
        _ => match crate::engines::query::parse_json(body) {
            Ok(root) if root.is_object() => root,
            _ => return Ok(None),
        },
    };
    rw.notice(&mut root);
    Ok(Some(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_of_paths() {
        let cases = [
            ("/_search", Api::Search),
            ("/_all/_count", Api::Count),
            ("/idx/_search", Api::Search),
            ("/idx/_search/template", Api::Search),
            ("/_search/scroll/abc", Api::Search),
            ("/idx/_knn_search", Api::Search),
            ("/_msearch/template", Api::Msearch),
            ("/idx/_msearch", Api::Msearch),
            ("/idx/_async_search", Api::Async),
            ("/_async_search/abc", Api::Async),
            ("/idx/_eql/search", Api::Eql),
            ("/idx/_terms_enum", Api::TermsEnum),
            ("/_sql", Api::Sql),
            ("/_plugins/_ppl", Api::Sql),
            ("/_query", Api::Sql),
            ("/idx/_count", Api::Count),
            ("/_reindex", Api::Reindex),
            ("/idx/_update_by_query", Api::UpdateByQuery),
            ("/idx/_explain/1", Api::Other),
            ("/idx/_validate/query", Api::Other),
            ("/_render/template", Api::Other),
            ("/idx/_delete_by_query", Api::Other),
        ];
        for (path, want) in cases {
            assert_eq!(Api::of(path), want, "{path}");
        }
    }

    #[test]
    fn texts_and_refusals() {
        let cases: &[(&str, Api, &str, Option<&[&str]>)] = &[
            (
                "sql",
                Api::Sql,
                r#"{"query":"SELECT * FROM t WHERE x = 'zorvexil'"}"#,
                Some(&["SELECT * FROM t WHERE x = 'zorvexil'"]),
            ),
            (
                "terms enum",
                Api::TermsEnum,
                r#"{"field":"f","string":"zorv"}"#,
                Some(&["zorv"]),
            ),
            (
                "knn model text",
                Api::Search,
                r#"{"knn":{"query_vector_builder":{"text_embedding":{"model_text":"abc"}}}}"#,
                Some(&["abc"]),
            ),
            (
                "mlt",
                Api::Search,
                r#"{"query":{"more_like_this":{"like":["a","b"]}}}"#,
                Some(&["a", "b"]),
            ),
            (
                "mlt artificial documents",
                Api::Search,
                r#"{"query":{"more_like_this":{"like":[{"doc":{"t":"c","tags":["d"]}},{"_index":"i","_id":"1"},"e"],"unlike":{"doc":{"t":"f"}}}}}"#,
                Some(&["e", "c", "d", "f"]),
            ),
            (
                "scripted ubq",
                Api::UpdateByQuery,
                r#"{"script":{"source":"x"}}"#,
                None,
            ),
            (
                "plain ubq",
                Api::UpdateByQuery,
                r#"{"query":{"match_all":{}}}"#,
                Some(&[]),
            ),
            (
                "remote reindex",
                Api::Reindex,
                r#"{"source":{"remote":{"host":"h"},"index":"a"},"dest":{"index":"b"}}"#,
                None,
            ),
            (
                "scripted reindex",
                Api::Reindex,
                r#"{"source":{"index":"a"},"dest":{"index":"b"},"script":{}}"#,
                None,
            ),
            (
                "internal reindex",
                Api::Reindex,
                r#"{"source":{"index":"a"},"dest":{"index":"b"}}"#,
                Some(&[]),
            ),
        ];
        for (name, api, body, want) in cases {
            let body: Value = serde_json::from_str(body).unwrap();
            let mut out = Vec::new();
            let got = body_texts(*api, &body, &mut out);
            match want {
                None => assert!(got.is_err(), "{name}"),
                Some(want) => {
                    got.unwrap();
                    assert_eq!(out, *want, "{name}");
                }
            }
        }
    }
}
