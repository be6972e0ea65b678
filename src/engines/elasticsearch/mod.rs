//! Elasticsearch and OpenSearch: `_search` (URL `q`, `source` and the query DSL body) and
//! `_msearch` (NDJSON header/body pairs); hits, totals and suggester options in responses.

mod dsl;
mod endpoint;
mod fast;
#[cfg(test)]
mod tests;

use serde_json::{Value, json};

use super::query::{dedup, has_body, malformed, param_values, parse_json, parse_ndjson, shape};
use super::rewrite::{Rewriter, json_response, object_mut, with_notice};
use super::{
    Engine, EngineError, FieldForms, HitFields, IndexingBody, RequestView, ResponseFilter,
    Synthesized, indexing,
};
use crate::signpost::Notice;
use endpoint::Api;

/// The Elasticsearch adapter, also used for OpenSearch (same search API).
#[derive(Clone, Copy, Debug)]
pub struct Elasticsearch {
    name: &'static str,
}

impl Elasticsearch {
    /// An adapter reporting `name` (`elasticsearch` or `opensearch`).
    pub fn new(name: &'static str) -> Self {
        Self { name }
    }
}

fn is_msearch(path: &str) -> bool {
    path.split('/').any(|s| s == "_msearch")
}

/// The search bodies of a request: one for `_search` (none without a body), one per search for
/// `_msearch` (the second line of each header/body pair).
fn bodies(req: &RequestView<'_>) -> Result<Vec<Value>, EngineError> {
    if is_msearch(req.path) {
        let lines = parse_ndjson(req.body)?;
        if lines.len() % 2 != 0 {
            return Err(malformed("NDJSON header/body pairs"));
        }
        Ok(lines.into_iter().skip(1).step_by(2).collect())
    } else if has_body(req.body) {
        Ok(vec![parse_json(req.body)?])
    } else {
        Ok(Vec::new())
    }
}

/// How the request asked the engine to shape its answer (URL parameters).
#[derive(Clone, Copy, Debug, Default)]
struct Shape {
    /// `rest_total_hits_as_int=true`: `hits.total` is a number.
    total_as_int: bool,
    /// `typed_keys=true`: suggesters are keyed `{type}#{name}`.
    typed_keys: bool,
}

impl Shape {
    fn of(req: &RequestView<'_>) -> Result<Self, EngineError> {
        let on = |name: &str| -> Result<bool, EngineError> {
            Ok(param_values(req.query, name)?
                .iter()
                .any(|v| v.is_empty() || v == "true"))
        };
        Ok(Self {
            total_as_int: on("rest_total_hits_as_int")?,
            typed_keys: on("typed_keys")?,
        })
    }
}

/// An empty search response, with an empty entry per suggester the request named.
fn empty_search(body: Option<&Value>, shape: Shape) -> Value {
    let total = if shape.total_as_int {
        json!(0)
    } else {
        json!({"value": 0, "relation": "eq"})
    };
    let mut v = json!({
        "took": 0,
        "timed_out": false,
        "_shards": {"total": 0, "successful": 0, "skipped": 0, "failed": 0},
        "hits": {"total": total, "max_score": null, "hits": []}
    });
    let suggesters = body.map(dsl::suggesters).unwrap_or_default();
    if let (false, Value::Object(map)) = (suggesters.is_empty(), &mut v) {
        let suggest = suggesters
            .into_iter()
            .map(|(name, text)| {
                let length = text.chars().count();
                let entry = json!([{"text": text, "offset": 0, "length": length, "options": []}]);
                let kind = body.and_then(|b| dsl::suggester_type(b, &name));
                match (shape.typed_keys, kind) {
                    (true, Some(kind)) => (format!("{kind}#{name}"), entry),
                    _ => (name, entry),
                }
            })
            .collect();
        map.insert("suggest".into(), Value::Object(suggest));
    }
    v
}

