//! Per-client fairness and bounded memory: one address over its connection or in-flight limit
//! gets `429` while another address is served; behind a trusted proxy the forwarded client is
//! limited, not the proxy (and a spoofed left part of `X-Forwarded-For` changes nothing);
//! concurrent large inspected responses past the buffered-bytes budget are shed with `503`
//! while the others complete intact, and the budget returns to zero; admin uploads are spooled
//! to a temporary file that is gone afterwards, and one over `admin.max_body` gets `413`.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::util::{self, HANG, Proxy, Upstream, connect_from, get, request_from, wait_for};

/// The value of an unlabelled (or fully written out) metric.
fn metric(p: &Proxy, name: &str) -> Option<u64> {
    get(p.admin, "/metrics", &[])
        .text()
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

fn shed(p: &Proxy, reason: &str) -> u64 {
    metric(p, &format!("searchward_shed_total{{reason=\"{reason}\"}}")).unwrap_or(0)
}

fn get_from(source: &str, addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> util::Reply {
    request_from(source, addr, "GET", path, headers, b"")
}

#[test]
fn one_client_over_its_connection_limit_gets_429_and_others_are_served() {
    let up = Upstream::start();
    let config = format!(
        "[server]\nworkers = 2\n[upstream]\nurl = \"{}\"\n[limits]\nper_client_connections = 4\n",
        up.url()
    );
    let p = Proxy::serve(&config, &[]);
    // Four silent connections from one address take its whole share.
    let _held: Vec<_> = (0..4)
        .map(|_| connect_from("127.0.0.2", p.proxy).unwrap())
        .collect();
    // The gauge counts the admin connection asking too.
    wait_for("four connections open", || {
        metric(&p, "searchward_open_connections").is_some_and(|n| n > 4)
    });
    // A fifth from that address is answered at once and closed.
    let mut fifth = connect_from("127.0.0.2", p.proxy).unwrap();
    fifth.set_read_timeout(Some(HANG)).unwrap();
    let _ = fifth.write_all(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut answer = Vec::new();
    let _ = fifth.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 429 "), "{answer}");
    assert!(answer.contains("retry-after: 1\r\n"), "{answer}");
    assert!(
        answer.contains("\"error\":\"too_many_requests\""),
        "{answer}"
    );
    assert_eq!(
        up.connections.load(Ordering::SeqCst),
        0,
        "upstream contacted"
    );
    // Another address is served as usual.
    let r = get_from("127.0.0.3", p.proxy, "/json", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, util::CLEAN_JSON);
    assert_eq!(shed(&p, "client_connections"), 1);
    let text = get(p.admin, "/metrics", &[]).text();
    assert!(!text.contains("127.0.0.2"), "an address in the metrics");
}

#[test]
fn one_client_over_its_in_flight_limit_gets_429_and_others_are_served() {
    let up = Upstream::start();
    let config = format!(
        "[server]\nworkers = 2\n[upstream]\nurl = \"{}\"\n[limits]\nper_client_in_flight = 2\n",
        up.url()
    );
    let p = Proxy::serve(&config, &[]);
    let proxy = p.proxy;
    let slow: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(move || get_from("127.0.0.2", proxy, "/slow?ms=3000", &[]).status)
        })
        .collect();
    wait_for("two slow requests in flight", || {
        metric(&p, "searchward_in_flight_requests") == Some(2)
    });
    let r = get_from("127.0.0.2", p.proxy, "/json", &[]);
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"], "too_many_requests");
    assert_eq!(r.header("retry-after"), Some("1"));
    let r = get_from("127.0.0.3", p.proxy, "/json", &[]);
    assert_eq!(r.status, 200, "another address is not limited");
    for t in slow {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert_eq!(shed(&p, "client_in_flight"), 1);
    // Its slots free, the first address is served again.
    assert_eq!(get_from("127.0.0.2", p.proxy, "/json", &[]).status, 200);
    wait_for("no client tracked", || {
        metric(&p, "searchward_clients_tracked") == Some(0)
    });
}

#[test]
fn behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy() {
    let up = Upstream::start();
    let config = format!(
        "[server]\nworkers = 2\n[upstream]\nurl = \"{}\"\n[limits]\nper_client_in_flight = 1\nper_client_connections = 2\ntrusted_proxies = [\"127.0.0.2\"]\n",
        up.url()
    );
    let p = Proxy::serve(&config, &[]);
    let proxy = p.proxy;
    // The trusted proxy carries one slow request of a client…
    let slow = std::thread::spawn(move || {
        get_from(
            "127.0.0.2",
            proxy,
            "/slow?ms=3000",
            &[("x-forwarded-for", "198.51.100.1")],
        )
        .status
    });
    wait_for("the slow request in flight", || {
        metric(&p, "searchward_in_flight_requests") == Some(1)
    });
    // …so that client's next request is refused, even with a spoofed hop on the left…
    let r = get_from(
        "127.0.0.2",
        p.proxy,
        "/json",
        &[("x-forwarded-for", "203.0.113.5, 198.51.100.1")],
    );
    assert_eq!(r.status, 429);
    // …while another client through the same proxy is served, over more connections than a
    // client alone may hold (the proxy's own connections are not limited).
    let _held: Vec<_> = (0..3)
        .map(|_| connect_from("127.0.0.2", p.proxy).unwrap())
        .collect();
    let r = get_from(
        "127.0.0.2",
        p.proxy,
        "/json",
        &[("x-forwarded-for", "198.51.100.2")],
    );
    assert_eq!(r.status, 200);
    // An untrusted peer's header is not believed: it is limited as itself.
    let r = get_from(
        "127.0.0.3",
        p.proxy,
        "/json",
        &[("x-forwarded-for", "198.51.100.1")],
    );
    assert_eq!(r.status, 200);
    assert_eq!(slow.join().unwrap(), 200);
    let text = get(p.admin, "/metrics", &[]).text();
    assert!(!text.contains("198.51.100"), "an address in the metrics");
}

/// A raw upstream for the budget test: every request gets `body` with its Content-Length, but
/// only once `expect` requests have arrived, and without its last byte until `release` is set.
struct HeldUpstream {
    addr: SocketAddr,
    arrived: Arc<AtomicUsize>,
    release: Arc<AtomicBool>,
    _rt: tokio::runtime::Runtime,
}

impl HeldUpstream {
    fn start(body: Arc<Vec<u8>>, expect: usize) -> HeldUpstream {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let arrived = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(AtomicBool::new(false));
        let (a, r) = (arrived.clone(), release.clone());
        rt.spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let (arrived, release, body) = (a.clone(), r.clone(), body.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    arrived.fetch_add(1, Ordering::SeqCst);
                    let start = std::time::Instant::now();
                    while arrived.load(Ordering::SeqCst) < expect && start.elapsed() < HANG {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let (most, last) = body.split_at(body.len() - 1);
                    if s.write_all(head.as_bytes()).await.is_err()
                        || s.write_all(most).await.is_err()
                    {
                        return;
                    }
                    while !release.load(Ordering::SeqCst) && start.elapsed() < HANG {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    let _ = s.write_all(last).await;
                    let _ = s.shutdown().await;
                });
            }
        });
        HeldUpstream {
            addr,
            arrived,
            release,
            _rt: rt,
        }
    }
}

