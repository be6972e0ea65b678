//! Faults that must degrade for the one at fault: an upstream that writes stray bytes after a
//! response (never reused, never handed to another request), upstream framing errors before any
//! byte was sent (`502` with a JSON body, not an empty reply), client framing errors (`400`), and
//! `/metrics` that a strict parser (`promtool check metrics`) accepts whatever the route names.
//! `/healthz` is checked during each fault (its latency is printed for docs/reliability.md).

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::util::{Proxy, get, raw};

/// Asserts `/healthz` answers 200 and returns how long it took.
pub fn healthz(p: &Proxy) -> Duration {
    let t = Instant::now();
    let r = get(p.admin, "/healthz", &[]);
    assert_eq!(r.status, 200, "/healthz during the fault");
    t.elapsed()
}

/// What the scripted upstream does after answering a request on `/stray/...`.
#[derive(Clone, Copy, Debug)]
struct Stray {
    /// Delay before the stray bytes.
    after: Duration,
    /// The stray bytes.
    bytes: &'static [u8],
}

/// A raw HTTP/1.1 upstream on its own runtime: every request gets `200` with body `mine` (a
/// request whose path holds `head-` or `nocontent` gets a bodiless answer, `withbody` gets
/// `body`), and after a request whose path starts with `/stray` the connection's task waits
/// `stray.after` and writes `stray.bytes` before reading on. `strays` counts the stray writes.
struct ScriptedUpstream {
    addr: SocketAddr,
    strays: Arc<AtomicUsize>,
    _rt: tokio::runtime::Runtime,
}

impl ScriptedUpstream {
    fn start(stray: Stray) -> ScriptedUpstream {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let strays = Arc::new(AtomicUsize::new(0));
        let count = strays.clone();
        rt.spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let count = count.clone();
                tokio::spawn(async move {
                    let mut have = Vec::new();
                    let mut buf = vec![0u8; 4096];
                    loop {
                        while let Some(end) = have.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&have[..end]).into_owned();
                            have.drain(..end + 4);
                            let line = head.lines().next().unwrap_or("").to_owned();
                            let reply: &[u8] = if line.contains("nocontent") {
                                b"HTTP/1.1 204 No Content\r\n\r\n"
                            } else if line.starts_with("HEAD") {
                                b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n"
                            } else if line.contains("withbody") {
                                b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nbody"
                            } else {
                                b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nmine"
                            };
                            if s.write_all(reply).await.is_err() {
                                return;
                            }
                            if line
                                .split(' ')
                                .nth(1)
                                .is_some_and(|p| p.starts_with("/stray"))
                            {
                                tokio::time::sleep(stray.after).await;
                                if s.write_all(stray.bytes).await.is_err() {
                                    return;
                                }
                                count.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => have.extend_from_slice(&buf[..n]),
                        }
                    }
                });
            }
        });
        ScriptedUpstream {
            addr,
            strays,
            _rt: rt,
        }
    }
}

fn passthrough_config(upstream: SocketAddr) -> String {
    format!("[server]\nworkers = 1\n[upstream]\nurl = \"http://{upstream}\"\n")
}

/// A keep-alive client connection to the proxy: sends one request at a time, reads one response.
struct Client(std::net::TcpStream);

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client(s)
    }

    /// Sends `method path` and returns the status and body (`Content-Length` framing expected;
    /// a HEAD's body is empty).
    fn send(&mut self, method: &str, path: &str) -> (u16, Vec<u8>) {
        write!(self.0, "{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut have = Vec::new();
        let mut buf = [0u8; 4096];
        let end = loop {
            if let Some(end) = have.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            let n = self.0.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed before a response head");
            have.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8_lossy(&have[..end]).to_lowercase();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        let len = if method == "HEAD" { 0 } else { len };
        let mut body = have[end + 4..].to_vec();
        while body.len() < len {
            let n = self.0.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed mid-body");
            body.extend_from_slice(&buf[..n]);
        }
        (status, body)
    }
}

#[test]
fn stray_bytes_after_a_response_never_reach_another_request() {
    // (name, first request, delay, stray bytes)
    type Case = (
        &'static str,
        (&'static str, &'static str),
        u64,
        &'static [u8],
    );
    let cases: [Case; 5] = [
        (
            "HEAD, garbage 20 ms later",
            ("HEAD", "/stray"),
            20,
            b"hello",
        ),
        (
            "HEAD, a whole response 300 ms later",
            ("HEAD", "/stray"),
            300,
            b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nSTRAY!",
        ),
        (
            "204, a whole response 20 ms later",
            ("GET", "/stray/nocontent"),
            20,
            b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nSTRAY!",
        ),
        (
            "204, garbage 300 ms later",
            ("GET", "/stray/nocontent"),
            300,
            b"garbage\r\n\r\n",
        ),
        (
            "HEAD, bytes at once",
            ("HEAD", "/stray"),
            0,
            b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nSTRAY!",
        ),
    ];
    for (name, (method, path), ms, bytes) in cases {
        let up = ScriptedUpstream::start(Stray {
            after: Duration::from_millis(ms),
            bytes,
        });
        let p = Proxy::serve(&passthrough_config(up.addr), &[]);
        let mut first = Client::connect(p.proxy);
        let want = if path.contains("nocontent") { 204 } else { 200 };
        assert_eq!(first.send(method, path).0, want, "{name}");
        // Another client's requests, before, while and after the stray bytes arrive: each gets
        // its own answer, never the stray bytes or a 502 they caused.
        let mut other = Client::connect(p.proxy);
        let deadline = Instant::now() + Duration::from_millis(ms + 300);
        let mut sent = 0;
        while Instant::now() < deadline || up.strays.load(Ordering::SeqCst) == 0 {
            let (status, body) = other.send("GET", "/next");
            assert_eq!(
                (status, String::from_utf8_lossy(&body).into_owned()),
                (200, "mine".to_owned()),
                "{name}: request {sent}"
            );
            sent += 1;
            assert!(sent < 100_000, "{name}: the stray bytes were never written");
        }
        healthz(&p);
    }
}

#[test]
fn stray_bytes_after_a_body_close_the_idle_connection() {
    let up = ScriptedUpstream::start(Stray {
        after: Duration::from_millis(20),
        bytes: b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nSTRAY!",
    });
    let p = Proxy::serve(&passthrough_config(up.addr), &[]);
    let mut c = Client::connect(p.proxy);
    assert_eq!(
        c.send("GET", "/stray/withbody"),
        (200, b"body".to_vec()),
        "first"
    );
    // Once the stray response is on the idle pooled connection, it is never reused.
    let deadline = Instant::now() + Duration::from_secs(10);
    while up.strays.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "the stray bytes were never written"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    for i in 0..20 {
        assert_eq!(c.send("GET", "/next"), (200, b"mine".to_vec()), "#{i}");
    }
}

/// A one-shot raw upstream that answers every connection's first request with `reply` (pausing
/// 300 ms at each `|pause|` in it) and closes.
fn one_reply_upstream(reply: &'static [u8]) -> (SocketAddr, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut have = Vec::new();
                let mut buf = [0u8; 4096];
                while !have.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => have.extend_from_slice(&buf[..n]),
                    }
                }
                // `|pause|` in the reply: flush, wait, go on.
                let mut rest = reply;
                while let Some(i) = rest.windows(7).position(|w| w == b"|pause|") {
                    let _ = s.write_all(&rest[..i]).await;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    rest = &rest[i + 7..];
                }
                let _ = s.write_all(rest).await;
                let _ = s.shutdown().await;
            });
        }
    });
    (addr, rt)
}

