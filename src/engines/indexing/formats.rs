//! The body formats of indexing requests, each parsed into a [`Parsed`]: NDJSON, Elasticsearch
//! `_bulk`, JSON arrays (at the root or at a pointer), Solr update commands and CSV.

use std::ops::Range;

use serde_json::{Map, Value};

use super::json::{first_byte, items, members, strict};
use super::{Parsed, Part, blank, csv, lines, malformed};
use crate::engines::EngineError;

/// The bytes of `span`, which a parser found inside `body`.
fn slice<'b>(body: &'b [u8], span: &Range<usize>) -> Result<&'b [u8], EngineError> {
    body.get(span.clone())
        .ok_or_else(|| malformed("JSON inside the body"))
}

/// A strictly parsed JSON object (documents are objects in every engine).
fn object(bytes: &[u8], what: &str) -> Result<Value, EngineError> {
    match strict(bytes, what)? {
        v @ Value::Object(_) => Ok(v),
        _ => Err(malformed(format!("{what} (an object)"))),
    }
}

/// One JSON object per non-blank line; blank lines are kept as they are.
pub(super) fn ndjson(body: &[u8]) -> Result<Parsed, EngineError> {
    let mut docs = Vec::new();
    let mut parts = Vec::new();
    for (n, span) in lines(body).enumerate() {
        let line = slice(body, &span)?;
        if blank(line) {
            parts.push(Part::Fixed(span));
            continue;
        }
        docs.push(object(line, &format!("NDJSON line {}", n + 1))?);
        parts.push(Part::Docs {
            span,
            first: docs.len() - 1,
            count: 1,
        });
    }
    Ok(Parsed {
        docs,
        parts,
        divisible: true,
    })
}

/// The documents an ES update body (`_update`, or an `update` action's second line) writes:
/// `doc` and `upsert`, in that order. A script can write any field from its parameters, where
/// the guard cannot follow it, so scripted updates are not evaluated.
pub(super) fn es_update(bytes: &[u8], what: &str) -> Result<Vec<Value>, EngineError> {
    let Value::Object(mut map) = object(bytes, what)? else {
        return Err(malformed(what));
    };
    if map.contains_key("script") {
        return Err(EngineError::Unsupported("scripted updates"));
    }
    let mut docs = Vec::new();
    for key in ["doc", "upsert"] {
        match map.remove(key) {
            Some(v @ Value::Object(_)) => docs.push(v),
            Some(_) => return Err(malformed(format!("{what}: {key} (an object)"))),
            None => {}
        }
    }
    if docs.is_empty() {
        return Err(malformed(format!("{what} (doc or upsert)")));
    }
    Ok(docs)
}

/// Elasticsearch `_bulk`: action lines, each followed by a source line except `delete`. An
/// action and its source line are one part, dropped together.
pub(super) fn bulk(body: &[u8]) -> Result<Parsed, EngineError> {
    let mut docs = Vec::new();
    let mut parts = Vec::new();
    let mut numbered = lines(body).enumerate();
    while let Some((n, action_span)) = numbered.next() {
        let line = slice(body, &action_span)?;
        if blank(line) {
            parts.push(Part::Fixed(action_span));
            continue;
        }
        let what = format!("bulk action line {}", n + 1);
        let Value::Object(action) = object(line, &what)? else {
            return Err(malformed(what));
        };
        let op = match action.keys().next() {
            Some(op) if action.len() == 1 => op.as_str(),
            _ => return Err(malformed(format!("{what} (one action)"))),
        };
        let first = docs.len();
        if op != "delete" {
            let Some((m, source_span)) = numbered.next() else {
                return Err(malformed(format!("{what}: its source line")));
            };
            let source = slice(body, &source_span)?;
            let what = format!("bulk source line {}", m + 1);
            match op {
                "index" | "create" => docs.push(object(source, &what)?),
                "update" => docs.extend(es_update(source, &what)?),
                _ => {
                    return Err(malformed(format!(
                        "{what} (index, create, update or delete)"
                    )));
                }
            }
            parts.push(Part::Docs {
                span: action_span.start..source_span.end,
                first,
                count: docs.len() - first,
            });
        } else {
            parts.push(Part::Docs {
                span: action_span,
                first,
                count: 0,
            });
        }
    }
    Ok(Parsed {
        docs,
        parts,
        divisible: true,
    })
}

/// The documents one sent document stands for, as the guard checks them.
pub(super) type Expand = fn(Value) -> Vec<Value>;

