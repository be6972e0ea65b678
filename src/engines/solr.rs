//! Apache Solr: `/select` (`q`, the `json` parameter, JSON Request API `query`/`params.q`) and
//! `/suggest` (`suggest.q`); `response.docs[]`/`numFound` and suggester terms out.

use serde_json::{Map, Value, json};

use super::query::{
    MAX_DEPTH, dedup, has_body, is_form, last_segment, malformed, parse_json, request_params, shape,
};
use super::rewrite::{Rewriter, object_mut};
use super::{
    Engine, EngineError, FieldForms, HitFields, IndexingBody, RequestView, ResponseFilter, indexing,
};

/// The Solr adapter.
#[derive(Clone, Copy, Debug)]
pub struct Solr;

/// Request parameters whose values are user text.
const TEXT_PARAMS: &[&str] = &[
    "q",
    "q.alt",
    "fq",
    "suggest.q",
    "spellcheck.q",
    "stmt",
    "expr",
    "terms.prefix",
    "terms.regex",
    "stream.body",
];

/// JSON request bodies: the POST body and each `json` parameter.
fn json_bodies(req: &RequestView<'_>) -> Result<Vec<Value>, EngineError> {
    let mut out = Vec::new();
    for j in request_params(req, "json")? {
        out.push(parse_json(j.as_bytes())?);
    }
    if has_body(req.body) && !is_form(req.content_type) {
        out.push(parse_json(req.body)?);
    }
    Ok(out)
}

