//! Golden and table tests for the Elasticsearch adapter.

use super::*;
use crate::engines::testkit::{FakeFilter, Req, assert_golden, golden, notice};

const E: &str = "elasticsearch";

fn engine() -> Elasticsearch {
    Elasticsearch::new("elasticsearch")
}

#[test]
fn extracts_user_texts() {
    let bool_body = golden(E, "bool.request.json");
    let msearch = b"{\"index\":\"pages\"}\n{\"query\":{\"match\":{\"title\":\"beta one\"}}}\n\
{}\n{\"query\":{\"term\":{\"tag\":\"beta two\"}}}\n";
    let cases: Vec<(&str, Req, Vec<&str>)> = vec![
        (
            "q param",
            Req::get("/pages/_search", "q=title:velmorik+guide&size=5"),
            vec!["title:velmorik guide"],
        ),
        ("no text", Req::get("/pages/_search", "size=5"), vec![]),
        (
            "source param",
            Req::get(
                "/_search",
                "source=%7B%22query%22%3A%7B%22match%22%3A%7B%22t%22%3A%22gamma%22%7D%7D%7D&source_content_type=application/json",
            ),
            vec!["gamma"],
        ),
        (
            "query DSL anywhere in bool",
            Req::post("/pages/_search", "application/json", &bool_body),
            vec![
                "alpha one",
                "alpha two",
                "alpha three",
                "alpha four",
                "alpha five",
                "alpha six",
                "alpha seven",
                // Texts the engine expands, marked to be judged by the entries they reach too.
                "\u{e000}alpha seven*",
                "alph*eight",
                "\u{e000}alph*eight",
                "alpha nine",
                "\u{e000}alpha ni*",
                "alpha ten",
                "alpha eleven",
                "alpha twelve",
                "alpha thirteen",
                "\u{e000}alpha thirteen*",
                "alpha fourteen",
                "\u{e000}alpha fourteen*",
                "alpha fifteen",
                "alpha sixteen",
                "alpha seventeen",
            ],
        ),
        (
            "search template params",
            Req::post(
                "/p/_search/template",
                "application/json",
                br#"{"id":"t1","params":{"user_text":"zeta","from":0,"tags":["eta"]}}"#,
            ),
            vec!["zeta", "eta"],
        ),
        (
            "msearch template",
            Req::post(
                "/_msearch/template",
                "application/x-ndjson",
                b"{}\n{\"id\":\"t\",\"params\":{\"q\":\"theta\"}}\n",
            ),
            vec!["theta"],
        ),
        (
            "msearch pairs",
            Req::post("/_msearch", "application/x-ndjson", msearch),
            vec!["beta one", "beta two"],
        ),
        (
            "GET with body",
            Req::post(
                "/p/_search",
                "application/json",
                br#"{"query":{"match_phrase":{"t":{"query":"delta"}}}}"#,
            )
            .with_query("q=epsilon"),
            vec!["epsilon", "delta"],
        ),
    ];
    for (name, req, want) in cases {
        assert_eq!(engine().extract(&req.view()).unwrap(), want, "{name}");
    }
}

/// Query types whose text the engine matches whole though it sits under their own keys: span
/// terms (however nested), `terms_set`, a `wrapper` query's base64-encoded query (wrapped
/// again, or without padding), and the values choosing a terms aggregation's buckets: each is
/// among the texts read.
#[test]
fn extracts_texts_of_span_terms_set_wrapper_and_bucket_values() {
    // {"match":{"t":"kappa"}} and {"wrapper":{"query":<that>}}, base64 without padding.
    let wrapper = r#"{"query":{"wrapper":{"query":"eyJtYXRjaCI6eyJ0Ijoia2FwcGEifX0"}}}"#;
    let nested = r#"{"query":{"wrapper":{"query":"eyJ3cmFwcGVyIjp7InF1ZXJ5IjoiZXlKdFlYUmphQ0k2ZXlKMElqb2lhMkZ3Y0dFaWZYMD0ifX0="}}}"#;
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "span_term",
            r#"{"query":{"span_term":{"t":"iota"}}}"#,
            &["iota"],
        ),
        (
            "span_term in span_or and field_masking_span",
            r#"{"query":{"span_or":{"clauses":[{"span_term":{"t":{"value":"iota"}}},{"field_masking_span":{"query":{"span_term":{"t":"lambda"}},"field":"t"}}]}}}"#,
            &["iota", "lambda"],
        ),
        (
            "terms_set",
            r#"{"query":{"terms_set":{"t":{"terms":["mu","nu"],"minimum_should_match_field":"n"}}}}"#,
            &["mu", "nu"],
        ),
        ("wrapper", wrapper, &["kappa"]),
        ("wrapper in a wrapper", nested, &["kappa"]),
        (
            "terms aggregation include and exclude",
            r#"{"size":0,"aggs":{"a":{"terms":{"field":"t","include":["xi one","xi two"],"exclude":"omicron.*"}}}}"#,
            &["xi one", "xi two", "omicron.*"],
        ),
        (
            "a field named wrapper",
            r#"{"query":{"term":{"wrapper":"pi"}}}"#,
            &["pi"],
        ),
    ];
    for (name, body, want) in cases {
        let req = Req::post("/p/_search", "application/json", body.as_bytes());
        let got = engine().extract(&req.view()).unwrap();
        for w in *want {
            assert!(got.iter().any(|g| g == w), "{name}: {w:?} not in {got:?}");
        }
    }
    // A wrapper query that cannot be read is refused, not passed unread.
    for body in [
        r#"{"query":{"wrapper":{"query":"not base64!"}}}"#,
        r#"{"query":{"wrapper":{"query":"bm90IGpzb24"}}}"#,
        r#"{"query":{"wrapper":{"query":["eyJ9"]}}}"#,
    ] {
        let req = Req::post("/p/_search", "application/json", body.as_bytes());
        assert!(engine().extract(&req.view()).is_err(), "{body}");
    }
}