/// The engine's empty answer for `req`, with `notice` in each search response when given.
fn empty_for(req: &RequestView<'_>, notice: Option<(&Notice, &str)>) -> Result<Value, EngineError> {
    let bodies = bodies(req)?;
    let shape = Shape::of(req)?;
    let add = |v: Value| match notice {
        Some((n, key)) => with_notice(v, n, key),
        None => v,
    };
    if let Some(v) = endpoint::empty(Api::of(req.path), || empty_search(bodies.first(), shape)) {
        return Ok(add(v));
    }
    if is_msearch(req.path) {
        let responses: Vec<Value> = bodies
            .iter()
            .map(|b| {
                let mut r = empty_search(Some(b), shape);
                if let Value::Object(map) = &mut r {
                    map.insert("status".into(), json!(200));
                }
                add(r)
            })
            .collect();
        Ok(add(json!({"took": 0, "responses": responses})))
    } else {
        Ok(add(empty_search(bodies.first(), shape)))
    }
}

/// How deep `inner_hits` may nest inside hits before the response is refused.
const MAX_INNER_HITS: usize = 4;

/// Filters one search response (a whole `_search` answer or one of `_msearch`'s responses).
fn rewrite_search(rw: &mut Rewriter<'_>, resp: &mut Value) -> Result<(), EngineError> {
    let map = object_mut(resp, "a search response")?;
    if let Some(hits) = map.get_mut("hits") {
        rewrite_hits(rw, hits, 0)?;
    } else if !map.contains_key("error") && !map.contains_key("suggest") {
        return Err(shape("a search response without hits"));
    }
    if let Some(suggest) = map.get_mut("suggest") {
        for (_, entries) in object_mut(suggest, "suggest")?.iter_mut() {
            let entries = entries
                .as_array_mut()
                .ok_or_else(|| shape("a suggester's entries are not an array"))?;
            for entry in entries {
                let options = entry.get_mut("options");
                rw.texts(options, Some("/text"), "suggest options")?;
                // Completion options carry their document: a listed one goes too.
                if let Some(Value::Array(options)) = entry.get_mut("options") {
                    rw.delist_documents(options, |o| o.get("_source").is_some());
                }
            }
        }
    }
    Ok(())
}

/// Filters a `hits` object (`{total, max_score, hits: […]}`) and each kept hit's `inner_hits`.
fn rewrite_hits(rw: &mut Rewriter<'_>, hits: &mut Value, depth: usize) -> Result<(), EngineError> {
    if depth > MAX_INNER_HITS {
        return Err(shape("inner_hits nested too deep"));
    }
    let hits = object_mut(hits, "hits")?;
    let removed = rw.hits(hits.get_mut("hits"), "hits.hits")?;
    rw.reduce_total(hits.get_mut("total"), removed, "hits.total")?;
    let Some(Value::Array(list)) = hits.get_mut("hits") else {
        return Ok(());
    };
    for hit in list {
        if let Some(inner) = hit.get_mut("inner_hits") {
            for (_, named) in object_mut(inner, "inner_hits")?.iter_mut() {
                let named = object_mut(named, "an inner_hits entry")?;
                let nested = named
                    .get_mut("hits")
                    .ok_or_else(|| shape("an inner_hits entry without hits"))?;
                rewrite_hits(rw, nested, depth + 1)?;
            }
        }
    }
    Ok(())
}

