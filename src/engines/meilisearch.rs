//! Meilisearch: `/indexes/{uid}/search` (GET `q`, POST JSON `q`) and `/multi-search`
//! (`queries[].q`, federated or not); `hits[]` and `estimatedTotalHits`/`totalHits` out.

use serde_json::{Value, json};

use super::query::{
    all_strings, dedup, has_body, last_segment, param_values, parse_json, push_str, segment_after,
};
use super::rewrite::{Rewriter, object_mut, rewrite_results};
use super::{
    Engine, EngineError, FieldForms, HitFields, IndexingBody, RequestView, ResponseFilter, indexing,
};

/// The Meilisearch adapter.
#[derive(Clone, Copy, Debug)]
pub struct Meilisearch;

fn is_multi(path: &str) -> bool {
    last_segment(path) == "multi-search"
}

fn body(req: &RequestView<'_>) -> Result<Option<Value>, EngineError> {
    if has_body(req.body) {
        parse_json(req.body).map(Some)
    } else {
        Ok(None)
    }
}

fn empty_result(query: &str) -> Value {
    json!({
        "hits": [], "query": query, "processingTimeMs": 0,
        "limit": 20, "offset": 0, "estimatedTotalHits": 0
    })
}

fn empty(req: &RequestView<'_>) -> Result<Value, EngineError> {
    let body = body(req)?;
    let text = |v: &Value| v.get("q").and_then(Value::as_str).unwrap_or("").to_owned();
    if !is_multi(req.path) {
        let q = match &body {
            Some(b) => text(b),
            None => param_values(req.query, "q")?
                .into_iter()
                .next()
                .unwrap_or_default(),
        };
        return Ok(empty_result(&q));
    }
    let body = body.unwrap_or(Value::Null);
    if body.get("federation").is_some() {
        return Ok(json!({
            "hits": [], "processingTimeMs": 0, "limit": 20, "offset": 0, "estimatedTotalHits": 0
        }));
    }
    let results = queries(&body)?
        .iter()
        .map(|q| {
            let mut r = json!({"indexUid": q.get("indexUid").cloned().unwrap_or(Value::Null)});
            if let (Value::Object(m), Value::Object(e)) = (&mut r, empty_result(&text(q))) {
                m.extend(e);
            }
            r
        })
        .collect::<Vec<_>>();
    Ok(json!({ "results": results }))
}

fn queries(body: &Value) -> Result<&Vec<Value>, EngineError> {
    body.get("queries")
        .and_then(Value::as_array)
        .ok_or_else(|| super::query::malformed("multi-search body with queries"))
}

fn rewrite_result(rw: &mut Rewriter<'_>, result: &mut Value) -> Result<(), EngineError> {
    let map = object_mut(result, "a search result")?;
    if let Some(facets) = map.get_mut("facetHits") {
        // Facet search answers facet values matching a typed prefix: suggestions in effect.
        rw.texts(Some(facets), Some("/value"), "facetHits")?;
        return Ok(());
    }
    let removed = rw.hits(map.get_mut("hits"), "hits")?;
    rw.reduce_total(
        map.get_mut("estimatedTotalHits"),
        removed,
        "estimatedTotalHits",
    )?;
    rw.reduce_total(map.get_mut("totalHits"), removed, "totalHits")
}

impl Engine for Meilisearch {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    fn indexing(&self, req: &RequestView<'_>) -> Result<IndexingBody, EngineError> {
        indexing::meilisearch(req)
    }

    fn hit_fields(&self) -> HitFields {
        HitFields {
            url: vec!["/url".into()],
            title: vec!["/title".into()],
            snippet: vec!["/description".into()],
        }
    }

    /// A field is also in the hit's `_formatted` copy (highlighted, maybe cropped).
    fn field_forms(&self, pointer: &str) -> FieldForms {
        FieldForms {
            plain: vec![pointer.to_owned()],
            marked: vec![format!("/_formatted{pointer}")],
            container: Some(String::new()),
        }
    }

    fn hides_fields(&self, req: &RequestView<'_>) -> bool {
        super::query::mentions(req, &["attributesToRetrieve"])
    }