/// A generic search answer of about `bytes` bytes, with nothing listed in it.
fn big_answer(bytes: usize) -> Vec<u8> {
    let mut hits = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < bytes {
        let hit = serde_json::json!({
            "title": format!("Garden tips {i}"),
            "url": format!("https://garden.example/tips/{i}"),
            "snippet": "Sow early, water often, and keep the rake handy.",
        });
        size += hit.to_string().len() + 1;
        hits.push(hit);
        i += 1;
    }
    serde_json::to_vec(&serde_json::json!({"total": hits.len(), "hits": hits})).unwrap()
}

#[test]
fn concurrent_large_inspected_responses_past_the_budget_are_shed_and_the_budget_returns_to_zero() {
    const MIB: usize = 1024 * 1024;
    const REQUESTS: usize = 12;
    let body = Arc::new(big_answer(2 * MIB));
    let up = HeldUpstream::start(body.clone(), REQUESTS);
    // 12 admissions (64 KiB each) fit in 8 MiB, and then three 2 MiB answers: the rest find no
    // room when their heads arrive, and no shed request frees enough for a fourth.
    let config = format!(
        "[server]\nworkers = 2\n[upstream]\nurl = \"http://{}\"\n[limits]\nmax_buffered_bytes = {}\nmax_response_body = {}\nresponse_timeout_ms = 30000\n[[routes]]\nname = \"search\"\npath = \"/search\"\nkind = \"search\"\nengine = \"generic\"\n[routes.generic]\nhits = \"/hits\"\ntotal = \"/total\"\nurl = \"/url\"\ntitle = \"/title\"\n[[lists]]\nname = \"terms\"\nkind = \"terms\"\npath = \"{}\"\n",
        up.addr,
        8 * MIB,
        4 * MIB,
        util::root().join("lists/terms.txt").display()
    );
    let p = Proxy::serve(&config, &[]);
    wait_for("ready", || get(p.admin, "/readyz", &[]).status == 200);
    let proxy = p.proxy;
    let clients: Vec<_> = (0..REQUESTS)
        .map(|_| std::thread::spawn(move || get(proxy, "/search?q=garden", &[])))
        .collect();
    wait_for("every request at the upstream", || {
        up.arrived.load(Ordering::SeqCst) == REQUESTS
    });
    wait_for("nine shed", || shed(&p, "buffered_bytes") == 9);
    let held = metric(&p, "searchward_buffered_bytes").unwrap();
    assert!(
        held <= 8 * MIB as u64 && held >= 3 * 2 * MIB as u64,
        "{held} bytes reserved while three answers are buffered"
    );
    up.release.store(true, Ordering::SeqCst);
    let replies: Vec<util::Reply> = clients.into_iter().map(|t| t.join().unwrap()).collect();
    let shed_replies: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    let ok: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!((ok.len(), shed_replies.len()), (3, 9));
    for r in shed_replies {
        assert_eq!(r.json()["error"], "overloaded");
        assert_eq!(r.header("retry-after"), Some("1"));
    }
    for r in ok {
        assert!(r.body == *body, "an answer was not passed whole");
    }
    wait_for("the budget back to zero", || {
        metric(&p, "searchward_buffered_bytes") == Some(0)
    });
}

