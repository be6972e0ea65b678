//! searchward in front of a real Solr 9 core (tests/engines/run.sh solr): a request whose `fl`
//! leaves out the URL and hash fields is widened upstream, its hits judged, and the client gets
//! the engine's own answer to its request less the delisted documents. Through the `solr`
//! profile, on standalone Solr and on SolrCloud: blocked and signposted requests, delisting by URL
//! and hash, suggester stripping, and the indexing guard checked against what the engine stored.

use serde_json::{Value, json};

use crate::real_engine::{self, DOCS, assert_filtered};
use crate::util::{Proxy, request};

const ROUTES: &str = r#"
[[routes]]
name = "select"
path = "/solr/{core}/select"
methods = ["GET", "POST"]
kind = "search"
engine = "solr"
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]
"#;

fn get(addr: std::net::SocketAddr, target: &str) -> Value {
    let r = request(addr, "GET", target, &[], b"");
    assert_eq!(r.status, 200, "{target}: {}", r.text());
    r.json()
}

/// Indexes [`DOCS`] under ids `{prefix}-{id}`, every body holding `token`.
fn load(e: &real_engine::Engine, prefix: &str, token: &str) {
    let docs: Vec<Value> = DOCS
        .iter()
        .map(|d| {
            let mut doc = json!({"id": format!("{prefix}-{}", d.id), "url": d.url, "title": d.title, "body": token});
            if let Some(m) = d.md5 {
                doc["md5"] = json!(m);
            }
            doc
        })
        .collect();
    let body = serde_json::to_vec(&docs).unwrap();
    let r = request(
        e.addr,
        "POST",
        "/solr/searchward/update?commit=true",
        &[("content-type", "application/json")],
        &body,
    );
    assert_eq!(r.status, 200, "load: {}", r.text());
}

#[test]
fn solr_field_lists_are_widened_and_answers_keep_the_clients_shape() {
    let Some(e) = real_engine::solr() else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = Proxy::serve(&real_engine::config(dir.path(), e.addr, ROUTES), &[]);
    load(e, "fl", "flqvx");
    let (listed, demoted) = (["fl-2", "fl-3"], ["fl-4", "fl-5"]);
    for fl in ["id,title", "id", "id+score", "title,id,body", "*"] {
        let target = format!("/solr/searchward/select?q=body:flqvx&rows=50&sort=id+asc&fl={fl}");
        let mut direct = get(e.addr, &target);
        let mut got = get(p.proxy, &target);
        for v in [&mut direct, &mut got] {
            v["responseHeader"]["QTime"] = json!(0);
        }
        let response = &mut direct["response"];
        let docs = response["docs"].as_array_mut().unwrap();
        let id = |d: &Value| d["id"].as_str().unwrap_or_default().to_owned();
        docs.retain(|d| !listed.contains(&id(d).as_str()));
        let (down, mut kept): (Vec<Value>, Vec<Value>) = docs
            .drain(..)
            .partition(|d| demoted.contains(&id(d).as_str()));
        kept.extend(down);
        *docs = kept;
        response["numFound"] = json!(response["numFound"].as_u64().unwrap() - 2);
        assert_eq!(got, direct, "fl={fl}");
    }
}

/// The `solr` profile with the hits' and documents' URL and MD5 fields: select, suggest and the
/// update handlers inspected, everything else as docs/endpoints.md lists it.
const PROFILE: &str = r#"
[engine]
profile = "solr"

[engine.search]
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]

[engine.index]
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]
"#;

/// Standalone Solr and two-shard SolrCloud, each with searchward in front (profile `solr`);
/// engines that cannot start here (no Java or Maven) are left out.
fn engines() -> Vec<(&'static str, &'static real_engine::Engine, Proxy)> {
    let mut out = Vec::new();
    for (name, e) in [
        ("solr", real_engine::solr()),
        ("solrcloud", real_engine::solrcloud()),
    ] {
        if let Some(e) = e {
            let dir = tempfile::tempdir().unwrap();
            let p = Proxy::serve(&real_engine::config(dir.path(), e.addr, PROFILE), &[]);
            out.push((name, e, p));
        }
    }
    out
}

