//! searchward in front of a real Solr 9 core (tests/engines/run.sh solr): a request whose `fl`
//! leaves out the URL and hash fields is widened upstream, its hits judged, and the client gets
//! the engine's own answer to its request less the delisted documents.

use serde_json::{Value, json};

use crate::real_engine::{self, DOCS};
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
