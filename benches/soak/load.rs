//! The fake upstream and the steady-rate load generator, and the per-response consistency
//! check: every answer must be wholly one list version.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

use crate::bundle::{EVEN_TERM, EVEN_URL, ODD_URL};

/// A generic-engine search answer with both version-specific URLs and two clean hits.
const SEARCH_JSON: &str = r#"{"query":"q","total":4,"hits":[
{"title":"Plain result one","url":"https://clean.example/one","snippet":"Nothing to see."},
{"title":"Even page","url":"https://soak.example/even","snippet":"Listed by even versions."},
{"title":"Odd page","url":"https://soak.example/odd","snippet":"Listed by odd versions."},
{"title":"Plain result two","url":"https://clean.example/two","snippet":"Nothing either."}]}"#;

/// Starts the upstream on its own one-thread runtime (kept alive by the returned value).
pub fn upstream() -> (SocketAddr, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("upstream runtime");
    let listener = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind upstream");
    let addr = listener.local_addr().expect("upstream address");
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(|_req: Request<hyper::body::Incoming>| async {
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(SEARCH_JSON.as_bytes())))
                            .unwrap_or_default(),
                    )
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, rt)
}

/// How one response turned out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Wholly the even lists: notice, even URL delisted, odd URL kept.
    Even,
    /// Wholly the odd lists: no notice, odd URL delisted, even URL kept.
    Odd,
    /// A blocked answer: only a broken (never to be applied) version blocks the marker.
    InvalidServed,
    /// Any other combination: lists of two versions in one answer.
    Mixed,
    /// A non-200 status.
    Status(u16),
    /// Connection error, timeout or unreadable body.
    Transport,
}

/// Classifies a 200 body.
pub fn classify(body: &[u8]) -> Outcome {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Outcome::Transport;
    };
    let notice = v.get("searchward_notice").is_some();
    let urls: Vec<&str> = v
        .get("hits")
        .and_then(|h| h.as_array())
        .map(|hits| hits.iter().filter_map(|h| h["url"].as_str()).collect())
        .unwrap_or_default();
    let has = |u: &str| urls.contains(&u);
    let clean = urls
        .iter()
        .filter(|u| u.starts_with("https://clean.example/"))
        .count();
    match (notice, has(EVEN_URL), has(ODD_URL), clean) {
        (true, false, true, 2) => Outcome::Even,
        (false, true, false, 2) => Outcome::Odd,
        (true, false, false, 0) => Outcome::InvalidServed,
        _ => Outcome::Mixed,
    }
}

/// One request's record.
#[derive(Clone, Copy, Debug)]
pub struct Record {
    /// When it was scheduled, from the start of the load.
    pub at: Duration,
    /// From the scheduled time to the last body byte (includes any queueing behind a slow
    /// answer, so a stall is not hidden by coordinated omission).
    pub latency: Duration,
    /// What came back.
    pub outcome: Outcome,
}

/// Sends `GET /search?q=alphaquorn` at `rate` per second in total, from `workers` tasks with
/// staggered intervals on shared keep-alive connections, until `stop`.
pub async fn run(
    proxy: SocketAddr,
    rate: u64,
    workers: u64,
    start: Instant,
    stop: Arc<AtomicBool>,
) -> Vec<Record> {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http();
    let uri: hyper::Uri = format!("http://{proxy}/search?q={EVEN_TERM}")
        .parse()
        .expect("uri");
    let period = Duration::from_secs_f64(workers as f64 / rate as f64);
    let mut tasks = Vec::new();
    for w in 0..workers {
        let client = client.clone();
        let uri = uri.clone();
        let stop = stop.clone();
        let first = start + period.mul_f64(w as f64 / workers as f64);
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            let mut tick = tokio::time::interval_at(first.into(), period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            while !stop.load(Ordering::Relaxed) {
                let due: Instant = tick.tick().await.into();
                let outcome = one(&client, &uri).await;
                out.push(Record {
                    at: due.duration_since(start),
                    latency: due.elapsed(),
                    outcome,
                });
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        if let Ok(mut r) = t.await {
            all.append(&mut r);
        }
    }
    all.sort_by_key(|r| r.at);
    all
}

async fn one(
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>,
    uri: &hyper::Uri,
) -> Outcome {
    let req = async {
        let resp = client.get(uri.clone()).await.ok()?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.ok()?.to_bytes();
        Some((status, body))
    };
    match tokio::time::timeout(Duration::from_secs(10), req).await {
        Ok(Some((200, body))) => classify(&body),
        Ok(Some((status, _))) => Outcome::Status(status),
        _ => Outcome::Transport,
    }
}
