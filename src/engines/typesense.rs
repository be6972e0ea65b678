//! Typesense: `/collections/{c}/documents/search` (`q`) and `/multi_search` (`searches[].q`,
//! common `q` in the URL); `hits[].document` (or `grouped_hits[].hits[]`) and `found` out.

use serde_json::{Value, json};

use super::query::{
    all_strings, dedup, has_body, last_segment, malformed, param_values, parse_json, push_str,
    segment_after, shape,
};
use super::rewrite::{Rewriter, object_mut, rewrite_results};
use super::{
    Engine, EngineError, FieldForms, HitFields, IndexingBody, RequestView, ResponseFilter, indexing,
};

/// The Typesense adapter.
#[derive(Clone, Copy, Debug)]
pub struct Typesense;

fn is_multi(path: &str) -> bool {
    last_segment(path) == "multi_search"
}

/// The searches of a multi_search body, and whether it asks for a union (one merged result).
fn searches(req: &RequestView<'_>) -> Result<(Vec<Value>, bool), EngineError> {
    if !has_body(req.body) {
        return Ok((Vec::new(), false));
    }
    let mut body = parse_json(req.body)?;
    let union = body.get("union").and_then(Value::as_bool).unwrap_or(false);
    match body.get_mut("searches").map(Value::take) {
        Some(Value::Array(s)) => Ok((s, union)),
        _ => Err(malformed("multi_search body with searches")),
    }
}

fn empty_result(collection: Option<&str>, q: &str) -> Value {
    json!({
        "facet_counts": [], "found": 0, "hits": [], "out_of": 0, "page": 1,
        "request_params": {"collection_name": collection, "per_page": 10, "q": q},
        "search_time_ms": 0
    })
}

fn empty(req: &RequestView<'_>) -> Result<Value, EngineError> {
    let common_q = param_values(req.query, "q")?
        .into_iter()
        .next()
        .unwrap_or_default();
    if !is_multi(req.path) {
        return Ok(empty_result(
            segment_after(req.path, "collections"),
            &common_q,
        ));
    }
    let (searches, union) = searches(req)?;
    if union {
        return Ok(empty_result(None, &common_q));
    }
    let results: Vec<Value> = searches
        .iter()
        .map(|s| {
            let q = s.get("q").and_then(Value::as_str).unwrap_or(&common_q);
            empty_result(s.get("collection").and_then(Value::as_str), q)
        })
        .collect();
    Ok(json!({ "results": results }))
}

fn rewrite_result(rw: &mut Rewriter<'_>, result: &mut Value) -> Result<(), EngineError> {
    let map = object_mut(result, "a search result")?;
    if let Some(groups) = map.get_mut("grouped_hits") {
        // With group_by, `found` counts groups: drop the groups left empty.
        let groups = groups
            .as_array_mut()
            .ok_or_else(|| shape("grouped_hits is not an array"))?;
        let mut emptied = 0;
        for g in groups.iter_mut() {
            let removed = rw.hits(g.get_mut("hits"), "grouped_hits[].hits")?;
            rw.reduce_total(g.get_mut("found"), removed, "grouped_hits[].found")?;
        }
        groups.retain(|g| {
            let empty = g
                .get("hits")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty);
            emptied += u64::from(empty);
            !empty
        });
        return rw.reduce_total(map.get_mut("found"), emptied, "found");
    }
    if map.contains_key("error") && !map.contains_key("hits") {
        return Ok(());
    }
    let removed = rw.hits(map.get_mut("hits"), "hits")?;
    rw.reduce_total(map.get_mut("found"), removed, "found")
}