#[test]
fn admin_uploads_are_spooled_and_removed_and_over_the_limit_get_413() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "spool-test-token").unwrap();
    let terms = dir.path().join("terms.txt");
    std::fs::write(&terms, "zorvexil\n").unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let config = format!(
        "[upstream]\nurl = \"{}\"\n[admin]\ntoken_file = \"{}\"\nmax_body = 65536\nspool_dir = \"{}\"\n[[lists]]\nname = \"terms\"\nkind = \"terms\"\npath = \"{}\"\n",
        up.url(),
        token.display(),
        spool.display(),
        terms.display()
    );
    let p = Proxy::serve(&config, &[]);
    wait_for("ready", || get(p.admin, "/readyz", &[]).status == 200);
    let auth = [("authorization", "Bearer spool-test-token")];
    let put = |body: &[u8]| {
        request_from(
            "127.0.0.1",
            p.admin,
            "PUT",
            "/admin/lists/terms",
            &auth,
            body,
        )
    };
    let spooled = || std::fs::read_dir(&spool).unwrap().count();
    let r = put(&vec![b'a'; 100_000]);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(spooled(), 0);
    let r = put(b"zorvexil\nquembrightal\n");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["entries"], 2);
    assert_eq!(spooled(), 0, "the spooled body outlived its push");
    assert_eq!(
        std::fs::read_to_string(&terms).unwrap(),
        "zorvexil\nquembrightal\n"
    );
}