/// Most engines index a document as it is sent.
pub(super) fn as_sent(doc: Value) -> Vec<Value> {
    vec![doc]
}

/// Solr verbs of an atomic update (`{"url": {"set": "…"}}`).
const ATOMIC: &[&str] = &["set", "add", "add-distinct", "remove", "removeregex"];

/// A Solr document as the guard checks it: atomic-update values replaced by the value they
/// write, then its child documents (`_childDocuments_`, and object or array-of-object field
/// values), depth first. A child cannot be refused without its parent: they go together.
pub(super) fn solr_document(mut doc: Value) -> Vec<Value> {
    let mut children = Vec::new();
    if let Value::Object(map) = &mut doc {
        for (key, value) in map.iter_mut() {
            let atomic = match value {
                Value::Object(inner) if inner.len() == 1 => inner
                    .iter()
                    .next()
                    .filter(|(verb, _)| ATOMIC.contains(&verb.as_str()))
                    .map(|(_, v)| v.clone()),
                _ => None,
            };
            match (atomic, &*value) {
                (Some(v), _) => *value = v,
                (None, Value::Object(_)) => children.push(value.clone()),
                (None, Value::Array(items))
                    if key == "_childDocuments_" || items.iter().all(Value::is_object) =>
                {
                    children.extend(items.iter().filter(|i| i.is_object()).cloned());
                }
                _ => {}
            }
        }
    }
    let mut out = vec![doc];
    out.extend(children.into_iter().flat_map(solr_document));
    out
}

/// The elements of the JSON array at `span` as documents (objects), rebuilt from the kept ones.
fn array(
    body: &[u8],
    span: &Range<usize>,
    what: &str,
    expand: Expand,
    docs: &mut Vec<Value>,
) -> Result<Part, EngineError> {
    let mut out = Vec::new();
    for (i, item) in items(body, slice(body, span)?, what)?
        .into_iter()
        .enumerate()
    {
        let first = docs.len();
        let doc = object(slice(body, &item)?, &format!("{what}: element {i}"))?;
        docs.extend(expand(doc));
        out.push(Part::Docs {
            span: item,
            first,
            count: docs.len() - first,
        });
    }
    Ok(Part::Array(out))
}

/// The whole body's JSON value: its range (without surrounding whitespace).
fn whole(body: &[u8], what: &str) -> Result<Range<usize>, EngineError> {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .ok_or_else(|| malformed(what))?;
    let end = body
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(body.len(), |i| i + 1);
    Ok(start..end)
}

/// The document parts around a value at `span`: whitespace before and after is kept.
fn around(body: &[u8], span: &Range<usize>, inner: Part) -> Vec<Part> {
    vec![
        Part::Fixed(0..span.start),
        inner,
        Part::Fixed(span.end..body.len()),
    ]
}

/// A JSON array of documents, or (when `single` allows it) one document object.
pub(super) fn json_documents(
    body: &[u8],
    single: bool,
    expand: Expand,
) -> Result<Parsed, EngineError> {
    match first_byte(body) {
        Some(b'[') => {
            let span = whole(body, "JSON array")?;
            let mut docs = Vec::new();
            let part = array(body, &span, "JSON array of documents", expand, &mut docs)?;
            Ok(Parsed {
                docs,
                parts: around(body, &span, part),
                divisible: true,
            })
        }
        Some(b'{') if single => Ok(Parsed::single(body, expand(object(body, "JSON document")?))),
        _ => Err(malformed(if single {
            "JSON document or array of documents"
        } else {
            "JSON array of documents"
        })),
    }
}

/// The documents of the array at JSON pointer `pointer` in a JSON body. Each object on the way
/// must name the next key once.
pub(super) fn at_pointer(body: &[u8], pointer: &str) -> Result<Parsed, EngineError> {
    let mut span = whole(body, "JSON")?;
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        let here = slice(body, &span)?;
        span = match first_byte(here) {
            Some(b'{') => {
                let mut found = members(body, here, "JSON object")?
                    .into_iter()
                    .filter(|(k, _)| *k == key);
                match (found.next(), found.next()) {
                    (Some((_, s)), None) => s,
                    (Some(_), Some(_)) => return Err(malformed(format!("JSON: {key:?} repeated"))),
                    (None, _) => {
                        return Err(malformed(format!("JSON with the documents at {pointer}")));
                    }
                }
            }
            Some(b'[') => {
                let i: usize = key
                    .parse()
                    .map_err(|_| malformed(format!("JSON with the documents at {pointer}")))?;
                items(body, here, "JSON array")?
                    .into_iter()
                    .nth(i)
                    .ok_or_else(|| malformed(format!("JSON with the documents at {pointer}")))?
            }
            _ => return Err(malformed(format!("JSON with the documents at {pointer}"))),
        };
    }
    if first_byte(slice(body, &span)?) != Some(b'[') {
        return Err(malformed(format!("JSON with an array at {pointer}")));
    }
    // The rest of the body is copied as it is, so it must be valid JSON too.
    strict_shape(body)?;
    let mut docs = Vec::new();
    let part = array(body, &span, "documents array", as_sent, &mut docs)?;
    Ok(Parsed {
        docs,
        parts: around(body, &span, part),
        divisible: true,
    })
}