impl Engine for Typesense {
    fn name(&self) -> &'static str {
        "typesense"
    }

    fn indexing(&self, req: &RequestView<'_>) -> Result<IndexingBody, EngineError> {
        indexing::typesense(req)
    }

    fn hit_fields(&self) -> HitFields {
        HitFields {
            url: vec!["/document/url".into()],
            title: vec!["/document/title".into()],
            snippet: vec![
                "/document/description".into(),
                "/highlights/0/snippet".into(),
            ],
        }
    }

    /// A `document` field is also in the hit's `highlight` object (`snippet`, or `snippets`
    /// for arrays), with markup.
    fn field_forms(&self, pointer: &str) -> FieldForms {
        let Some(rest) = pointer.strip_prefix("/document/") else {
            return FieldForms::only(pointer);
        };
        FieldForms {
            plain: vec![pointer.to_owned()],
            marked: vec![
                format!("/highlight/{rest}/snippet"),
                format!("/highlight/{rest}/snippets"),
            ],
            container: Some("/document".to_owned()),
        }
    }

    fn hides_fields(&self, req: &RequestView<'_>) -> bool {
        super::query::mentions(req, &["include_fields", "exclude_fields"])
    }

    fn extract(&self, req: &RequestView<'_>) -> Result<Vec<String>, EngineError> {
        let mut out = param_values(req.query, "q")?;
        // Only multi_search reads a body: any other is refused rather than forwarded unread.
        if !is_multi(req.path) && has_body(req.body) {
            return Err(EngineError::Unsupported("a body on a Typesense search"));
        }
        if is_multi(req.path) {
            let searches = searches(req)?.0;
            for s in &searches {
                push_str(s.get("q"), &mut out);
            }
            // Filters carry values, and a key unknown here may be one Typesense reads.
            for s in &searches {
                all_strings(s, &["collection"], &mut out)?;
            }
        }
        Ok(dedup(out))
    }

    fn empty_json(&self, req: &RequestView<'_>) -> Result<Value, EngineError> {
        empty(req)
    }

    fn rewrite(
        &self,
        _req: &RequestView<'_>,
        body: &[u8],
        filter: &mut dyn ResponseFilter,
    ) -> Result<Option<Vec<u8>>, EngineError> {
        // Multi-search answers `results[]`; federated multi-search merges into one `hits`.
        rewrite_results(body, filter, rewrite_result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::{FakeFilter, Req, assert_golden, assert_rewrites, notice};

    const E: &str = "typesense";

    #[test]
    fn extracts_user_texts() {
        let multi = br#"{"searches":[{"collection":"pages","q":"velmorik"},{"collection":"books","q":"tobin marsk"},{"collection":"c"}]}"#;
        let cases: Vec<(&str, Req, Vec<&str>)> = vec![
            (
                "search",
                Req::get(
                    "/collections/pages/documents/search",
                    "q=velmorik&query_by=title",
                ),
                vec!["velmorik"],
            ),
            (
                "multi with common q",
                Req::post("/multi_search", "application/json", multi)
                    .with_query("q=common&query_by=title"),
                vec!["common", "velmorik", "tobin marsk"],
            ),
        ];
        for (name, req, want) in cases {
            assert_eq!(Typesense.extract(&req.view()).unwrap(), want, "{name}");
        }
        let bad = Req::post("/multi_search", "application/json", br#"{"searches":{}}"#);
        assert!(Typesense.extract(&bad.view()).is_err());
    }

    #[test]
    fn rewrites_responses() {
        let req = Req::get("/collections/pages/documents/search", "q=velmorik");
        assert_rewrites(
            &Typesense,
            E,
            &req,
            &[
                ("search.response.json", "search.expected.json", true),
                ("multi.response.json", "multi.expected.json", false),
                ("grouped.response.json", "grouped.expected.json", false),
            ],
        );
    }

    #[test]
    fn unchanged_and_bad_responses() {
        let req = Req::get("/collections/pages/documents/search", "q=velmorik");
        let clean = br#"{"facet_counts":[],"found":1,"hits":[{"document":{"id":"1","url":"https://example.org/a","title":"A"},"highlights":[],"text_match":1}],"out_of":9,"page":1,"search_time_ms":0}"#;
        let mut f = FakeFilter::new(Typesense.hit_fields(), false);
        assert!(
            Typesense
                .rewrite(&req.view(), clean, &mut f)
                .unwrap()
                .is_none()
        );
        let cases: &[(&str, &[u8])] = &[
            ("not JSON", b"nope"),
            ("hits not array", br#"{"found":1,"hits":3}"#),
            ("no hits", br#"{"found":1}"#),
            ("grouped not array", br#"{"grouped_hits":{}}"#),
            ("result not object", br#"{"results":[3]}"#),
        ];
        for (name, body) in cases {
            let mut f = FakeFilter::new(Typesense.hit_fields(), false);
            assert!(
                Typesense.rewrite(&req.view(), body, &mut f).is_err(),
                "{name}"
            );
        }
    }

    #[test]
    fn blocked_responses() {
        let multi =
            br#"{"searches":[{"collection":"pages","q":"velmorik"},{"collection":"books"}]}"#;
        let req = Req::post("/multi_search", "application/json", multi).with_query("q=common");
        let out = Typesense
            .blocked(&req.view(), &notice(), "searchward_notice")
            .unwrap();
        assert_golden(E, "blocked-multi.expected.json", &out.body);
        let req = Req::get("/collections/pages/documents/search", "q=velmorik");
        let out = Typesense
            .blocked(&req.view(), &notice(), "searchward_notice")
            .unwrap();
        assert_golden(E, "blocked.expected.json", &out.body);
    }
}
