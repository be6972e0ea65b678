//! The user texts inside an Elasticsearch/OpenSearch query DSL body: full-text and term-level
//! queries wherever they are nested, and the `suggest` section.

use serde_json::{Map, Value};

use crate::engines::EngineError;
use crate::engines::query::{MAX_DEPTH, malformed, push_str};

/// Keys of term-level and aggregation objects that are parameters, not `field → value`.
const PARAMETERS: &[&str] = &[
    "boost",
    "_name",
    "field",
    "size",
    "order",
    "missing",
    "include",
    "exclude",
    "format",
    "rewrite",
    "case_insensitive",
    "execution_hint",
    "collect_mode",
    "value_type",
    "min_doc_count",
    "shard_size",
    "flags",
    "max_determinized_states",
    "script",
];

/// Collects the user texts of a search body into `out`.
///
/// Every object is searched, so queries nested in `bool`, `dis_max`, `function_score`,
/// `constant_score`, `boosting`, `nested`, filter aggregations or rescorers are all found.
///
/// # Errors
/// [`EngineError::Malformed`] when the body nests deeper than [`MAX_DEPTH`].
pub(crate) fn texts(v: &Value, out: &mut Vec<String>) -> Result<(), EngineError> {
    walk(v, 0, out)
}

fn walk(v: &Value, depth: usize, out: &mut Vec<String>) -> Result<(), EngineError> {
    if depth > MAX_DEPTH {
        return Err(malformed(format!(
            "query DSL nested under {MAX_DEPTH} levels"
        )));
    }
    match v {
        Value::Array(items) => items.iter().try_for_each(|i| walk(i, depth + 1, out)),
        Value::Object(map) => {
            for (key, val) in map {
                match key.as_str() {
                    "query_string" | "simple_query_string" | "multi_match" | "combined_fields" => {
                        push_str(val.get("query"), out);
                    }
                    "match" | "match_phrase" | "match_phrase_prefix" | "match_bool_prefix" => {
                        per_field(val, &["query"], out);
                    }
                    "prefix" | "wildcard" | "fuzzy" | "term" | "regexp" => {
                        per_field(val, &["value", "wildcard"], out);
                    }
                    "terms" => terms(val, out),
                    "suggest" => suggest(val, out),
                    _ => {}
                }
                // Suggester options (`field`, `suggest_mode`…) are no user text.
                if key != "suggest" {
                    walk(val, depth + 1, out)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Every string under a search template's `params`: template parameters are the user's values
/// under names only the template knows.
pub(crate) fn template_params(body: &Value, out: &mut Vec<String>) -> Result<(), EngineError> {
    fn strings(v: &Value, depth: usize, out: &mut Vec<String>) -> Result<(), EngineError> {
        if depth > MAX_DEPTH {
            return Err(malformed(format!(
                "template params nested under {MAX_DEPTH} levels"
            )));
        }
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().try_for_each(|i| strings(i, depth + 1, out))?,
            Value::Object(map) => map.values().try_for_each(|i| strings(i, depth + 1, out))?,
            _ => {}
        }
        Ok(())
    }
    body.get("params").map_or(Ok(()), |p| strings(p, 0, out))
}

fn fields(val: &Value) -> impl Iterator<Item = (&String, &Value)> {
    val.as_object()
        .into_iter()
        .flat_map(Map::iter)
        .filter(|(k, _)| !PARAMETERS.contains(&k.as_str()))
}

/// `field → "text"` or `field → {inner: "text", …}`.
fn per_field(val: &Value, inner: &[&str], out: &mut Vec<String>) {
    for (_, fv) in fields(val) {
        match fv {
            Value::String(s) => out.push(s.clone()),
            Value::Object(o) => inner.iter().for_each(|k| push_str(o.get(*k), out)),
            _ => {}
        }
    }
}

/// `field → ["a", "b"]` (a terms lookup object carries no user text).
fn terms(val: &Value, out: &mut Vec<String>) {
    for (_, fv) in fields(val) {
        match fv {
            Value::Array(items) => items.iter().for_each(|i| push_str(Some(i), out)),
            Value::String(s) => out.push(s.clone()),
            Value::Object(o) => push_str(o.get("value"), out),
            _ => {}
        }
    }
}

/// The global `suggest.text` and each suggester's `text`, `prefix` or `regex`.
fn suggest(val: &Value, out: &mut Vec<String>) {
    let Some(map) = val.as_object() else { return };
    push_str(map.get("text"), out);
    for (_, s) in map.iter().filter(|(k, _)| k.as_str() != "text") {
        for key in ["text", "prefix", "regex"] {
            push_str(s.get(key), out);
        }
    }
}

/// The suggester names of a body's `suggest` section, with the text each suggests for.
pub(crate) fn suggesters(body: &Value) -> Vec<(String, String)> {
    let Some(map) = body.get("suggest").and_then(Value::as_object) else {
        return Vec::new();
    };
    let global = map.get("text").and_then(Value::as_str).unwrap_or("");
    map.iter()
        .filter(|(k, v)| k.as_str() != "text" && v.is_object())
        .map(|(name, s)| {
            let text = ["text", "prefix", "regex"]
                .iter()
                .find_map(|k| s.get(*k).and_then(Value::as_str))
                .unwrap_or(global);
            (name.clone(), text.to_owned())
        })
        .collect()
}

/// The type of suggester `name` (`term`, `phrase`, `completion`) as `typed_keys` prefixes it.
pub(crate) fn suggester_type<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    let s = body.get("suggest")?.get(name)?.as_object()?;
    ["term", "phrase", "completion"]
        .into_iter()
        .find(|t| s.contains_key(*t))
}
