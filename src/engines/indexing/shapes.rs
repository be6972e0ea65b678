//! Which body format each engine's indexing endpoints take, from the method, path segments,
//! query parameters and `Content-Type`. A path an adapter does not know falls back to the
//! content type, so a route may sit on any path; what cannot be read is refused, not forwarded.

use http::Method;

use super::formats::{
    as_sent, at_pointer, bulk, csv_documents, es_update, json_documents, ndjson, solr_commands,
    solr_document,
};
use super::{Parsed, blank, is_ndjson, malformed, media_type};
use crate::engines::query::param_values;
use crate::engines::{EngineError, RequestView};

/// Requests that carry no documents: empty bodies (deletes have none; a delete with a body is
/// refused by [`delete_with_body`] rather than forwarded unread).
fn no_documents(req: &RequestView<'_>) -> Option<Parsed> {
    blank(req.body).then(|| Parsed::empty(req.body))
}

/// A `DELETE` carrying a body: the guard does not know what the engine makes of it.
fn delete_with_body(req: &RequestView<'_>) -> Result<(), EngineError> {
    if *req.method == Method::DELETE && !blank(req.body) {
        return Err(EngineError::Unsupported("a body on a delete"));
    }
    Ok(())
}

fn segments<'p>(req: &RequestView<'p>) -> impl Iterator<Item = &'p str> {
    req.path.split('/').filter(|s| !s.is_empty())
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media == "text/json" || media.ends_with("+json")
}

/// Elasticsearch and OpenSearch: `_bulk`, `_doc`, `_create` and `_update`; NDJSON elsewhere is
/// read as `_bulk`.
///
/// # Errors
/// [`EngineError::Malformed`] for a body that is not of its endpoint's shape;
/// [`EngineError::Unsupported`] for scripted updates, by-query operations and other paths.
pub(crate) fn elasticsearch(req: &RequestView<'_>) -> Result<Parsed, EngineError> {
    delete_with_body(req)?;
    if let Some(p) = no_documents(req) {
        return Ok(p);
    }
    for segment in segments(req) {
        match segment {
            "_bulk" => return bulk(req.body),
            "_doc" | "_create" => {
                return json_documents(req.body, true, as_sent).and_then(|p| match p.divisible {
                    false => Ok(p),
                    true => Err(malformed("one JSON document")),
                });
            }
            "_update" => {
                return Ok(Parsed::single(
                    req.body,
                    es_update(req.body, "update body")?,
                ));
            }
            "_update_by_query" | "_reindex" | "_delete_by_query" => {
                return Err(EngineError::Unsupported("by-query operations"));
            }
            _ => {}
        }
    }
    if is_ndjson(&media_type(req.content_type)) {
        return bulk(req.body);
    }
    Err(EngineError::Unsupported("this indexing path"))
}

/// A body that names documents to delete, kept as it is when `shape` accepts it.
fn delete_body(
    body: &[u8],
    shape: impl Fn(&serde_json::Value) -> bool,
) -> Result<Parsed, EngineError> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) if shape(&v) => Ok(Parsed::empty(body)),
        _ => Err(malformed("a delete body (ids or a filter)")),
    }
}

/// Meilisearch `/indexes/{uid}/documents` (POST, PUT): JSON (array or one object), NDJSON or
/// CSV (`csvDelimiter` honoured), by `Content-Type`. Batch deletes and fetches carry none.
///
/// # Errors
/// As for [`elasticsearch`]; also [`EngineError::Unsupported`] for document edition by function
/// and an unknown content type.
pub(crate) fn meilisearch(req: &RequestView<'_>) -> Result<Parsed, EngineError> {
    delete_with_body(req)?;
    if let Some(p) = no_documents(req) {
        return Ok(p);
    }
    let mut after_documents = segments(req).skip_while(|s| *s != "documents").skip(1);
    match after_documents.next() {
        // A batch delete names documents (ids or a filter) and carries none: anything else in
        // its body is refused, not forwarded unread.
        Some("delete-batch") => {
            return delete_body(req.body, |v| {
                v.as_array()
                    .is_some_and(|ids| ids.iter().all(|i| i.is_string() || i.is_number()))
            });
        }
        Some("delete") => {
            return delete_body(req.body, |v| {
                v.as_object()
                    .is_some_and(|o| o.keys().all(|k| k == "filter"))
            });
        }
        Some("fetch") => return Ok(Parsed::empty(req.body)),
        Some("edit") => return Err(EngineError::Unsupported("document edition by function")),
        _ => {}
    }
    let media = media_type(req.content_type);
    if is_json(&media) {
        json_documents(req.body, true, as_sent)
    } else if is_ndjson(&media) {
        ndjson(req.body)
    } else if media == "text/csv" {
        let delimiter = match param_values(req.query, "csvDelimiter")?.as_slice() {
            [] => b',',
            [d] if d.len() == 1 && d.is_ascii() => d.as_bytes().first().copied().unwrap_or(b','),
            _ => return Err(malformed("csvDelimiter (one ASCII character)")),
        };
        csv_documents(req.body, delimiter)
    } else {
        Err(EngineError::Unsupported("this document content type"))
    }
}