#[test]
fn rejects_bad_requests() {
    let deep = "[".repeat(100) + &"]".repeat(100);
    let cases: Vec<(&str, Req)> = vec![
        (
            "not JSON",
            Req::post("/p/_search", "application/json", b"{nope"),
        ),
        (
            "odd NDJSON",
            Req::post("/_msearch", "application/x-ndjson", b"{}\n"),
        ),
        (
            "bad NDJSON line",
            Req::post("/_msearch", "application/x-ndjson", b"{}\n{x\n"),
        ),
        (
            "too deep",
            Req::post("/p/_search", "application/json", deep.as_bytes()),
        ),
        ("bad source", Req::get("/_search", "source=%7Bx")),
    ];
    for (name, req) in cases {
        assert!(engine().extract(&req.view()).is_err(), "{name}");
    }
}

#[test]
fn rewrites_search_response() {
    let req = Req::get("/pages/_search", "q=velmorik");
    let mut filter = FakeFilter::new(engine().hit_fields(), true);
    let out = engine()
        .rewrite(&req.view(), &golden(E, "search.response.json"), &mut filter)
        .unwrap()
        .unwrap();
    assert_golden(E, "search.expected.json", &out);
}

#[test]
fn rewrites_msearch_response_without_notice() {
    let req = Req::post(
        "/_msearch",
        "application/x-ndjson",
        b"{}\n{}\n{}\n{}\n{}\n{}\n",
    );
    let mut filter = FakeFilter::new(engine().hit_fields(), false);
    let out = engine()
        .rewrite(
            &req.view(),
            &golden(E, "msearch.response.json"),
            &mut filter,
        )
        .unwrap()
        .unwrap();
    assert_golden(E, "msearch.expected.json", &out);
}

#[test]
fn unchanged_response_is_forwarded() {
    let req = Req::get("/pages/_search", "q=velmorik");
    let mut filter = FakeFilter::new(engine().hit_fields(), false);
    let out = engine()
        .rewrite(&req.view(), &golden(E, "clean.response.json"), &mut filter)
        .unwrap();
    assert!(out.is_none());
    assert_eq!(filter.judged, 1);
}

