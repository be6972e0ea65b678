//! Apache Solr: every request parameter (macros expanded as Solr expands them), the `json`
//! parameter, `json.*` parameters and the JSON Request API body in; `response.docs[]`/`numFound`
//! and suggester terms out.

use serde_json::{Map, Value, json};

use super::expand;
use super::query::{dedup, last_segment, parse_json, request_params, shape};
use super::rewrite::{Rewriter, object_mut};
pub(crate) mod params;

use super::{
    Engine, EngineError, FieldForms, HitFields, IndexingBody, RequestView, ResponseFilter, indexing,
};

/// The Solr adapter.
#[derive(Clone, Copy, Debug)]
pub struct Solr;

/// The first value of the first of `names` the request has, as Solr sees it (macros expanded;
/// as sent when they cannot be).
fn first(req: &RequestView<'_>, names: &[&str]) -> Result<String, EngineError> {
    if let Ok(map) = params::expanded(req) {
        let value = names
            .iter()
            .find_map(|n| map.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()));
        return Ok(value.unwrap_or_default());
    }
    for n in names {
        if let Some(v) = request_params(req, n)?.into_iter().next() {
            return Ok(v);
        }
    }
    Ok(String::new())
}

/// Whether `req` is a real-time get (`/get`).
fn is_get(req: &RequestView<'_>) -> bool {
    last_segment(req.path) == "get"
}

/// The engine's own answer with nothing found. Solr 9 marks its count exact; a suggest request
/// names its dictionaries only when it asks for them (the handler's default dictionary is not
/// known here, so a request without `suggest.dictionary` gets an empty `suggest` object).
fn empty(req: &RequestView<'_>) -> Result<Value, EngineError> {
    let header = json!({"status": 0, "QTime": 0});
    if is_get(req) {
        // Real-time get answers one `id` without `ids` as `doc` (the handler omits its header).
        let single =
            request_params(req, "ids")?.is_empty() && request_params(req, "id")?.len() <= 1;
        if single {
            return Ok(json!({ "doc": null }));
        }
        return Ok(json!({"response": {"numFound": 0, "start": 0, "docs": []}}));
    }
    if last_segment(req.path) != "suggest" {
        return Ok(json!({
            "responseHeader": header,
            "response": {"numFound": 0, "start": 0, "numFoundExact": true, "docs": []}
        }));
    }
    let q = first(req, &["suggest.q", "q"])?;
    let dicts: Map<String, Value> = request_params(req, "suggest.dictionary")?
        .into_iter()
        .map(|d| (d, json!({ q.clone(): {"numFound": 0, "suggestions": []} })))
        .collect();
    Ok(json!({"responseHeader": header, "suggest": dicts}))
}

impl Engine for Solr {
    fn name(&self) -> &'static str {
        "solr"
    }

    fn indexing(&self, req: &RequestView<'_>) -> Result<IndexingBody, EngineError> {
        indexing::solr(req)
    }

    fn hit_fields(&self) -> HitFields {
        HitFields {
            url: vec!["/url".into(), "/id".into()],
            title: vec!["/title".into(), "/title/0".into()],
            snippet: vec!["/description".into(), "/description/0".into()],
        }
    }

    /// A document shows every stored field unless the request lists fields (`fl` as a query or
    /// form parameter, `json.fields`, a JSON request's `fields` or `params.fl`): then a field it
    /// lacks may be hidden.
    fn field_forms(&self, pointer: &str) -> FieldForms {
        FieldForms {
            plain: vec![pointer.to_owned()],
            marked: Vec::new(),
            container: Some(String::new()),
        }
    }

    fn hides_fields(&self, req: &RequestView<'_>) -> bool {
        params::hides_fields(req)
    }

    /// Every parameter's values, as sent and with Solr's macros expanded, and the strings of the
    /// JSON request (see [`params`]).
    fn extract(&self, req: &RequestView<'_>) -> Result<Vec<String>, EngineError> {
        let mut texts = params::texts(req)?;
        // Query syntax the engine expands (`zorvex*`, `zorvexab~2`, `/zorv.*/`, the `prefix`
        // query parser) is judged by the entries it reaches too.
        let mut expanded = Vec::new();
        for t in &texts {
            expand::query_string(t, &mut expanded);
            if let Some(rest) = t.trim_start().strip_prefix("{!prefix")
                && let Some((_, value)) = rest.split_once('}')
            {
                expanded.push(expand::start(value.trim()));
            }
        }
        texts.extend(expanded);
        Ok(dedup(texts))
    }

    fn empty_json(&self, req: &RequestView<'_>) -> Result<Value, EngineError> {
        empty(req)
    }

    fn rewrite(
        &self,
        req: &RequestView<'_>,
        body: &[u8],
        filter: &mut dyn ResponseFilter,
    ) -> Result<Option<Vec<u8>>, EngineError> {
        let mut root = parse_json(body)?;
        let mut rw = Rewriter::new(filter);
        let map = object_mut(&mut root, "the response")?;
        if map.contains_key("grouped") {
            // Grouped results are not rewritten: fail closed rather than pass them unfiltered.
            return Err(EngineError::Unsupported("grouped Solr results"));
        }
        let mut found = false;
        if let Some(response) = map.get_mut("response") {
            found = true;
            let response = object_mut(response, "response")?;
            let removed = rw.hits_removed(response.get_mut("docs"), "response.docs")?;
            let count = u64::try_from(removed.len()).unwrap_or(u64::MAX);
            rw.reduce_total(response.get_mut("numFound"), count, "response.numFound")?;
            // Highlighting is keyed by the unique key: a delisted doc's snippets go too.
            if let Some(Value::Object(hl)) = map.get_mut("highlighting") {
                for id in removed.iter().filter_map(|d| d.get("id")) {
                    let key = id.as_str().map_or_else(|| id.to_string(), str::to_owned);
                    hl.shift_remove(&key);
                }
            }
        }
        // Streaming expressions, SQL and graph answers: `result-set.docs`.
        if let Some(set) = map.get_mut("result-set") {
            found = true;
            let set = object_mut(set, "result-set")?;
            rw.hits(set.get_mut("docs"), "result-set.docs")?;
        }
        if let Some(suggest) = map.get_mut("suggest") {
            found = true;
            for (_, dict) in object_mut(suggest, "suggest")?.iter_mut() {
                for (_, per_q) in object_mut(dict, "a suggest dictionary")?.iter_mut() {
                    let per_q = object_mut(per_q, "a suggestion list")?;
                    let removed =
                        rw.texts(per_q.get_mut("suggestions"), Some("/term"), "suggestions")?;
                    rw.reduce_total(per_q.get_mut("numFound"), removed, "suggest numFound")?;
                }
            }
        }
        // Real-time get of one id: `doc`, the document or null.
        if let Some(doc) = map.get_mut("doc") {
            found = true;
            if !doc.is_null() {
                let mut one = Value::Array(vec![doc.take()]);
                rw.hits(Some(&mut one), "doc")?;
                *doc = match one {
                    Value::Array(mut kept) => kept.pop().unwrap_or(Value::Null),
                    _ => Value::Null,
                };
            }
        }
        // A real-time get without ids answers only its header.
        if !found && !map.contains_key("error") && !is_get(req) {
            return Err(shape("neither response nor suggest"));
        }
        rw.notice(&mut root);
        rw.finish(&root)
    }
}

#[cfg(test)]
mod tests;