/// Solr `/update`, `/update/json` (an array of documents or update commands) and
/// `/update/json/docs` or `json.command=false` (one document or an array). XML, CSV and javabin
/// updates, field mapping (`split`, `f`, `srcField`) and `stream.*` bodies are not evaluated.
/// Child documents and atomic-update values (`{"set": …}`) inside a document are not read as
/// documents of their own: URL pointers see them only where a route's `url_fields` point.
///
/// # Errors
/// As for [`elasticsearch`].
pub(crate) fn solr(req: &RequestView<'_>) -> Result<Parsed, EngineError> {
    for param in ["stream.body", "stream.url", "stream.file"] {
        if !param_values(req.query, param)?.is_empty() {
            return Err(EngineError::Unsupported("stream.* update bodies"));
        }
    }
    delete_with_body(req)?;
    if let Some(p) = no_documents(req) {
        return Ok(p);
    }
    let path = req.path.trim_end_matches('/');
    // `json.command=false` makes Solr read any update body as documents, as at /json/docs.
    let as_docs = param_values(req.query, "json.command")?
        .iter()
        .any(|v| v == "false");
    if as_docs || path.ends_with("/json/docs") {
        for param in ["split", "f", "srcField"] {
            if !param_values(req.query, param)?.is_empty() {
                return Err(EngineError::Unsupported("Solr JSON field mapping"));
            }
        }
        return json_documents(req.body, true, solr_document);
    }
    let media = media_type(req.content_type);
    if !(path.ends_with("/json") || is_json(&media)) {
        return Err(EngineError::Unsupported("non-JSON Solr updates"));
    }
    match super::json::first_byte(req.body) {
        Some(b'[') => json_documents(req.body, false, solr_document),
        _ => solr_commands(req.body),
    }
}

/// Typesense `/collections/{c}/documents/import` (JSONL) and `/collections/{c}/documents[/{id}]`
/// (one JSON document).
///
/// # Errors
/// As for [`elasticsearch`].
pub(crate) fn typesense(req: &RequestView<'_>) -> Result<Parsed, EngineError> {
    delete_with_body(req)?;
    if let Some(p) = no_documents(req) {
        return Ok(p);
    }
    let last = segments(req).last().unwrap_or("");
    if last == "import" || is_ndjson(&media_type(req.content_type)) {
        return ndjson(req.body);
    }
    if segments(req).any(|s| s == "documents") {
        return json_documents(req.body, true, as_sent).and_then(|p| match p.divisible {
            false => Ok(p),
            true => Err(malformed("one JSON document")),
        });
    }
    Err(EngineError::Unsupported("this indexing path"))
}

/// The `generic` adapter: the array at `pointer` in a JSON body, or with an empty pointer the
/// body itself (NDJSON by content type, else a JSON array).
///
/// # Errors
/// [`EngineError::Unsupported`] without a `documents` option; [`EngineError::Malformed`] as
/// for the others.
pub(crate) fn generic(req: &RequestView<'_>, pointer: Option<&str>) -> Result<Parsed, EngineError> {
    let Some(pointer) = pointer else {
        return Err(EngineError::Unsupported(
            "indexing without a documents option",
        ));
    };
    delete_with_body(req)?;
    if let Some(p) = no_documents(req) {
        return Ok(p);
    }
    if !pointer.is_empty() {
        return at_pointer(req.body, pointer);
    }
    if is_ndjson(&media_type(req.content_type)) {
        ndjson(req.body)
    } else {
        json_documents(req.body, false, as_sent)
    }
}
