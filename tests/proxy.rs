//! The proxy core against a real upstream on 127.0.0.1:0: pass-through both ways, streaming,
//! header rules, upstream failures, no open proxy, readiness and SIGTERM drain.

use std::time::{Duration, Instant};

use crate::util::{self, Proxy, Upstream, get, raw, request};

fn config(upstream: &str, extra: &str) -> String {
    format!(
        "[upstream]\nurl = \"{upstream}\"\n[limits]\nresponse_timeout_ms = 1500\nconnect_timeout_ms = 500\nshutdown_grace_ms = 5000\n{extra}\n[[lists]]\nname = \"terms\"\nkind = \"terms\"\npath = \"{}\"\n",
        util::root().join("lists/terms.txt").display()
    )
}

#[test]
fn get_and_post_pass_through_with_bodies_both_ways() {
    let up = Upstream::start();
    let p = Proxy::serve(&config(&up.url(), ""), &[]);
    let r = get(p.proxy, "/echo?x=1", &[]);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["method"], "GET");
    assert_eq!(v["query"], "x=1");
    let r = request(
        p.proxy,
        "POST",
        "/echo",
        &[("content-type", "text/plain")],
        b"hello upstream",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["body"], "hello upstream");
    assert_eq!(r.json()["headers"]["content-type"], "text/plain");
}

