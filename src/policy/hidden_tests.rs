//! Hits are judged wherever the engine returns their URL or hash (`fields`, highlighting,
//! formatted copies, inner hits, completion options), and a hit whose fields were hidden is
//! dropped and counted unless the route keeps it. Both Elasticsearch paths (the fast scan
//! without a notice, the `Value` tree with one) must agree on every case.

use serde_json::{Value, json};

use super::*;
use crate::lists::ListSource;
use crate::lists::{ListKind, ListSpec};
use crate::signpost::NoticeKind;

/// The synthetic lists shipped in `lists/`.
fn snapshot() -> Snapshot {
    let read = |name: &str| {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
    };
    let mut md5 = ListSpec::from_flag(ListKind::Hashes, "lists/hashes-md5.txt".into());
    md5.algorithm = Some(HashAlgorithm::Md5);
    let src = ListSource::new;
    Snapshot::build(vec![
        src(
            ListSpec::from_flag(ListKind::Urls, "lists/urls.txt".into()),
            read("lists/urls.txt"),
        ),
        src(md5, read("lists/hashes-md5.txt")),
    ])
    .unwrap()
}

const LISTED: &str = "https://files.example.com/zorvexil/a.jpg";
const LISTED_MD5: &str = "3dbcfd15b317557b3d3f9b5c78d7cc18";
const BENIGN: &str = "https://garden.example.org/roses";

fn route(engine: &str, extra: &str) -> RouteSpec {
    let (url, md5) = match engine {
        "typesense" => ("/document/url", "/document/md5"),
        "meilisearch" => ("/url", "/md5"),
        _ => ("/_source/url", "/_source/md5"),
    };
    toml::from_str(&format!(
        "name = \"s\"\npath = \"/s\"\nkind = \"search\"\nengine = \"{engine}\"\n\
         url_fields = [\"{url}\"]\nhash_fields = [{{ pointer = \"{md5}\", algorithm = \"md5\" }}]\n{extra}"
    ))
    .unwrap()
}

fn notice() -> Notice {
    Notice {
        kind: NoticeKind::Support,
        title: "t".into(),
        message: "m".into(),
        links: Vec::new(),
        locale: "en-GB".into(),
        variant: "v".into(),
    }
}

/// Rewrites `body` for `engine` and returns the ids of the hits left at `hits_at`, the body and
/// the filter's unjudged count.
fn run(
    engine: &str,
    route: &RouteSpec,
    body: &Value,
    with_notice: bool,
) -> (Vec<String>, Value, u64) {
    run_for(b"{}", engine, route, body, with_notice)
}

