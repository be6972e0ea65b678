//! searchward in front of a real OpenSearch 2.19 node (tests/engines/run.sh opensearch): blocked
//! and signposted searches, delisting and demotion by URL and by hash across the response shapes
//! the search API can be asked for, suggester stripping, `_msearch`, and the indexing guard
//! checked against what the engine stored. Each test has its own index.

use serde_json::{Value, json};

use crate::real_engine::{self, DOCS, Engine, assert_filtered};
use crate::util::{Proxy, Reply, request};

const ROUTES: &str = r#"
[[routes]]
name = "search"
path = "/{index}/_search"
methods = ["GET", "POST"]
kind = "search"
engine = "opensearch"
url_fields = ["/_source/url"]
hash_fields = [{ pointer = "/_source/md5", algorithm = "md5" }]

[[routes]]
name = "msearch"
path = "/{index}/_msearch"
methods = ["GET", "POST"]
kind = "search"
engine = "opensearch"
url_fields = ["/_source/url"]
hash_fields = [{ pointer = "/_source/md5", algorithm = "md5" }]

[[routes]]
name = "msearch-all"
path = "/_msearch"
methods = ["GET", "POST"]
kind = "search"
engine = "opensearch"
url_fields = ["/_source/url"]
hash_fields = [{ pointer = "/_source/md5", algorithm = "md5" }]

[[routes]]
name = "bulk"
path = "/_bulk"
methods = ["POST", "PUT"]
kind = "index"
engine = "opensearch"
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]

[[routes]]
name = "bulk-index"
path = "/{index}/_bulk"
methods = ["POST", "PUT"]
kind = "index"
engine = "opensearch"
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]

[[routes]]
name = "doc"
path = "/{index}/_doc/{id}"
methods = ["POST", "PUT"]
kind = "index"
engine = "opensearch"
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]

[[routes]]
name = "doc-auto-id"
path = "/{index}/_doc"
methods = ["POST"]
kind = "index"
engine = "opensearch"
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]

[[routes]]
name = "create"
path = "/{index}/_create/{id}"
methods = ["POST", "PUT"]
kind = "index"
engine = "opensearch"
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]

[[routes]]
name = "update"
path = "/{index}/_update/{id}"
methods = ["POST"]
kind = "index"
engine = "opensearch"
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]
"#;

/// searchward in front of the shared OpenSearch node; `None` (test skipped) without Java/Maven.
fn setup() -> Option<(&'static Engine, Proxy)> {
    let e = real_engine::opensearch()?;
    let dir = tempfile::tempdir().unwrap();
    let p = Proxy::serve(&real_engine::config(dir.path(), e.addr, ROUTES), &[]);
    Some((e, p))
}

