//! Abusive clients: past the global `max_connections` a new connection is answered `503` at
//! once, whichever worker accepts it, and counted; a flood of idle connections over it (the
//! excess answered `503`, the admin listener still answers, and service resumes once the flood
//! goes), and a client that requests a huge
//! pass-through body and never reads it (others are still served; memory stays bounded because
//! the body is streamed with backpressure, not buffered); and requests past the in-flight limit,
//! shed with a quick 503 instead of queued.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::util::{self, HANG, Proxy, Upstream, get, metric, wait_for};

fn config(up: &Upstream) -> String {
    format!(
        "[server]\nworkers = 2\n[upstream]\nurl = \"{}\"\n[limits]\nmax_connections = 4\nheader_read_timeout_ms = 800\n",
        up.url()
    )
}

/// Sends `GET path` on a new connection and reads until the proxy closes it, or [`HANG`].
fn answer_of_a_new_connection(proxy: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(proxy).unwrap();
    s.set_read_timeout(Some(HANG)).unwrap();
    let _ = write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

const SHED_CONNECTIONS: &str = "searchward_shed_total{reason=\"connections\"}";

#[test]
fn past_the_global_connection_limit_a_new_connection_gets_503_at_once_and_is_counted() {
    let up = Upstream::start();
    // Two workers share the four slots; idle connections keep theirs well past `HANG`.
    let config = format!(
        "[server]\nworkers = 2\n[upstream]\nurl = \"{}\"\n[limits]\nmax_connections = 4\nheader_read_timeout_ms = 120000\n",
        up.url()
    );
    let p = Proxy::serve(&config, &[]);
    let idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(p.proxy).unwrap())
        .collect();
    wait_for("four idle connections holding every slot", || {
        metric(p.admin, "searchward_proxy_connections") == Some(4.0)
    });
    let answer = answer_of_a_new_connection(p.proxy, "/json");
    assert!(
        !answer.is_empty(),
        "no answer within {HANG:?} past the connection limit"
    );
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    assert!(answer.contains("retry-after: 1\r\n"), "{answer}");
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    assert!(answer.contains("\"error\":\"overloaded\""), "{answer}");
    assert_eq!(metric(p.admin, SHED_CONNECTIONS), Some(1.0));
    assert_eq!(get(p.admin, "/healthz", &[]).status, 200);
    // The refused connection took no slot; with the idle ones gone, service resumes.
    assert_eq!(metric(p.admin, "searchward_proxy_connections"), Some(4.0));
    drop(idle);
    wait_for("the slots returned", || {
        metric(p.admin, "searchward_proxy_connections") == Some(0.0)
    });
    let r = get(p.proxy, "/json", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, util::CLEAN_JSON);
}

#[test]
fn connection_flood_over_the_limit_is_refused_leaves_admin_answering_and_service_recovers() {
    let up = Upstream::start();
    let p = Proxy::serve(&config(&up), &[]);
    assert_eq!(get(p.proxy, "/json", &[]).status, 200);
    // Ten times the limit, connected and silent.
    let flood: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(p.proxy).unwrap())
        .collect();
    for _ in 0..3 {
        assert_eq!(get(p.admin, "/healthz", &[]).status, 200);
        let m = get(p.admin, "/metrics", &[]);
        assert_eq!(m.status, 200);
        std::thread::sleep(Duration::from_millis(200));
    }
    // Each is either refused with a 503 or, holding a slot, cut off at the header deadline:
    // none is held for ever.
    let mut refused = 0;
    for mut c in flood {
        c.set_read_timeout(Some(HANG)).unwrap();
        let mut answer = Vec::new();
        let closed = c.read_to_end(&mut answer).is_ok();
        let answer = String::from_utf8_lossy(&answer);
        if answer.is_empty() {
            assert!(closed, "an idle connection was not closed within {HANG:?}");
        } else {
            assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
            refused += 1;
        }
    }
    assert!(refused > 0, "no connection of the flood was refused");
    assert_eq!(metric(p.admin, SHED_CONNECTIONS), Some(f64::from(refused)));
    // With the flood gone, service resumes.
    let r = get(p.proxy, "/json", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, util::CLEAN_JSON);
}

#[test]
fn a_client_that_never_reads_does_not_hold_others_or_memory() {
    let up = Upstream::start();
    let p = Proxy::serve(&config(&up), &[]);
    let mut stuck = TcpStream::connect(p.proxy).unwrap();
    write!(
        stuck,
        "GET /stream?bytes={} HTTP/1.1\r\nHost: x\r\n\r\n",
        512u64 << 20
    )
    .unwrap();
    // It reads nothing while others come and go.
    for _ in 0..20 {
        let r = get(p.proxy, "/json", &[]);
        assert_eq!(r.status, 200);
        std::thread::sleep(Duration::from_millis(50));
    }
    let peak_mib = p.peak_rss_kib() / 1024;
    assert!(
        peak_mib < 128,
        "peak RSS {peak_mib} MiB with a 512 MiB body unread"
    );
    // Reading later still gets the stream.
    stuck
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = [0u8; 12];
    stuck.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
}

#[test]
fn past_the_in_flight_limit_requests_are_shed_at_once_and_service_recovers() {
    let up = Upstream::start();
    let config = format!(
        "[server]\nworkers = 1\n[upstream]\nurl = \"{}\"\n[limits]\nmax_in_flight = 4\n",
        up.url()
    );
    let p = Proxy::serve(&config, &[]);
    let proxy = p.proxy;
    // Four slow requests take every slot.
    let slow: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(move || get(proxy, "/slow?ms=3000", &[]).status))
        .collect();
    let in_flight = |m: &str| {
        m.lines()
            .find_map(|l| l.strip_prefix("searchward_in_flight_requests "))
            .and_then(|v| v.trim().parse::<u32>().ok())
    };
    let mut full = false;
    for _ in 0..200 {
        if in_flight(&get(p.admin, "/metrics", &[]).text()) == Some(4) {
            full = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(full, "the slow requests never filled the slots");
    // Everything more is answered by the proxy itself, without the upstream.
    for path in ["/json", "/slow?ms=1", "/echo"] {
        let r = get(p.proxy, path, &[]);
        assert_eq!(r.status, 503, "{path}");
        assert_eq!(r.json()["error"], "overloaded", "{path}");
        assert_eq!(r.header("retry-after"), Some("1"), "{path}");
    }
    assert_eq!(in_flight(&get(p.admin, "/metrics", &[]).text()), Some(4));
    for t in slow {
        assert_eq!(t.join().unwrap(), 200);
    }
    // Slots free again: served as usual, and the shed requests were counted.
    let r = get(p.proxy, "/json", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, util::CLEAN_JSON);
    let m = get(p.admin, "/metrics", &[]).text();
    assert!(
        m.contains("searchward_requests_total{route=\"passthrough\",status=\"503\"} 3"),
        "{m}"
    );
}