/// Strings of the JSON Query DSL: a query string, or `{"lucene": {"query": …}}`,
/// `{"bool": {"must": ["…", {…}]}}` and the like.
fn dsl_texts(v: &Value, depth: usize, out: &mut Vec<String>) -> Result<(), EngineError> {
    if depth > MAX_DEPTH {
        return Err(malformed(format!(
            "JSON query nested under {MAX_DEPTH} levels"
        )));
    }
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => {
            for i in items {
                dsl_texts(i, depth + 1, out)?;
            }
        }
        Value::Object(map) => {
            for val in map.values() {
                match val {
                    // Every string: query parsers take their text under many names, and a
                    // name unknown here may be one Solr reads.
                    Value::String(s) => out.push(s.clone()),
                    Value::Object(_) | Value::Array(_) => dsl_texts(val, depth + 1, out)?,
                    _ => {}
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn first(req: &RequestView<'_>, names: &[&str]) -> Result<String, EngineError> {
    for n in names {
        if let Some(v) = request_params(req, n)?.into_iter().next() {
            return Ok(v);
        }
    }
    Ok(String::new())
}

/// The engine's own answer with nothing found. Solr 9 marks its count exact; a suggest request
/// names its dictionaries only when it asks for them (the handler's default dictionary is not
/// known here, so a request without `suggest.dictionary` gets an empty `suggest` object).
fn empty(req: &RequestView<'_>) -> Result<Value, EngineError> {
    let header = json!({"status": 0, "QTime": 0});
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

    /// A document shows every stored field unless the request lists fields (`fl`, a JSON
    /// body's `fields`): then a field it lacks may be hidden.
    fn field_forms(&self, pointer: &str) -> FieldForms {
        FieldForms {
            plain: vec![pointer.to_owned()],
            marked: Vec::new(),
            container: Some(String::new()),
        }
    }

    fn hides_fields(&self, req: &RequestView<'_>) -> bool {
        super::query::mentions(req, &["fl", "fields"])
    }

    fn extract(&self, req: &RequestView<'_>) -> Result<Vec<String>, EngineError> {
        let mut out = Vec::new();
        // Queries, filter queries, the SQL statement and streaming expressions (read whole),
        // the terms component's prefix and pattern, and the text MoreLikeThis compares with.
        for name in TEXT_PARAMS {
            out.extend(request_params(req, name)?);
        }
        for body in json_bodies(req)? {
            for key in ["query", "filter"] {
                if let Some(q) = body.get(key) {
                    dsl_texts(q, 0, &mut out)?;
                }
            }
            if let Some(params) = body.get("params") {
                for key in ["q", "suggest.q", "spellcheck.q"] {
                    if let Some(v) = params.get(key) {
                        dsl_texts(v, 0, &mut out)?;
                    }
                }
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
        if !found && !map.contains_key("error") {
            return Err(shape("neither response nor suggest"));
        }
        rw.notice(&mut root);
        rw.finish(&root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::testkit::{FakeFilter, Req, assert_golden, assert_rewrites, notice};

    const E: &str = "solr";

    #[test]
    fn extracts_user_texts() {
        let json_api = br#"{"query":{"bool":{"must":["title:velmorik",{"lucene":{"df":"body","query":"tobin marsk"}}]}},"filter":"inStock:true","params":{"q":"gamma"}}"#;
        let cases: Vec<(&str, Req, Vec<&str>)> = vec![
            (
                "select",
                Req::get("/solr/pages/select", "q=velmorik&rows=10&wt=json"),
                vec!["velmorik"],
            ),
            (
                "suggest",
                Req::get(
                    "/solr/pages/suggest",
                    "suggest=true&suggest.q=velm&suggest.dictionary=d1",
                ),
                vec!["velm"],
            ),
            (
                "form post",
                Req::post(
                    "/solr/pages/select",
                    "application/x-www-form-urlencoded",
                    b"q=beta+one&rows=3",
                ),
                vec!["beta one"],
            ),
            (
                "JSON request API string",
                Req::post(
                    "/solr/pages/query",
                    "application/json",
                    br#"{"query":"memory","limit":5}"#,
                ),
                vec!["memory"],
            ),
            (
                "JSON query DSL",
                Req::post("/solr/pages/query", "application/json", json_api),
                vec![
                    "title:velmorik",
                    "body",
                    "tobin marsk",
                    "inStock:true",
                    "gamma",
                ],
            ),
            (
                "filter queries, statement and expression",
                Req::get(
                    "/solr/pages/select",
                    "q=a&fq=b&stmt=c&expr=search(p%2Cq%3D%22d%22)&terms.prefix=e&stream.body=f",
                ),
                vec!["a", "b", "c", "search(p,q=\"d\")", "e", "f"],
            ),
            (
                "json parameter",
                Req::get("/solr/pages/select", "json=%7B%22query%22%3A%22delta%22%7D"),
                vec!["delta"],
            ),
        ];
        for (name, req, want) in cases {
            assert_eq!(Solr.extract(&req.view()).unwrap(), want, "{name}");
        }
        let bad = Req::post("/solr/p/query", "application/json", b"{");
        assert!(Solr.extract(&bad.view()).is_err());
    }

    #[test]
    fn rewrites_responses() {
        let req = Req::get("/solr/pages/select", "q=velmorik");
        assert_rewrites(
            &Solr,
            E,
            &req,
            &[
                ("select.response.json", "select.expected.json", true),
                ("suggest.response.json", "suggest.expected.json", false),
            ],
        );
    }

    #[test]
    fn unchanged_and_bad_responses() {
        let req = Req::get("/solr/pages/select", "q=velmorik");
        let clean = br#"{"responseHeader":{"status":0,"QTime":1},"response":{"numFound":1,"start":0,"docs":[{"id":"https://example.org/a","title":"A"}]}}"#;
        let mut f = FakeFilter::new(Solr.hit_fields(), false);
        assert!(Solr.rewrite(&req.view(), clean, &mut f).unwrap().is_none());
        let cases: &[(&str, &[u8])] = &[
            ("XML", b"<?xml version=\"1.0\"?><response/>"),
            (
                "docs not array",
                br#"{"response":{"numFound":0,"docs":{}}}"#,
            ),
            ("neither", br#"{"responseHeader":{}}"#),
            ("grouped", br#"{"grouped":{"f":{"matches":1,"groups":[]}}}"#),
            (
                "suggestion without term",
                br#"{"suggest":{"d":{"v":{"numFound":1,"suggestions":[{"weight":1}]}}}}"#,
            ),
        ];
        for (name, body) in cases {
            let mut f = FakeFilter::new(Solr.hit_fields(), false);
            assert!(Solr.rewrite(&req.view(), body, &mut f).is_err(), "{name}");
        }
    }

    #[test]
    fn blocked_responses() {
        let req = Req::get("/solr/pages/select", "q=velmorik");
        let out = Solr
            .blocked(&req.view(), &notice(), "searchward_notice")
            .unwrap();
        assert_golden(E, "blocked.expected.json", &out.body);
        let req = Req::get(
            "/solr/pages/suggest",
            "suggest.q=velm&suggest.dictionary=d1&suggest.dictionary=d2",
        );
        let out = Solr.empty_suggestions(&req.view()).unwrap();
        assert_golden(E, "empty-suggest.expected.json", &out.body);
    }
}