impl Engine for Elasticsearch {
    fn name(&self) -> &'static str {
        self.name
    }

    fn indexing(&self, req: &RequestView<'_>) -> Result<IndexingBody, EngineError> {
        indexing::elasticsearch(req)
    }

    fn hit_fields(&self) -> HitFields {
        HitFields {
            url: vec!["/_source/url".into()],
            title: vec!["/_source/title".into()],
            snippet: vec!["/_source/snippet".into(), "/_source/description".into()],
        }
    }

    /// A `_source` pointer's field is also returned under `fields` (the `fields` option,
    /// `docvalue_fields`, `stored_fields`) and `highlight`, keyed by its dotted path.
    fn field_forms(&self, pointer: &str) -> FieldForms {
        let Some(rest) = pointer.strip_prefix("/_source/") else {
            return FieldForms::only(pointer);
        };
        let dotted = rest
            .split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect::<Vec<_>>()
            .join(".")
            .replace('~', "~0")
            .replace('/', "~1");
        FieldForms {
            plain: vec![pointer.to_owned(), format!("/fields/{dotted}")],
            marked: vec![format!("/highlight/{dotted}")],
            container: Some("/_source".to_owned()),
        }
    }

    fn hides_fields(&self, req: &RequestView<'_>) -> bool {
        super::query::mentions(
            req,
            &[
                "_source",
                "_source_includes",
                "_source_excludes",
                "_source_include",
                "_source_exclude",
                "stored_fields",
                "filter_path",
            ],
        )
    }

    fn extract(&self, req: &RequestView<'_>) -> Result<Vec<String>, EngineError> {
        let api = Api::of(req.path);
        let mut out = param_values(req.query, "q")?;
        // `?q=` is Lucene syntax: its prefixes, wildcards and fuzzy terms expand.
        let mut patterns = Vec::new();
        for q in &out {
            crate::engines::expand::query_string(q, &mut patterns);
        }
        out.append(&mut patterns);
        // The legacy OpenSearch SQL endpoint takes the statement in `?sql=`.
        out.extend(param_values(req.query, "sql")?);
        // `?source=` carries a whole request body in the URL.
        let mut all = Vec::new();
        for source in param_values(req.query, "source")? {
            all.push(parse_json(source.as_bytes())?);
        }
        all.extend(bodies(req)?);
        // Every extractor reads every body: a text the engine may read is never left out
        // because the path named another API.
        for body in &all {
            dsl::texts(body, &mut out)?;
            dsl::template_params(body, &mut out)?;
            endpoint::body_texts(api, body, &mut out)?;
        }
        Ok(dedup(out))
    }

    fn blocked(
        &self,
        req: &RequestView<'_>,
        notice: &Notice,
        key: &str,
    ) -> Result<Synthesized, EngineError> {
        json_response(&empty_for(req, Some((notice, key)))?)
    }

    fn empty_suggestions(&self, req: &RequestView<'_>) -> Result<Synthesized, EngineError> {
        json_response(&empty_for(req, None)?)
    }

    fn rewrite(
        &self,
        req: &RequestView<'_>,
        body: &[u8],
        filter: &mut dyn ResponseFilter,
    ) -> Result<Option<Vec<u8>>, EngineError> {
        let api = Api::of(req.path);
        if !matches!(api, Api::Search | Api::Msearch) {
            let mut rw = Rewriter::new(filter);
            return match endpoint::rewrite(api, body, &mut rw)? {
                Some(root) => rw.finish(&root),
                None => Ok(None),
            };
        }
        if let Ok(out) = fast::rewrite(body, is_msearch(req.path), filter) {
            return out;
        }
        rewrite_tree(req, body, filter)
    }
}

/// The `Value` path: parse the whole body, edit the tree, serialise it when anything changed.
fn rewrite_tree(
    req: &RequestView<'_>,
    body: &[u8],
    filter: &mut dyn ResponseFilter,
) -> Result<Option<Vec<u8>>, EngineError> {
    let mut root = parse_json(body)?;
    let mut rw = Rewriter::new(filter);
    if is_msearch(req.path) {
        let responses = root
            .get_mut("responses")
            .and_then(Value::as_array_mut)
            .ok_or_else(|| shape("responses is not an array"))?;
        for resp in responses {
            rewrite_search(&mut rw, resp)?;
        }
    } else {
        rewrite_search(&mut rw, &mut root)?;
    }
    rw.notice(&mut root);
    rw.finish(&root)
}