fn send(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> Reply {
    let ct = if path.contains("_bulk") || path.contains("_msearch") {
        "application/x-ndjson"
    } else {
        "application/json"
    };
    request(addr, method, path, &[("content-type", ct)], body.as_bytes())
}

fn json_ok(r: &Reply, what: &str) -> Value {
    assert_eq!(r.status, 200, "{what}: {}", r.text());
    r.json()
}

/// Creates `index` (one shard, a completion sub-field on titles) and loads [`DOCS`] into it
/// directly, every body holding "garden".
fn load(e: &Engine, index: &str) {
    let mapping = json!({
        "settings": {"number_of_shards": 1, "number_of_replicas": 0},
        "mappings": {"properties": {
            "url": {"type": "keyword"},
            "title": {"type": "text", "fields": {"suggest": {"type": "completion"}}},
            "body": {"type": "text"},
            "md5": {"type": "keyword"}
        }}
    });
    let r = send(e.addr, "PUT", &format!("/{index}"), &mapping.to_string());
    assert_eq!(r.status, 200, "create {index}: {}", r.text());
    let mut bulk = String::new();
    for d in DOCS {
        bulk.push_str(&json!({"index": {"_id": d.id}}).to_string());
        bulk.push('\n');
        let mut doc = json!({"url": d.url, "title": d.title, "body": format!("garden {}", d.title.to_lowercase())});
        if let Some(m) = d.md5 {
            doc["md5"] = json!(m);
        }
        bulk.push_str(&doc.to_string());
        bulk.push('\n');
    }
    let v = json_ok(
        &send(
            e.addr,
            "POST",
            &format!("/{index}/_bulk?refresh=true"),
            &bulk,
        ),
        "load",
    );
    assert_eq!(v["errors"], false, "{v}");
}

/// The URLs of a search response's hits, in order, read from `_source`.
fn urls(v: &Value) -> Vec<String> {
    v["hits"]["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("no hits array: {v}"))
        .iter()
        .map(|h| h["_source"]["url"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// What the engine holds in `index`: URL by document id (searched directly, after a refresh).
fn stored(e: &Engine, index: &str) -> std::collections::BTreeMap<String, String> {
    let r = send(e.addr, "POST", &format!("/{index}/_refresh"), "");
    assert_eq!(r.status, 200, "{}", r.text());
    let v = json_ok(
        &send(e.addr, "GET", &format!("/{index}/_search?size=100"), ""),
        "stored",
    );
    v["hits"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["_id"].as_str().unwrap().to_owned(),
                h["_source"]["url"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const GARDEN: &str = r#"{"size": 50, "query": {"match": {"body": "garden"}}}"#;

#[test]
fn opensearch_hits_are_delisted_and_demoted_by_url_and_hash() {
    let Some((e, p)) = setup() else { return };
    load(e, "t-delist");
    let direct = json_ok(&send(e.addr, "POST", "/t-delist/_search", GARDEN), "direct");
    assert_eq!(direct["hits"]["total"]["value"], 7, "{direct}");
    let v = json_ok(&send(p.proxy, "POST", "/t-delist/_search", GARDEN), "proxy");
    assert_filtered("query DSL", &urls(&v));
    assert_eq!(v["hits"]["total"]["value"], 5, "{v}");
    assert!(v.get("searchward_notice").is_none(), "{v}");

    let v = json_ok(
        &send(
            p.proxy,
            "GET",
            "/t-delist/_search?q=body:garden&size=50",
            "",
        ),
        "q",
    );
    assert_filtered("URL q", &urls(&v));

    let m = crate::util::get(p.admin, "/metrics", &[]).text();
    for line in [
        "searchward_hits_filtered_total{list=\"urls\",effect=\"delist\"} 2",
        "searchward_hits_filtered_total{list=\"md5\",effect=\"delist\"} 2",
        "searchward_hits_filtered_total{list=\"soft-urls\",effect=\"demote\"} 2",
        "searchward_hits_filtered_total{list=\"soft-md5\",effect=\"demote\"} 2",
    ] {
        assert!(m.contains(line), "missing {line}\n{m}");
    }
}

/// Response shapes whose hits still carry `_source.url` and `_source.md5`: each is filtered.
#[test]
fn opensearch_response_variants_are_filtered() {
    let Some((e, p)) = setup() else { return };
    load(e, "t-variants");
    let highlight = r#"{"size": 50, "query": {"match": {"body": "garden"}}, "highlight": {"fields": {"body": {}}}}"#;
    let cases: &[(&str, &str, &str)] = &[
        (
            "rest_total_hits_as_int",
            "?rest_total_hits_as_int=true",
            GARDEN,
        ),
        ("typed_keys", "?typed_keys=true", GARDEN),
        ("highlight", "", highlight),
        (
            "_source includes",
            "?_source_includes=url,md5,title",
            GARDEN,
        ),
        (
            "_source list in the body",
            "",
            r#"{"size": 50, "_source": ["url", "md5"], "query": {"match": {"body": "garden"}}}"#,
        ),
        (
            "filter_path keeping url and md5",
            "?filter_path=hits.total,hits.hits._source.url,hits.hits._source.md5",
            GARDEN,
        ),
        ("explain and version", "?explain=true&version=true", GARDEN),
        (
            "sorted by url",
            "",
            r#"{"size": 50, "sort": [{"url": "asc"}], "query": {"match": {"body": "garden"}}}"#,
        ),
    ];
    for (name, query, body) in cases {
        let path = format!("/t-variants/_search{query}");
        let direct = json_ok(&send(e.addr, "POST", &path, body), name);
        assert_eq!(urls(&direct).len(), 7, "{name}: direct {direct}");
        let v = json_ok(&send(p.proxy, "POST", &path, body), name);
        assert_filtered(name, &urls(&v));
        match &v["hits"]["total"] {
            Value::Object(t) => assert_eq!(t["value"], 5, "{name}: {v}"),
            Value::Number(n) => assert_eq!(n.as_u64(), Some(5), "{name}: {v}"),
            other => panic!("{name}: total {other}"),
        }
        if *name == "highlight" {
            for h in v["hits"]["hits"].as_array().unwrap() {
                assert!(h["highlight"]["body"].is_array(), "{name}: {h}");
            }
        }
    }
}

/// Hits whose URL and hash the engine returns only in `fields`, `highlight` or nowhere the
/// route's pointers look (`_source` filtered out, `filter_path`).
#[test]

fn opensearch_hits_without_source_urls_are_still_filtered() {
    let Some((e, p)) = setup() else { return };
    load(e, "t-hidden");
    let cases: &[(&str, &str, &str)] = &[
        (
            "fields only",
            "",
            r#"{"size": 50, "_source": false, "fields": ["url", "md5"], "query": {"match": {"body": "garden"}}}"#,
        ),
        ("_source excludes url", "?_source_excludes=url,md5", GARDEN),
        ("_source=false", "?_source=false", GARDEN),
        (
            "filter_path to ids",
            "?filter_path=hits.hits._id,hits.total",
            GARDEN,
        ),
        (
            "docvalue_fields",
            "",
            r#"{"size": 50, "_source": false, "docvalue_fields": ["url", "md5"], "query": {"match": {"body": "garden"}}}"#,
        ),
        (
            "highlight only",
            "?filter_path=hits.hits.highlight,hits.hits._id",
            r#"{"size": 50, "query": {"match": {"body": "garden"}}, "highlight": {"fields": {"body": {}}}}"#,
        ),
    ];
    for (name, query, body) in cases {
        let path = format!("/t-hidden/_search{query}");
        let direct = send(e.addr, "POST", &path, body);
        assert_eq!(direct.status, 200, "{name}: {}", direct.text());
        let r = send(p.proxy, "POST", &path, body);
        let text = r.text();
        // Either filtered (the listed documents' ids gone) or refused; never passed as is.
        if r.status == 200 {
            let v = r.json();
            let ids: Vec<&str> = v["hits"]["hits"]
                .as_array()
                .map(|a| a.iter().filter_map(|h| h["_id"].as_str()).collect())
                .unwrap_or_default();
            assert!(
                !ids.contains(&"2") && !ids.contains(&"3"),
                "{name}: delisted hits passed: {text}"
            );
        }
        assert!(!text.contains("zorvexil-forum"), "{name}: {text}");
    }
}

/// What searchward should answer for a benign request whose direct answer is `direct`: the
/// same shape and values, the delisted documents (ids 2 and 3) gone from hits and completion
/// options, the demoted ones (4 and 5) moved after the rest, and a total two lower.
fn filtered_shape(direct: &Value) -> Value {
    let mut want = direct.clone();
    want["took"] = json!(0);
    if let Some(Value::Array(hits)) = want.pointer_mut("/hits/hits") {
        let id = |h: &Value| h["_id"].as_str().unwrap_or_default().to_owned();
        hits.retain(|h| !["2", "3"].contains(&id(h).as_str()));
        let (demoted, kept): (Vec<Value>, Vec<Value>) = hits
            .drain(..)
            .partition(|h| ["4", "5"].contains(&id(h).as_str()));
        hits.extend(kept);
        hits.extend(demoted);
    }
    if let Some(Value::Object(suggest)) = want.get_mut("suggest") {
        for entries in suggest.values_mut() {
            for entry in entries.as_array_mut().into_iter().flatten() {
                if let Some(Value::Array(options)) = entry.get_mut("options") {
                    // Delisted documents, and suggestions whose text holds a listed term.
                    options.retain(|o| {
                        !["2", "3"].contains(&o["_id"].as_str().unwrap_or_default())
                            && !o["text"].as_str().unwrap_or_default().contains("zorvexil")
                    });
                }
            }
        }
    }
    match want.pointer_mut("/hits/total") {
        Some(Value::Number(n)) => *n = (n.as_u64().unwrap() - 2).into(),
        Some(Value::Object(t)) => t["value"] = json!(t["value"].as_u64().unwrap() - 2),
        _ => {}
    }
    want
}

/// Requests that hide `_source.url` and `_source.md5` are widened upstream and narrowed back:
/// the client gets exactly the engine's answer to its own request, less the delisted hits, and
/// no hit is left unjudged.
#[test]
fn opensearch_hidden_fields_keep_the_clients_shape() {
    let Some((e, p)) = setup() else { return };
    load(e, "t-shape");
    let q = r#""size": 50, "query": {"match": {"body": "garden"}}"#;
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "_source false in the body",
            "",
            format!(r#"{{{q}, "_source": false}}"#),
        ),
        (
            "_source false with fields",
            "",
            format!(r#"{{{q}, "_source": false, "fields": ["url", "title"]}}"#),
        ),
        (
            "_source false with docvalue_fields",
            "",
            format!(r#"{{{q}, "_source": false, "docvalue_fields": ["url"]}}"#),
        ),
        ("_source=false", "?_source=false", format!("{{{q}}}")),
        (
            "_source_includes=title",
            "?_source_includes=title",
            format!("{{{q}}}"),
        ),
        (
            "_source_excludes=url,md5",
            "?_source_excludes=url,md5",
            format!("{{{q}}}"),
        ),
        (
            "_source list in the body",
            "",
            format!(r#"{{{q}, "_source": ["title"]}}"#),
        ),
        (
            "_source excludes pattern",
            "",
            format!(r#"{{{q}, "_source": {{"excludes": ["u*", "md*"]}}}}"#),
        ),
        (
            "filter_path ids",
            "?filter_path=hits.hits._id,hits.total",
            format!("{{{q}}}"),
        ),
        (
            "filter_path total only",
            "?filter_path=hits.total",
            format!("{{{q}}}"),
        ),
        (
            "filter_path source title",
            "?filter_path=hits.hits._id,hits.hits._source.title",
            format!("{{{q}}}"),
        ),
        (
            "filter_path excluding url",
            "?filter_path=-hits.hits._source.url,-took",
            format!("{{{q}}}"),
        ),
        (
            "filter_path highlight",
            "?filter_path=hits.hits.highlight,hits.hits._id",
            format!(r#"{{{q}, "highlight": {{"fields": {{"body": {{}}}}}}}}"#),
        ),
        (
            "stored_fields",
            "",
            format!(r#"{{{q}, "stored_fields": ["title"]}}"#),
        ),
        (
            "completion options with _source false",
            "",
            format!(
                r#"{{{q}, "_source": false, "suggest": {{"c": {{"prefix": "gar", "completion": {{"field": "title.suggest", "size": 10}}}}}}}}"#
            ),
        ),
        (
            "filter_path to a field some hits lack",
            "?filter_path=hits.hits._source.md5,hits.hits._id",
            format!("{{{q}}}"),
        ),
        (
            "filter_path and _source false",
            "?filter_path=hits.hits._id,hits.hits._source&_source=false",
            format!("{{{q}}}"),
        ),
    ];
    for (name, query, body) in &cases {
        let path = format!("/t-shape/_search{query}");
        let direct = json_ok(&send(e.addr, "POST", &path, body), name);
        let mut got = json_ok(&send(p.proxy, "POST", &path, body), name);
        if got.get("took").is_some() {
            got["took"] = json!(0);
        }
        let mut want = filtered_shape(&direct);
        if direct.get("took").is_none() {
            want.as_object_mut().unwrap().remove("took");
        }
        assert_eq!(got, want, "{name}: direct answer {direct}");
    }
    let unjudged = crate::util::metric(p.admin, "searchward_unjudged_hits_total{route=\"search\"}");
    assert!(unjudged.is_none_or(|n| n == 0.0), "unjudged: {unjudged:?}");

    // `_msearch`: each search widened on its own.
    let body = format!(
        "{{}}\n{{{q}, \"_source\": false}}\n{{}}\n{{{q}, \"_source\": [\"title\"]}}\n{{}}\n{{{q}}}\n"
    );
    let direct = json_ok(&send(e.addr, "POST", "/t-shape/_msearch", &body), "msearch");
    let got = json_ok(
        &send(p.proxy, "POST", "/t-shape/_msearch", &body),
        "msearch",
    );
    let (direct, got) = (
        direct["responses"].as_array().unwrap(),
        got["responses"].as_array().unwrap(),
    );
    assert_eq!(got.len(), 3);
    for (g, d) in got.iter().zip(direct) {
        let mut g = g.clone();
        g["took"] = json!(0);
        assert_eq!(g, filtered_shape(d), "msearch");
    }
}

#[test]
fn opensearch_blocked_search_has_the_engines_empty_shape_and_the_notice() {
    let Some((e, p)) = setup() else { return };
    load(e, "t-blocked");
    let cases: &[(&str, &str, &str, &str)] = &[
        ("q", "GET", "/t-blocked/_search?q=zorvexil", ""),
        (
            "query DSL",
            "POST",
            "/t-blocked/_search",
            r#"{"query": {"match": {"body": "garden zorvexil"}}}"#,
        ),
        (
            "rest_total_hits_as_int",
            "GET",
            "/t-blocked/_search?q=zorvexil&rest_total_hits_as_int=true",
            "",
        ),
        (
            "suggesters",
            "POST",
            "/t-blocked/_search",
            r#"{"query": {"match": {"body": "quandrith"}}, "suggest": {"c": {"prefix": "zorv", "completion": {"field": "title.suggest"}}, "t": {"text": "zorvexil", "term": {"field": "body"}}}}"#,
        ),
        (
            "typed_keys suggesters",
            "POST",
            "/t-blocked/_search?typed_keys=true",
            r#"{"suggest": {"c": {"prefix": "zorv", "completion": {"field": "title.suggest"}}, "t": {"text": "zorvexil", "term": {"field": "body"}}}}"#,
        ),
    ];
    for (name, method, path, body) in cases {
        let v = json_ok(&send(p.proxy, method, path, body), name);
        assert_eq!(v["searchward_notice"]["kind"], "deterrence", "{name}: {v}");
        // The engine's own answer to the same request with nothing to find.
        let nothing = path
            .replace("zorvexil", "nothingzz")
            .replace("zorv", "nzzq");
        let nothing_body = body
            .replace("zorvexil", "nothingzz")
            .replace("quandrith", "nothingzz")
            .replace("zorv", "nzzq")
            .replace("garden ", "");
        let own = json_ok(&send(e.addr, method, &nothing, &nothing_body), name);
        assert_same_shape(name, &own, &v);
    }
}

/// `got` has the engine's keys, types and empty values (ignoring timings and shard counts),
/// plus the notice.
fn assert_same_shape(name: &str, own: &Value, got: &Value) {
    let mut got = got.clone();
    if let Value::Object(m) = &mut got {
        m.remove("searchward_notice");
    }
    let strip = |v: &Value| -> Value {
        let mut v = v.clone();
        if let Value::Object(m) = &mut v {
            m.insert("took".into(), json!(0));
            m.insert("_shards".into(), json!({}));
            if let Some(Value::Object(s)) = m.get_mut("suggest") {
                for entries in s.values_mut() {
                    for e in entries.as_array_mut().into_iter().flatten() {
                        // The empty answer repeats the asked text; the engine's nonsense differs.
                        e["text"] = json!("");
                        e["length"] = json!(0);
                    }
                }
            }
        }
        v
    };
    assert_eq!(
        strip(&got),
        strip(own),
        "{name}: blocked answer differs from the engine's own empty answer"
    );
}

#[test]
fn opensearch_signposted_search_passes_results_with_the_support_notice() {
    let Some((e, p)) = setup() else { return };
    load(e, "t-signpost");
    let body = r#"{"size": 50, "query": {"bool": {"should": [{"match": {"body": "garden"}}, {"match": {"body": "Tobin Marsk glimtrax"}}]}}}"#;
    let v = json_ok(
        &send(p.proxy, "POST", "/t-signpost/_search", body),
        "signpost",
    );
    assert_eq!(v["searchward_notice"]["kind"], "support", "{v}");
    assert_filtered("signposted", &urls(&v));
}

#[test]
fn opensearch_suggesters_are_stripped() {
    let Some((e, p)) = setup() else { return };
    load(e, "t-suggest");
    for typed in ["", "?typed_keys=true"] {
        let path = format!("/t-suggest/_search{typed}");
        let (c, t) = if typed.is_empty() {
            ("c", "t")
        } else {
            ("completion#c", "term#t")
        };
        let completion = r#"{"size": 0, "suggest": {"c": {"prefix": "gar", "completion": {"field": "title.suggest", "size": 10}}}}"#;
        let direct = json_ok(&send(e.addr, "POST", &path, completion), "direct");
        let texts = |v: &Value, key: &str| -> Vec<String> {
            v["suggest"][key][0]["options"]
                .as_array()
                .unwrap_or_else(|| panic!("no options for {key}: {v}"))
                .iter()
                .map(|o| o["text"].as_str().unwrap().to_owned())
                .collect()
        };
        assert!(
            texts(&direct, c).iter().any(|t| t.contains("zorvexil")),
            "index not as expected: {direct}"
        );
        let v = json_ok(&send(p.proxy, "POST", &path, completion), "completion");
        let got = texts(&v, c);
        assert!(!got.iter().any(|t| t.contains("zorvexil")), "{got:?}");
        // Options carry their document: the delisted ones go too.
        assert!(
            !got.iter()
                .any(|t| t == "Garden forum" || t == "Garden photos"),
            "{got:?}"
        );
        assert!(got.contains(&"Garden tips".to_owned()), "{got:?}");

        // A misspelling whose correction is a listed term.
        let term = r#"{"size": 0, "suggest": {"t": {"text": "zorvexal", "term": {"field": "body", "suggest_mode": "always"}}}}"#;
        let direct = json_ok(&send(e.addr, "POST", &path, term), "direct term");
        let r = send(p.proxy, "POST", &path, term);
        let v = json_ok(&r, "term");
        if v.get("searchward_notice").is_none() {
            assert!(
                texts(&direct, t).iter().any(|s| s == "zorvexil"),
                "index not as expected: {direct}"
            );
            assert!(!texts(&v, t).iter().any(|s| s.contains("zorvexil")), "{v}");
        } else {
            // The misspelling itself is caught: blocked, no options at all.
            assert!(texts(&v, t).is_empty(), "{v}");
        }
        let clean =
            r#"{"size": 0, "suggest": {"t": {"text": "gardan", "term": {"field": "body"}}}}"#;
        let v = json_ok(&send(p.proxy, "POST", &path, clean), "clean term");
        assert_eq!(texts(&v, t), ["garden"], "{v}");
    }
}

#[test]
fn opensearch_msearch_filters_each_response() {
    let Some((e, p)) = setup() else { return };
    load(e, "t-msearch");
    let body = concat!(
        "{\"index\": \"t-msearch\"}\n",
        "{\"size\": 50, \"query\": {\"match\": {\"body\": \"garden\"}}}\n",
        "{\"index\": \"t-msearch\"}\n",
        "{\"size\": 50, \"query\": {\"match\": {\"title\": \"tips\"}}}\n",
    );
    for path in ["/_msearch", "/t-msearch/_msearch"] {
        let direct = json_ok(&send(e.addr, "POST", path, body), "direct");
        assert_eq!(urls(&direct["responses"][0]).len(), 7, "{direct}");
        let v = json_ok(&send(p.proxy, "POST", path, body), path);
        let responses = v["responses"].as_array().unwrap();
        assert_eq!(responses.len(), 2, "{v}");
        assert_filtered(path, &urls(&responses[0]));
        assert_eq!(urls(&responses[1]), ["https://garden.example/tips"]);
    }
    // One blocked search blocks the whole request: every response empty, with the notice.
    let blocked = body.replace("tips", "zorvexil");
    let v = json_ok(&send(p.proxy, "POST", "/_msearch", &blocked), "blocked");
    let own = json_ok(
        &send(
            e.addr,
            "POST",
            "/_msearch",
            &blocked
                .replace("zorvexil", "nothingzz")
                .replace("garden", "nothingzz"),
        ),
        "own",
    );
    let responses = v["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 2, "{v}");
    for (r, o) in responses.iter().zip(own["responses"].as_array().unwrap()) {
        assert_eq!(r["hits"]["hits"], json!([]), "{v}");
        assert_eq!(r["status"], o["status"], "{v}");
        assert_eq!(r["hits"]["total"], o["hits"]["total"], "{v}");
    }
    assert_eq!(v["searchward_notice"]["kind"], "deterrence", "{v}");
}

fn bulk_lines(index: Option<&str>, docs: &[(&str, &str, Option<&str>)]) -> String {
    let mut s = String::new();
    for (id, url, md5) in docs {
        let action = match index {
            Some(i) => json!({"index": {"_index": i, "_id": id}}),
            None => json!({"index": {"_id": id}}),
        };
        let mut doc = json!({"url": url, "title": "Garden", "body": "garden"});
        if let Some(m) = md5 {
            doc["md5"] = json!(m);
        }
        s.push_str(&format!("{action}\n{doc}\n"));
    }
    s
}

#[test]
fn opensearch_indexing_guard_keeps_listed_documents_out_of_the_index() {
    let Some((e, p)) = setup() else { return };
    let docs = [
        ("a", "https://garden.example/a", None),
        ("b", "https://www.zorvexil-forum.example/t/9", None),
        (
            "c",
            "https://garden.example/c",
            Some(real_engine::LISTED_MD5),
        ),
        ("d", "https://garden.example/d", None),
    ];
    let want: std::collections::BTreeMap<String, String> = [
        ("a".to_owned(), "https://garden.example/a".to_owned()),
        ("d".to_owned(), "https://garden.example/d".to_owned()),
    ]
    .into();
    // `_bulk` naming the index in each action, then in the path.
    for (index, path, named) in [
        ("t-bulk-all", "/_bulk?refresh=true", true),
        ("t-bulk-index", "/t-bulk-index/_bulk?refresh=true", false),
    ] {
        let body = bulk_lines(named.then_some(index), &docs);
        let r = send(p.proxy, "POST", path, &body);
        let v = json_ok(&r, path);
        assert_eq!(r.header("x-searchward-refused"), Some("1,2"), "{path}");
        assert_eq!(v["items"].as_array().map(Vec::len), Some(2), "{v}");
        assert_eq!(stored(e, index), want, "{path}: what the engine stored");
    }

    // Single documents: `_doc` (with and without an id), `_create`, `_update`.
    let index = "t-single";
    let cases: &[(&str, &str, &str, &str, u16)] = &[
        (
            "_doc clean",
            "PUT",
            "/t-single/_doc/1?refresh=true",
            r#"{"url": "https://garden.example/one", "title": "Garden"}"#,
            201,
        ),
        (
            "_doc listed URL",
            "PUT",
            "/t-single/_doc/2?refresh=true",
            r#"{"url": "https://velmorik.example.net/x", "title": "Garden"}"#,
            422,
        ),
        (
            "_doc listed hash",
            "PUT",
            "/t-single/_doc/3?refresh=true",
            r#"{"url": "https://garden.example/three", "md5": "3dbcfd15b317557b3d3f9b5c78d7cc18"}"#,
            422,
        ),
        (
            "_doc without id, listed",
            "POST",
            "/t-single/_doc?refresh=true",
            r#"{"url": "https://files.example.com/zorvexil/1.jpg"}"#,
            422,
        ),
        (
            "_create listed",
            "PUT",
            "/t-single/_create/4?refresh=true",
            r#"{"url": "http://share.example.net/u/tobin-marsk/a"}"#,
            422,
        ),
        (
            "_create clean",
            "PUT",
            "/t-single/_create/5?refresh=true",
            r#"{"url": "https://garden.example/five"}"#,
            201,
        ),
        (
            "_update to a listed URL",
            "POST",
            "/t-single/_update/1?refresh=true",
            r#"{"doc": {"url": "https://quandrith-pics.invalid/p"}}"#,
            422,
        ),
        (
            "_update upsert, listed",
            "POST",
            "/t-single/_update/6?refresh=true",
            r#"{"doc": {"url": "https://garden.example/six"}, "upsert": {"url": "https://zorvexil-forum.example/u"}}"#,
            // One document of a single-document request refused: the whole request is.
            400,
        ),
        (
            "_update doc_as_upsert, listed",
            "POST",
            "/t-single/_update/7?refresh=true",
            r#"{"doc": {"url": "https://zorvexil-forum.example/d"}, "doc_as_upsert": true}"#,
            422,
        ),
        (
            "_update clean",
            "POST",
            "/t-single/_update/5?refresh=true",
            r#"{"doc": {"title": "Garden five"}}"#,
            200,
        ),
    ];
    for (name, method, path, body, status) in cases {
        let r = send(p.proxy, method, path, body);
        assert_eq!(r.status, *status, "{name}: {}", r.text());
    }
    let want: std::collections::BTreeMap<String, String> = [
        ("1".to_owned(), "https://garden.example/one".to_owned()),
        ("5".to_owned(), "https://garden.example/five".to_owned()),
    ]
    .into();
    assert_eq!(stored(e, index), want, "what the engine stored");
}
