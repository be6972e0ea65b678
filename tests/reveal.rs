//! Requests that hide the fields hits are judged by, against a recording upstream: for each
//! engine, the exact request the upstream received (widened so that it returns the URL and hash
//! fields) and the exact answer the client got (judged, then narrowed back to the shape it asked
//! for). Requests that cannot be widened go as sent, and their unjudged hits are dropped and
//! counted.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::real_engine::{self, LISTED_MD5};
use crate::util::{self, Proxy};

const LISTED_URL: &str = "https://www.zorvexil-forum.example/t/1";

const ROUTES: &str = r#"
[[routes]]
name = "es"
path = "/{index}/_search"
methods = ["GET", "POST"]
kind = "search"
engine = "elasticsearch"
url_fields = ["/_source/url"]
hash_fields = [{ pointer = "/_source/md5", algorithm = "md5" }]

[[routes]]
name = "solr"
path = "/solr/{core}/select"
methods = ["GET", "POST"]
kind = "search"
engine = "solr"
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]

[[routes]]
name = "meili"
path = "/indexes/{index}/search"
methods = ["GET", "POST"]
kind = "search"
engine = "meilisearch"
url_fields = ["/url"]
hash_fields = [{ pointer = "/md5", algorithm = "md5" }]

[[routes]]
name = "typesense"
path = "/collections/{c}/documents/search"
methods = ["GET"]
kind = "search"
engine = "typesense"
url_fields = ["/document/url"]
hash_fields = [{ pointer = "/document/md5", algorithm = "md5" }]
"#;

/// What the upstream received: target (path and query) and body.
type Seen = (String, String);

/// An upstream that records each request and answers every one with the same scripted body.
struct Recorder {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    answer: Arc<Mutex<String>>,
    _rt: tokio::runtime::Runtime,
}

impl Recorder {
    fn start() -> Recorder {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let answer: Arc<Mutex<String>> = Arc::default();
        let (record, script) = (seen.clone(), answer.clone());
        let (addr, rt) = util::serve_http(1, move |req| {
            answer_one(req, record.clone(), script.clone())
        });
        Recorder {
            addr,
            seen,
            answer,
            _rt: rt,
        }
    }

    /// Sends `method target body` through `proxy` with this upstream answering `answer`;
    /// returns what the upstream received and the client's status and body.
    fn exchange(
        &self,
        proxy: &Proxy,
        method: &str,
        target: &str,
        body: &str,
        answer: &str,
    ) -> (Vec<Seen>, u16, String) {
        *self.answer.lock().unwrap() = answer.to_owned();
        self.seen.lock().unwrap().clear();
        let ct = if body.starts_with('{') {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        let r = util::request(
            proxy.proxy,
            method,
            target,
            &[("content-type", ct)],
            body.as_bytes(),
        );
        let seen = self.seen.lock().unwrap().clone();
        (seen, r.status, r.text())
    }
}

async fn answer_one(
    req: Request<Incoming>,
    record: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<String>>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let target = req.uri().to_string();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    record
        .lock()
        .unwrap()
        .push((target, String::from_utf8_lossy(&body).into_owned()));
    let answer = script.lock().unwrap().clone();
    Ok(Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(answer)))
        .unwrap())
}

fn setup() -> (Recorder, Proxy, tempfile::TempDir) {
    let up = Recorder::start();
    let dir = tempfile::tempdir().unwrap();
    let proxy = Proxy::serve(&real_engine::config(dir.path(), up.addr, ROUTES), &[]);
    (up, proxy, dir)
}

/// One case: the client's request, what the upstream must receive, the upstream's answer (to
/// the widened request) and what the client must get, byte for byte.
struct Case {
    name: &'static str,
    method: &'static str,
    target: &'static str,
    body: &'static str,
    upstream_target: &'static str,
    upstream_body: &'static str,
    answer: String,
    client: String,
}

fn run(cases: &[Case]) {
    let (up, proxy, _dir) = setup();
    for c in cases {
        let (seen, status, text) = up.exchange(&proxy, c.method, c.target, c.body, &c.answer);
        assert_eq!(status, 200, "{}: {text}", c.name);
        assert_eq!(
            seen,
            [(c.upstream_target.to_owned(), c.upstream_body.to_owned())],
            "{}: what the upstream received",
            c.name
        );
        assert_eq!(text, c.client, "{}: what the client got", c.name);
    }
    let unjudged = util::metric(proxy.admin, "searchward_unjudged_hits_total{route=\"es\"}");
    assert!(unjudged.is_none_or(|n| n == 0.0), "unjudged: {unjudged:?}");
}

