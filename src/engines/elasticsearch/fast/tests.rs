//! The fast response path against the `Value` path: same questions asked of the filter in the
//! same order, same answer (as JSON), same failures.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::engines::elasticsearch::{Elasticsearch, fast, rewrite_tree};
use crate::engines::testkit::{FakeFilter, Req, golden};
use crate::engines::{Engine, HitFields};

fn fields() -> HitFields {
    Elasticsearch::new("elasticsearch").hit_fields()
}

/// Runs both paths, without and with a notice; returns whether the fast path decided both
/// times (did not hand over).
fn same_as_tree(path: &str, body: &[u8]) -> bool {
    let plain = same_as_tree_with(path, body, false);
    let with_notice = same_as_tree_with(path, body, true);
    plain && with_notice
}

fn same_as_tree_with(path: &str, body: &[u8], notice: bool) -> bool {
    let req = Req::get(path, "");
    let mut tree_filter = FakeFilter::new(fields(), notice);
    let tree = rewrite_tree(&req.view(), body, &mut tree_filter);
    let mut fast_filter = FakeFilter::new(fields(), notice);
    let Ok(fast) = fast::rewrite(body, path.contains("_msearch"), &mut fast_filter) else {
        assert!(fast_filter.log.is_empty(), "judged before handing over");
        return false;
    };
    let text = String::from_utf8_lossy(body);
    match (tree, fast) {
        (Ok(None), Ok(None)) => {}
        (Ok(Some(t)), Ok(Some(f))) => {
            let t: Value = serde_json::from_slice(&t).unwrap();
            let f: Value = serde_json::from_slice(&f).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(t.to_string(), f.to_string(), "{text}");
        }
        (Err(_), Err(_)) => {}
        (t, f) => panic!("tree {t:?} fast {f:?}: {text}"),
    }
    assert_eq!(tree_filter.log, fast_filter.log, "{text}");
    true
}

#[test]
fn golden_responses_agree() {
    let e = "elasticsearch";
    for (path, name) in [
        ("/p/_search", "search.response.json"),
        ("/p/_search", "clean.response.json"),
        ("/_msearch", "msearch.response.json"),
    ] {
        assert!(same_as_tree(path, &golden(e, name)), "{name} handed over");
    }
}

