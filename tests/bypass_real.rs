//! The bypass cross product (tests/bypass.rs: method × path form × endpoint × placement) sent
//! through searchward to the real engines instead of a recording upstream: the `opensearch`
//! profile in front of OpenSearch, the `solr` profile in front of standalone Solr and SolrCloud.
//! A real engine cannot say what it received, so the assertions are on its effects:
//!
//! - flagged searches: searchward refuses (400/403/405 as the table says, in searchward's own
//!   error shape) or answers with its blocked shape; no answer ever carries the engine's hits
//!   for the flagged text. The index is seeded with documents holding every flagged form, and a
//!   direct query proves the engine would have found them. On OpenSearch the index's search
//!   counter must not move while the flagged requests run.
//! - writes: after the cases, a refresh (commit) and a direct read: no stored document carries
//!   a listed URL or hash, while a benign document sent the same way is stored. Each document
//!   shape is first sent straight to the engine (a control index, or control ids on Solr): a
//!   shape the engine itself would not store cannot show anything and is counted apart.
//! - benign searches: the engine's own answer, i.e. the status the engine gives the same
//!   request at the normalised path.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use serde_json::{Value, json};

use searchward::config::RouteKind;

use crate::bypass::{self, Case, Client, Expect, FLAGGED, LISTED_MD5, LISTED_URL_MARK, Reply};
use crate::real_engine::{self, Engine};
use crate::util::Proxy;

/// In the URL of every seeded document: an answer holding it carries engine hits.
const SEED_MARK: &str = "bpseed";
/// Benign documents' URL (plus the case's tag), and their (unlisted) MD5.
const OK_URL: &str = "https://garden.example/ok";
const OK_MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";
/// Index (OpenSearch) or id prefix (Solr) the cases write to, and the control's.
const SPACE: &str = "bpreal";
const CONTROL: &str = "bpctl";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    OpenSearch,
    Solr,
    SolrCloud,
}

struct Target {
    kind: Kind,
    profile: &'static str,
    engine: &'static Engine,
    proxy: Proxy,
}

impl Target {
    fn new(kind: Kind) -> Option<Target> {
        let (profile, engine) = match kind {
            Kind::OpenSearch => ("opensearch", real_engine::opensearch()?),
            Kind::Solr => ("solr", real_engine::solr()?),
            Kind::SolrCloud => ("solr", real_engine::solrcloud()?),
        };
        let proxy = Proxy::serve(
            &bypass::config(profile, &format!("http://{}", engine.addr)),
            &[],
        );
        bypass::wait_ready(&proxy);
        Some(Target {
            kind,
            profile,
            engine,
            proxy,
        })
    }

