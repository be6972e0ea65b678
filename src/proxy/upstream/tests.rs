//! The upstream client: targets, transports, pooling, retries of idempotent requests.

use super::*;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Body as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn upstream(base: &str) -> Upstream {
    let d = Duration::from_secs(1);
    Upstream::new(base.parse().unwrap(), "engine:9200", d, d, 4).unwrap()
}

#[test]
fn target_keeps_base_path_and_drops_client_authority() {
    let cases = [
        (
            "prefix",
            "http://engine:9200/prefix/",
            "/idx/_search?q=a",
            "/prefix/idx/_search?q=a",
        ),
        ("no base path", "http://127.0.0.1:1", "/a", "/a"),
        (
            "query kept",
            "http://127.0.0.1:1",
            "/x/_search?q=a%20b",
            "/x/_search?q=a%20b",
        ),
        (
            "base without slash",
            "http://e:1/pre",
            "/x?q=1",
            "/pre/x?q=1",
        ),
        (
            "absolute client uri",
            "http://e:1",
            "http://evil.example/x?q=1",
            "/x?q=1",
        ),
        (
            "absolute, base path",
            "http://e:1/pre/",
            "http://evil.example:81/",
            "/pre/",
        ),
    ];
    for (name, base, client, want) in cases {
        let up = upstream(base);
        let client: Uri = client.parse().unwrap();
        let got = up.target_of(&client).unwrap();
        assert_eq!(got.to_string(), want, "{name}");
        assert!(
            got.authority().is_none() && got.scheme().is_none(),
            "{name}"
        );
    }
}

#[test]
fn schemes_pick_the_transport() {
    assert!(matches!(
        upstream("http://e:1").transport,
        Transport::Http(_)
    ));
    assert!(matches!(
        upstream("https://e").transport,
        Transport::Https(_)
    ));
}

/// How [`raw_upstream`] treats its connections.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Answers every request.
    KeepAlive,
    /// Closes each connection after one response, without saying so.
    CloseAfterEach,
    /// Answers the first request on a connection; closes it on reading the second (the
    /// keep-alive race: the close crosses the reused connection's request).
    DropSecond,
    /// Answers the first request on a connection; answers the second with bytes that are
    /// not a response (stray bytes that poisoned it), then closes.
    GarbageSecond,
}

/// A raw upstream on loopback answering requests with `ok` as `mode` says. Returns its
/// address and the number of connections it accepted.
async fn raw_upstream(mode: Mode) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut have = Vec::new();
                let mut answered = 0;
                loop {
                    let Ok(n) = s.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    have.extend_from_slice(&buf[..n]);
                    while let Some(end) = have.windows(4).position(|w| w == b"\r\n\r\n") {
                        have.drain(..end + 4);
                        if mode == Mode::DropSecond && answered == 1 {
                            return;
                        }
                        if mode == Mode::GarbageSecond && answered == 1 {
                            let _ = s.write_all(b"STRAY garbage\r\n\r\n").await;
                            return;
                        }
                        let resp = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                        answered += 1;
                        if s.write_all(resp).await.is_err() || mode == Mode::CloseAfterEach {
                            return;
                        }
                    }
                }
            });
        }
    });
    (addr, accepted)
}

async fn get(up: &Upstream) -> Result<(u16, Bytes), ProxyError> {
    exchange(up, http::Method::GET).await
}

async fn exchange(up: &Upstream, method: http::Method) -> Result<(u16, Bytes), ProxyError> {
    let mut req = Request::new(crate::proxy::body::full(""));
    *req.method_mut() = method;
    *req.uri_mut() = up.target("/x")?;
    req.headers_mut()
        .insert(http::header::HOST, up.host.clone());
    let (resp, _) = up.send(req).await?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Ok((status, body))
}

#[tokio::test]
async fn pool_reuses_keep_alive_connections_and_replaces_closed_ones() {
    for (name, mode, want_conns) in [
        ("keep-alive", Mode::KeepAlive, 1),
        ("closed after each", Mode::CloseAfterEach, 5),
    ] {
        let (addr, accepted) = raw_upstream(mode).await;
        let up = upstream(&format!("http://{addr}"));
        for i in 0..5 {
            let got = get(&up).await;
            assert_eq!(
                got.unwrap(),
                (200, Bytes::from_static(b"ok")),
                "{name} #{i}"
            );
            // Let a closing connection's task see the end of its stream, as it would
            // between two requests of a real client.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(accepted.load(Ordering::SeqCst), want_conns, "{name}");
    }
}

#[tokio::test]
async fn a_body_dropped_unread_does_not_return_its_connection() {
    let (addr, accepted) = raw_upstream(Mode::KeepAlive).await;
    let up = upstream(&format!("http://{addr}"));
    let mut req = Request::new(crate::proxy::body::full(""));
    *req.uri_mut() = up.target("/x").unwrap();
    let (resp, _) = up.send(req).await.unwrap();
    // Not read to the end: this connection must not serve another request.
    let body = resp.into_body();
    assert!(!body.is_end_stream());
    drop(body);
    assert_eq!(get(&up).await.unwrap().0, 200);
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_reused_connection_closed_under_a_request_is_retried_only_when_idempotent() {
    let (addr, accepted) = raw_upstream(Mode::DropSecond).await;
    let up = upstream(&format!("http://{addr}"));
    let ok = (200, Bytes::from_static(b"ok"));
    assert_eq!(get(&up).await.unwrap(), ok);
    // The idle connection looks open; the upstream drops it on reading the request. A GET
    // goes out again on a new connection.
    assert_eq!(get(&up).await.unwrap(), ok, "retried");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
    // A POST is not sent twice: the caller gets the failure.
    assert_eq!(
        exchange(&up, http::Method::POST)
            .await
            .unwrap_err()
            .status(),
        502
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_poisoned_connection_is_retried_once_on_a_new_one_when_idempotent() {
    let (addr, accepted) = raw_upstream(Mode::GarbageSecond).await;
    let up = upstream(&format!("http://{addr}"));
    let ok = (200, Bytes::from_static(b"ok"));
    assert_eq!(get(&up).await.unwrap(), ok);
    // The reused connection gives back stray bytes: the GET goes out again, on a new one.
    assert_eq!(get(&up).await.unwrap(), ok, "retried");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
    // A POST on the poisoned connection is not sent twice.
    assert_eq!(
        exchange(&up, http::Method::POST)
            .await
            .unwrap_err()
            .status(),
        502
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[test]
fn known_bodies_go_out_whole_with_their_length() {
    // (Streamed uploads take hyper's client: tests/proxy.rs sends 256 MiB through it.)
    let mut req = Request::new(crate::proxy::body::full("{\"q\":1}"));
    *req.method_mut() = http::Method::POST;
    *req.uri_mut() = "/i/_search?x=1".parse().unwrap();
    let lean = lean_request(&req).expect("a buffered body is known");
    let wire = std::str::from_utf8(&lean.wire).unwrap();
    assert!(
        wire.starts_with("POST /i/_search?x=1 HTTP/1.1\r\n"),
        "{wire}"
    );
    assert!(
        wire.ends_with("content-length: 7\r\n\r\n{\"q\":1}"),
        "{wire}"
    );
    assert_eq!(lean.method, http::Method::POST);
}

#[tokio::test]
async fn unreachable_upstream_is_unavailable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let up = upstream(&format!("http://{addr}"));
    assert!(matches!(
        get(&up).await,
        Err(ProxyError::UpstreamUnavailable)
    ));
}