/// As [`run`], for a request with body `request`.
fn run_for(
    request: &[u8],
    engine: &str,
    route: &RouteSpec,
    body: &Value,
    with_notice: bool,
) -> (Vec<String>, Value, u64) {
    let snap = snapshot();
    let adapter = crate::engines::build(engine, None).unwrap();
    let method = http::Method::POST;
    let path = match engine {
        "typesense" => "/collections/c/documents/search",
        "meilisearch" => "/indexes/i/search",
        _ => "/i/_search",
    };
    let req = crate::engines::RequestView {
        method: &method,
        path,
        query: None,
        content_type: Some("application/json"),
        body: request,
    };
    let mut f = PolicyFilter::new(
        &snap,
        route,
        adapter.hit_fields(),
        with_notice.then(notice),
        "k",
    )
    .with_engine(&*adapter, &req);
    let bytes = serde_json::to_vec(body).unwrap();
    let out = adapter.rewrite(&req, &bytes, &mut f).unwrap();
    let out: Value = out.map_or(body.clone(), |b| serde_json::from_slice(&b).unwrap());
    let hits_at = if engine == "elasticsearch" {
        "/hits/hits"
    } else {
        "/hits"
    };
    let ids = out
        .pointer(hits_at)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|h| {
                    let id = h
                        .get("_id")
                        .or_else(|| h.get("id"))
                        .or_else(|| h.pointer("/document/id"));
                    id.and_then(Value::as_str).unwrap_or("?").to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    (ids, out, f.unjudged)
}

/// One Elasticsearch hit with `parts` merged in.
fn es_hit(id: &str, parts: Value) -> Value {
    let mut hit = json!({"_index": "i", "_id": id, "_score": 1.0});
    if let (Value::Object(h), Value::Object(p)) = (&mut hit, parts) {
        h.extend(p);
    }
    hit
}

fn es_body(hits: Vec<Value>) -> Value {
    json!({"took": 1, "hits": {"total": {"value": hits.len(), "relation": "eq"}, "hits": hits}})
}

/// Regression: with `"_source": false, "fields": ["url"]`, or the URL only under `highlight`,
/// a listed URL came back to the client because the configured pointer was absent.
#[test]
fn elasticsearch_hits_are_judged_in_every_field_form() {
    let cases: Vec<(&str, Value, bool)> = vec![
        ("source", json!({"_source": {"url": LISTED}}), false),
        ("fields only", json!({"fields": {"url": [LISTED]}}), false),
        (
            "docvalue/stored fields",
            json!({"_source": {}, "fields": {"url": [BENIGN, LISTED]}}),
            false,
        ),
        (
            "highlight only",
            json!({"highlight": {"url": ["https://files.<em>example</em>.com/<em>zorvexil</em>/a.jpg"]}}),
            false,
        ),
        (
            "highlight html encoder",
            json!({"_source": {}, "highlight": {"url": ["https:&#x2F;&#x2F;files.example.com&#x2F;zorvexil&#x2F;a.jpg"]}}),
            false,
        ),
        (
            "hash in source",
            json!({"_source": {"url": BENIGN, "md5": LISTED_MD5}}),
            false,
        ),
        (
            "hash in fields",
            json!({"fields": {"md5": [LISTED_MD5], "url": [BENIGN]}}),
            false,
        ),
        (
            "hash in highlight",
            json!({"_source": {"url": BENIGN}, "highlight": {"md5": [format!("<em>{LISTED_MD5}</em>")]}}),
            false,
        ),
        (
            "browser form",
            json!({"_source": {"url": "https:\\\\files.example.com\\zorvexil\\a.jpg"}}),
            false,
        ),
        (
            "mapped ipv6",
            json!({"fields": {"url": ["https://[::ffff:192.0.2.77]/x"]}}),
            false,
        ),
        ("source hidden, nothing shown", json!({}), false),
        ("benign source", json!({"_source": {"url": BENIGN}}), true),
        (
            "benign fields, hash field hidden",
            json!({"fields": {"url": [BENIGN]}}),
            false,
        ),
        (
            "benign fields",
            json!({"fields": {"url": [BENIGN], "md5": ["00000000000000000000000000000000"]}}),
            true,
        ),
        (
            "source without url",
            json!({"_source": {"title": "roses"}}),
            true,
        ),
    ];
    for (name, parts, kept) in cases {
        let body = es_body(vec![
            es_hit(name, parts),
            es_hit("other", json!({"_source": {"url": BENIGN}})),
        ]);
        for with_notice in [false, true] {
            let (ids, out, _) = run(
                "elasticsearch",
                &route("elasticsearch", ""),
                &body,
                with_notice,
            );
            let want: Vec<&str> = if kept {
                vec![name, "other"]
            } else {
                vec!["other"]
            };
            assert_eq!(ids, want, "{name} (notice: {with_notice})");
            assert_eq!(out["hits"]["total"]["value"], want.len(), "{name}");
        }
    }
}

#[test]
fn unjudged_hits_are_dropped_counted_or_kept_by_choice() {
    let body = es_body(vec![
        es_hit("hidden", json!({})),
        es_hit("shown", json!({"_source": {"url": BENIGN}})),
    ]);
    for with_notice in [false, true] {
        let (ids, _, unjudged) = run(
            "elasticsearch",
            &route("elasticsearch", ""),
            &body,
            with_notice,
        );
        assert_eq!((ids, unjudged), (vec!["shown".to_owned()], 1));
        let keep = route("elasticsearch", "unjudged_hits = \"keep\"");
        let (ids, _, unjudged) = run("elasticsearch", &keep, &body, with_notice);
        assert_eq!(
            (ids, unjudged),
            (vec!["hidden".to_owned(), "shown".to_owned()], 1)
        );
    }
}

#[test]
fn inner_hits_and_completion_options_are_judged_in_fields_and_highlight() {
    let inner = json!({"c": {"hits": {"total": {"value": 2, "relation": "eq"}, "hits": [
        es_hit("inner listed", json!({"highlight": {"url": [LISTED]}})),
        es_hit("inner ok", json!({"_source": {"url": BENIGN}})),
    ]}}});
    let body = json!({
        "hits": {"total": {"value": 1, "relation": "eq"}, "hits": [
            es_hit("outer", json!({"_source": {"url": BENIGN}, "inner_hits": inner}))
        ]},
        "suggest": {"s": [{"text": "g", "offset": 0, "length": 1, "options": [
            {"text": "garden", "_id": "1", "_source": {"url": LISTED}},
            {"text": "gardens", "_id": "2", "_source": {"url": BENIGN}}
        ]}]}
    });
    for with_notice in [false, true] {
        let (ids, out, _) = run(
            "elasticsearch",
            &route("elasticsearch", ""),
            &body,
            with_notice,
        );
        assert_eq!(ids, ["outer"]);
        let inner = &out["hits"]["hits"][0]["inner_hits"]["c"]["hits"];
        assert_eq!(inner["hits"].as_array().unwrap().len(), 1, "{with_notice}");
        assert_eq!(inner["hits"][0]["_id"], "inner ok");
        assert_eq!(inner["total"]["value"], 1);
        let options = out["suggest"]["s"][0]["options"].as_array().unwrap();
        assert_eq!(options.len(), 1);
        assert_eq!(options[0]["_id"], "2");
    }
}

#[test]
fn meilisearch_and_typesense_highlights_are_judged() {
    let meili = json!({"hits": [
        {"id": "formatted", "title": "a", "_formatted": {"url": "https://files.example.com/<em>zorvexil</em>/a.jpg"}},
        {"id": "plain", "url": LISTED},
        {"id": "ok", "url": BENIGN, "_formatted": {"url": BENIGN}}
    ], "estimatedTotalHits": 3});
    let (ids, out, _) = run("meilisearch", &route("meilisearch", ""), &meili, false);
    assert_eq!(ids, ["ok"]);
    assert_eq!(out["estimatedTotalHits"], 1);

    let typesense = json!({"found": 4, "hits": [
        {"document": {"id": "snippet"}, "highlight": {"url": {"snippet": "https://files.example.com/<mark>zorvexil</mark>/a.jpg"}}},
        {"document": {"id": "hash"}, "highlight": {"md5": {"snippet": format!("<mark>{LISTED_MD5}</mark>")}}},
        {"document": {"id": "ok", "url": BENIGN}},
        {"id": "no document"}
    ]});
    let (ids, out, unjudged) = run("typesense", &route("typesense", ""), &typesense, false);
    assert_eq!((ids, unjudged), (vec!["ok".to_owned()], 1));
    assert_eq!(out["found"], 1);
}

/// A request that filters the fields (`_source` includes without the URL, `attributesToRetrieve`,
/// `include_fields`) makes a hit without a URL value unjudged: the container no longer shows
/// that the field is absent.
#[test]
fn filtered_requests_make_hits_without_values_unjudged() {
    let es = es_body(vec![
        es_hit("title only", json!({"_source": {"title": "roses"}})),
        es_hit(
            "with fields",
            json!({"_source": {"title": "roses"}, "fields": {"url": [BENIGN], "md5": ["0"]}}),
        ),
    ]);
    let meili = json!({"hits": [{"id": "title only", "title": "roses"}, {"id": "with url", "url": BENIGN, "md5": "0"}], "estimatedTotalHits": 2});
    let typesense =
        json!({"found": 1, "hits": [{"document": {"id": "title only", "title": "roses"}}]});
    /// Engine, request body, response, hits left, unjudged count.
    type Case<'a> = (&'a str, &'a [u8], &'a Value, Vec<&'a str>, u64);
    let cases: Vec<Case<'_>> = vec![
        (
            "elasticsearch",
            br#"{"_source": ["title"]}"#,
            &es,
            vec!["with fields"],
            1,
        ),
        (
            "elasticsearch",
            br#"{}"#,
            &es,
            vec!["title only", "with fields"],
            0,
        ),
        (
            "meilisearch",
            br#"{"attributesToRetrieve": ["title"]}"#,
            &meili,
            vec!["with url"],
            1,
        ),
        (
            "meilisearch",
            br#"{}"#,
            &meili,
            vec!["title only", "with url"],
            0,
        ),
        (
            "typesense",
            br#"{"searches": [{"include_fields": "title"}]}"#,
            &typesense,
            vec![],
            1,
        ),
    ];
    for (engine, request, body, want, unjudged) in cases {
        for with_notice in [false, true] {
            let got = run_for(request, engine, &route(engine, ""), body, with_notice);
            assert_eq!(
                (got.0, got.2),
                (
                    want.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
                    unjudged
                ),
                "{engine} {}",
                String::from_utf8_lossy(request)
            );
        }
    }
}

