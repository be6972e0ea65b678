//! No way around inspection, tested as the adversary does: for each engine profile, the cross
//! product of method × path form × endpoint (the whole profile table, plus unknown endpoints) ×
//! where the text sits, sent through one running searchward to a recording upstream. The
//! assertion is on what the upstream received: a flagged text (or a listed URL or hash in a
//! document) never reaches it unless the endpoint is a documented known-safe pass-through,
//! and a benign text still gets its answer with the normalised path forwarded. Every outcome is
//! one of: inspected, 405, 400, 403 `endpoint_not_allowed`, or pass-through.
//!
//! Also the named regressions: methods outside a route's list, path forms, and the engine API
//! surface beyond `_search`/`_msearch`/`_bulk`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use searchward::config::RouteKind;
use searchward::profiles::{self, ProfileEndpoint};

use crate::util::{self, Proxy};

// === recording upstream ===

/// One request as the upstream received it.
#[derive(Clone, Debug)]
struct Seen {
    case: Option<usize>,
    method: String,
    path: String,
    /// Target and body, percent-decoded and lowercased, for looking for texts in any encoding.
    decoded: String,
}

/// An upstream that records every request and answers each path in its engine's shape.
struct Recorder {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    _rt: tokio::runtime::Runtime,
}

impl Recorder {
    fn start() -> Recorder {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let record = seen.clone();
        let (addr, rt) = util::serve_http(2, move |req| recorded(req, record.clone()));
        Recorder {
            addr,
            seen,
            _rt: rt,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn by_case(&self) -> HashMap<usize, Vec<Seen>> {
        let mut out: HashMap<usize, Vec<Seen>> = HashMap::new();
        for s in self.seen.lock().unwrap().iter() {
            out.entry(s.case.unwrap_or(usize::MAX))
                .or_default()
                .push(s.clone());
        }
        out
    }
}

pub(crate) fn percent_decode(s: &[u8]) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let escaped = (s[i] == b'%')
            .then(|| Some(hex(*s.get(i + 1)?)? * 16 + hex(*s.get(i + 2)?)?))
            .flatten();
        match escaped {
            Some(b) => {
                out.push(b as u8);
                i += 3;
            }
            None => {
                out.push(if s[i] == b'+' { b' ' } else { s[i] });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).to_lowercase()
}

async fn recorded(
    req: Request<Incoming>,
    record: Arc<Mutex<Vec<Seen>>>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let case = req
        .headers()
        .get("x-case")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let target = req.uri().to_string();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut raw = target.into_bytes();
    raw.push(b'\n');
    raw.extend_from_slice(&body);
    record.lock().unwrap().push(Seen {
        case,
        method,
        path: path.clone(),
        decoded: percent_decode(&raw),
    });
    let body = answer(&path);
    Ok(Response::builder()
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .body(Full::new(Bytes::from(body)))
        .unwrap())
}

/// A benign answer in the shape of the engine API at `path`.
fn answer(path: &str) -> String {
    let es_hits = r#"{"total":{"value":1,"relation":"eq"},"hits":[{"_id":"1","_source":{"url":"https://garden.example/a","title":"garden"}}]}"#;
    if path.contains("_msearch") {
        format!(r#"{{"took":1,"responses":[{{"took":1,"hits":{es_hits},"status":200}}]}}"#)
    } else if path.contains("_async_search") {
        format!(r#"{{"id":"a","is_running":false,"response":{{"took":1,"hits":{es_hits}}}}}"#)
    } else if path.contains("_eql") {
        r#"{"is_running":false,"took":1,"hits":{"total":{"value":0,"relation":"eq"},"events":[]}}"#
            .into()
    } else if path.contains("_terms_enum") {
        r#"{"terms":["garden"],"complete":true}"#.into()
    } else if path.starts_with("/solr") || path.starts_with("/api/") {
        r#"{"responseHeader":{"status":0},"response":{"numFound":1,"start":0,"docs":[{"id":"1","url":"https://garden.example/a"}]}}"#.into()
    } else if path.contains("multi-search") || path.contains("multi_search") {
        r#"{"results":[{"indexUid":"m","hits":[],"estimatedTotalHits":0,"found":0}]}"#.into()
    } else if path.contains("facet-search") {
        r#"{"facetHits":[{"value":"garden","count":1}],"facetQuery":"g"}"#.into()
    } else if path.starts_with("/indexes") {
        r#"{"hits":[{"id":1,"url":"https://garden.example/a"}],"estimatedTotalHits":1}"#.into()
    } else if path.starts_with("/collections") {
        r#"{"found":1,"hits":[{"document":{"id":"1","url":"https://garden.example/a"}}],"out_of":1,"page":1}"#.into()
    } else if path.starts_with("/suggest") {
        r#"["garden",["garden tips","garden tools"]]"#.into()
    } else {
        format!(r#"{{"took":1,"hits":{es_hits}}}"#)
    }
}

// === keep-alive client ===

#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 connection, reopened when the server closes it.
pub(crate) struct Client {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    pub(crate) fn new(addr: SocketAddr) -> Client {
        Client { addr, conn: None }
    }

    pub(crate) fn send(
        &mut self,
        method: &str,
        target: &str,
        extra: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: search.example\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in extra {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        for attempt in 0..2 {
            if self.conn.is_none() {
                let s = TcpStream::connect(self.addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                s.set_nodelay(true).unwrap();
                self.conn = Some(BufReader::new(s));
            }
            let conn = self.conn.as_mut().unwrap();
            let sent = conn.get_mut().write_all(&bytes);
            match sent.ok().and_then(|()| read_reply(conn, method == "HEAD")) {
                Some((reply, keep)) => {
                    if !keep {
                        self.conn = None;
                    }
                    return reply;
                }
                None => {
                    self.conn = None;
                    assert!(attempt == 0, "no reply to {method} {target}");
                }
            }
        }
        unreachable!()
    }
}

fn read_reply(conn: &mut BufReader<TcpStream>, head_only: bool) -> Option<(Reply, bool)> {
    let mut line = String::new();
    conn.read_line(&mut line).ok()?;
    let status: u16 = line.split_whitespace().nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        conn.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let close = get("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let mut body = Vec::new();
    if !head_only {
        if let Some(n) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
            body.resize(n, 0);
            conn.read_exact(&mut body).ok()?;
        } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            loop {
                let mut size = String::new();
                conn.read_line(&mut size).ok()?;
                let n = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
                let mut chunk = vec![0; n + 2];
                conn.read_exact(&mut chunk).ok()?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else {
            conn.read_to_end(&mut body).ok()?;
            return Some((
                Reply {
                    status,
                    headers,
                    body,
                },
                false,
            ));
        }
    }
    Some((
        Reply {
            status,
            headers,
            body,
        },
        !close,
    ))
}

// === the cases ===

/// Every RFC 9110 method, lower-case variants and an extension method.
const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "get", "post",
    "put", "PURGE",
];

/// The flagged placeholder in plain and disguised forms (each matched by the shipped lists).
pub(crate) const FLAGGED: &[&str] = &[
    "zorvexil",
    "ZORVEXIL",
    "z0rv3x1l",
    "z.o.r.v.e.x.i.l",
    "zörvéxil",
    "zor\u{200b}vexil",
];
const BENIGN: &str = "garden tips";
const LISTED_URL: &str = "https://velmorik.example.net/p/1";
pub(crate) const LISTED_URL_MARK: &str = "velmorik.example.net";
pub(crate) const LISTED_MD5: &str = "3dbcfd15b317557b3d3f9b5c78d7cc18";

/// How a request path is written; each must act as its normalised form (or be refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Canonical,
    TrailingSlash,
    LeadingDoubleSlash,
    InnerDoubleSlash,
    DotSegment,
    DotDotSegment,
    EncodedUnreserved,
    EncodedDotDot,
    EncodedSlash,
    EncodedBackslash,
}

const FORMS: &[Form] = &[
    Form::Canonical,
    Form::TrailingSlash,
    Form::LeadingDoubleSlash,
    Form::InnerDoubleSlash,
    Form::DotSegment,
    Form::DotDotSegment,
    Form::EncodedUnreserved,
    Form::EncodedDotDot,
    Form::EncodedSlash,
    Form::EncodedBackslash,
];

impl Form {
    /// `path` written in this form.
    fn write(self, path: &str) -> String {
        let segs: Vec<&str> = path.split('/').skip(1).filter(|s| !s.is_empty()).collect();
        let join = |s: &[&str]| format!("/{}", s.join("/"));
        match self {
            Form::Canonical => path.to_owned(),
            Form::TrailingSlash if path == "/" => "/".into(),
            Form::TrailingSlash => format!("{path}/"),
            Form::LeadingDoubleSlash => format!("/{path}"),
            Form::InnerDoubleSlash if segs.len() > 1 => {
                format!("/{}//{}", segs[0], segs[1..].join("/"))
            }
            Form::InnerDoubleSlash => format!("{path}//"),
            Form::DotSegment => format!("/.{path}"),
            Form::DotDotSegment => format!("/x/..{path}"),
            Form::EncodedUnreserved if path.contains('_') => path.replace('_', "%5F"),
            Form::EncodedUnreserved => path.replacen('s', "%73", 1),
            Form::EncodedDotDot => format!("/x/%2E%2e{path}"),
            Form::EncodedSlash if segs.len() > 1 => {
                format!("/{}%2F{}", segs[0], segs[1..].join("/"))
            }
            Form::EncodedSlash => format!("{}%2F", join(&segs)),
            Form::EncodedBackslash if segs.len() > 1 => {
                format!("/{}%5C{}", segs[0], segs[1..].join("/"))
            }
            Form::EncodedBackslash => format!("{}%5C", join(&segs)),
        }
    }

    fn refused(self) -> bool {
        matches!(self, Form::EncodedSlash | Form::EncodedBackslash)
    }

    /// The path the upstream must receive for `path` written in this form.
    fn forwarded(self, path: &str) -> String {
        match self {
            Form::TrailingSlash | Form::InnerDoubleSlash if path == "/" => "/".into(),
            Form::TrailingSlash => format!("{path}/"),
            Form::InnerDoubleSlash if !path[1..].contains('/') => format!("{path}/"),
            _ => path.to_owned(),
        }
    }
}

/// Concrete path of a pattern: parameters filled in, a prefix pattern extended.
fn concrete(pattern: &str) -> String {
    let p = pattern.replace("{index}", "idx").replace("{core}", "core");
    let p = p
        .replace("{uid}", "movies")
        .replace("{c}", "books")
        .replace("{id}", "abc1");
    match p.strip_suffix('*') {
        Some(prefix) => format!("{prefix}indices"),
        None => p,
    }
}

/// Whether `path` matches `pattern` (one trailing slash ignored), written independently of
/// the router: literal segments equal, `{x}` any non-empty segment, `*` a prefix.
fn matches(pattern: &str, path: &str) -> bool {
    let path = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    if let Some(prefix) = pattern.strip_suffix('*') {
        return path.starts_with(prefix) || format!("{path}/").starts_with(prefix);
    }
    let a: Vec<&str> = pattern.split('/').collect();
    let b: Vec<&str> = path.split('/').collect();
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            if x.starts_with('{') {
                !y.is_empty()
            } else {
                x == y
            }
        })
}

/// What the documented table says happens to `method` on `path`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    Inspected(RouteKind),
    Passthrough,
    Denied,
    MethodNotAllowed,
    BadRequest,
}

fn expect(table: &[ProfileEndpoint], method: &str, path: &str, form: Form) -> Expect {
    if form.refused() || method == "CONNECT" {
        return Expect::BadRequest;
    }
    let Some(first) = table.iter().find(|e| matches(&e.path, path)) else {
        return Expect::Denied;
    };
    let same = |e: &&ProfileEndpoint| canon(&e.path) == canon(&first.path);
    match table
        .iter()
        .filter(same)
        .find(|e| e.methods.contains(&method))
    {
        None => Expect::MethodNotAllowed,
        Some(e) => match e.kind {
            RouteKind::Passthrough => Expect::Passthrough,
            RouteKind::Deny => Expect::Denied,
            k => Expect::Inspected(k),
        },
    }
}

/// A pattern with parameter names erased (`/{a}/x` and `/{b}/x` are the same path).
fn canon(p: &str) -> String {
    p.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Where a text sits in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Query,
    RepeatedParam,
    DslBody,
    TemplateParams,
    SqlQuery,
    Ndjson,
    FormBody,
    EngineBody,
}

const PLACES: &[Place] = &[
    Place::Query,
    Place::RepeatedParam,
    Place::DslBody,
    Place::TemplateParams,
    Place::SqlQuery,
    Place::Ndjson,
    Place::FormBody,
    Place::EngineBody,
];

pub(crate) fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The query string (with `?`), body and content type carrying `text` at `place`.
fn place(profile: &str, path: &str, place: Place, text: &str) -> (String, Vec<u8>, &'static str) {
    let json = "application/json";
    let t = text;
    match place {
        Place::Query => (format!("?q={}", enc(t)), Vec::new(), json),
        Place::RepeatedParam => (format!("?q=garden&q={}", enc(t)), Vec::new(), json),
        Place::DslBody => (
            String::new(),
            format!(r#"{{"query":{{"match":{{"title":"{t}"}}}}}}"#).into_bytes(),
            json,
        ),
        Place::TemplateParams => (
            String::new(),
            format!(r#"{{"id":"tpl","params":{{"q":"{t}"}}}}"#).into_bytes(),
            json,
        ),
        Place::SqlQuery => (
            String::new(),
            format!(r#"{{"query":"SELECT title FROM idx WHERE body = '{t}'"}}"#).into_bytes(),
            json,
        ),
        Place::Ndjson => {
            let line = if path.contains("template") {
                format!(r#"{{"id":"tpl","params":{{"q":"{t}"}}}}"#)
            } else {
                format!(r#"{{"query":{{"match":{{"title":"{t}"}}}}}}"#)
            };
            (
                String::new(),
                format!("{{}}\n{line}\n").into_bytes(),
                "application/x-ndjson",
            )
        }
        Place::FormBody => (
            String::new(),
            format!("q={}", enc(t)).into_bytes(),
            "application/x-www-form-urlencoded",
        ),
        Place::EngineBody => (
            String::new(),
            engine_body(profile, path, t).into_bytes(),
            json,
        ),
    }
}

/// The body this endpoint natively reads the text from.
fn engine_body(profile: &str, path: &str, t: &str) -> String {
    match profile {
        "elasticsearch" | "opensearch" => {
            if path.contains("_terms_enum") {
                format!(r#"{{"field":"title","string":"{t}"}}"#)
            } else if path.contains("_eql") {
                format!(r#"{{"query":"any where title == \"{t}\""}}"#)
            } else if path.contains("_sql") || path.contains("_ppl") || path.starts_with("/_query")
            {
                format!(r#"{{"query":"SELECT * FROM idx WHERE t = '{t}'"}}"#)
            } else if path.contains("_knn_search") {
                format!(
                    r#"{{"knn":{{"field":"v","query_vector_builder":{{"text_embedding":{{"model_text":"{t}"}}}}}}}}"#
                )
            } else if path.contains("_reindex") {
                format!(
                    r#"{{"source":{{"index":"a","query":{{"match":{{"t":"{t}"}}}}}},"dest":{{"index":"b"}}}}"#
                )
            } else if path.contains("template") && !path.contains("_msearch") {
                format!(r#"{{"source":"{{}}","params":{{"q":"{t}"}}}}"#)
            } else if path.contains("_msearch") {
                format!("{{}}\n{{\"query\":{{\"match\":{{\"title\":\"{t}\"}}}}}}\n")
            } else {
                format!(r#"{{"query":{{"simple_query_string":{{"query":"{t}"}}}}}}"#)
            }
        }
        "solr" => format!(r#"{{"query":"{t}","limit":5}}"#),
        "meilisearch" if path.contains("multi-search") => {
            format!(r#"{{"queries":[{{"indexUid":"movies","q":"{t}"}}]}}"#)
        }
        "meilisearch" if path.contains("facet-search") => {
            format!(r#"{{"facetName":"genre","facetQuery":"{t}"}}"#)
        }
        "meilisearch" => format!(r#"{{"q":"{t}"}}"#),
        "typesense" => format!(r#"{{"searches":[{{"collection":"books","q":"{t}"}}]}}"#),
        _ => String::new(),
    }
}

/// Where a text is read natively (so a flagged one must be blocked, not merely refused).
fn native(profile: &str, path: &str, method: &str, p: Place) -> bool {
    let body_search_only = matches!(profile, "meilisearch" | "typesense");
    match p {
        // Meilisearch and Typesense read `q` from the URL only on GET search.
        Place::Query | Place::RepeatedParam => {
            !path.contains("multi") && (method == "GET" || !body_search_only)
        }
        Place::EngineBody => {
            let no_body = match profile {
                "opensearch-suggest" => true,
                "typesense" => !path.contains("multi_search"),
                "meilisearch" => method == "GET",
                _ => false,
            };
            !no_body && !path.contains("scroll") && !path.contains("similar")
        }
        _ => false,
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub(crate) id: usize,
    pub(crate) method: &'static str,
    /// The concrete path the case was made from, before its form was applied.
    pub(crate) path: String,
    pub(crate) target: String,
    pub(crate) body: Vec<u8>,
    pub(crate) ctype: &'static str,
    pub(crate) expect: Expect,
    /// `Some(marks)` when the request carries flagged content: none of `marks` may reach the
    /// upstream (unless the endpoint passes through). `None` for benign requests.
    pub(crate) flagged: Option<Vec<String>>,
    /// Benign requests that must be answered by the upstream at this path.
    pub(crate) forwarded: Option<String>,
    /// A flagged request on an inspected endpoint at a native place: must be blocked (200,
    /// upstream not called), not merely refused.
    pub(crate) must_block: bool,
    pub(crate) what: String,
}

/// The search cross product for one profile.
pub(crate) fn search_cases(
    profile: &str,
    table: &[ProfileEndpoint],
    unknown: &[&str],
) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut paths: Vec<(String, Option<RouteKind>)> = table
        .iter()
        .filter(|e| e.kind != RouteKind::Index)
        .map(|e| (concrete(&e.path), Some(e.kind)))
        .collect();
    paths.extend(unknown.iter().map(|p| ((*p).to_owned(), None)));
    paths.dedup();
    let mut n = 0;
    for (path, _) in &paths {
        for &method in METHODS {
            for &form in FORMS {
                let written = form.write(path);
                let ex = expect(table, method, path, form);
                // Writes to an index are the indexing-guard cross product's.
                if ex == Expect::Inspected(RouteKind::Index) {
                    continue;
                }
                // Text in the URL for every method and form; the body placements for the
                // endpoint's own methods on a few forms.
                let places: &[Place] = if matches!(ex, Expect::Inspected(_))
                    && matches!(
                        form,
                        Form::Canonical | Form::InnerDoubleSlash | Form::EncodedUnreserved
                    ) {
                    PLACES
                } else {
                    &[Place::Query]
                };
                for &p in places {
                    let text = FLAGGED[n % FLAGGED.len()];
                    n += 1;
                    let (query, body, ctype) = place(profile, path, p, text);
                    if query.is_empty() && body.is_empty() {
                        continue;
                    }
                    let must_block = matches!(ex, Expect::Inspected(_))
                        && native(profile, path, method, p)
                        && (method != "HEAD");
                    cases.push(Case {
                        id: 0,
                        method,
                        path: path.clone(),
                        target: format!("{written}{query}"),
                        body,
                        ctype,
                        expect: ex,
                        flagged: Some(vec![text.to_lowercase(), "zorvexil".into()]),
                        forwarded: None,
                        must_block,
                        what: format!("{method} {written} {p:?} flagged"),
                    });
                }
                // Benign: answered by the upstream at the normalised path.
                if let Expect::Inspected(_) | Expect::Passthrough = ex {
                    for p in [Place::Query, Place::EngineBody] {
                        if !native(profile, path, method, p) && p != Place::Query {
                            continue;
                        }
                        if matches!(ex, Expect::Inspected(_)) && !native(profile, path, method, p) {
                            continue;
                        }
                        let (query, body, ctype) = place(profile, path, p, BENIGN);
                        cases.push(Case {
                            id: 0,
                            method,
                            path: path.clone(),
                            target: format!("{written}{query}"),
                            body,
                            ctype,
                            expect: ex,
                            flagged: None,
                            forwarded: Some(form.forwarded(path)),
                            must_block: false,
                            what: format!("{method} {written} {p:?} benign"),
                        });
                    }
                }
            }
        }
    }
    cases
}

/// Indexing bodies for an index endpoint, each carrying `url` and `md5`.
pub(crate) fn documents(
    profile: &str,
    path: &str,
    url: &str,
    md5: &str,
) -> Vec<(Vec<u8>, &'static str)> {
    let json = "application/json";
    let doc = format!(r#"{{"id":"1","url":"{url}","md5":"{md5}","title":"t"}}"#);
    let out: Vec<(String, &'static str)> = match profile {
        "elasticsearch" | "opensearch" if path.contains("_bulk") => vec![
            (
                format!("{{\"index\":{{\"_id\":\"1\"}}}}\n{doc}\n"),
                "application/x-ndjson",
            ),
            (
                format!("{{\"create\":{{\"_index\":\"idx\"}}}}\n{doc}\n"),
                "application/x-ndjson",
            ),
            (
                format!("{{\"update\":{{\"_id\":\"1\"}}}}\n{{\"doc\":{doc}}}\n"),
                "application/x-ndjson",
            ),
            (
                format!(
                    "{{\"update\":{{\"_id\":\"1\"}}}}\n{{\"doc\":{{\"t\":1}},\"upsert\":{doc}}}\n"
                ),
                "application/x-ndjson",
            ),
        ],
        "elasticsearch" | "opensearch" if path.contains("_update") => vec![
            (format!(r#"{{"doc":{doc}}}"#), json),
            (format!(r#"{{"doc":{{"t":1}},"upsert":{doc}}}"#), json),
            (
                format!(
                    r#"{{"script":{{"source":"ctx._source.u=params.u","params":{{"u":"{url}","h":"{md5}"}}}},"upsert":{{}},"scripted_upsert":true}}"#
                ),
                json,
            ),
        ],
        "elasticsearch" | "opensearch" => vec![(doc.clone(), json)],
        "solr" if path.ends_with("/json/docs") => vec![(doc.clone(), json)],
        "solr" => vec![
            (format!("[{doc}]"), json),
            (format!(r#"{{"add":{{"doc":{doc}}}}}"#), json),
            (format!("id,url,md5\n1,{url},{md5}\n"), "text/csv"),
            (
                format!(
                    "<add><doc><field name=\"id\">1</field><field name=\"url\">{url}</field><field name=\"md5\">{md5}</field></doc></add>"
                ),
                "text/xml",
            ),
        ],
        "meilisearch" => vec![
            (format!("[{doc}]"), json),
            (format!("{doc}\n"), "application/x-ndjson"),
            (format!("id,url,md5\n1,{url},{md5}\n"), "text/csv"),
        ],
        "typesense" if path.ends_with("/import") => vec![(format!("{doc}\n"), "text/plain")],
        "typesense" => vec![(doc.clone(), json)],
        _ => Vec::new(),
    };
    out.into_iter().map(|(b, c)| (b.into_bytes(), c)).collect()
}

/// The indexing-guard cross product: listed URL or hash in every document shape.
pub(crate) fn index_cases(profile: &str, table: &[ProfileEndpoint]) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut paths: Vec<String> = table
        .iter()
        .filter(|e| e.kind == RouteKind::Index)
        .map(|e| concrete(&e.path))
        .collect();
    paths.dedup();
    for path in &paths {
        for &method in METHODS {
            for &form in FORMS {
                let written = form.write(path);
                let ex = expect(table, method, path, form);
                let listed = [
                    (
                        LISTED_URL.to_owned(),
                        "d41d8cd98f00b204e9800998ecf8427e".to_owned(),
                    ),
                    (
                        "HTTPS://VELMORIK.EXAMPLE.NET./p/%31".to_owned(),
                        "d41d8cd98f00b204e9800998ecf8427e".to_owned(),
                    ),
                    (
                        "https://garden.example/ok".to_owned(),
                        LISTED_MD5.to_owned(),
                    ),
                ];
                for (url, md5) in listed {
                    for (body, ctype) in documents(profile, path, &url, &md5) {
                        cases.push(Case {
                            id: 0,
                            method,
                            path: path.clone(),
                            target: written.clone(),
                            body,
                            ctype,
                            expect: ex,
                            flagged: Some(vec![LISTED_URL_MARK.into(), LISTED_MD5.into()]),
                            forwarded: None,
                            must_block: false,
                            what: format!("{method} {written} {ctype} listed {url} {md5}"),
                        });
                    }
                }
                let readable = !path.contains("delete") && !path.ends_with("/edit");
                if matches!(ex, Expect::Inspected(_)) && method != "DELETE" && readable {
                    let docs = documents(
                        profile,
                        path,
                        "https://garden.example/ok",
                        "d41d8cd98f00b204e9800998ecf8427e",
                    );
                    if let Some((body, ctype)) = docs.into_iter().next() {
                        cases.push(Case {
                            id: 0,
                            method,
                            path: path.clone(),
                            target: written.clone(),
                            body,
                            ctype,
                            expect: ex,
                            flagged: None,
                            forwarded: Some(form.forwarded(path)),
                            must_block: false,
                            what: format!("{method} {written} benign document"),
                        });
                    }
                }
            }
        }
    }
    cases
}

pub(crate) fn config(profile: &str, upstream: &str) -> String {
    let root = util::root();
    format!(
        r#"[upstream]
url = "{upstream}"
[limits]
max_in_flight = 100000
[engine]
profile = "{profile}"
[engine.search]
url_fields = ["/_source/url", "/url", "/document/url"]
[engine.index]
url_fields = ["/url"]
hash_fields = [{{ pointer = "/md5", algorithm = "md5" }}]
[[lists]]
name = "terms"
kind = "terms"
path = "{terms}"
action = "block"
[[lists]]
name = "urls"
kind = "urls"
path = "{urls}"
effect = "delist"
[[lists]]
name = "md5"
kind = "hashes"
path = "{md5}"
algorithm = "md5"
effect = "delist"
"#,
        terms = root.join("lists/terms.txt").display(),
        urls = root.join("lists/urls.txt").display(),
        md5 = root.join("lists/hashes-md5.txt").display(),
    )
}

/// Runs every case over a few keep-alive connections and checks each outcome and what the
/// upstream received.
fn run(profile: &str, mut cases: Vec<Case>) {
    for (i, c) in cases.iter_mut().enumerate() {
        c.id = i;
    }
    let up = Recorder::start();
    let p = Proxy::serve(&config(profile, &up.url()), &[]);
    wait_ready(&p);
    let replies: Vec<(usize, Reply)> = std::thread::scope(|s| {
        let workers: Vec<_> = cases
            .chunks(cases.len().div_ceil(4).max(1))
            .map(|chunk| {
                let addr = p.proxy;
                s.spawn(move || {
                    let mut client = Client::new(addr);
                    chunk
                        .iter()
                        .map(|c| {
                            let id = c.id.to_string();
                            let headers = [("content-type", c.ctype), ("x-case", id.as_str())];
                            (c.id, client.send(c.method, &c.target, &headers, &c.body))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let seen = up.by_case();
    let mut failures = Vec::new();
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    for (id, reply) in &replies {
        let c = &cases[*id];
        let got = seen.get(id).map(Vec::as_slice).unwrap_or_default();
        let outcome = check(c, reply, got);
        match outcome {
            Ok(o) => *outcomes.entry(o.to_owned()).or_default() += 1,
            Err(why) => failures.push(format!(
                "{}: {why} (status {}, {:?})",
                c.what,
                reply.status,
                String::from_utf8_lossy(&reply.body)
                    .chars()
                    .take(160)
                    .collect::<String>()
            )),
        }
    }
    // Whatever case a request belonged to, flagged content reached the upstream only on
    // pass-through endpoints.
    let passthrough: std::collections::HashSet<usize> = cases
        .iter()
        .filter(|c| c.expect == Expect::Passthrough)
        .map(|c| c.id)
        .collect();
    let marks: Vec<String> = FLAGGED
        .iter()
        .map(|f| f.to_lowercase())
        .chain([LISTED_URL_MARK.to_owned(), LISTED_MD5.to_owned()])
        .collect();
    for s in up.seen.lock().unwrap().iter() {
        if s.case.is_some_and(|c| passthrough.contains(&c)) {
            continue;
        }
        if let Some(m) = marks.iter().find(|m| s.decoded.contains(m.as_str())) {
            failures.push(format!("upstream received {m:?}: {} {}", s.method, s.path));
        }
    }
    eprintln!(
        "{profile}: {} cases, {} upstream requests, outcomes {outcomes:?}",
        cases.len(),
        up.seen.lock().unwrap().len()
    );
    assert!(
        failures.is_empty(),
        "{profile}: {} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

pub(crate) fn wait_ready(p: &Proxy) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let r = util::get(p.admin, "/readyz", &[]);
        if r.status == 200 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The outcome of one case, or why it is wrong.
fn check(c: &Case, r: &Reply, got: &[Seen]) -> Result<&'static str, String> {
    let reached = !got.is_empty();
    let refused_without_upstream = |status: u16, what: &'static str| {
        if r.status != status {
            return Err(format!("expected {status}"));
        }
        if reached {
            return Err(format!("{what} but the upstream was called"));
        }
        Ok(what)
    };
    match c.expect {
        Expect::BadRequest => refused_without_upstream(400, "400"),
        Expect::MethodNotAllowed => {
            let o = refused_without_upstream(405, "405")?;
            if r.header("allow").is_none_or(str::is_empty) {
                return Err("405 without Allow".into());
            }
            Ok(o)
        }
        Expect::Denied => {
            let o = refused_without_upstream(403, "403 endpoint_not_allowed")?;
            if c.method != "HEAD"
                && !String::from_utf8_lossy(&r.body).contains("endpoint_not_allowed")
            {
                return Err("403 without endpoint_not_allowed".into());
            }
            Ok(o)
        }
        Expect::Passthrough => {
            if !reached || r.status != 200 {
                return Err("a known-safe endpoint was not passed through".into());
            }
            check_forwarded(c, got)?;
            Ok("passthrough")
        }
        Expect::Inspected(kind) => {
            if c.flagged.is_none() {
                if r.status != 200 || !reached {
                    return Err("benign request not answered by the upstream".into());
                }
                check_forwarded(c, got)?;
                return Ok("inspected, forwarded");
            }
            if kind == RouteKind::Index {
                // Refused whole, or forwarded without the listed documents (what reached the
                // upstream is checked for listed content after all cases).
                return match (r.status, reached) {
                    (422 | 400, false) => Ok("index guard refused"),
                    (_, true) if r.header("x-searchward-refused").is_some() => {
                        Ok("index guard dropped documents")
                    }
                    _ => Err("listed document not refused".into()),
                };
            }
            match (r.status, reached) {
                (200, false) => Ok("inspected, blocked"),
                (400, false) if !c.must_block => Ok("inspected, unreadable body refused"),
                _ => Err(if c.must_block {
                    "flagged text not blocked".into()
                } else {
                    "flagged text neither blocked nor refused".into()
                }),
            }
        }
    }
}

fn check_forwarded(c: &Case, got: &[Seen]) -> Result<(), String> {
    let [one] = got else {
        return Err(format!("{} upstream requests", got.len()));
    };
    if one.method != c.method {
        return Err(format!("upstream saw method {}", one.method));
    }
    if let Some(want) = &c.forwarded
        && &one.path != want
    {
        return Err(format!("upstream saw path {} instead of {want}", one.path));
    }
    Ok(())
}

fn profile_cases(profile: &str, unknown: &[&str]) -> Vec<Case> {
    let table = profiles::endpoints(profile).unwrap();
    let mut cases = search_cases(profile, &table, unknown);
    cases.extend(index_cases(profile, &table));
    cases
}

#[test]
fn elasticsearch_cross_product() {
    let unknown = [
        "/_rank_eval",
        "/idx/_termvectors/1",
        "/_nodes/stats",
        "/idx",
        "/_cluster/settings",
        "/_all/_field_caps",
    ];
    run("elasticsearch", profile_cases("elasticsearch", &unknown));
}

/// Paths outside the OpenSearch profile's table.
pub(crate) const OPENSEARCH_UNKNOWN: &[&str] = &[
    "/_rank_eval",
    "/idx/_termvectors/1",
    "/_plugins/_ml/models",
    "/idx",
];

#[test]
fn opensearch_cross_product() {
    run(
        "opensearch",
        profile_cases("opensearch", OPENSEARCH_UNKNOWN),
    );
}

/// Paths outside the Solr profile's table (and the refused Tika handler).
pub(crate) const SOLR_UNKNOWN: &[&str] = &[
    "/solr/core/custom",
    "/solr/admin/cores",
    "/solr/core/replication",
    "/solr/core/update/extract",
];

#[test]
fn solr_cross_product() {
    run("solr", profile_cases("solr", SOLR_UNKNOWN));
}

#[test]
fn meilisearch_cross_product() {
    let unknown = [
        "/keys",
        "/indexes/movies/settings/searchable-attributes",
        "/dumps",
        "/swap-indexes",
    ];
    run("meilisearch", profile_cases("meilisearch", &unknown));
}

#[test]
fn typesense_cross_product() {
    let unknown = [
        "/keys",
        "/conversations/models",
        "/collections/books/synonyms",
        "/aliases",
    ];
    run("typesense", profile_cases("typesense", &unknown));
}

#[test]
fn opensearch_suggest_cross_product() {
    run(
        "opensearch-suggest",
        profile_cases(
            "opensearch-suggest",
            &["/search", "/suggest/x", "/opensearch.xml"],
        ),
    );
}

// === the reproduced bypasses ===

/// Runs `config/demo.toml` (lists and token made absolute) against a recording upstream.
fn demo(up: &Recorder) -> Proxy {
    let root = util::root();
    let text = std::fs::read_to_string(root.join("config/demo.toml"))
        .unwrap()
        .replace("http://127.0.0.1:1", &up.url())
        .replace("../lists/", &format!("{}/lists/", root.display()))
        .replace(
            "\"demo-admin-token.txt\"",
            &format!("{:?}", root.join("config/demo-admin-token.txt")),
        )
        .replace("/tmp/searchward-demo-evidence.jsonl", "evidence.jsonl");
    let p = Proxy::serve(&text, &[]);
    wait_ready(&p);
    p
}

/// Runs `config/examples/elasticsearch.toml` as shipped, in front of a recording upstream.
fn es_example(up: &Recorder) -> Proxy {
    let mut cmd = std::process::Command::new(util::bin());
    cmd.arg("serve")
        .arg("--config")
        .arg(util::root().join("config/examples/elasticsearch.toml"))
        .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .args(["--upstream", &up.url()]);
    let p = Proxy::spawn(cmd, tempfile::tempdir().unwrap());
    wait_ready(&p);
    p
}

/// No request reached the upstream carrying `mark`.
fn assert_never_reached(up: &Recorder, mark: &str) {
    for s in up.seen.lock().unwrap().iter() {
        assert!(
            !s.decoded.contains(mark),
            "{mark:?} reached the upstream: {} {}",
            s.method,
            s.path
        );
    }
}

#[test]
fn regression_method_outside_a_routes_list_is_405_not_pass_through() {
    let up = Recorder::start();
    let p = demo(&up);
    let mut c = Client::new(p.proxy);
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get"] {
        for target in ["/search?q=zorvexil", "/suggest?q=zorv", "/page?q=zorvexil"] {
            let r = c.send(method, target, &[], b"");
            assert_eq!(r.status, 405, "{method} {target}");
            assert_eq!(r.header("allow"), Some("GET"), "{method} {target}");
        }
    }
    let r = c.send("GET", "/search?q=zorvexil", &[], b"");
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("searchward_notice"));
    assert_never_reached(&up, "zorv");

    let up = Recorder::start();
    let p = es_example(&up);
    let mut c = Client::new(p.proxy);
    for method in ["HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "get", "TRACE"] {
        let r = c.send(method, "/idx/_search?q=zorvexil", &[], b"");
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("GET, POST"), "{method}");
    }
    assert_never_reached(&up, "zorvexil");
}

#[test]
fn regression_path_forms_are_routed_as_the_engine_resolves_them() {
    let up = Recorder::start();
    let p = es_example(&up);
    let mut c = Client::new(p.proxy);
    let json = [("content-type", "application/json")];
    for path in [
        "/idx/_search/",
        "//idx/_search",
        "/idx//_search",
        "/idx/%5Fsearch",
        "/idx/./_search",
        "/x/../idx/_search",
    ] {
        let r = c.send("GET", &format!("{path}?q=zorvexil"), &[], b"");
        assert_eq!(r.status, 200, "{path}");
        assert!(
            String::from_utf8_lossy(&r.body).contains("searchward_notice"),
            "{path}"
        );
    }
    let r = c.send("GET", "/idx%2F_search?q=zorvexil", &[], b"");
    assert_eq!(r.status, 400, "encoded slash");
    let ndjson = [("content-type", "application/x-ndjson")];
    let msearch = b"{}\n{\"query\":{\"match\":{\"t\":\"zorvexil\"}}}\n";
    let r = c.send("POST", "/idx/_msearch/", &ndjson, msearch);
    assert_eq!(r.status, 200, "/idx/_msearch/");
    let bulk = format!("{{\"index\":{{}}}}\n{{\"url\":\"{LISTED_URL}\"}}\n");
    let r = c.send("POST", "/_bulk/", &ndjson, bulk.as_bytes());
    assert_eq!(r.status, 422, "/_bulk/");
    assert_never_reached(&up, "zorvexil");
    assert_never_reached(&up, LISTED_URL_MARK);
    // A benign request is forwarded with the path the engine resolves.
    let r = c.send("POST", "/x/../idx//%5Fsearch/", &json, b"{}");
    assert_eq!(r.status, 200);
    let seen = up.seen.lock().unwrap();
    assert_eq!(seen.last().map(|s| s.path.as_str()), Some("/idx/_search/"));
}

#[test]
fn regression_engine_api_surface_beyond_search_is_inspected() {
    let up = Recorder::start();
    let p = es_example(&up);
    let mut c = Client::new(p.proxy);
    let json = [("content-type", "application/json")];
    let dsl = br#"{"query":{"match":{"title":"zorvexil"}}}"#.as_slice();
    let searches: &[(&str, &str, &[u8])] = &[
        ("GET", "/_search?q=zorvexil", b""),
        ("POST", "/idx/_async_search", dsl),
        (
            "POST",
            "/idx/_search/template",
            br#"{"id":"t","params":{"q":"zorvexil"}}"#,
        ),
        (
            "POST",
            "/_sql",
            br#"{"query":"SELECT * FROM idx WHERE t = 'zorvexil'"}"#,
        ),
        (
            "POST",
            "/idx/_terms_enum",
            br#"{"field":"t","string":"zorvexil"}"#,
        ),
        ("GET", "/idx/_count?q=zorvexil", b""),
        ("POST", "/idx/_count", dsl),
        ("GET", "/idx/_explain/1?q=zorvexil", b""),
        ("POST", "/idx/_validate/query", dsl),
    ];
    for (method, target, body) in searches {
        let r = c.send(method, target, &json, body);
        assert_eq!(r.status, 200, "{method} {target}");
    }
    assert_never_reached(&up, "zorvexil");
    let doc = format!(r#"{{"url":"{LISTED_URL}","title":"t"}}"#);
    let bulk = format!("{{\"index\":{{}}}}\n{doc}\n");
    let ndjson = [("content-type", "application/x-ndjson")];
    type Write<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [u8]);
    let writes: &[Write<'_>] = &[
        ("POST", "/idx/_bulk", &ndjson, bulk.as_bytes()),
        ("PUT", "/idx/_doc/1", &json, doc.as_bytes()),
        ("POST", "/idx/_doc", &json, doc.as_bytes()),
        ("PUT", "/idx/_create/2", &json, doc.as_bytes()),
    ];
    for (method, target, headers, body) in writes {
        let r = c.send(method, target, headers, body);
        assert_eq!(r.status, 422, "{method} {target}");
    }
    assert_never_reached(&up, LISTED_URL_MARK);
    assert!(up.seen.lock().unwrap().is_empty(), "nothing was forwarded");
}
