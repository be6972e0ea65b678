//! Solr adapter: texts read, answers rewritten, refusals.

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
