//! Shared helpers for the integration tests: the real `searchward` binary started on
//! 127.0.0.1:0, a scriptable upstream server, and a small HTTP client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Runs `cmd` with `input` piped to its stdin, written from another thread so a full stdout
/// pipe cannot deadlock the test; returns the output and how the write ended (a run that exits
/// without reading its input gives a broken pipe there).
pub fn pipe_through(
    cmd: &mut Command,
    input: &[u8],
) -> (std::process::Output, std::io::Result<()>) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    (out, writer.join().unwrap())
}

/// Path of the `searchward` binary built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_searchward"))
}

/// The repository root (for `lists/`, `config/`, `testdata/`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `searchward` process; killed when dropped.
pub struct Proxy {
    pub child: Child,
    pub proxy: SocketAddr,
    pub admin: SocketAddr,
    pub dir: tempfile::TempDir,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Proxy {
    /// Writes `config` to a temp dir and runs `searchward serve --config … args…` on 127.0.0.1:0.
    pub fn serve(config: &str, args: &[&str]) -> Proxy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("searchward.toml");
        std::fs::write(&path, config).unwrap();
        let mut cmd = Command::new(bin());
        cmd.arg("serve").arg("--config").arg(&path);
        cmd.args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(args);
        Self::spawn(cmd, dir)
    }

    /// Runs an arbitrary command that prints the `listening` line.
    pub fn spawn(mut cmd: Command, dir: tempfile::TempDir) -> Proxy {
        cmd.current_dir(root())
            .env_remove("SEARCHWARD_LISTEN")
            .env_remove("SEARCHWARD_ADMIN_LISTEN")
            .env_remove("SEARCHWARD_UPSTREAM")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !cmd.get_envs().any(|(k, _)| k == "RUST_LOG") {
            cmd.env("RUST_LOG", "info");
        }
        let mut child = cmd.spawn().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let stderr = Some(std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        }));
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let (proxy, admin) =
            parse_listening(&line).unwrap_or_else(|| panic!("no listening line, got {line:?}"));
        Proxy {
            child,
            proxy,
            admin,
            dir,
            stderr,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.proxy)
    }

    pub fn admin_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.admin)
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let pid = self.child.id() as i32;
        // SAFETY-free: libc::kill is a plain syscall wrapper.
        unsafe_free_kill(pid, libc::SIGTERM);
    }

    /// Waits for exit (at most `limit`) and returns the exit code and everything on stderr.
    pub fn wait(mut self, limit: Duration) -> (Option<i32>, String) {
        let deadline = std::time::Instant::now() + limit;
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let err = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        (code, err)
    }

    /// Peak resident memory of the process in KiB (VmHWM).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

fn unsafe_free_kill(pid: i32, sig: i32) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses `listening proxy=http://A admin=http://B`.
pub fn parse_listening(line: &str) -> Option<(SocketAddr, SocketAddr)> {
    let rest = line.trim().strip_prefix("listening ")?;
    let mut proxy = None;
    let mut admin = None;
    for part in rest.split_whitespace() {
        if let Some(a) = part.strip_prefix("proxy=http://") {
            proxy = a.parse().ok();
        } else if let Some(a) = part.strip_prefix("admin=http://") {
            admin = a.parse().ok();
        }
    }
    Some((proxy?, admin?))
}

/// A minimal response from a blocking HTTP/1.1 exchange on a fresh connection.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends raw bytes on a new connection and reads one response (Connection: close expected).
pub fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse_reply(&buf).unwrap_or_else(|| panic!("bad reply: {}", String::from_utf8_lossy(&buf)))
}

fn parse_reply(buf: &[u8]) -> Option<Reply> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body)?;
    }
    Some(Reply {
        status,
        headers,
        body,
    })
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let nl = b.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(
            std::str::from_utf8(&b[..nl])
                .ok()?
                .split(';')
                .next()?
                .trim(),
            16,
        )
        .ok()?;
        b = &b[nl + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

/// `GET url` with optional extra headers, on a fresh connection.
pub fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Reply {
    request(addr, "GET", path, headers, b"")
}

/// Any method with a body, on a fresh connection.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes)
}

/// A scriptable upstream: `/echo` reflects the request as JSON (and sends hop-by-hop headers
/// back), `/slow?ms=N` answers after N ms, `/sink` counts a streamed upload, `/stream?bytes=N`
/// streams N bytes, anything else is 404. It runs on its own runtime thread.
pub struct Upstream {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicUsize>,
    _rt: tokio::runtime::Runtime,
}

impl Upstream {
    pub fn start() -> Upstream {
        Self::start_on("127.0.0.1:0")
    }