    fn extract(&self, req: &RequestView<'_>) -> Result<Vec<String>, EngineError> {
        let mut out = param_values(req.query, "q")?;
        if let Some(body) = body(req)? {
            if is_multi(req.path) {
                for q in queries(&body)? {
                    push_str(q.get("q"), &mut out);
                    push_str(q.get("facetQuery"), &mut out);
                }
            } else {
                push_str(body.get("q"), &mut out);
                push_str(body.get("facetQuery"), &mut out);
            }
            // Filters carry values, and a key unknown here may be one Meilisearch reads.
            all_strings(&body, &["indexUid", "facetName", "id"], &mut out)?;
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

/// The index uid in `/indexes/{uid}/search`, when the path has one.
pub fn index_uid(path: &str) -> Option<&str> {
    segment_after(path, "indexes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::{FakeFilter, Req, assert_golden, assert_rewrites, notice};

    const E: &str = "meilisearch";

    #[test]
    fn extracts_user_texts() {
        let multi = br#"{"queries":[{"indexUid":"movies","q":"velmorik","limit":5},{"indexUid":"books","q":"tobin"},{"indexUid":"x"}]}"#;
        let cases: Vec<(&str, Req, Vec<&str>)> = vec![
            (
                "get",
                Req::get("/indexes/movies/search", "q=velmorik+guide"),
                vec!["velmorik guide"],
            ),
            (
                "post",
                Req::post(
                    "/indexes/movies/search",
                    "application/json",
                    br#"{"q":"velmorik","limit":5}"#,
                ),
                vec!["velmorik"],
            ),
            (
                "null q",
                Req::post("/indexes/m/search", "application/json", br#"{"q":null}"#),
                vec![],
            ),
            (
                "multi",
                Req::post("/multi-search", "application/json", multi),
                vec!["velmorik", "tobin"],
            ),
            (
                "facet search",
                Req::post(
                    "/indexes/m/facet-search",
                    "application/json",
                    br#"{"facetName":"genres","facetQuery":"velm"}"#,
                ),
                vec!["velm"],
            ),
        ];
        for (name, req, want) in cases {
            assert_eq!(Meilisearch.extract(&req.view()).unwrap(), want, "{name}");
        }
        let bad = Req::post("/multi-search", "application/json", br#"{"queries":3}"#);
        assert!(Meilisearch.extract(&bad.view()).is_err());
    }

    #[test]
    fn rewrites_responses() {
        let req = Req::get("/indexes/movies/search", "q=velmorik");
        assert_rewrites(
            &Meilisearch,
            E,
            &req,
            &[
                ("search.response.json", "search.expected.json", true),
                ("multi.response.json", "multi.expected.json", false),
            ],
        );
    }

    #[test]
    fn unchanged_and_bad_responses() {
        let req = Req::get("/indexes/movies/search", "q=velmorik");
        let clean = br#"{"hits":[{"id":1,"url":"https://example.org/a","title":"A"}],"query":"a","processingTimeMs":1,"limit":20,"offset":0,"estimatedTotalHits":1}"#;
        let mut f = FakeFilter::new(Meilisearch.hit_fields(), false);
        assert!(
            Meilisearch
                .rewrite(&req.view(), clean, &mut f)
                .unwrap()
                .is_none()
        );
        let facets = br#"{"facetHits":[{"value":"velmorik","count":3},{"value":"zorvexil","count":1}],"facetQuery":"v","processingTimeMs":0}"#;
        let mut f = FakeFilter::new(Meilisearch.hit_fields(), false);
        let out = Meilisearch
            .rewrite(&req.view(), facets, &mut f)
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["facetHits"], json!([{"value": "velmorik", "count": 3}]));
        let cases: &[(&str, &[u8])] = &[
            ("not JSON", b"{"),
            ("facet without value", br#"{"facetHits":[{"count":1}]}"#),
            ("hits not array", br#"{"hits":{}}"#),
            ("no hits", br#"{"query":"a"}"#),
            ("results not array", br#"{"results":{}}"#),
            (
                "total not number",
                br#"{"hits":[{"url":"zorvexil"}],"estimatedTotalHits":"1"}"#,
            ),
        ];
        for (name, body) in cases {
            let mut f = FakeFilter::new(Meilisearch.hit_fields(), false);
            assert!(
                Meilisearch.rewrite(&req.view(), body, &mut f).is_err(),
                "{name}"
            );
        }
    }

    #[test]
    fn blocked_responses() {
        let multi =
            br#"{"queries":[{"indexUid":"movies","q":"velmorik"},{"indexUid":"books","q":"b"}]}"#;
        let req = Req::post("/multi-search", "application/json", multi);
        let out = Meilisearch
            .blocked(&req.view(), &notice(), "searchward_notice")
            .unwrap();
        assert_golden(E, "blocked-multi.expected.json", &out.body);
        let req = Req::get("/indexes/movies/search", "q=velmorik");
        let out = Meilisearch.empty_suggestions(&req.view()).unwrap();
        assert_golden(E, "empty.expected.json", &out.body);
        assert_eq!(index_uid("/indexes/movies/search"), Some("movies"));
    }
}