#[test]
fn bad_responses_fail_closed() {
    let cases: &[(&str, &str, &[u8])] = &[
        ("not JSON", "/p/_search", b"<html>"),
        ("truncated", "/p/_search", br#"{"hits":{"hits":["#),
        ("hits not array", "/p/_search", br#"{"hits":{"hits":{}}}"#),
        ("no hits", "/p/_search", br#"{"took":1}"#),
        (
            "total not a count",
            "/p/_search",
            br#"{"hits":{"total":"x","hits":[{"_source":{"url":"zorvexil"}}]}}"#,
        ),
        (
            "options not array",
            "/p/_search",
            br#"{"hits":{"hits":[]},"suggest":{"s":[{"options":1}]}}"#,
        ),
        ("msearch without responses", "/_msearch", br#"{"took":1}"#),
    ];
    for (name, path, body) in cases {
        let req = Req::get(path, "");
        let mut filter = FakeFilter::new(engine().hit_fields(), false);
        assert!(
            engine().rewrite(&req.view(), body, &mut filter).is_err(),
            "{name}"
        );
    }
}

#[test]
fn blocked_responses() {
    let body = br#"{"query":{"match":{"t":"x"}},"suggest":{"text":"velm","s1":{"completion":{"field":"suggest"}},"s2":{"prefix":"ve","completion":{"field":"suggest"}}}}"#;
    let search = Req::post("/pages/_search", "application/json", body);
    let out = engine()
        .blocked(&search.view(), &notice(), "searchward_notice")
        .unwrap();
    assert_eq!(out.content_type, "application/json");
    assert_golden(E, "blocked.expected.json", &out.body);

    // As OpenSearch 2.19 answers with `rest_total_hits_as_int` and `typed_keys`.
    let typed = Req::post("/pages/_search", "application/json", body)
        .with_query("typed_keys=true&rest_total_hits_as_int=true");
    let out = engine()
        .blocked(&typed.view(), &notice(), "searchward_notice")
        .unwrap();
    assert_golden(E, "blocked-typed.expected.json", &out.body);

    let ms = Req::post(
        "/_msearch",
        "application/x-ndjson",
        b"{}\n{\"query\":{}}\n{\"index\":\"b\"}\n{}\n",
    );
    let out = engine()
        .blocked(&ms.view(), &notice(), "searchward_notice")
        .unwrap();
    assert_golden(E, "blocked-msearch.expected.json", &out.body);

    let plain = Req::get("/pages/_search", "q=x");
    let out = engine().empty_suggestions(&plain.view()).unwrap();
    let v: Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(v["hits"]["hits"], json!([]));
    assert!(v.get("searchward_notice").is_none());
}

#[test]
fn texts_the_engine_expands_are_marked_as_patterns() {
    let cases: &[(&str, &[u8], &[&str])] = &[
        (
            "wildcard",
            br#"{"query":{"wildcard":{"body":{"value":"zorv?x*"}}}}"#,
            &["zorv?x*", "\u{e000}zorv*x*"],
        ),
        (
            "fuzzy",
            br#"{"query":{"fuzzy":{"body":{"value":"zorvexab","fuzziness":2}}}}"#,
            &["zorvexab", "\u{e000}zorvex*"],
        ),
        (
            "regexp",
            br#"{"query":{"regexp":{"body":"zorvex.*"}}}"#,
            &["zorvex.*", "\u{e000}zorvex*"],
        ),
        (
            "prefix",
            br#"{"query":{"prefix":{"body":{"value":"zorve"}}}}"#,
            &["zorve", "\u{e000}zorve*"],
        ),
        (
            "fuzzy match, each word",
            br#"{"query":{"match":{"body":{"query":"see zorvexab","fuzziness":"AUTO"}}}}"#,
            &["see zorvexab", "\u{e000}se*", "\u{e000}zorvex*"],
        ),
        (
            "multi_match as you type",
            br#"{"query":{"multi_match":{"query":"watch zorve","type":"bool_prefix"}}}"#,
            &["watch zorve", "\u{e000}watch zorve*"],
        ),
        (
            "query_string",
            br#"{"query":{"query_string":{"query":"body:zorvex* OR /zorv.*/"}}}"#,
            &[
                "body:zorvex* OR /zorv.*/",
                "\u{e000}zorvex*",
                "\u{e000}zorv*",
            ],
        ),
    ];
    for (name, body, want) in cases {
        let req = Req::post("/pages/_search", "application/json", body);
        assert_eq!(engine().extract(&req.view()).unwrap(), *want, "{name}");
    }
    let q = Req::get("/pages/_search", "q=zorvexab~2");
    assert_eq!(
        engine().extract(&q.view()).unwrap(),
        ["zorvexab~2", "\u{e000}zorvex*"]
    );
}

#[test]
fn queries_made_of_stored_documents_are_refused() {
    let refused: &[&[u8]] = &[
        br#"{"query":{"terms":{"body":{"index":"p","id":"1","path":"body"}}}}"#,
        br#"{"query":{"more_like_this":{"fields":["body"],"like":[{"_index":"p","_id":"1"}]}}}"#,
        br#"{"query":{"more_like_this":{"like":"text","unlike":{"_id":"2"}}}}"#,
    ];
    for body in refused {
        let req = Req::post("/pages/_search", "application/json", body);
        assert!(
            engine().extract(&req.view()).is_err(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let read = Req::post(
        "/pages/_search",
        "application/json",
        br#"{"query":{"more_like_this":{"like":[{"doc":{"t":"zorvexil"}},"text"]}}}"#,
    );
    assert!(engine().extract(&read.view()).is_ok());
}