#[test]
fn hop_by_hop_headers_are_removed_both_ways_and_forwarded_headers_added() {
    let up = Upstream::start();
    let p = Proxy::serve(&config(&up.url(), ""), &[]);
    let r = get(
        p.proxy,
        "/echo",
        &[
            ("Connection", "close, X-Client-Hop"),
            ("X-Client-Hop", "secret"),
            ("Keep-Alive", "timeout=9"),
            ("TE", "trailers"),
            ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
            ("Upgrade", "h2c"),
            ("X-Forwarded-For", "203.0.113.9"),
            ("X-Normal", "kept"),
        ],
    );
    assert_eq!(r.status, 200);
    let h = &r.json()["headers"];
    for gone in [
        "x-client-hop",
        "keep-alive",
        "te",
        "proxy-authorization",
        "upgrade",
    ] {
        assert!(h.get(gone).is_none(), "{gone} leaked upstream: {h}");
    }
    assert_eq!(h["x-normal"], "kept");
    assert_eq!(h["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
    assert_eq!(h["x-forwarded-proto"], "http");
    assert_eq!(h["x-forwarded-host"], p.proxy.to_string());
    assert_eq!(h["host"], up.addr.to_string());
    assert!(
        r.header("x-up-hop").is_none(),
        "upstream hop header leaked to client"
    );
    assert!(r.header("keep-alive").is_none());
    assert_eq!(r.header("x-up-normal"), Some("1"));
}

#[test]
fn upstream_down_is_502_and_too_slow_is_504() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let p = Proxy::serve(&config(&format!("http://{closed}"), ""), &[]);
    let r = get(p.proxy, "/anything", &[]);
    assert_eq!(r.status, 502);
    assert_eq!(r.json()["error"], "upstream_unavailable");
    drop(p);

    let up = Upstream::start();
    let p = Proxy::serve(&config(&up.url(), ""), &[]);
    let started = Instant::now();
    // The upstream would answer 200 after 30 s: a 504 can only come from the response deadline.
    let r = get(p.proxy, "/slow?ms=30000", &[]);
    assert_eq!(r.status, 504);
    assert_eq!(r.json()["error"], "upstream_timeout");
    assert!(
        !r.text().contains("127.0.0.1"),
        "error must not echo upstream internals"
    );
    println!("504 after {:?}", started.elapsed());
}

#[test]
fn large_bodies_stream_without_being_buffered() {
    let up = Upstream::start();
    // The response deadline runs from the start of the upload, and 256 MiB each way can take
    // seconds on a loaded machine: the deadline here only bounds a hang.
    let config = format!(
        "[upstream]\nurl = \"{}\"\n[limits]\nresponse_timeout_ms = 60000\n",
        up.url()
    );
    let p = Proxy::serve(&config, &[]);
    const UPLOAD: usize = 256 * 1024 * 1024;
    let mut s = std::net::TcpStream::connect(p.proxy).unwrap();
    use std::io::{Read, Write};
    write!(
        s,
        "POST /sink HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {UPLOAD}\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b'u'; 1 << 20];
    for _ in 0..UPLOAD / chunk.len() {
        s.write_all(&chunk).unwrap();
    }
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    let text = String::from_utf8_lossy(&reply);
    assert!(text.contains(&format!("{{\"bytes\":{UPLOAD}}}")), "{text}");
    // Download the same amount.
    let r = get(p.proxy, &format!("/stream?bytes={UPLOAD}"), &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), UPLOAD);
    let peak_mib = p.peak_rss_kib() / 1024;
    println!("proxy peak RSS after 256 MiB up + 256 MiB down: {peak_mib} MiB");
    assert!(
        peak_mib < 96,
        "proxy peak RSS {peak_mib} MiB: bodies were buffered"
    );
}

#[test]
fn never_an_open_proxy() {
    let up = Upstream::start();
    let sentinel = Upstream::start_on("127.0.0.2:0");
    let p = Proxy::serve(&config(&up.url(), ""), &[]);
    let s = sentinel.addr;
    let attempts: Vec<Vec<u8>> = vec![
        format!("GET http://{s}/echo HTTP/1.1\r\nHost: {s}\r\nConnection: close\r\n\r\n").into_bytes(),
        format!("CONNECT {s} HTTP/1.1\r\nHost: {s}\r\nConnection: close\r\n\r\n").into_bytes(),
        format!("GET /echo HTTP/1.1\r\nHost: {s}\r\nConnection: close\r\n\r\n").into_bytes(),
        format!("GET /echo HTTP/1.1\r\nHost: x\r\nX-Forwarded-Host: {s}\r\nConnection: close\r\n\r\n").into_bytes(),
        format!("GET http://user@{s}/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes(),
        format!("GET http://[::1]:{}/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", s.port()).into_bytes(),
        b"GET /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n".to_vec(),
    ];
    for (i, req) in attempts.iter().enumerate() {
        let r = raw(p.proxy, req);
        assert!(
            r.status == 400 || r.status == 200,
            "attempt {i}: status {}",
            r.status
        );
        if r.status == 200 {
            // Served, but by the configured upstream.
            assert_eq!(
                r.json()["headers"]["host"],
                up.addr.to_string(),
                "attempt {i}"
            );
        }
    }
    assert_eq!(
        sentinel
            .connections
            .load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a request reached another host"
    );
}

#[test]
fn readiness_follows_the_snapshot() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let bad = util::write(dir.path(), "bad.txt", "");
    std::fs::write(&bad, b"fine\n\xff\xfe broken\n").unwrap();
    let p = Proxy::serve(&config(&up.url(), ""), &["--terms", bad.to_str().unwrap()]);
    assert_eq!(
        get(p.admin, "/readyz", &[]).status,
        503,
        "bad list must leave the proxy not ready"
    );
    assert_eq!(get(p.admin, "/healthz", &[]).status, 200);
    drop(p);
    let p = Proxy::serve(&config(&up.url(), ""), &[]);
    assert_eq!(get(p.admin, "/readyz", &[]).status, 200);
    let m = get(p.admin, "/metrics", &[]).text();
    assert!(m.contains("searchward_build_info"));
    assert!(m.contains("searchward_list_entries{list=\"terms\""), "{m}");
}

#[test]
fn sigterm_drains_in_flight_requests_then_exits_zero() {
    let up = Upstream::start();
    let config = format!(
        "[upstream]\nurl = \"{}\"\n[limits]\nresponse_timeout_ms = 30000\nshutdown_grace_ms = 30000\n",
        up.url()
    );
    let p = Proxy::serve(&config, &[]);
    let addr = p.proxy;
    // Long enough that draining is still going on while readiness is polled below.
    let in_flight = std::thread::spawn(move || get(addr, "/slow?ms=5000", &[]));
    util::wait_for("the slow request in flight", || {
        util::metric(p.admin, "searchward_in_flight_requests") == Some(1.0)
    });
    p.terminate();
    let mut saw_not_ready = false;
    // Readiness must turn false while the request is still being served.
    while !in_flight.is_finished() {
        if let Ok(s) = std::net::TcpStream::connect(p.admin) {
            drop(s);
            if get(p.admin, "/readyz", &[]).status == 503 {
                saw_not_ready = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(saw_not_ready, "readiness did not turn false while draining");
    let r = in_flight.join().unwrap();
    assert_eq!(r.status, 200, "in-flight request was not completed");
    let (code, _stderr) = p.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0));
}

#[test]
fn slow_headers_are_cut_off_and_ambiguous_framing_is_refused() {
    use std::io::{Read, Write};
    let up = Upstream::start();
    let p = Proxy::serve(&config(&up.url(), "header_read_timeout_ms = 500"), &[]);
    // Slowloris: a request head that never finishes is closed after the header deadline.
    let mut s = std::net::TcpStream::connect(p.proxy).unwrap();
    // The read timeout only bounds a hang: reaching it (an error) means searchward never closed
    // the connection; a close by searchward ends the read with Ok.
    s.set_read_timeout(Some(util::HANG)).unwrap();
    s.write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Slow: 1")
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let closed = s.read_to_end(&mut buf);
    assert!(
        closed.is_ok(),
        "the slow client's connection was not closed by searchward: {closed:?}"
    );
    println!("slow header closed after {:?}", started.elapsed());
    // Meanwhile a normal client is served.
    assert_eq!(get(p.proxy, "/echo", &[]).status, 200);
    // Content-Length and Transfer-Encoding together: framed by Transfer-Encoding alone (RFC 9112
    // 6.3) and re-framed by searchward upstream, so the upstream never sees both headers and the
    // bytes after the chunked body never become part of this request.
    let r = raw(
        p.proxy,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert!(r.status == 400 || r.status == 200, "{}", r.status);
    if r.status == 200 {
        let v = r.json();
        assert_eq!(
            v["body"], "",
            "bytes after the chunked body leaked into the request: {v}"
        );
        let h = &v["headers"];
        assert!(
            h.get("transfer-encoding").is_none() || h.get("content-length").is_none(),
            "CL and TE both forwarded: {h}"
        );
        assert_ne!(
            h.get("content-length").and_then(|c| c.as_str()),
            Some("4"),
            "client's Content-Length forwarded: {h}"
        );
    }
    assert!(!r.text().contains("smuggled"));
    let before = up.connections.load(std::sync::atomic::Ordering::SeqCst);
    // Oversized head: 431, upstream untouched.
    let big = format!(
        "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let r = raw(p.proxy, big.as_bytes());
    assert_eq!(r.status, 431);
    assert_eq!(
        up.connections.load(std::sync::atomic::Ordering::SeqCst),
        before
    );
}