#[test]
fn upstream_framing_errors_before_any_byte_get_502_with_a_json_body() {
    // (name, upstream reply, what the client must see)
    let cases: [(&str, &'static [u8], Option<u16>); 6] = [
        (
            "bad content-length",
            b"HTTP/1.1 200 OK\r\ncontent-length: 12x\r\n\r\nhello",
            Some(502),
        ),
        (
            "content-length, body missing",
            b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n",
            Some(502),
        ),
        (
            "bad chunk size",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            Some(502),
        ),
        (
            "chunked, body missing",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
            Some(502),
        ),
        (
            "content-length, body short",
            b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc",
            Some(502),
        ),
        // Bytes were sent (the rest comes later, then the upstream closes): the client sees the
        // head and those bytes, then the connection closes.
        (
            "content-length, body short after a pause",
            b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc|pause|de",
            None,
        ),
    ];
    for (name, reply, want) in cases {
        let (addr, _rt) = one_reply_upstream(reply);
        let p = Proxy::serve(&passthrough_config(addr), &[]);
        let mut s = std::net::TcpStream::connect(p.proxy).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        let text = String::from_utf8_lossy(&got);
        match want {
            Some(status) => {
                assert!(
                    text.starts_with(&format!("HTTP/1.1 {status} ")),
                    "{name}: {text:?}"
                );
                let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
                let v: serde_json::Value = serde_json::from_str(body).unwrap();
                assert_eq!(v["error"], "upstream_unavailable", "{name}");
            }
            None => {
                assert!(text.starts_with("HTTP/1.1 200 "), "{name}: {text:?}");
                assert!(text.contains("\r\n\r\nabc"), "{name}: {text:?}");
            }
        }
        healthz(&p);
    }
}

#[test]
fn client_framing_errors_get_400() {
    let up = crate::util::Upstream::start();
    let p = Proxy::serve(&passthrough_config(up.addr), &[]);
    // (name, request)
    let cases: [(&str, &[u8]); 3] = [
        (
            "chunk size overflow",
            b"POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nx\r\n0\r\n\r\n",
        ),
        (
            "chunk size not hex",
            b"POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n",
        ),
        (
            "bad chunk after a good one",
            b"POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\nq\r\n",
        ),
    ];
    for (name, req) in cases {
        let r = raw(p.proxy, req);
        assert_eq!(r.status, 400, "{name}: {}", r.text());
        healthz(&p);
    }
}

/// `promtool`, when installed (Debian's `prometheus` package; `.ci/run` installs it).
fn promtool() -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("promtool"))
            .find(|p| p.is_file())
    })
}

#[test]
fn metrics_parse_strictly_whatever_the_route_names() {
    let up = crate::util::Upstream::start();
    let hostile = r#"se\"arch\nx\\y }"#;
    let config = format!(
        "[upstream]\nurl = \"{}\"\n[[routes]]\nname = \"{hostile}\"\npath = \"/json\"\nkind = \"passthrough\"\n",
        up.url()
    );
    let p = Proxy::serve(&config, &[]);
    assert_eq!(get(p.proxy, "/json", &[]).status, 200);
    let metrics = get(p.admin, "/metrics", &[]).text();
    assert!(
        metrics.contains(r#"searchward_requests_total{route="se\"arch\nx\\y }",status="200"} 1"#),
        "{metrics}"
    );
    let Some(promtool) = promtool() else {
        eprintln!(
            "SKIPPED the strict parse: promtool is not installed (apt-get install prometheus)"
        );
        return;
    };
    let mut child = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(metrics.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Exit 1 is a parse error; 3 would be lint advice only (names, units), which is not a
    // parse failure.
    assert_ne!(out.status.code(), Some(1), "{report}\n{metrics}");
    assert!(!report.contains("error while linting"), "{report}");
    assert!(
        out.status.success(),
        "promtool check metrics: {report}\n{metrics}"
    );
}