    pub fn start_on(bind: &str) -> Upstream {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt.block_on(TcpListener::bind(bind)).unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        rt.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service_fn(upstream_handler))
                        .await;
                });
            }
        });
        Upstream {
            addr,
            connections,
            _rt: rt,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

type UpBody = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

async fn upstream_handler(
    req: Request<Incoming>,
) -> Result<Response<UpBody>, std::convert::Infallible> {
    let q = req.uri().query().unwrap_or("").to_owned();
    let param = |name: &str| -> u64 {
        q.split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let path = req.uri().path().to_owned();
    let resp = match path.as_str() {
        "/echo" => {
            let method = req.method().to_string();
            let headers: serde_json::Map<String, serde_json::Value> = req
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        serde_json::Value::String(v.to_str().unwrap_or("").to_owned()),
                    )
                })
                .collect();
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let json = serde_json::json!({"method": method, "path": path, "query": q, "headers": headers, "body": String::from_utf8_lossy(&body)});
            Response::builder()
                .header("content-type", "application/json")
                .header("connection", "x-up-hop")
                .header("x-up-hop", "1")
                .header("keep-alive", "timeout=5")
                .header("x-up-normal", "1")
                .body(Full::new(Bytes::from(json.to_string())).boxed())
                .unwrap()
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(param("ms"))).await;
            Response::new(Full::new(Bytes::from_static(b"{\"slow\":true}")).boxed())
        }
        "/sink" => {
            let mut body = req.into_body();
            let mut n: u64 = 0;
            while let Some(Ok(frame)) = body.frame().await {
                if let Ok(d) = frame.into_data() {
                    n += d.len() as u64;
                }
            }
            Response::new(Full::new(Bytes::from(format!("{{\"bytes\":{n}}}"))).boxed())
        }
        "/stream" => {
            let total = param("bytes");
            let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
            let chunks = total / chunk.len() as u64;
            let stream = futures_util::stream::iter(
                (0..chunks).map(move |_| Ok(Frame::data(chunk.clone()))),
            );
            Response::new(StreamBody::new(stream).boxed())
        }
        "/api/" | "/api" => Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(TANTIVY_JSON)).boxed())
            .unwrap(),
        "/suggest" => Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(br#"["garden",["garden tips","garden zorvexil","garden tools","quandrith garden"]]"#)).boxed())
            .unwrap(),
        "/garbage" => {
            Response::new(Full::new(Bytes::from_static(b"{\"hits\": [ not json")).boxed())
        }
        "/json" => Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(CLEAN_JSON)).boxed())
            .unwrap(),
        "/gzip" => Response::builder()
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(Full::new(gzip(CLEAN_JSON)).boxed())
            .unwrap(),
        "/bomb" => Response::builder()
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            // 4 MiB of spaces in about 4 KiB: over the 100x decompression bound.
            .body(Full::new(gzip(&vec![b' '; 4 * 1024 * 1024])).boxed())
            .unwrap(),
        "/big" => Response::new(Full::new(Bytes::from(vec![b' '; 4 * 1024 * 1024])).boxed()),
        "/suggest-garbage" => Response::new(Full::new(Bytes::from_static(b"[\"q\", ")).boxed()),
        _ => Response::builder()
            .status(404)
            .body(Full::new(Bytes::from_static(b"{}")).boxed())
            .unwrap(),
    };
    Ok(resp)
}

/// A `tantivy serve` response with one hit on a listed URL (lists/urls.txt) and one whose
/// title holds a listed term.
pub const TANTIVY_JSON: &[u8] = br#"{"q":"garden","num_hits":3,"hits":[{"score":2.0,"doc":{"title":["Garden tips"],"url":["https://garden.example/tips"]}},{"score":1.5,"doc":{"title":["Garden forum"],"url":["https://www.zorvexil-forum.example/t/1"]}},{"score":1.0,"doc":{"title":["Garden tools"],"url":["https://garden.example/tools"]}}],"timings":{"timings":[]}}"#;

/// A clean generic-shaped search response.
pub const CLEAN_JSON: &[u8] = br#"{"query":"garden","total":2,"hits":[{"title":"Garden tips","url":"https://garden.example/tips","snippet":"Sow early."},{"title":"Garden tools","url":"https://garden.example/tools","snippet":"Rakes."}]}"#;

/// Gzip-compresses bytes.
pub fn gzip(data: &[u8]) -> Bytes {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    Bytes::from(e.finish().unwrap())
}

/// Writes a file under `dir` and returns its path.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// A connection to `addr` from the loopback address `source` (127.0.0.x): a distinct client
/// address for per-client limits.
pub fn connect_from(source: &str, addr: SocketAddr) -> std::io::Result<std::net::TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    let src: SocketAddr = format!("{source}:0").parse().unwrap();
    socket.bind(&src.into())?;
    socket.connect(&addr.into())?;
    Ok(socket.into())
}

/// A request with `Connection: close` from the loopback address `source`; one response.
pub fn request_from(
    source: &str,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut s = connect_from(source, addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    s.write_all(&bytes).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse_reply(&buf).unwrap_or_else(|| panic!("bad reply: {}", String::from_utf8_lossy(&buf)))
}

/// How long a test waits for an awaited state before calling it a hang. It bounds a hang only;
/// it is not a measurement (latency belongs in the benches), so it is generous for a loaded
/// 2-core machine.
pub const HANG: Duration = Duration::from_secs(30);

/// Polls `ready` every 20 ms until it is true; panics naming `what` after [`HANG`].
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < HANG,
            "{what}: not reached within {HANG:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The value of the sample `series` (a metric name with its labels, exactly as exposed) in the
/// admin listener's `/metrics`, or `None` when absent.
pub fn metric(admin: SocketAddr, series: &str) -> Option<f64> {
    let text = get(admin, "/metrics", &[]).text();
    text.lines().find_map(|l| {
        l.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
    })
}

/// A loopback HTTP/1.1 server answering every request with `handler`, on a runtime of its own
/// with `workers` threads (kept alive by the returned runtime).
pub fn serve_http<F, Fut>(workers: usize, handler: F) -> (SocketAddr, tokio::runtime::Runtime)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Response<Full<Bytes>>, std::convert::Infallible>>
        + Send
        + 'static,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(handler))
                    .await;
            });
        }
    });
    (addr, rt)
}
