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
mod tests {
    use super::*;
    use crate::engines::testkit::{FakeFilter, Req, assert_golden, assert_rewrites, notice};

    const E: &str = "solr";

    #[test]
    fn texts_the_engine_expands_are_marked_as_patterns() {
        let m = |s: &str| expand::expanding(s);
        let cases: Vec<(&str, Vec<String>)> = vec![
            ("q=zorvex*", vec!["zorvex*".into(), m("zorvex*")]),
            ("q=zorvexab~2", vec!["zorvexab~2".into(), m("zorvex*")]),
            ("q=body:/zorv.*/", vec!["body:/zorv.*/".into(), m("zorv*")]),
            (
                "q=%7B!prefix%20f%3Dbody%7Dzorvex",
                vec!["{!prefix f=body}zorvex".into(), m("zorvex*")],
            ),
            ("q=velmorik", vec!["velmorik".into()]),
        ];
        for (query, want) in cases {
            let req = Req::get("/solr/pages/select", query);
            assert_eq!(Solr.extract(&req.view()).unwrap(), want, "{query}");
        }
    }

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
            let got = Solr.extract(&req.view()).unwrap();
            for w in want {
                assert!(got.iter().any(|t| t == w), "{name}: no {w:?} in {got:?}");
            }
        }
        let bad = Req::post("/solr/p/query", "application/json", b"{");
        assert!(Solr.extract(&bad.view()).is_err());
    }

    /// Every parameter Solr may parse as a query is read, with macros (`${name}`,
    /// `${name:default}`) expanded as Solr expands them and quoted local-parameter values
    /// unescaped; what cannot be resolved safely is refused.
    #[test]
    fn reads_every_parameter_solr_may_parse() {
        // `Some(word)`: some extracted text holds `word` whole; `None`: refused.
        let get = |q: &str| Req::get("/solr/pages/select", q);
        let json = |q: &str, body: &str| {
            Req::post("/solr/pages/select", "application/json", body.as_bytes()).with_query(q)
        };
        let cases: Vec<(&str, Req, Option<&str>)> = vec![
            ("macro", get("q=%24%7Bx%7D&x=zorvexil"), Some("zorvexil")),
            (
                "macros joined",
                get("q=%24%7Ba%7D%24%7Bb%7D&a=zorv&b=exil"),
                Some("zorvexil"),
            ),
            (
                "macro default",
                get("q=body:zorv%24%7Bx%3Aexil%7D"),
                Some("body:zorvexil"),
            ),
            (
                "macro name with spaces",
                get("q=zorv%24%7B+a+%7D&a=exil"),
                Some("zorvexil"),
            ),
            (
                "nested macros",
                get("q=%24%7Ba%7D&a=zor%24%7Bb%7Dil&b=vex"),
                Some("zorvexil"),
            ),
            (
                "macro of a repeated parameter takes the first",
                get("q=zorv%24%7Ba%7D&a=exil&a=other"),
                Some("zorvexil"),
            ),
            (
                "escaped macro is left",
                get("q=zorv%5C%24%7Ba%7D&a=exil"),
                Some("zorv\\${a}"),
            ),
            (
                "macro in a form body",
                Req::post(
                    "/solr/pages/select",
                    "application/x-www-form-urlencoded",
                    b"q=zorv%24%7Ba%7D&a=exil",
                ),
                Some("zorvexil"),
            ),
            (
                "macro in a filter",
                get("q=*:*&fq=body:zorv%24%7Ba%7D&a=exil"),
                Some("body:zorvexil"),
            ),
            (
                "dereferenced local parameter",
                get("q=%7B!lucene%20v%3D%24qq%7D&qq=zorvexil"),
                Some("zorvexil"),
            ),
            (
                "dereferenced filter",
                get("q=*:*&fq=%7B!lucene%20v%3D%24f%7D&f=body:zorvexil"),
                Some("body:zorvexil"),
            ),
            (
                "quoted local parameter with escapes",
                get("q=%7B!lucene%20v%3D%27body:zorv%5Cu0065x%5Cil%27%7D"),
                Some("body:zorvexil"),
            ),
            ("json.query", get("json.query=zorvexil"), Some("zorvexil")),
            (
                "json.filter as JSON",
                get("json.filter=%22body:zorv%5Cu0065xil%22"),
                Some("body:zorvexil"),
            ),
            (
                "json parameter with a macro",
                get("json=%7B%22query%22:%22zorv%24%7Bx%7D%22%7D&x=exil"),
                Some("zorvexil"),
            ),
            (
                "JSON body with a macro from its params",
                json("", r#"{"query":"zorv${x}","params":{"x":"exil"}}"#),
                Some("zorvexil"),
            ),
            (
                "JSON body macro from the query string",
                json("x=%5Cu0065xil", r#"{"query":"zorv${x}"}"#),
                Some("zorvexil"),
            ),
            (
                "JSON named queries and facets",
                json(
                    "",
                    r#"{"queries":{"a":"zorvexil"},"facet":{"f":{"type":"query","q":"quandrith"}}}"#,
                ),
                Some("quandrith"),
            ),
            ("facet.query", get("facet.query=zorvexil"), Some("zorvexil")),
            (
                "bq",
                get("q=a&defType=edismax&bq=zorvexil"),
                Some("zorvexil"),
            ),
            (
                "boost",
                get("q=a&boost=query(%24x)&x=zorvexil"),
                Some("zorvexil"),
            ),
            ("bf", get("bf=query(%7B!v%3Dzorvexil%7D)"), Some("zorvexil")),
            (
                "stats.field",
                get("stats.field=%7B!func%7Dquery(%24x)&x=zorvexil"),
                Some("zorvexil"),
            ),
            ("group.query", get("group.query=zorvexil"), Some("zorvexil")),
            ("hl.q", get("hl.q=zorvexil"), Some("zorvexil")),
            ("subquery", get("kids.q=zorvexil"), Some("zorvexil")),
            ("macro in a key", get("%24%7Bk%7D=zorvexil&k=q"), None),
            (
                "macro in a JSON params key",
                json("", r#"{"params":{"${k}":"a"}}"#),
                None,
            ),
            ("macro loop", get("q=%24%7Bq%7D"), None),
            (
                "macro blow-up",
                get(&{
                    let mut q = "q=%24%7Ba0%7D".to_owned();
                    for i in 0..24 {
                        q.push_str(&format!("&a{i}=%24%7Ba{n}%7D%24%7Ba{n}%7D", n = i + 1));
                    }
                    q + "&a24=abcdefgh"
                }),
                None,
            ),
            ("non-ASCII macro name", get("q=%24%7B%C3%A9%7D"), None),
            (
                "JSON broken by a macro",
                json("x=%22", r#"{"query":"a${x}"}"#),
                None,
            ),
            (
                "json.query with a comment",
                get("json.query=zorv/*x*/exil"),
                None,
            ),
        ];
        for (name, req, want) in cases {
            let got = Solr.extract(&req.view());
            match want {
                Some(word) => {
                    let texts = got.unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(
                        texts.iter().any(|t| t.contains(word)),
                        "{name}: no text holds {word:?}: {texts:?}"
                    );
                }
                None => assert!(got.is_err(), "{name}: not refused: {got:?}"),
            }
        }
    }

    /// Fields are hidden by `fl` wherever Solr reads it: the query string, a form body, a JSON
    /// request's `fields` or `params.fl`, a `json.fields` parameter.
    #[test]
    fn notices_hidden_fields() {
        let form = |b: &[u8]| Req::post("/solr/p/select", "application/x-www-form-urlencoded", b);
        let json = |b: &[u8]| Req::post("/solr/p/select", "application/json", b);
        let cases: Vec<(&str, Req, bool)> = vec![
            ("none", Req::get("/solr/p/select", "q=a&rows=3"), false),
            ("fl", Req::get("/solr/p/select", "q=a&fl=id"), true),
            ("form fl", form(b"q=a&fl=id"), true),
            (
                "json.fields",
                Req::get("/solr/p/select", "json.fields=id"),
                true,
            ),
            (
                "json parameter",
                Req::get("/solr/p/select", "json=%7B%22fields%22:%22id%22%7D"),
                true,
            ),
            ("JSON fields", json(br#"{"query":"a","fields":"id"}"#), true),
            ("JSON params.fl", json(br#"{"params":{"fl":"id"}}"#), true),
            ("JSON escaped key", json(br#"{"fi\u0065lds":"id"}"#), true),
            ("JSON without", json(br#"{"query":"a"}"#), false),
        ];
        for (name, req, want) in cases {
            assert_eq!(Solr.hides_fields(&req.view()), want, "{name}");
        }
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

    /// Real-time get answers `doc` (one `id`, no `ids`) or a document list: each document is
    /// judged, and a blocked get finds nothing in the same shape.
    #[test]
    fn real_time_get() {
        let listed = r#"{"id":"1","url":"https://www.zorvexil-forum.example/t"}"#;
        let clean = r#"{"id":"2","url":"https://garden.example/a"}"#;
        let cases: Vec<(&str, &str, String, Option<Value>)> = vec![
            (
                "listed doc",
                "id=1",
                format!(r#"{{"doc":{listed}}}"#),
                Some(json!({"doc": null})),
            ),
            ("clean doc", "id=2", format!(r#"{{"doc":{clean}}}"#), None),
            ("no doc", "id=3", r#"{"doc":null}"#.to_owned(), None),
            (
                "no id",
                "",
                r#"{"responseHeader":{"status":0}}"#.to_owned(),
                None,
            ),
            (
                "doc list",
                "ids=1,2",
                format!(r#"{{"response":{{"numFound":2,"start":0,"docs":[{listed},{clean}]}}}}"#),
                Some(json!({"response": {"numFound": 1, "start": 0, "docs": [
                    {"id": "2", "url": "https://garden.example/a"}
                ]}})),
            ),
        ];
        for (name, q, body, want) in cases {
            let req = Req::get("/solr/pages/get", q);
            let mut f = FakeFilter::new(Solr.hit_fields(), false);
            let got = Solr.rewrite(&req.view(), body.as_bytes(), &mut f).unwrap();
            let got = got.map(|b| serde_json::from_slice::<Value>(&b).unwrap());
            assert_eq!(got, want, "{name}");
        }
        let empty = |q: &str| {
            Solr.empty_json(&Req::get("/solr/pages/get", q).view())
                .unwrap()
        };
        assert_eq!(empty("id=1&fq=body:x"), json!({"doc": null}));
        assert_eq!(empty("id=1&id=2")["response"]["numFound"], json!(0));
        assert_eq!(empty("ids=1")["response"]["docs"], json!([]));
        let texts = Solr
            .extract(&Req::get("/solr/pages/get", "id=1&fq=body:zorvexil").view())
            .unwrap();
        assert!(texts.iter().any(|t| t == "body:zorvexil"), "{texts:?}");
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
        // Solr answers under the suggestion query it read: macros expanded.
        let cases = [
            ("suggest.q=%24%7Bx%7D&x=velm&suggest.dictionary=d1", "velm"),
            ("q=ve%24%7Bx%3Alm%7D&suggest.dictionary=d1", "velm"),
            ("%24%7Bk%7D=a&suggest.q=velm&suggest.dictionary=d1", "velm"),
        ];
        for (q, key) in cases {
            let v = Solr
                .empty_json(&Req::get("/solr/pages/suggest", q).view())
                .unwrap();
            assert!(v["suggest"]["d1"].get(key).is_some(), "{q}: {v}");
        }
    }
}
