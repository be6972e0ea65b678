//! Response editing shared by adapters: applying hit decisions, reducing totals, dropping
//! suggestions and injecting the notice, while remembering whether anything changed.

use serde_json::{Map, Value};

use super::query::shape;
use super::{EngineError, Hit, HitDecision, ResponseFilter, Synthesized};
use crate::signpost::Notice;

/// Edits one parsed response through a [`ResponseFilter`].
pub(crate) struct Rewriter<'f> {
    filter: &'f mut dyn ResponseFilter,
    changed: bool,
}

impl<'f> Rewriter<'f> {
    pub(crate) fn new(filter: &'f mut dyn ResponseFilter) -> Self {
        Self {
            filter,
            changed: false,
        }
    }

    /// Applies the filter's decision to each element of a hits array and returns how many were
    /// delisted. Demoted hits go after all kept hits, in their original order.
    pub(crate) fn hits(
        &mut self,
        hits: Option<&mut Value>,
        what: &str,
    ) -> Result<u64, EngineError> {
        let removed = self.hits_removed(hits, what)?;
        Ok(u64::try_from(removed.len()).unwrap_or(u64::MAX))
    }

    /// As [`Rewriter::hits`], returning the delisted hits themselves (for adapters that keep
    /// data about a hit outside the hits array, such as Solr's `highlighting`).
    pub(crate) fn hits_removed(
        &mut self,
        hits: Option<&mut Value>,
        what: &str,
    ) -> Result<Vec<Value>, EngineError> {
        let list = hits
            .and_then(Value::as_array_mut)
            .ok_or_else(|| shape(format!("{what} is not an array")))?;
        let mut kept = Vec::with_capacity(list.len());
        let mut demoted = Vec::new();
        let mut removed = Vec::new();
        for hit in list.drain(..) {
            match self.filter.judge_hit(&Hit::tree(&hit)) {
                HitDecision::Keep => kept.push(hit),
                HitDecision::Demote => demoted.push(hit),
                HitDecision::Delist => removed.push(hit),
            }
        }
        if !removed.is_empty() || !demoted.is_empty() {
            self.changed = true;
        }
        kept.append(&mut demoted);
        *list = kept;
        Ok(removed)
    }

    /// Removes the documents judged [`HitDecision::Delist`] from a list that is not ranked as
    /// hits (e.g. completion suggestions carrying their `_source`); order is left alone and
    /// elements that are not documents are kept.
    pub(crate) fn delist_documents(
        &mut self,
        list: &mut Vec<Value>,
        is_document: fn(&Value) -> bool,
    ) {
        let before = list.len();
        list.retain(|item| {
            !is_document(item) || self.filter.judge_hit(&Hit::tree(item)) != HitDecision::Delist
        });
        if list.len() != before {
            self.changed = true;
        }
    }

    /// Reduces a total (a number, or an object with a numeric `value` such as Elasticsearch's
    /// `{value, relation}`) by `removed`, never below zero. A missing total is left missing.
    pub(crate) fn reduce_total(
        &mut self,
        total: Option<&mut Value>,
        removed: u64,
        what: &str,
    ) -> Result<(), EngineError> {
        let Some(total) = total else { return Ok(()) };
        if removed == 0 {
            return Ok(());
        }
        let slot = match total {
            Value::Object(map) => map
                .get_mut("value")
                .ok_or_else(|| shape(format!("{what} has no value")))?,
            other => other,
        };
        let n = slot
            .as_u64()
            .ok_or_else(|| shape(format!("{what} is not a count")))?;
        *slot = Value::from(n.saturating_sub(removed));
        self.changed = true;
        Ok(())
    }

    /// Drops the suggestions (or related searches) the filter rejects from an array of strings,
    /// or of objects whose text is at pointer `text_at`. Returns how many were dropped.
    pub(crate) fn texts(
        &mut self,
        list: Option<&mut Value>,
        text_at: Option<&str>,
        what: &str,
    ) -> Result<u64, EngineError> {
        let list = list
            .and_then(Value::as_array_mut)
            .ok_or_else(|| shape(format!("{what} is not an array")))?;
        let mut kept = Vec::with_capacity(list.len());
        let mut removed = 0u64;
        for item in list.drain(..) {
            let text = match text_at {
                None => item.as_str(),
                Some(p) => item.pointer(p).and_then(Value::as_str),
            }
            .ok_or_else(|| shape(format!("an element of {what} has no text")))?;
            if self.filter.keep_suggestion(text) {
                kept.push(item);
            } else {
                removed += 1;
            }
        }
        if removed > 0 {
            self.changed = true;
        }
        *list = kept;
        Ok(removed)
    }

    /// Whether the filter keeps one suggestion (for adapters with parallel arrays).
    pub(crate) fn keep(&mut self, text: &str) -> bool {
        let keep = self.filter.keep_suggestion(text);
        if !keep {
            self.changed = true;
        }
        keep
    }

    /// Injects the notice, if any, at the top level of an object response.
    pub(crate) fn notice(&mut self, root: &mut Value) {
        if let (Some(notice), Value::Object(map)) = (self.filter.notice(), root) {
            map.insert(self.filter.notice_key().to_owned(), notice.to_json());
            self.changed = true;
        }
    }

    /// The rewritten body, or `None` when nothing changed.
    pub(crate) fn finish(self, root: &Value) -> Result<Option<Vec<u8>>, EngineError> {
        if !self.changed {
            return Ok(None);
        }
        serde_json::to_vec(root)
            .map(Some)
            .map_err(|e| shape(format!("cannot serialise: {e}")))
    }
}

/// Adds the notice to a synthesized object response.
/// Rewrites a response that is one result, or several under `results` (multi-search), with
/// `each` applied to every result; then injects the notice and serialises when anything changed.
pub(crate) fn rewrite_results(
    body: &[u8],
    filter: &mut dyn ResponseFilter,
    each: fn(&mut Rewriter<'_>, &mut Value) -> Result<(), EngineError>,
) -> Result<Option<Vec<u8>>, EngineError> {
    let mut root = super::query::parse_json(body)?;
    let mut rw = Rewriter::new(filter);
    if let Some(results) = root.get_mut("results") {
        let results = results
            .as_array_mut()
            .ok_or_else(|| EngineError::Shape("results is not an array".into()))?;
        for r in results {
            each(&mut rw, r)?;
        }
    } else {
        each(&mut rw, &mut root)?;
    }
    rw.notice(&mut root);
    rw.finish(&root)
}

pub(crate) fn with_notice(mut v: Value, notice: &Notice, key: &str) -> Value {
    if let Value::Object(map) = &mut v {
        map.insert(key.to_owned(), notice.to_json());
    }
    v
}

/// A JSON body answered by the proxy.
pub(crate) fn json_response(v: &Value) -> Result<Synthesized, EngineError> {
    json_typed(v, "application/json")
}

/// A JSON body with a specific content type.
pub(crate) fn json_typed(
    v: &Value,
    content_type: &'static str,
) -> Result<Synthesized, EngineError> {
    serde_json::to_vec(v)
        .map(|body| Synthesized { content_type, body })
        .map_err(|e| shape(format!("cannot serialise: {e}")))
}

/// The object inside `v`, or a shape error naming `what`.
pub(crate) fn object_mut<'v>(
    v: &'v mut Value,
    what: &str,
) -> Result<&'v mut Map<String, Value>, EngineError> {
    v.as_object_mut()
        .ok_or_else(|| shape(format!("{what} is not an object")))
}
