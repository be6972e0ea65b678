//! Abusive clients: a flood of idle connections over `max_connections` (the admin listener
//! still answers, and service resumes once the flood goes), and a client that requests a huge
//! pass-through body and never reads it (others are still served; memory stays bounded because
//! the body is streamed with backpressure, not buffered); and requests past the in-flight limit,
//! shed with a quick 503 instead of queued.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::util::{self, Proxy, Upstream, get};

fn config(up: &Upstream) -> String {
    format!(
        "[server]\nworkers = 2\n[upstream]\nurl = \"{}\"\n[limits]\nmax_connections = 4\nheader_read_timeout_ms = 800\n",
        up.url()
    )
}

#[test]
fn connection_flood_over_the_limit_leaves_admin_answering_and_service_recovers() {
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
    // The accepted ones are cut off at the header deadline, not held for ever.
    let mut first = flood.into_iter().next().unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 1];
    assert!(
        matches!(first.read(&mut buf), Ok(0) | Err(_)),
        "an idle connection was not closed"
    );
    // With the flood gone, service resumes.
    drop(first);
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