/// Only fields with lists loaded are asked for, and once the request as sent shows every one
/// of them, a hit's container shows that a field it lacks is absent: benign hits without a hash
/// are judged and kept, a hit without `_source` is still unjudged.
#[test]
fn revealed_requests_judge_absent_fields_as_absent() {
    let snap = snapshot();
    let es_route = route("elasticsearch", "");
    let f = PolicyFilter::new(&snap, &es_route, Default::default(), None, "k");
    assert_eq!(f.judged_pointers(), ["/_source/url", "/_source/md5"]);
    let no_hash_lists = Snapshot::build(vec![ListSource::new(
        ListSpec::from_flag(ListKind::Urls, "lists/urls.txt".into()),
        b"listed.example/\n".to_vec(),
    )])
    .unwrap();
    let f = PolicyFilter::new(&no_hash_lists, &es_route, Default::default(), None, "k");
    assert_eq!(f.judged_pointers(), ["/_source/url"]);

    let adapter = crate::engines::build("elasticsearch", None).unwrap();
    let method = http::Method::POST;
    let req = crate::engines::RequestView {
        method: &method,
        path: "/i/_search",
        query: None,
        content_type: Some("application/json"),
        body: br#"{"_source": ["title", "url", "md5"]}"#,
    };
    let body = es_body(vec![
        es_hit(
            "url only",
            json!({"_source": {"title": "t", "url": BENIGN}}),
        ),
        es_hit("listed", json!({"_source": {"url": LISTED}})),
        es_hit("no source", json!({})),
    ]);
    let bytes = serde_json::to_vec(&body).unwrap();
    // Without the reveal, "url only" shows no md5 value in a filtered `_source`: unjudged.
    let cases: [(bool, Vec<&str>, u64); 2] = [(false, vec![], 2), (true, vec!["url only"], 1)];
    for (revealed, want, unjudged) in cases {
        let mut f = PolicyFilter::new(&snap, &es_route, adapter.hit_fields(), None, "k")
            .with_engine(&*adapter, &req);
        if revealed {
            f = f.fields_revealed();
        }
        let out = adapter.rewrite(&req, &bytes, &mut f).unwrap().unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        let ids: Vec<&str> = out["hits"]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["_id"].as_str().unwrap())
            .collect();
        assert_eq!((ids, f.unjudged), (want, unjudged), "revealed: {revealed}");
    }
}
