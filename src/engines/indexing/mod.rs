//! The indexing guard's side of the adapters: the documents in an indexing request body and the
//! same body rebuilt without some of them, for every body shape the engines accept (NDJSON,
//! Elasticsearch `_bulk`, JSON arrays, Solr update commands, CSV).
//!
//! A body is parsed once into [`Parsed`]: the documents, in order, and a layout of byte ranges
//! of the original body. Rebuilding copies the bytes of kept parts as they are (a kept document
//! is never reserialised) and leaves out the parts that carry a refused document.
//!
//! Documents are parsed strictly: a JSON object with a repeated key is malformed, because engines
//! disagree on which copy wins (Solr even keeps both) and the guard must see every value the
//! engine will index. Repeated *command* keys (Solr's `"add"`) are read one by one.
//!
//! Not evaluated, so refused (the proxy answers 400, never forwards): compressed request bodies,
//! scripted updates (ES `script`, Meilisearch document edition functions), by-query operations,
//! Solr XML/CSV/javabin updates, field mapping (`split`, `f`, `srcField`) and `stream.*` bodies.
//! Not visible here: what the engine does after the guard (ingest pipelines, default pipelines,
//! update processors, copy fields).

mod csv;
mod formats;
mod json;
mod shapes;
#[cfg(test)]
mod tests;

use std::ops::Range;

use serde_json::Value;

use super::EngineError;
use super::query::{blank, malformed, media_type};

pub(crate) use shapes::{elasticsearch, generic, meilisearch, solr, typesense};

/// How one part of a body is rebuilt.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    /// Bytes copied as they are (separators, a CSV header, an ES `delete` action).
    Fixed(Range<usize>),
    /// Bytes that carry documents `first..first + count`: copied when all of them are kept,
    /// left out otherwise (an ES action line goes with its source line).
    Docs {
        span: Range<usize>,
        first: usize,
        count: usize,
    },
    /// A JSON array rebuilt from its kept elements, joined by commas.
    Array(Vec<Part>),
    /// A JSON object rebuilt from its kept members (key already JSON-encoded).
    Object(Vec<(String, Part)>),
}

/// The documents of an indexing body and how to rebuild it without some of them.
#[derive(Debug)]
pub struct Parsed {
    docs: Vec<Value>,
    parts: Vec<Part>,
    /// Whether documents can be left out one by one (false for single-document requests,
    /// such as an ES `_update` carrying both `doc` and `upsert`).
    divisible: bool,
}

impl Parsed {
    /// A body that carries no documents (a delete): forwarded as it is.
    fn empty(body: &[u8]) -> Self {
        Self {
            docs: Vec::new(),
            parts: vec![Part::Fixed(0..body.len())],
            divisible: true,
        }
    }

    /// A body that is one request for `docs`: kept whole or refused whole.
    fn single(body: &[u8], docs: Vec<Value>) -> Self {
        let count = docs.len();
        Self {
            docs,
            parts: vec![Part::Docs {
                span: 0..body.len(),
                first: 0,
                count,
            }],
            divisible: false,
        }
    }

    /// The documents, in order.
    pub fn into_documents(self) -> Vec<Value> {
        self.docs
    }

    /// `body` (the bytes this was parsed from) without the parts whose documents are not all
    /// kept. All kept: `body` unchanged.
    ///
    /// # Errors
    /// [`EngineError::Shape`] when `keep` does not have one flag per document;
    /// [`EngineError::Unsupported`] when some but not all documents of a single-document
    /// request are refused.
    pub fn filter(&self, body: &[u8], keep: &[bool]) -> Result<Vec<u8>, EngineError> {
        if keep.len() != self.docs.len() {
            return Err(EngineError::Shape(format!(
                "{} keep flags for {} documents",
                keep.len(),
                self.docs.len()
            )));
        }
        if keep.iter().all(|k| *k) {
            return Ok(body.to_vec());
        }
        if !self.divisible {
            return Err(EngineError::Unsupported(
                "refusing part of a single-document request",
            ));
        }
        let mut out = Vec::with_capacity(body.len());
        for part in &self.parts {
            render(part, body, keep, &mut out)?;
        }
        Ok(out)
    }
}

/// Appends `part` to `out`; returns whether anything of it was kept.
fn render(part: &Part, body: &[u8], keep: &[bool], out: &mut Vec<u8>) -> Result<bool, EngineError> {
    let bytes = |span: &Range<usize>| {
        body.get(span.clone())
            .ok_or_else(|| EngineError::Shape("document span outside the body".into()))
    };
    match part {
        Part::Fixed(span) => out.extend_from_slice(bytes(span)?),
        Part::Docs { span, first, count } => {
            let flags = keep.get(*first..first + count).ok_or_else(|| {
                EngineError::Shape("document index outside the keep flags".into())
            })?;
            if !flags.iter().all(|k| *k) {
                return Ok(false);
            }
            out.extend_from_slice(bytes(span)?);
        }
        Part::Array(items) => {
            out.push(b'[');
            let mut first = true;
            let mut item = Vec::new();
            for part in items {
                item.clear();
                if render(part, body, keep, &mut item)? {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.extend_from_slice(&item);
                }
            }
            out.push(b']');
        }
        Part::Object(members) => {
            out.push(b'{');
            let mut first = true;
            let mut value = Vec::new();
            for (key, part) in members {
                value.clear();
                if render(part, body, keep, &mut value)? {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.extend_from_slice(key.as_bytes());
                    out.push(b':');
                    out.extend_from_slice(&value);
                }
            }
            out.push(b'}');
        }
    }
    Ok(true)
}

/// Whether a media type names newline-delimited JSON.
fn is_ndjson(media: &str) -> bool {
    matches!(
        media,
        "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/jsonlines"
            | "application/json-lines"
            | "application/x-jsonlines"
            | "application/vnd.elasticsearch+x-ndjson"
    )
}

/// The lines of `body`, each with its `\n` (the last may have none).
fn lines(body: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= body.len() {
            return None;
        }
        let rest = body.get(start..)?;
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |i| start + i + 1);
        let line = start..end;
        start = end;
        Some(line)
    })
}