    fn name(&self) -> &'static str {
        match self.kind {
            Kind::OpenSearch => "opensearch",
            Kind::Solr => "solr",
            Kind::SolrCloud => "solrcloud",
        }
    }

    fn opensearch(&self) -> bool {
        self.kind == Kind::OpenSearch
    }

    /// The generators' placeholder index (`idx`) or core (`core`) made this engine's: `space`
    /// on OpenSearch, the launcher's core on Solr.
    fn localise(&self, s: &str, space: &str) -> String {
        if self.opensearch() {
            s.replace("idx", space)
        } else {
            s.replace("core/", "searchward/")
        }
    }

    fn localise_case(&self, c: &mut Case, space: &str) {
        c.target = self.localise(&c.target, space);
        c.body = self
            .localise(&String::from_utf8_lossy(&c.body), space)
            .into_bytes();
        if let Some(f) = &mut c.forwarded {
            *f = self.localise(f, space);
        }
    }

    /// A request straight to the engine.
    fn direct(&self, method: &str, target: &str, ctype: &str, body: &[u8]) -> Reply {
        Client::new(self.engine.addr).send(method, target, &[("content-type", ctype)], body)
    }

    fn direct_json(&self, method: &str, target: &str, body: &str) -> Value {
        let r = self.direct(method, target, "application/json", body.as_bytes());
        assert!(
            (200..300).contains(&r.status),
            "{} {method} {target}: {} {}",
            self.name(),
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        serde_json::from_slice(&r.body).unwrap()
    }

    /// Seeds documents holding each flagged form (ids `bpseed-N`, plus `abc1`, the id the
    /// generators explain), then proves a direct query finds each.
    fn seed(&self) {
        let docs: Vec<(String, String)> = FLAGGED
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("{SEED_MARK}-{i}"), (*f).to_owned()))
            .chain([("abc1".to_owned(), "zorvexil".to_owned())])
            .collect();
        let doc = |id: &str, text: &str| {
            json!({
                "id": id,
                "url": format!("https://garden.example/{SEED_MARK}/{id}"),
                "title": format!("{text} garden"),
                "body": format!("{text} garden notes"),
            })
        };
        if self.opensearch() {
            let mapping = json!({
                "settings": {"number_of_shards": 1, "number_of_replicas": 0},
                "mappings": {"properties": {
                    "id": {"type": "keyword"},
                    "url": {"type": "keyword"},
                    "title": {"type": "text"},
                    "body": {"type": "text"},
                    "md5": {"type": "keyword"}
                }}
            });
            for index in [SPACE, CONTROL] {
                self.direct_json("PUT", &format!("/{index}"), &mapping.to_string());
            }
            let mut bulk = String::new();
            for (id, text) in &docs {
                bulk.push_str(&format!(
                    "{}\n{}\n",
                    json!({"index": {"_id": id}}),
                    doc(id, text)
                ));
            }
            let r = self.direct(
                "POST",
                &format!("/{SPACE}/_bulk?refresh=true"),
                "application/x-ndjson",
                bulk.as_bytes(),
            );
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(v["errors"], false, "seed: {v}");
        } else {
            let all: Vec<Value> = docs.iter().map(|(id, t)| doc(id, t)).collect();
            self.direct_json(
                "POST",
                "/solr/searchward/update?commit=true",
                &Value::Array(all).to_string(),
            );
        }
        // Unguarded, each flagged form finds its document.
        for f in FLAGGED {
            let q = bypass::enc(f);
            let (target, body) = if self.opensearch() {
                (
                    format!("/{SPACE}/_search?q={q}"),
                    json!({"query": {"simple_query_string": {"query": f}}}).to_string(),
                )
            } else {
                (
                    format!("/solr/searchward/select?q={q}"),
                    json!({"query": f, "limit": 5}).to_string(),
                )
            };
            let by_url = self.direct_json("GET", &target, "");
            assert!(
                by_url.to_string().contains(SEED_MARK),
                "{}: {f:?} finds no seeded document directly: {by_url}",
                self.name()
            );
            let search = if self.opensearch() {
                format!("/{SPACE}/_search")
            } else {
                "/solr/searchward/select".to_owned()
            };
            let by_body = self.direct_json("POST", &search, &body);
            assert!(
                by_body.to_string().contains(SEED_MARK),
                "{}: {f:?} in a body finds nothing directly: {by_body}",
                self.name()
            );
        }
        if self.opensearch() {
            let v = self.direct_json("GET", &format!("/{SPACE}/_explain/abc1?q=zorvexil"), "");
            assert_eq!(v["matched"], true, "{v}");
            let v = self.direct_json("GET", &format!("/{SPACE}/_count?q=zorvexil"), "");
            assert!(v["count"].as_u64() > Some(0), "{v}");
        }
    }

    /// Queries the engine has executed on the cases' index (OpenSearch only: Solr's core is
    /// shared with other tests running at the same time).
    fn searches_executed(&self) -> Option<u64> {
        self.opensearch()
            .then(|| searches_executed(self.engine.addr, SPACE))
    }

    /// Makes every write visible (refresh, commit).
    fn refresh(&self) {
        if self.opensearch() {
            self.direct_json("POST", &format!("/{SPACE},{CONTROL}/_refresh"), "");
        } else {
            self.direct_json("POST", "/solr/searchward/update?commit=true", "{}");
        }
    }

    /// Every document in `space` (an index, or an id prefix on Solr) as (its ids, its text
    /// lowercased and percent-decoded).
    fn stored(&self, space: &str) -> Vec<(Vec<String>, String)> {
        let docs = if self.opensearch() {
            let v = self.direct_json(
                "POST",
                &format!("/{space}/_search"),
                r#"{"size": 10000, "query": {"match_all": {}}}"#,
            );
            v["hits"]["hits"].as_array().unwrap().clone()
        } else {
            let v = self.direct_json(
                "GET",
                &format!("/solr/searchward/select?q=%7B!prefix+f%3Did%7D{space}-&rows=10000"),
                "",
            );
            v["response"]["docs"].as_array().unwrap().clone()
        };
        // A hit's `_id` and `_source.id` (OpenSearch), a document's `id` (Solr).
        let ids = |d: &Value| -> Vec<String> {
            [&d["_id"], &d["_source"]["id"], &d["id"]]
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        docs.iter()
            .map(|d| (ids(d), bypass::percent_decode(d.to_string().as_bytes())))
            .collect()
    }
}