/// Four Elasticsearch hits as the widened request returns them: a benign one, one listed by
/// URL, one listed by hash, one without a hash; `extra` is merged into each `_source`.
fn es_answer(extra: &str) -> String {
    format!(
        concat!(
            r#"{{"took":1,"hits":{{"total":{{"value":4,"relation":"eq"}},"hits":["#,
            r#"{{"_id":"1","_source":{{{e}"url":"https://garden.example/a","md5":"00000000000000000000000000000000"}}}},"#,
            r#"{{"_id":"2","_source":{{{e}"url":"{listed}"}}}},"#,
            r#"{{"_id":"3","_source":{{{e}"url":"https://garden.example/c","md5":"{md5}"}}}},"#,
            r#"{{"_id":"4","_source":{{{e}"url":"https://garden.example/d"}}}}]}}}}"#
        ),
        e = extra,
        listed = LISTED_URL,
        md5 = LISTED_MD5
    )
}

#[test]
fn elasticsearch_requests_are_widened_and_answers_narrowed() {
    let cases = [
        Case {
            name: "_source=false in the URL",
            method: "GET",
            target: "/idx/_search?q=garden&_source=false",
            body: "",
            upstream_target: "/idx/_search?q=garden&_source_includes=url,md5",
            upstream_body: "",
            answer: es_answer(""),
            client: r#"{"took":1,"hits":{"total":{"value":2,"relation":"eq"},"hits":[{"_id":"1"},{"_id":"4"}]}}"#.into(),
        },
        Case {
            name: "_source list in the body, filter_path",
            method: "POST",
            target: "/idx/_search?filter_path=hits.hits._id,hits.hits._source.title",
            body: r#"{"query":{"match":{"body":"garden"}},"_source":["title"]}"#,
            upstream_target: "/idx/_search?filter_path=hits.hits._id,hits.hits._source.title,**._source",
            upstream_body: r#"{"query":{"match":{"body":"garden"}},"_source":["title","url","md5"]}"#,
            answer: es_answer(r#""title":"t","#).replace(r#""took":1,"#, "").replace(r#""total":{"value":4,"relation":"eq"},"#, ""),
            client: r#"{"hits":{"hits":[{"_id":"1","_source":{"title":"t"}},{"_id":"4","_source":{"title":"t"}}]}}"#.into(),
        },
        Case {
            name: "excludes in the URL",
            method: "GET",
            target: "/idx/_search?_source_excludes=url,md5&size=4",
            body: "",
            upstream_target: "/idx/_search?size=4&_source=true",
            upstream_body: "",
            answer: es_answer(r#""title":"t","#),
            client: r#"{"took":1,"hits":{"total":{"value":2,"relation":"eq"},"hits":[{"_id":"1","_source":{"title":"t"}},{"_id":"4","_source":{"title":"t"}}]}}"#.into(),
        },
        Case {
            name: "nothing hidden: sent and answered as they are",
            method: "GET",
            target: "/idx/_search?q=garden",
            body: "",
            upstream_target: "/idx/_search?q=garden",
            upstream_body: "",
            answer: r#"{ "took": 1, "hits": {"total": {"value": 1, "relation": "eq"}, "hits": [{"_id": "1", "_source": {"url": "https://garden.example/a"}}]} }"#.into(),
            client: r#"{ "took": 1, "hits": {"total": {"value": 1, "relation": "eq"}, "hits": [{"_id": "1", "_source": {"url": "https://garden.example/a"}}]} }"#.into(),
        },
    ];
    run(&cases);
}

#[test]
fn solr_meilisearch_and_typesense_requests_are_widened_and_answers_narrowed() {
    let solr_doc = |id: &str, url: &str, md5: Option<&str>| {
        let md5 = md5.map(|m| format!(r#","md5":"{m}""#)).unwrap_or_default();
        format!(r#"{{"id":"{id}","title":"t","url":"{url}"{md5}}}"#)
    };
    let solr_docs = [
        solr_doc("1", "https://garden.example/a", None),
        solr_doc("2", LISTED_URL, None),
        solr_doc("3", "https://garden.example/c", Some(LISTED_MD5)),
    ]
    .join(",");
    let meili_hits = [
        r#"{"title":"t","url":"https://garden.example/a","_formatted":{"title":"t","url":"https://garden.example/a"}}"#.to_owned(),
        format!(r#"{{"title":"t","url":"{LISTED_URL}","_formatted":{{"title":"t","url":"{LISTED_URL}"}}}}"#),
        format!(r#"{{"title":"t","url":"https://garden.example/c","md5":"{LISTED_MD5}","_formatted":{{"title":"t","url":"https://garden.example/c"}}}}"#),
    ]
    .join(",");
    let ts_hits = [
        r#"{"document":{"id":"1","title":"t","url":"https://garden.example/a"},"text_match":1}"#.to_owned(),
        format!(r#"{{"document":{{"id":"2","title":"t","url":"{LISTED_URL}"}},"text_match":1}}"#),
        format!(r#"{{"document":{{"id":"3","title":"t","url":"https://garden.example/c","md5":"{LISTED_MD5}"}},"text_match":1}}"#),
    ]
    .join(",");
    let cases = [
        Case {
            name: "solr fl",
            method: "GET",
            target: "/solr/c/select?q=garden&fl=id,title",
            body: "",
            upstream_target: "/solr/c/select?q=garden&fl=id,title&fl=url,md5",
            upstream_body: "",
            answer: format!(r#"{{"responseHeader":{{"status":0}},"response":{{"numFound":3,"start":0,"docs":[{solr_docs}]}}}}"#),
            client: r#"{"responseHeader":{"status":0},"response":{"numFound":1,"start":0,"docs":[{"id":"1","title":"t"}]}}"#.into(),
        },
        Case {
            name: "solr fl in a form body",
            method: "POST",
            target: "/solr/c/select",
            body: "q=garden&fl=id+title",
            upstream_target: "/solr/c/select?fl=url,md5",
            upstream_body: "q=garden&fl=id+title",
            answer: format!(r#"{{"response":{{"numFound":3,"start":0,"docs":[{solr_docs}]}}}}"#),
            client: r#"{"response":{"numFound":1,"start":0,"docs":[{"id":"1","title":"t"}]}}"#.into(),
        },
        Case {
            name: "meilisearch attributesToRetrieve",
            method: "POST",
            target: "/indexes/i/search",
            body: r#"{"q":"garden","attributesToRetrieve":["title"]}"#,
            upstream_target: "/indexes/i/search",
            upstream_body: r#"{"q":"garden","attributesToRetrieve":["title","url","md5"]}"#,
            answer: format!(r#"{{"hits":[{meili_hits}],"query":"garden","estimatedTotalHits":3}}"#),
            client: r#"{"hits":[{"title":"t","_formatted":{"title":"t"}}],"query":"garden","estimatedTotalHits":1}"#.into(),
        },
        Case {
            name: "typesense include_fields",
            method: "GET",
            target: "/collections/c/documents/search?q=garden&query_by=title&include_fields=id,title",
            body: "",
            upstream_target: "/collections/c/documents/search?q=garden&query_by=title&include_fields=id,title,url,md5",
            upstream_body: "",
            answer: format!(r#"{{"found":3,"hits":[{ts_hits}],"out_of":3,"page":1}}"#),
            client: r#"{"found":1,"hits":[{"document":{"id":"1","title":"t"},"text_match":1}],"out_of":3,"page":1}"#.into(),
        },
        Case {
            name: "typesense exclude_fields",
            method: "GET",
            target: "/collections/c/documents/search?q=garden&query_by=title&exclude_fields=url",
            body: "",
            upstream_target: "/collections/c/documents/search?q=garden&query_by=title",
            upstream_body: "",
            answer: format!(r#"{{"found":3,"hits":[{ts_hits}],"out_of":3,"page":1}}"#),
            client: r#"{"found":1,"hits":[{"document":{"id":"1","title":"t"},"text_match":1}],"out_of":3,"page":1}"#.into(),
        },
    ];
    run(&cases);
}

/// A request the widening cannot rewrite exactly (a Typesense exclude pattern) goes as sent;
/// its hits that show no URL are dropped and counted, the others judged.
#[test]
fn requests_that_cannot_be_widened_go_as_sent_and_unjudged_hits_are_dropped() {
    let (up, proxy, _dir) = setup();
    let target = "/collections/c/documents/search?q=garden&query_by=title&exclude_fields=u*";
    let answer = r#"{"found":2,"hits":[{"document":{"id":"1","title":"t"}},{"document":{"id":"2","title":"t","md5":"00000000000000000000000000000000"}}],"out_of":2,"page":1}"#;
    let (seen, status, text) = up.exchange(&proxy, "GET", target, "", answer);
    assert_eq!(status, 200, "{text}");
    assert_eq!(seen, [(target.to_owned(), String::new())]);
    assert_eq!(text, r#"{"found":0,"hits":[],"out_of":2,"page":1}"#);
    assert_eq!(
        util::metric(
            proxy.admin,
            "searchward_unjudged_hits_total{route=\"typesense\"}"
        ),
        Some(2.0)
    );
}