#[test]
fn odd_bodies_agree_or_hand_over() {
    let cases: &[(&str, &str)] = &[
        ("empty object", "{}"),
        ("error only", r#"{"error":{"type":"x"},"status":500}"#),
        (
            "suggest only",
            r#"{"suggest":{"s":[{"text":"a","options":[{"text":"zorvexil"}]}]}}"#,
        ),
        ("hits not array", r#"{"hits":{"hits":{}}}"#),
        ("no hits array", r#"{"hits":{"total":3}}"#),
        (
            "total string, nothing removed",
            r#"{"hits":{"total":"x","hits":[{"_source":{"url":"a"}}]}}"#,
        ),
        (
            "total string, removed",
            r#"{"hits":{"total":"x","hits":[{"_source":{"url":"zorvexil"}}]}}"#,
        ),
        (
            "total float",
            r#"{"hits":{"total":{"value":2.0},"hits":[{"_source":{"url":"zorvexil"}}]}}"#,
        ),
        (
            "total without value",
            r#"{"hits":{"total":{},"hits":[{"_source":{"url":"zorvexil"}}]}}"#,
        ),
        (
            "no total",
            r#"{"hits":{"hits":[{"_source":{"url":"zorvexil"}},{"_source":{"url":"b"}}]}}"#,
        ),
        (
            "hits are strings",
            r#"{"hits":{"hits":["zorvexil",1,null]}}"#,
        ),
        (
            "url array",
            r#"{"hits":{"total":2,"hits":[{"_source":{"url":["a","zorvexil"]}},{"_source":{"url":"b"}}]}}"#,
        ),
        (
            "escaped url",
            r#"{"hits":{"total":2,"hits":[{"_source":{"url":"https://x/zorv\u0065xil"}},{"_source":{"u\u0072l":"zorvexil"}}]}}"#,
        ),
        (
            "duplicate source",
            r#"{"hits":{"hits":[{"_source":{"url":"zorvexil"},"_source":{"url":"b"}}]}}"#,
        ),
        (
            "duplicate url",
            r#"{"hits":{"hits":[{"_source":{"url":"zorvexil","url":"b"}}]}}"#,
        ),
        (
            "duplicate hits",
            r#"{"hits":{"hits":[]},"hits":{"hits":[{"_source":{"url":"zorvexil"}}]}}"#,
        ),
        (
            "demoted order",
            r#"{"hits":{"total":3,"hits":[{"_source":{"title":"quandrith 1"}},{"_source":{"title":"ok"}},{"_source":{"title":"quandrith 2"}},{"_source":{"title":"ok 2"}}]}}"#,
        ),
        (
            "inner hits",
            r#"{"hits":{"total":2,"hits":[
            {"_source":{"url":"a"},"inner_hits":{"x":{"hits":{"total":{"value":2},"hits":[{"_source":{"url":"zorvexil"}},{"_source":{"url":"b"}}]}}}},
            {"_source":{"url":"zorvexil"},"inner_hits":{"y":{"hits":{"hits":[{"_source":{"url":"zorvexil 2"}}]}}}},
            {"_source":{"title":"quandrith"},"inner_hits":{"z":{"hits":{"hits":[{"_source":{"title":"quandrith 3"}},{"_source":{"title":"c"}}]}}}}]}}"#,
        ),
        (
            "inner hits not object",
            r#"{"hits":{"hits":[{"inner_hits":[]}]}}"#,
        ),
        (
            "inner hits without hits",
            r#"{"hits":{"hits":[{"inner_hits":{"x":{}}}]}}"#,
        ),
        (
            "options not array",
            r#"{"hits":{"hits":[]},"suggest":{"s":[{"options":1}]}}"#,
        ),
        (
            "option without text",
            r#"{"hits":{"hits":[]},"suggest":{"s":[{"options":[{"_source":{}}]}]}}"#,
        ),
        (
            "completion documents",
            r#"{"suggest":{"s":[{"text":"v","options":[
            {"text":"v1","_source":{"url":"zorvexil"}},{"text":"zorvexil"},{"text":"v2","_source":{"url":"ok"}},{"text":"v3","_source":{"title":"quandrith"}}]}],
            "t":[{"options":[]},{"options":[{"text":"fine"}]}]}}"#,
        ),
        (
            "whitespace everywhere",
            " { \"hits\" : { \"total\" : 2 , \"hits\" : [ { \"_source\" : { \"url\" : \"zorvexil\" } } , { } ] } } \n",
        ),
        ("trailing garbage", r#"{"hits":{"hits":[]}} x"#),
        (
            "big number elsewhere",
            r#"{"took":1e400,"hits":{"hits":[]}}"#,
        ),
        (
            "msearch",
            r#"{"responses":[{"hits":{"hits":[{"_source":{"url":"zorvexil"}}]}},{"error":{}},{"hits":{"total":1,"hits":[{"_source":{"url":"ok"}}]}}]}"#,
        ),
        ("msearch response not object", r#"{"responses":[1]}"#),
        ("msearch without responses", r#"{"took":1}"#),
        (
            "notice key present",
            r#"{"searchward_notice":[1,2],"hits":{"hits":[]},"took":1}"#,
        ),
        (
            "notice key twice",
            r#"{"searchward_notice":1,"hits":{"hits":[]},"searchward_notice":2}"#,
        ),
        (
            "msearch notice key present",
            r#"{"responses":[{"hits":{"hits":[]}}],"searchward_notice":{}}"#,
        ),
    ];
    for (name, body) in cases {
        let path = if name.starts_with("msearch") {
            "/_msearch"
        } else {
            "/p/_search"
        };
        same_as_tree(path, body.as_bytes());
        let _ = name;
    }
    // The usual shapes are decided on the fast path.
    for name in [
        "inner hits",
        "completion documents",
        "whitespace everywhere",
        "demoted order",
        "escaped url",
    ] {
        let body = cases.iter().find(|(n, _)| *n == name).unwrap().1;
        assert!(
            same_as_tree("/p/_search", body.as_bytes()),
            "{name} handed over"
        );
    }
}

fn hit() -> impl Strategy<Value = Value> {
    let url = prop_oneof![
        Just(json!("https://a.example/zorvexil")),
        Just(json!("https://a.example/ok")),
        Just(json!([
            "https://a.example/ok",
            "https://b.example/zorvexil"
        ])),
        Just(json!(7)),
    ];
    let title = prop_oneof![
        Just(json!("quandrith page")),
        Just(json!("plain")),
        Just(json!(["quandrith"]))
    ];
    (url, title, any::<bool>(), any::<bool>()).prop_map(|(url, title, has_url, ws)| {
        let mut source = json!({"title": title, "n": [1.5e-3, null, true]});
        if has_url {
            source["url"] = url;
        }
        let mut h = json!({"_id": "x", "_score": 1.0, "_source": source});
        if ws {
            h["highlight"] = json!({"body": ["a <em>b</em>"]});
        }
        h
    })
}

fn hits_obj() -> impl Strategy<Value = Value> {
    let total = prop_oneof![
        Just(None),
        Just(Some(json!(5))),
        Just(Some(json!({"value": 9, "relation": "eq"})))
    ];
    (proptest::collection::vec(hit(), 0..6), total).prop_map(|(hits, total)| {
        let mut o = json!({"max_score": 1.0, "hits": hits});
        if let Some(t) = total {
            o["total"] = t;
        }
        o
    })
}

fn response() -> impl Strategy<Value = Value> {
    let inner = proptest::option::of(hits_obj());
    let options = proptest::collection::vec(
        prop_oneof![
            Just(json!({"text": "fine"})),
            Just(json!({"text": "zorvexil x"})),
            Just(json!({"text": "doc", "_source": {"url": "https://z.example/zorvexil"}})),
            Just(json!({"text": "doc2", "_source": {"url": "https://z.example/ok"}})),
        ],
        0..4,
    );
    (hits_obj(), inner, proptest::option::of(options)).prop_map(|(mut hits, inner, options)| {
        if let (Some(inner), Some(Value::Array(list))) = (inner, hits.get_mut("hits"))
            && let Some(first) = list.first_mut()
        {
            first["inner_hits"] = json!({"nested": {"hits": inner}});
        }
        let mut r = json!({"took": 2, "hits": hits});
        if let Some(options) = options {
            r["suggest"] = json!({"s": [{"text": "t", "options": options}]});
        }
        r
    })
}

proptest! {
    /// Generated responses: the fast path decides, and agrees with the `Value` path.
    #[test]
    fn fast_path_agrees(resp in response(), pretty in any::<bool>()) {
        let body = if pretty { serde_json::to_vec_pretty(&resp) } else { serde_json::to_vec(&resp) }.unwrap();
        prop_assert!(same_as_tree("/p/_search", &body));
        let ms = serde_json::to_vec(&json!({"took": 1, "responses": [resp.clone(), resp]})).unwrap();
        prop_assert!(same_as_tree("/_msearch", &ms));
    }

    /// Mangled responses: the fast path agrees or hands over, never judging first.
    #[test]
    fn mangled_bodies(resp in response(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut body = serde_json::to_vec(&resp).unwrap();
        let i = cut.index(body.len());
        body[i] = byte;
        same_as_tree("/p/_search", &body);
        body.truncate(i);
        same_as_tree("/p/_search", &body);
    }
}