/// The URLs of a select answer's documents, in order.
fn doc_urls(v: &Value) -> Vec<String> {
    v["response"]["docs"]
        .as_array()
        .unwrap_or_else(|| panic!("no docs: {v}"))
        .iter()
        .map(|d| d["url"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn solr_hits_are_delisted_and_demoted_by_url_and_hash() {
    for (name, e, p) in engines() {
        load(e, "dl", "dlqvx");
        let target = "/solr/searchward/select?q=body:dlqvx&rows=50";
        let direct = get(e.addr, target);
        assert_eq!(direct["response"]["numFound"], 7, "{name}: {direct}");
        let v = get(p.proxy, target);
        assert_filtered(name, &doc_urls(&v));
        assert_eq!(v["response"]["numFound"], 5, "{name}: {v}");
        assert!(v.get("searchward_notice").is_none(), "{name}: {v}");
        // The JSON Request API.
        let r = request(
            p.proxy,
            "POST",
            "/solr/searchward/select",
            &[("content-type", "application/json")],
            br#"{"query": "body:dlqvx", "limit": 50}"#,
        );
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        assert_filtered(name, &doc_urls(&r.json()));
    }
}

/// Drops what differs between two answers to different queries: timings, the echoed
/// parameters and SolrCloud's `zkConnected`; keeps the header's status and the rest.
fn comparable(v: &Value) -> Value {
    let status = v["responseHeader"]["status"].clone();
    let mut v = v.clone();
    if let Value::Object(m) = &mut v {
        m.remove("searchward_notice");
        m.insert("responseHeader".into(), json!({ "status": status }));
    }
    v
}

/// Blocked searches get Solr's own empty answer plus the deterrence notice; a flagged suggestion
/// prefix gets the suggester's own empty answer and no notice (it feeds a drop-down).
#[test]
fn solr_blocked_requests_have_solrs_empty_shape() {
    for (name, e, p) in engines() {
        load(e, "bk", "bkqvx");
        let cases = [
            ("/solr/searchward/select?q=zorvexil", true),
            (
                "/solr/searchward/select?q=body:bkqvx+zorvexil&rows=50",
                true,
            ),
            ("/solr/searchward/select?q=*:*&fq=body:zorvexil", true),
            (
                "/solr/searchward/suggest?suggest.q=zorvexil&suggest.dictionary=titles",
                false,
            ),
        ];
        for (target, notice) in cases {
            let v = get(p.proxy, target);
            if notice {
                assert_eq!(
                    v["searchward_notice"]["kind"], "deterrence",
                    "{name} {target}: {v}"
                );
            } else {
                assert!(v.get("searchward_notice").is_none(), "{name} {target}: {v}");
            }
            // The engine's own answer to the same request with nothing to find.
            let own = get(
                e.addr,
                &target
                    .replace("zorvexil", "nothingzz")
                    .replace("bkqvx+", ""),
            );
            let mut own = comparable(&own);
            if name == "solrcloud" {
                // A distributed search's empty answer also carries `maxScore: 0.0`; searchward
                // answers in standalone Solr's shape, which has none (clients treat it as
                // optional).
                if let Some(Value::Object(r)) = own.get_mut("response") {
                    r.remove("maxScore");
                }
            }
            if let Some(s) = own.get_mut("suggest").and_then(|s| s.get_mut("titles")) {
                // The empty answer repeats the asked text under its own key.
                *s = json!({"zorvexil": s["nothingzz"].clone()});
            }
            assert_eq!(comparable(&v), own, "{name} {target}");
        }
    }
}

#[test]
fn solr_signposted_search_passes_results_with_the_support_notice() {
    for (name, e, p) in engines() {
        load(e, "sp", "spqvx");
        let v = get(
            p.proxy,
            "/solr/searchward/select?q=body:spqvx+OR+body:%22Tobin+Marsk+glimtrax%22&rows=50",
        );
        assert_eq!(v["searchward_notice"]["kind"], "support", "{name}: {v}");
        assert_filtered(name, &doc_urls(&v));
    }
}

/// The launcher's core has a suggester (`titles`, over document titles, built on commit): its
/// suggestions holding a listed term are stripped, the others kept.
#[test]
fn solr_suggestions_holding_listed_terms_are_stripped() {
    for (name, e, p) in engines() {
        load(e, "sg", "sgqvx");
        let target =
            "/solr/searchward/suggest?suggest.q=garden&suggest.dictionary=titles&suggest.count=100";
        let terms = |v: &Value| -> Vec<String> {
            v["suggest"]["titles"]["garden"]["suggestions"]
                .as_array()
                .unwrap_or_else(|| panic!("no suggestions: {v}"))
                .iter()
                .map(|s| s["term"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let direct = terms(&get(e.addr, target));
        assert!(
            direct.iter().any(|t| t.contains("zorvexil")),
            "{name}: index not as expected: {direct:?}"
        );
        let v = get(p.proxy, target);
        let got = terms(&v);
        assert!(
            !got.iter().any(|t| t.contains("zorvexil")),
            "{name}: {got:?}"
        );
        let mut want: Vec<String> = direct
            .iter()
            .filter(|t| !t.contains("zorvexil"))
            .cloned()
            .collect();
        let mut got = got;
        if name == "solrcloud" {
            // SolrCloud merges its shards' suggestions of equal weight in no fixed order, so two
            // requests differ in order: compare what is kept, not where.
            got.sort();
            want.sort();
        }
        assert_eq!(got, want, "{name}");
        assert_eq!(
            v["suggest"]["titles"]["garden"]["numFound"],
            want.len(),
            "{name}: {v}"
        );
    }
}

/// What the engine holds under ids starting `prefix-`: URL by id (queried directly).
fn stored(e: &real_engine::Engine, prefix: &str) -> std::collections::BTreeMap<String, String> {
    let v = get(
        e.addr,
        &format!("/solr/searchward/select?q=%7B!prefix+f%3Did%7D{prefix}-&rows=100&fl=id,url"),
    );
    v["response"]["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_owned(),
                d["url"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn solr_indexing_guard_keeps_listed_documents_out_of_the_index() {
    for (name, e, p) in engines() {
        for (prefix, path) in [
            ("ig-upd", "/solr/searchward/update?commit=true"),
            ("ig-docs", "/solr/searchward/update/json/docs?commit=true"),
        ] {
            let docs = json!([
                {"id": format!("{prefix}-a"), "url": "https://garden.example/a"},
                {"id": format!("{prefix}-b"), "url": "https://www.zorvexil-forum.example/t/9"},
                {"id": format!("{prefix}-c"), "url": "https://garden.example/c", "md5": real_engine::LISTED_MD5},
                {"id": format!("{prefix}-d"), "url": "https://garden.example/d"},
            ]);
            let r = request(
                p.proxy,
                "POST",
                path,
                &[("content-type", "application/json")],
                docs.to_string().as_bytes(),
            );
            assert_eq!(r.status, 200, "{name} {path}: {}", r.text());
            assert_eq!(
                r.header("x-searchward-refused"),
                Some("1,2"),
                "{name} {path}"
            );
            let want: std::collections::BTreeMap<String, String> = [
                (format!("{prefix}-a"), "https://garden.example/a".to_owned()),
                (format!("{prefix}-d"), "https://garden.example/d".to_owned()),
            ]
            .into();
            assert_eq!(
                stored(e, prefix),
                want,
                "{name} {path}: what the engine stored"
            );
        }
        // One listed document on its own: refused whole, nothing stored.
        let r = request(
            p.proxy,
            "POST",
            "/solr/searchward/update/json/docs?commit=true",
            &[("content-type", "application/json")],
            br#"{"id": "ig-one-x", "url": "https://velmorik.example.net/x"}"#,
        );
        assert_eq!(r.status, 422, "{name}: {}", r.text());
        assert!(
            stored(e, "ig-one").is_empty(),
            "{name}: listed document stored"
        );
    }
}