/// Checks that `body` is one JSON value.
fn strict_shape(body: &[u8]) -> Result<(), EngineError> {
    serde_json::from_slice::<serde::de::IgnoredAny>(body)
        .map(|_| ())
        .map_err(|_| malformed("JSON"))
}

/// Solr's JSON update commands: `{"add": {"doc": {…}}, "add": […], "delete": …, "commit": {}}`.
/// Repeated `add` keys are legal and each is read; an `add` whose document is refused goes.
pub(super) fn solr_commands(body: &[u8]) -> Result<Parsed, EngineError> {
    let span = whole(body, "Solr update commands")?;
    let mut docs = Vec::new();
    let mut out = Vec::new();
    for (key, value) in members(body, slice(body, &span)?, "Solr update commands")? {
        let encoded = serde_json::to_string(&key).map_err(|_| malformed("Solr command key"))?;
        let bytes = slice(body, &value)?;
        let part = match key.as_str() {
            "add" if first_byte(bytes) == Some(b'[') => {
                array(body, &value, "Solr add", solr_document, &mut docs)?
            }
            "add" => {
                let Value::Object(mut add) = object(bytes, "Solr add")? else {
                    return Err(malformed("Solr add"));
                };
                let first = docs.len();
                match add.remove("doc") {
                    Some(doc @ Value::Object(_)) => docs.extend(solr_document(doc)),
                    _ => return Err(malformed("Solr add with a doc object")),
                }
                Part::Docs {
                    span: value,
                    first,
                    count: docs.len() - first,
                }
            }
            "delete" | "commit" | "optimize" | "rollback" => Part::Fixed(value),
            _ => {
                return Err(malformed(
                    "Solr update commands (add, delete, commit, optimize)",
                ));
            }
        };
        out.push((encoded, part));
    }
    Ok(Parsed {
        docs,
        parts: around(body, &span, Part::Object(out)),
        divisible: true,
    })
}

/// A CSV body: the first non-blank record names the fields (a Meilisearch `name:type` header
/// names `name`); each further record is one document of strings.
pub(super) fn csv_documents(body: &[u8], delimiter: u8) -> Result<Parsed, EngineError> {
    let mut docs = Vec::new();
    let mut parts = Vec::new();
    let mut header: Option<Vec<String>> = None;
    for (n, record) in csv::records(body, delimiter)?.into_iter().enumerate() {
        if record.fields.is_empty() {
            parts.push(Part::Fixed(record.span));
            continue;
        }
        let Some(names) = &header else {
            let names = header_names(record.fields)?;
            parts.push(Part::Fixed(record.span));
            header = Some(names);
            continue;
        };
        if record.fields.len() != names.len() {
            return Err(malformed(format!(
                "CSV record {}: {} fields under a header of {}",
                n + 1,
                record.fields.len(),
                names.len()
            )));
        }
        let doc: Map<String, Value> = names
            .iter()
            .cloned()
            .zip(record.fields.into_iter().map(Value::String))
            .collect();
        docs.push(Value::Object(doc));
        parts.push(Part::Docs {
            span: record.span,
            first: docs.len() - 1,
            count: 1,
        });
    }
    Ok(Parsed {
        docs,
        parts,
        divisible: true,
    })
}

fn header_names(fields: Vec<String>) -> Result<Vec<String>, EngineError> {
    let mut names: Vec<String> = Vec::with_capacity(fields.len());
    for (i, field) in fields.into_iter().enumerate() {
        let field = if i == 0 {
            field.trim_start_matches('\u{feff}').to_owned()
        } else {
            field
        };
        let name = match field.rsplit_once(':') {
            Some((name, "string" | "number" | "boolean")) => name.to_owned(),
            _ => field,
        };
        if names.contains(&name) {
            return Err(malformed("CSV header with a repeated field"));
        }
        names.push(name);
    }
    Ok(names)
}
