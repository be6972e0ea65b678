//! The user texts inside an Elasticsearch/OpenSearch query DSL body: full-text and term-level
//! queries wherever they are nested, and the `suggest` section.

use serde_json::{Map, Value};

use crate::engines::EngineError;
use crate::engines::expand;
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
                        whole_query_expansions(key, val, out);
                    }
                    "match" | "match_phrase" | "match_phrase_prefix" | "match_bool_prefix" => {
                        per_field(val, &["query"], out);
                        expansions(key, val, out);
                    }
                    "prefix" | "wildcard" | "fuzzy" | "term" | "regexp" | "span_term" => {
                        per_field(val, &["value", "wildcard"], out);
                        expansions(key, val, out);
                    }
                    "terms" => terms(val, out)?,
                    "more_like_this" => stored_likes(val)?,
                    "terms_set" => terms_set(val, out),
                    // Exact values (or a pattern) choosing a terms aggregation's buckets.
                    "include" | "exclude" => strings(val, out),
                    "wrapper" => wrapped(val, depth, out)?,
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

/// The texts a field-level query makes the engine expand, as marked patterns (see [`expand`]):
/// a prefix, a wildcard, a regular expression, a fuzzy term's surely kept start, the query of
/// `match_phrase_prefix`/`match_bool_prefix`, each word of a fuzzy `match`.
fn expansions(kind: &str, val: &Value, out: &mut Vec<String>) {
    for (_, fv) in fields(val) {
        let (text, options) = match fv {
            Value::String(s) => (s.as_str(), None),
            Value::Object(o) => {
                let text = ["value", "wildcard", "query"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str));
                match text {
                    Some(t) => (t, Some(o)),
                    None => continue,
                }
            }
            _ => continue,
        };
        let fuzziness = options.and_then(|o| o.get("fuzziness")).map(value_text);
        push_expansions(kind, text, fuzziness.as_deref(), out);
    }
}

/// `query_string`/`simple_query_string` (Lucene syntax: `zorvex*`, `zorvexab~2`, `/zorv.*/`)
/// and `multi_match` of a prefix type or with `fuzziness`.
fn whole_query_expansions(kind: &str, val: &Value, out: &mut Vec<String>) {
    let Some(query) = val.get("query").and_then(Value::as_str) else {
        return;
    };
    match kind {
        "query_string" | "simple_query_string" => expand::query_string(query, out),
        _ => {
            let kind = match val.get("type").and_then(Value::as_str) {
                Some("phrase_prefix") => "match_phrase_prefix",
                Some("bool_prefix") => "match_bool_prefix",
                _ => "match",
            };
            let fuzziness = val.get("fuzziness").map(value_text);
            push_expansions(kind, query, fuzziness.as_deref(), out);
        }
    }
}

fn push_expansions(kind: &str, text: &str, fuzziness: Option<&str>, out: &mut Vec<String>) {
    match kind {
        "prefix" | "match_phrase_prefix" | "match_bool_prefix" => out.push(expand::start(text)),
        "wildcard" => out.push(expand::wildcard(text)),
        "regexp" => out.push(expand::regexp(text)),
        "fuzzy" => out.push(expand::start(expand::fuzzy_start(
            text,
            expand::fuzziness(fuzziness, text),
        ))),
        "match" if fuzziness.is_some() => out.extend(
            text.split_whitespace()
                .map(|w| expand::start(expand::fuzzy_start(w, expand::fuzziness(fuzziness, w)))),
        ),
        _ => {}
    }
}

/// A parameter's value as text (`fuzziness` is `"AUTO"`, `2` or `"2"`).
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `field → ["a", "b"]`. A terms lookup (`field → {"index", "id", "path"}`) takes its values
/// from a stored document, which is never seen here: it is refused, as what the engine would
/// execute cannot be judged.
fn terms(val: &Value, out: &mut Vec<String>) -> Result<(), EngineError> {
    for (_, fv) in fields(val) {
        match fv {
            Value::Array(items) => items.iter().for_each(|i| push_str(Some(i), out)),
            Value::String(s) => out.push(s.clone()),
            Value::Object(o) if o.contains_key("id") || o.contains_key("path") => {
                return Err(EngineError::Unsupported(
                    "a terms lookup in a stored document",
                ));
            }
            Value::Object(o) => push_str(o.get("value"), out),
            _ => {}
        }
    }
    Ok(())
}

/// `more_like_this` like or unlike a stored document (`{"_id": …}`) takes its terms from that
/// document, which is never seen here: refused (texts and artificial documents are read).
fn stored_likes(val: &Value) -> Result<(), EngineError> {
    for key in ["like", "unlike", "ids", "docs"] {
        let items = match val.get(key) {
            Some(Value::Array(items)) => items.as_slice(),
            Some(other) => std::slice::from_ref(other),
            None => continue,
        };
        let stored = |i: &Value| {
            matches!(key, "ids" | "docs") || (i.get("_id").is_some() && i.get("doc").is_none())
        };
        if items.iter().any(stored) {
            return Err(EngineError::Unsupported(
                "more_like_this like a stored document",
            ));
        }
    }
    Ok(())
}

/// `field → {"terms": ["a", "b"], …}`.
fn terms_set(val: &Value, out: &mut Vec<String>) {
    for (_, fv) in fields(val) {
        if let Some(items) = fv.get("terms").and_then(Value::as_array) {
            items.iter().for_each(|i| push_str(Some(i), out));
        }
    }
}

/// A string, or the strings of an array.
fn strings(val: &Value, out: &mut Vec<String>) {
    match val {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| push_str(Some(i), out)),
        _ => {}
    }
}

/// A `wrapper` query: a whole query, base64-encoded, read like any other once decoded. One
/// that does not decode to JSON is refused rather than passed unread.
fn wrapped(val: &Value, depth: usize, out: &mut Vec<String>) -> Result<(), EngineError> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const BASE64: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    // A field named `wrapper` elsewhere is no wrapper query.
    let Some(query) = val.as_object().and_then(|o| o.get("query")) else {
        return Ok(());
    };
    let encoded = query
        .as_str()
        .ok_or_else(|| malformed("a wrapper query that is not a base64 string"))?;
    let bytes = BASE64
        .decode(encoded)
        .map_err(|_| malformed("a wrapper query that is not base64"))?;
    let inner: Value = serde_json::from_slice(&bytes)
        .map_err(|_| malformed("a wrapper query that is not JSON"))?;
    walk(&inner, depth + 1, out)
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