/// The queries, scrolls and suggestions OpenSearch has executed on `index`.
fn searches_executed(engine: SocketAddr, index: &str) -> u64 {
    let r = Client::new(engine).send("GET", &format!("/{index}/_stats/search"), &[], b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    let s = &v["indices"][index]["total"]["search"];
    ["query_total", "scroll_total", "suggest_total"]
        .iter()
        .map(|k| s[*k].as_u64().unwrap_or_else(|| panic!("{k}: {v}")))
        .sum()
}

/// `c` with the id `tag` instead of the generators' `1` and `abc1`, so that
/// every document is told apart and none overwrites another.
fn tagged(c: &Case, tag: &str) -> Case {
    let mut c = c.clone();
    c.target = c.target.replace("abc1", tag);
    let body = String::from_utf8_lossy(&c.body)
        .replace(r#""_id":"1""#, &format!(r#""_id":"{tag}""#))
        .replace(r#""id":"1""#, &format!(r#""id":"{tag}""#))
        .replace("\n1,", &format!("\n{tag},"))
        .replace(
            "<field name=\"id\">1</field>",
            &format!("<field name=\"id\">{tag}</field>"),
        )
        .replace(OK_URL, &format!("{OK_URL}/{tag}"));
    c.body = body.into_bytes();
    c
}

/// An update of a document's fields: it stores only when the document exists.
fn updates_existing(body: &[u8]) -> bool {
    String::from_utf8_lossy(body).contains(r#""doc":{"id""#)
}

/// Whether `r` is searchward's own refusal (`{"error": code}`), not the engine's error.
fn ours(c: &Case, r: &Reply, code: &str) -> bool {
    if c.method == "HEAD" {
        return true;
    }
    serde_json::from_slice::<Value>(&r.body)
        .is_ok_and(|v| v["error"] == code && v.get("status").is_none())
}

/// Whether an answer carries what the engine found: a seeded document, an explanation that
/// matched, or anywhere in it a count above zero or a non-empty list of hits, documents or
/// suggestions (a flagged search that is refused or blocked has none).
fn engine_hits(r: &Reply) -> bool {
    fn found(v: &Value) -> bool {
        match v {
            Value::Object(m) => m.iter().any(|(k, v)| {
                let some = match (k.as_str(), v) {
                    ("count" | "numFound" | "value", Value::Number(n)) => {
                        n.as_u64().is_some_and(|n| n > 0)
                    }
                    ("hits" | "docs" | "suggestions" | "options", Value::Array(a)) => !a.is_empty(),
                    _ => false,
                };
                some || found(v)
            }),
            Value::Array(a) => a.iter().any(found),
            _ => false,
        }
    }
    let text = String::from_utf8_lossy(&r.body);
    text.contains(SEED_MARK)
        || text.contains(r#""matched":true"#)
        || serde_json::from_slice::<Value>(&r.body).is_ok_and(|v| found(&v))
}

/// The outcome of a flagged search, or why it is wrong.
fn check_flagged(c: &Case, r: &Reply) -> Result<&'static str, String> {
    if engine_hits(r) {
        return Err("the engine's hits for the flagged text came back".into());
    }
    let refused = |status: u16, code: &str, what: &'static str| {
        if r.status != status {
            Err(format!("expected {status}"))
        } else if !ours(c, r, code) {
            Err(format!("{status} from the engine, not from searchward"))
        } else {
            Ok(what)
        }
    };
    match c.expect {
        Expect::BadRequest => refused(400, "bad_target", "400")
            .or_else(|_| refused(400, "ambiguous_path", "400"))
            .or_else(|_| refused(400, "bad_request", "400")),
        Expect::MethodNotAllowed => {
            let o = refused(405, "method_not_allowed", "405")?;
            if r.header("allow").is_none_or(str::is_empty) {
                return Err("405 without Allow".into());
            }
            Ok(o)
        }
        Expect::Denied => refused(403, "endpoint_not_allowed", "403 endpoint_not_allowed"),
        Expect::Passthrough => Ok("passthrough, no hits"),
        Expect::Inspected(kind) => match r.status {
            200 if c.method == "HEAD" => Ok("inspected, blocked"),
            // Suggestion endpoints feed drop-downs: blocked means the engine's empty answer,
            // without a notice (it holds nothing found, checked above).
            200 if kind == RouteKind::Suggest => Ok("inspected suggestion, emptied"),
            200 => {
                let v: Value = serde_json::from_slice(&r.body)
                    .map_err(|_| "200 that is not JSON".to_owned())?;
                if v.get("searchward_notice").is_some() {
                    Ok("inspected, blocked")
                } else {
                    Err("200 without searchward's notice".into())
                }
            }
            400 if !c.must_block => refused(400, "bad_request", "inspected, unreadable refused"),
            _ => Err(if c.must_block {
                "flagged text not blocked".into()
            } else {
                "flagged text neither blocked nor refused".into()
            }),
        },
    }
}

/// Sends `cases` through `addr` over `threads` keep-alive connections; replies in case order.
fn send_all(addr: SocketAddr, cases: &[Case], threads: usize) -> Vec<Reply> {
    std::thread::scope(|s| {
        let workers: Vec<_> = cases
            .chunks(cases.len().div_ceil(threads).max(1))
            .map(|chunk| {
                s.spawn(move || {
                    let mut client = Client::new(addr);
                    chunk
                        .iter()
                        .map(|c| {
                            client.send(c.method, &c.target, &[("content-type", c.ctype)], &c.body)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    })
}

fn excerpt(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).chars().take(160).collect()
}

/// What one engine run found.
#[derive(Default)]
struct Report {
    failures: Vec<String>,
    /// Failures by reason.
    reasons: BTreeMap<String, usize>,
    outcomes: BTreeMap<String, usize>,
    /// What the engine itself does not do (nothing to show there).
    notes: Vec<String>,
}

impl Report {
    fn fail(&mut self, what: &str, why: &str, r: Option<&Reply>) {
        let reason: String = why.chars().take(60).collect();
        *self.reasons.entry(reason).or_default() += 1;
        self.failures.push(match r {
            Some(r) => format!("{what}: {why} (status {}, {:?})", r.status, excerpt(r)),
            None => format!("{what}: {why}"),
        });
    }

    fn count(&mut self, outcome: impl Into<String>) {
        *self.outcomes.entry(outcome.into()).or_default() += 1;
    }
}

/// Flagged searches: refused or blocked, never the engine's hits; the engine executes none.
fn flagged_searches(t: &Target, cases: &[Case], report: &mut Report) {
    let before = t.searches_executed();
    let replies = send_all(t.proxy.proxy, cases, 4);
    let after = t.searches_executed();
    for (c, r) in cases.iter().zip(&replies) {
        match check_flagged(c, r) {
            Ok(o) => report.count(format!("flagged search: {o}")),
            Err(why) => report.fail(&c.what, &why, Some(r)),
        }
    }
    if before != after {
        report.fail(
            "flagged searches",
            &format!("the engine executed searches on the index: {before:?} -> {after:?}"),
            None,
        );
    }
}

/// Benign searches: the status the engine gives the same request at the normalised path.
fn benign_searches(t: &Target, cases: &[Case], report: &mut Report) {
    // One connection, in order: some of these write (`_update_by_query`, `_delete_by_query`).
    let mut proxied = Client::new(t.proxy.proxy);
    let mut direct = Client::new(t.engine.addr);
    for c in cases {
        let headers = [("content-type", c.ctype)];
        let r = proxied.send(c.method, &c.target, &headers, &c.body);
        let Some(path) = &c.forwarded else {
            continue;
        };
        let query = c.target.find('?').map_or("", |i| &c.target[i..]);
        let own = direct.send(c.method, &format!("{path}{query}"), &headers, &c.body);
        let unreadable = serde_json::from_slice::<Value>(&own.body).is_err();
        if r.status == 502 && ours(c, &r, "upstream_unusable") && unreadable {
            // Solr's `graph` handler answers 200 with a stack trace: not judged, not passed.
            report.count(format!(
                "benign search: engine's {} not JSON, refused (502)",
                own.status
            ));
        } else if r.status != own.status {
            report.fail(
                &c.what,
                &format!(
                    "the engine answers {} directly ({:?})",
                    own.status,
                    excerpt(&own)
                ),
                Some(&r),
            );
        } else if (200..300).contains(&r.status) {
            report.count("benign search: engine's 2xx");
        } else {
            report.count(format!("benign search: engine's own {}", r.status));
        }
    }
}

/// Writes: listed documents never stored, benign ones stored whenever the engine itself stores
/// that shape sent straight to it.
fn writes(t: &Target, cases: Vec<Case>, report: &mut Report) {
    // Every benign write in all the generators' document shapes.
    let mut requests: Vec<Case> = Vec::new();
    for c in cases {
        if c.flagged.is_none() {
            for (body, ctype) in bypass::documents(t.profile, &c.path, OK_URL, OK_MD5) {
                let mut b = c.clone();
                b.body = t
                    .localise(&String::from_utf8_lossy(&body), SPACE)
                    .into_bytes();
                b.ctype = ctype;
                b.what = format!("{} {ctype}", c.what);
                requests.push(b);
            }
        } else {
            requests.push(c);
        }
    }
    // The control: each shape (method, concrete path, body, content type) of an inspected write
    // sent straight to the engine, with a tag of its own; `shapes` maps a shape to its first
    // request.
    type Shape = (&'static str, String, Vec<u8>, &'static str);
    let shape = |c: &Case| -> Shape { (c.method, c.path.clone(), c.body.clone(), c.ctype) };
    let mut shapes: HashMap<Shape, usize> = HashMap::new();
    for (n, c) in requests.iter().enumerate() {
        let writable = c.expect == Expect::Inspected(RouteKind::Index) && c.method != "DELETE";
        if writable {
            shapes.entry(shape(c)).or_insert(n);
        }
    }
    let control_tag = |n: usize| format!("{CONTROL}-{n}");
    let controls: Vec<Case> = shapes
        .values()
        .map(|&n| {
            let c = &requests[n];
            let mut d = tagged(c, &control_tag(n));
            // At the canonical path, in the control's index.
            d.target = t
                .localise(&c.path, CONTROL)
                .replace("abc1", &control_tag(n));
            d.body = String::from_utf8_lossy(&d.body)
                .replace(SPACE, CONTROL)
                .into_bytes();
            d
        })
        .collect();
    // Documents that updates need to exist, written directly.
    if t.opensearch() {
        let mut bulk = String::new();
        let mut pre = |index: &str, tag: String| {
            bulk.push_str(&format!(
                "{}\n{}\n",
                json!({"index": {"_index": index, "_id": tag}}),
                json!({"id": tag, "url": "https://garden.example/before", "title": "t"})
            ));
        };
        for (n, c) in requests.iter().enumerate() {
            if updates_existing(&c.body) {
                pre(SPACE, format!("{SPACE}-{n}"));
                if shapes.get(&shape(c)) == Some(&n) {
                    pre(CONTROL, control_tag(n));
                }
            }
        }
        if !bulk.is_empty() {
            let r = t.direct("POST", "/_bulk", "application/x-ndjson", bulk.as_bytes());
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(v["errors"], false, "pre-created documents: {v}");
        }
    }
    send_all(t.engine.addr, &controls, 2);

    // Through searchward.
    let tagged_requests: Vec<Case> = requests
        .iter()
        .enumerate()
        .map(|(n, c)| tagged(c, &format!("{SPACE}-{n}")))
        .collect();
    let replies = send_all(t.proxy.proxy, &tagged_requests, 4);
    t.refresh();

    // What the control stored: by tag, whether the shape's document (listed or benign) is there.
    let listed = |text: &str| text.contains(LISTED_URL_MARK) || text.contains(LISTED_MD5);
    let holds = |docs: &[(Vec<String>, String)], tag: &str, is_listed: bool| {
        docs.iter().any(|(ids, text)| {
            ids.iter().any(|i| i == tag)
                && if is_listed {
                    listed(text)
                } else {
                    text.contains(&format!("{OK_URL}/{tag}").to_lowercase())
                }
        })
    };
    let control_docs = t.stored(CONTROL);
    let stores_directly: HashMap<Shape, bool> = shapes
        .iter()
        .map(|(k, &n)| {
            let is_listed = requests[n].flagged.is_some();
            (k.clone(), holds(&control_docs, &control_tag(n), is_listed))
        })
        .collect();
    if !t.opensearch() {
        t.direct_json(
            "POST",
            "/solr/searchward/update?commit=true",
            &json!({"delete": {"query": format!("id:{CONTROL}-*")}}).to_string(),
        );
    }

    let docs = t.stored(SPACE);
    for (ids, text) in &docs {
        if listed(text) {
            let n: Option<usize> = ids
                .iter()
                .find_map(|i| i.strip_prefix(&format!("{SPACE}-"))?.parse().ok());
            let what = n.map_or("?".to_owned(), |n| requests[n].what.clone());
            report.fail(&format!("{what}: {text}"), "listed document stored", None);
        }
    }
    for (n, (c, r)) in requests.iter().zip(&replies).enumerate() {
        let tag = format!("{SPACE}-{n}");
        let meaningful = stores_directly.get(&shape(c)).copied();
        let outcome = match (c.expect, &c.flagged) {
            (Expect::BadRequest, _) if r.status == 400 => "400".into(),
            (Expect::MethodNotAllowed, _) if r.status == 405 => "405".into(),
            (Expect::Denied, _) if r.status == 403 => "403".into(),
            (Expect::Passthrough, _) => format!("passthrough {}", r.status),
            (Expect::Inspected(_), Some(_)) => {
                let refused = r.header("x-searchward-refused").is_some()
                    || (matches!(r.status, 400 | 422) && ours(c, r, "documents_refused"))
                    || (r.status == 400 && ours(c, r, "bad_request"));
                if !refused {
                    report.fail(&c.what, "listed document not refused", Some(r));
                }
                match meaningful {
                    Some(true) => "listed: refused (engine stores the shape directly)".into(),
                    _ => "listed: refused (engine refuses the shape directly too)".into(),
                }
            }
            (Expect::Inspected(_), None) => match meaningful {
                Some(true) if holds(&docs, &tag, false) => "benign: stored".into(),
                Some(true)
                    if !t.opensearch()
                        && matches!(c.ctype, "text/csv" | "text/xml")
                        && r.status == 400
                        && ours(c, r, "bad_request") =>
                {
                    "benign: refused as documented (Solr XML and CSV are not read)".into()
                }
                Some(true) => {
                    report.fail(
                        &c.what,
                        "benign document not stored (stored when sent directly)",
                        Some(r),
                    );
                    continue;
                }
                _ => format!("benign: engine refuses the shape directly ({})", r.status),
            },
            _ => {
                report.fail(&c.what, &format!("expected {:?}", c.expect), Some(r));
                continue;
            }
        };
        report.count(format!("write: {outcome}"));
    }
    // Every inspected write path stores some shape, listed and benign, when sent directly.
    let mut paths: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for (k, &n) in &shapes {
        let e = paths.entry(k.1.clone()).or_default();
        if requests[n].flagged.is_some() {
            e.0 |= stores_directly[k];
        } else {
            e.1 |= stores_directly[k];
        }
    }
    for (path, (listed, benign)) in paths {
        if !(listed && benign) {
            let note = format!(
                "{path}: sent directly, the engine stores no listed ({listed}) or no benign \
                 ({benign}) shape"
            );
            // Every OpenSearch write endpoint exists; Solr has no `update/xml` handler, and
            // the v2 API has no `json/docs`, collections only in SolrCloud, cores only
            // standalone.
            if t.opensearch() {
                report.fail(&note, "write endpoint not served by the engine", None);
            } else {
                report.notes.push(note);
            }
        }
    }
}

fn run(kind: Kind) {
    let started = std::time::Instant::now();
    let Some(t) = Target::new(kind) else { return };
    let unknown = if t.opensearch() {
        bypass::OPENSEARCH_UNKNOWN
    } else {
        bypass::SOLR_UNKNOWN
    };
    let table = searchward::profiles::endpoints(t.profile).unwrap();
    let mut search = bypass::search_cases(t.profile, &table, unknown);
    let mut index = bypass::index_cases(t.profile, &table);
    for c in search.iter_mut().chain(index.iter_mut()) {
        t.localise_case(c, SPACE);
    }
    t.seed();
    let (flagged, benign): (Vec<Case>, Vec<Case>) =
        search.into_iter().partition(|c| c.flagged.is_some());
    let mut report = Report::default();
    flagged_searches(&t, &flagged, &mut report);
    writes(&t, index, &mut report);
    benign_searches(&t, &benign, &mut report);
    for n in &report.notes {
        eprintln!("{}: note: {n}", t.name());
    }
    eprintln!(
        "{}: {} flagged searches, {} benign searches, outcomes {:#?}, in {:?}",
        t.name(),
        flagged.len(),
        benign.len(),
        report.outcomes,
        started.elapsed()
    );
    assert!(
        report.failures.is_empty(),
        "{}: {} failures, by reason {:#?}; the first:\n{}",
        t.name(),
        report.failures.len(),
        report.reasons,
        report
            .failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn bypass_real_opensearch() {
    run(Kind::OpenSearch);
}

#[test]
fn bypass_real_solr() {
    run(Kind::Solr);
}

#[test]
fn bypass_real_solrcloud() {
    run(Kind::SolrCloud);
}

/// `_cat/count` runs the query it is given (`q`, a GET body, or the `source` parameter) and
/// answers how many documents match: through searchward, a flagged text is never counted.
#[test]
fn bypass_real_opensearch_cat_count_counts_no_flagged_text() {
    let Some(e) = real_engine::opensearch() else {
        return;
    };
    let p = Proxy::serve(
        &bypass::config("opensearch", &format!("http://{}", e.addr)),
        &[],
    );
    bypass::wait_ready(&p);
    let index = "bpcount";
    let mut direct = Client::new(e.addr);
    let json = [("content-type", "application/json")];
    let r = direct.send(
        "PUT",
        &format!("/{index}"),
        &json,
        br#"{"settings": {"number_of_shards": 1, "number_of_replicas": 0}}"#,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = direct.send(
        "PUT",
        &format!("/{index}/_doc/1?refresh=true"),
        &json,
        br#"{"title": "zorvexil garden"}"#,
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let count = |r: &Reply| -> Option<String> {
        let v: Value = serde_json::from_slice(&r.body).ok()?;
        v[0]["count"].as_str().map(str::to_owned)
    };
    let cases = |text: &str| {
        let dsl = json!({"query": {"match": {"title": text}}}).to_string();
        let base = format!("/_cat/count/{index}?format=json");
        [
            ("q", format!("{base}&q={text}"), String::new()),
            ("GET body", base.clone(), dsl.clone()),
            (
                "source",
                format!(
                    "{base}&source={}&source_content_type=application%2Fjson",
                    bypass::enc(&dsl)
                ),
                String::new(),
            ),
        ]
    };
    // Directly, each form counts the flagged document, and the engine executes a search.
    for ((what, target, body), (_, none, none_body)) in
        cases("zorvexil").into_iter().zip(cases("nothingzz"))
    {
        let before = searches_executed(e.addr, index);
        let r = direct.send("GET", &target, &json, body.as_bytes());
        assert_eq!(
            count(&r).as_deref(),
            Some("1"),
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert!(
            searches_executed(e.addr, index) > before,
            "{what}: not a search"
        );
        let r = direct.send("GET", &none, &json, none_body.as_bytes());
        assert_eq!(
            count(&r).as_deref(),
            Some("0"),
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    let mut proxied = Client::new(p.proxy);
    let mut failures = Vec::new();
    for (what, target, body) in cases("zorvexil") {
        let before = searches_executed(e.addr, index);
        let r = proxied.send("GET", &target, &json, body.as_bytes());
        let executed = searches_executed(e.addr, index) - before;
        if executed > 0 || count(&r).is_some() {
            failures.push(format!(
                "GET {target} ({what}): the engine ran the flagged query ({executed} searches), \
                 answer {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Solr's real-time get applies `fq` to the documents it returns: through searchward, a
/// flagged filter never decides whether a document comes back.
#[test]
fn bypass_real_solr_get_is_not_filtered_by_flagged_text() {
    let Some(e) = real_engine::solr() else {
        return;
    };
    let p = Proxy::serve(&bypass::config("solr", &format!("http://{}", e.addr)), &[]);
    bypass::wait_ready(&p);
    let mut direct = Client::new(e.addr);
    let json = [("content-type", "application/json")];
    let r = direct.send(
        "POST",
        "/solr/searchward/update?commit=true",
        &json,
        br#"[{"id": "bpget-1", "url": "https://garden.example/bpget", "body": "zorvexil garden"}]"#,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let target = |fq: &str| format!("/solr/searchward/get?id=bpget-1&fq=body:{fq}");
    let found = |r: &Reply| String::from_utf8_lossy(&r.body).contains("bpget");
    // Directly, the flagged filter keeps the document and another one drops it.
    assert!(found(&direct.send("GET", &target("zorvexil"), &[], b"")));
    assert!(!found(&direct.send("GET", &target("nothingzz"), &[], b"")));
    let r = Client::new(p.proxy).send("GET", &target("zorvexil"), &[], b"");
    assert!(
        !found(&r),
        "GET {}: the engine applied the flagged filter and answered {} {}",
        target("zorvexil"),
        r.status,
        String::from_utf8_lossy(&r.body)
    );
}

/// One request of a focused case: method, target, body (sent as JSON when not empty).
type Sent = (&'static str, String, String);

/// For each case, the flagged request finds the document directly (`found`), its benign twin
/// (when given) does not, and through searchward the flagged request finds nothing; panics
/// listing every request whose answer through searchward still held the document.
fn only_directly(
    direct: &mut Client,
    proxied: &mut Client,
    cases: Vec<(Sent, Option<Sent>)>,
    found: impl Fn(&Reply) -> bool,
) {
    let send = |c: &mut Client, (method, target, body): &Sent| {
        let json = [("content-type", "application/json")];
        let headers: &[(&str, &str)] = if body.is_empty() { &[] } else { &json };
        c.send(method, target, headers, body.as_bytes())
    };
    let mut failures = Vec::new();
    for (flagged, other) in &cases {
        let (method, target, body) = flagged;
        assert!(
            found(&send(direct, flagged)),
            "{method} {target} {body}: finds nothing directly"
        );
        if let Some(other) = other {
            assert!(
                !found(&send(direct, other)),
                "{} {} {}: finds the document directly",
                other.0,
                other.1,
                other.2
            );
        }
        let r = send(proxied, flagged);
        if found(&r) {
            failures.push(format!("{method} {target} {body}: {}", r.status));
        }
    }
    assert!(
        failures.is_empty(),
        "the flagged document came back through searchward:\n{}",
        failures.join("\n")
    );
}

/// Query syntax the engine expands (prefix, wildcard, regular expression, fuzzy, phrase
/// prefix) finds a flagged text that is never written out whole: an OpenSearch index whose one
/// document holds it, searched through searchward.
#[test]
fn bypass_real_opensearch_expanded_queries_find_no_flagged_document() {
    let Some(e) = real_engine::opensearch() else {
        return;
    };
    let p = Proxy::serve(
        &bypass::config("opensearch", &format!("http://{}", e.addr)),
        &[],
    );
    bypass::wait_ready(&p);
    let index = "bpexpand";
    let mut direct = Client::new(e.addr);
    let json = [("content-type", "application/json")];
    let r = direct.send(
        "PUT",
        &format!("/{index}/_doc/1?refresh=true"),
        &json,
        br#"{"title": "zorvexil garden", "url": "https://garden.example/bpexpand"}"#,
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let search = format!("/{index}/_search");
    // A pattern with under four letters outside its wildcards (`z*l`) is judged by its text
    // only: it reaches list entries and ordinary words alike (see `engines::expand`).
    let cases: Vec<(String, String)> = [
        "zorvex*",
        "title:zorvex*",
        "/zorv.*/",
        "zorvexab~2",
        "zor?ex*l",
    ]
    .iter()
    .map(|q| (format!("{search}?q={}", bypass::enc(q)), String::new()))
    .chain(
        [
            json!({"prefix": {"title": "zorvex"}}),
            json!({"wildcard": {"title": "zor*xil"}}),
            json!({"regexp": {"title": "zorv.*"}}),
            json!({"fuzzy": {"title": {"value": "zorvexab", "fuzziness": 2}}}),
            json!({"match_phrase_prefix": {"title": "zorvex"}}),
            json!({"match_bool_prefix": {"title": "zorve"}}),
            json!({"query_string": {"query": "zorvex*"}}),
        ]
        .into_iter()
        .map(|q| (search.clone(), json!({ "query": q }).to_string())),
    )
    .collect();
    only_directly(
        &mut direct,
        &mut Client::new(p.proxy),
        cases
            .into_iter()
            .map(|(target, body)| (("POST", target, body), None))
            .collect(),
        |r| String::from_utf8_lossy(&r.body).contains("bpexpand"),
    );
}

/// As above, on Solr: `*`, `?`, `/regex/`, `~2` and the `prefix` query parser.
#[test]
fn bypass_real_solr_expanded_queries_find_no_flagged_document() {
    let Some(e) = real_engine::solr() else {
        return;
    };
    let p = Proxy::serve(&bypass::config("solr", &format!("http://{}", e.addr)), &[]);
    bypass::wait_ready(&p);
    let mut direct = Client::new(e.addr);
    let r = direct.send(
        "POST",
        "/solr/searchward/update?commit=true",
        &[("content-type", "application/json")],
        br#"[{"id": "bpexpand-1", "url": "https://garden.example/bpexpand", "body": "zorvexil garden"}]"#,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let cases = [
        "zorvex*",
        "zor?ex*l",
        "/zorv.*/",
        "zorvexab~2",
        "{!prefix f=body}zorvex",
    ]
    .iter()
    .map(|q| {
        let target = format!("/solr/searchward/select?q={}", bypass::enc(q));
        (("GET", target, String::new()), None)
    })
    .collect();
    only_directly(&mut direct, &mut Client::new(p.proxy), cases, |r| {
        String::from_utf8_lossy(&r.body).contains("bpexpand")
    });
}

/// Solr reads a query out of parameters searchward does not read as text: a macro (`${x}`), a
/// dereferenced local parameter (`v=$x`), the `json.query` parameter. Each finds the one
/// document holding a flagged text, through searchward, only because of that text.
#[test]
fn bypass_real_solr_queries_in_other_parameters_find_no_flagged_document() {
    let Some(e) = real_engine::solr() else {
        return;
    };
    let p = Proxy::serve(&bypass::config("solr", &format!("http://{}", e.addr)), &[]);
    bypass::wait_ready(&p);
    let mut direct = Client::new(e.addr);
    let r = direct.send(
        "POST",
        "/solr/searchward/update?commit=true",
        &[("content-type", "application/json")],
        br#"[{"id": "bpparam-1", "url": "https://garden.example/bpparam", "body": "zorvexil garden"}]"#,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let found = |r: &Reply| String::from_utf8_lossy(&r.body).contains("bpparam-1");
    let cases = |text: &str| {
        [
            format!("q=%24%7Bx%7D&x={text}"),
            format!("q=body:%24%7Bx%7D&x={text}"),
            format!("q=%7B!lucene%20v%3D%24qq%7D&qq={text}"),
            format!("q=%7B!prefix%20f%3Did%7Dbpparam&fq=%7B!lucene%20v%3D%24f%7D&f=body:{text}"),
            format!("json.query={text}"),
        ]
    };
    let get = |q: &str| ("GET", format!("/solr/searchward/select?{q}"), String::new());
    let cases = cases("zorvexil")
        .iter()
        .zip(cases("nothingzz"))
        .map(|(flagged, other)| (get(flagged), Some(get(&other))))
        .collect();
    only_directly(&mut direct, &mut Client::new(p.proxy), cases, found);
}

/// Query types whose text the engine matches whole: span and `terms_set` queries, a `wrapper`
/// query (the query base64-encoded), a `terms` aggregation's `include` values, an artificial
/// document that `more_like_this` is like. Each finds the one OpenSearch document holding a
/// flagged text, or its title as a bucket.
#[test]
fn bypass_real_opensearch_query_types_carrying_text_find_no_flagged_document() {
    use base64::Engine as _;
    let Some(e) = real_engine::opensearch() else {
        return;
    };
    let p = Proxy::serve(
        &bypass::config("opensearch", &format!("http://{}", e.addr)),
        &[],
    );
    bypass::wait_ready(&p);
    let index = "bpdsl";
    let mut direct = Client::new(e.addr);
    let json = [("content-type", "application/json")];
    let r = direct.send(
        "PUT",
        &format!("/{index}/_doc/1?refresh=true"),
        &json,
        br#"{"title": "zorvexil garden", "n": 1, "url": "https://garden.example/bpdsl"}"#,
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let wrap = |q: Value| json!({"wrapper": {"query": base64::engine::general_purpose::STANDARD.encode(q.to_string())}});
    let bodies = |text: &str| {
        let span = json!({"span_term": {"title": text}});
        [
            json!({"query": span}),
            json!({"query": {"span_or": {"clauses": [{"span_term": {"title": {"value": text}}}]}}}),
            json!({"query": {"field_masking_span": {"query": span, "field": "title"}}}),
            json!({"query": {"terms_set": {"title": {"terms": [text], "minimum_should_match_field": "n"}}}}),
            json!({"query": wrap(json!({"match": {"title": text}}))}),
            json!({"query": wrap(wrap(json!({"match": {"title": text}})))}),
            json!({"size": 0, "aggs": {"t": {"terms": {"field": "title.keyword", "include": [format!("{text} garden")]}}}}),
            json!({"query": {"more_like_this": {"fields": ["title"], "like": [{"doc": {"title": text}}], "min_term_freq": 1, "min_doc_freq": 1}}}),
        ]
    };
    let found = |r: &Reply| {
        let text = String::from_utf8_lossy(&r.body);
        text.contains("bpdsl") || text.contains(r#""doc_count":1"#)
    };
    let search = format!("/{index}/_search");
    let mut proxied = Client::new(p.proxy);
    let post = |b: &Value| ("POST", search.clone(), b.to_string());
    let cases = bodies("zorvexil")
        .iter()
        .zip(bodies("nothingzz"))
        .map(|(flagged, other)| (post(flagged), Some(post(&other))))
        .collect();
    only_directly(&mut direct, &mut proxied, cases, found);
}

/// A query made of a stored document's text, which searchward never sees: a `terms` lookup and
/// `more_like_this` like a document by id. The document holding the flagged text is first
/// indexed through searchward (the indexing guard judges URLs and hashes, not words).
#[test]
fn bypass_real_opensearch_stored_documents_as_queries_find_no_flagged_document() {
    let Some(e) = real_engine::opensearch() else {
        return;
    };
    let p = Proxy::serve(
        &bypass::config("opensearch", &format!("http://{}", e.addr)),
        &[],
    );
    bypass::wait_ready(&p);
    let index = "bplookup";
    let json = [("content-type", "application/json")];
    let mut direct = Client::new(e.addr);
    let mut proxied = Client::new(p.proxy);
    let r = direct.send(
        "PUT",
        &format!("/{index}/_doc/found?refresh=true"),
        &json,
        br#"{"title": "zorvexil garden", "url": "https://garden.example/bplookup-found"}"#,
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    for (id, text) in [("flagged", "zorvexil"), ("other", "nothingzz")] {
        let doc =
            json!({"t": [text], "title": text, "url": format!("https://garden.example/{id}")});
        let r = proxied.send(
            "PUT",
            &format!("/{index}/_doc/{id}?refresh=true"),
            &json,
            doc.to_string().as_bytes(),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    }
    let bodies = |id: &str| {
        [
            json!({"query": {"terms": {"title": {"index": index, "id": id, "path": "t"}}}}),
            json!({"query": {"more_like_this": {"fields": ["title"], "like": [{"_index": index, "_id": id}], "min_term_freq": 1, "min_doc_freq": 1}}}),
        ]
    };
    let found = |r: &Reply| String::from_utf8_lossy(&r.body).contains("bplookup-found");
    let search = format!("/{index}/_search");
    let post = |b: &Value| ("POST", search.clone(), b.to_string());
    let cases = bodies("flagged")
        .iter()
        .zip(bodies("other"))
        .map(|(flagged, other)| (post(flagged), Some(post(&other))))
        .collect();
    only_directly(&mut direct, &mut proxied, cases, found);
}
