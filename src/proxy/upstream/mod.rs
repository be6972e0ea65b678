//! The keep-alive client to the one configured upstream: plain HTTP through this worker's own
//! connection pool (`pool.rs`), https through hyper-util's pooled client and rustls. Requests are
//! always sent to the configured scheme and authority; only the client's path and query are
//! kept, so no request can be steered to another host. Over plain HTTP, a request whose body is
//! known (none, or buffered: nearly every search) takes the lean client in `h1/`; a streamed
//! upload takes hyper's.

mod h1;
mod pool;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::uri::{PathAndQuery, Scheme};
use http::{HeaderValue, Request, Response, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;

pub use pool::UpstreamBody;
// The wire parsers, for the fuzz targets (src/fuzzing.rs).
#[cfg(any(fuzzing, test))]
pub(crate) use h1::{ChunkDecoder, ChunkStep, Framing, HeadError, parse_response};

use super::body::Body;
use super::error::ProxyError;

/// How long an unused upstream connection is kept.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The upstream client and its target.
#[derive(Debug, Clone)]
pub struct Upstream {
    transport: Transport,
    base: Uri,
    base_path: String,
    /// `Host` header value sent upstream.
    pub host: HeaderValue,
    timeout: Duration,
}

#[derive(Debug, Clone)]
enum Transport {
    /// Plain HTTP/1.1: this worker's own pool (no lock contention, no pool key).
    Http(Arc<pool::Pool>),
    /// https: hyper-util's client with rustls (TLS dominates its cost anyway).
    Https(Box<Client<HttpsConnector<HttpConnector>, Body>>),
}

impl Upstream {
    /// A client for `base` (scheme + authority + optional path prefix).
    ///
    /// # Errors
    /// A message when `host` is not a valid header value or `base` has no host.
    pub fn new(
        base: Uri,
        host: &str,
        connect_timeout: Duration,
        response_timeout: Duration,
        pool_idle: usize,
    ) -> Result<Self, String> {
        let transport = if base.scheme() == Some(&Scheme::HTTPS) {
            let mut http = HttpConnector::new();
            http.set_connect_timeout(Some(connect_timeout));
            http.set_nodelay(true);
            http.enforce_http(false);
            let https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_webpki_roots()
                .https_only()
                .enable_http1()
                .wrap_connector(http);
            Transport::Https(Box::new(
                Client::builder(TokioExecutor::new())
                    .pool_idle_timeout(IDLE_TIMEOUT)
                    .pool_max_idle_per_host(pool_idle)
                    .build(https),
            ))
        } else {
            let authority = base
                .authority()
                .ok_or_else(|| format!("{base} has no host"))?;
            let port = authority.port_u16().unwrap_or(80);
            Transport::Http(Arc::new(pool::Pool::new(
                format!("{}:{port}", authority.host()),
                connect_timeout,
                pool_idle,
                IDLE_TIMEOUT,
            )))
        };
        let host = HeaderValue::from_str(host)
            .map_err(|_| format!("{host:?} is not a valid Host header"))?;
        let base_path = base.path().trim_end_matches('/').to_owned();
        Ok(Upstream {
            transport,
            base,
            base_path,
            host,
            timeout: response_timeout,
        })
    }

    /// The request target on the upstream (origin form: path and query) for a client's
    /// `path_and_query`, under the configured base path.
    ///
    /// # Errors
    /// [`ProxyError::BadTarget`] when the result is not a valid path.
    pub fn target(&self, path_and_query: &str) -> Result<Uri, ProxyError> {
        let pq = format!("{}{}", self.base_path, path_and_query);
        let pq: PathAndQuery = pq.parse().map_err(|_| ProxyError::BadTarget)?;
        Ok(Uri::from(pq))
    }

    /// The request target on the upstream for a client request's URI: only its path and query
    /// are kept. Without a base path this reuses the parsed path and query (no formatting).
    ///
    /// # Errors
    /// [`ProxyError::BadTarget`] when the result is not a valid path.
    pub fn target_of(&self, client: &Uri) -> Result<Uri, ProxyError> {
        if !self.base_path.is_empty() {
            return self.target(client.path_and_query().map_or("/", |p| p.as_str()));
        }
        Ok(Uri::from(match client.path_and_query() {
            Some(pq) => pq.clone(),
            None => PathAndQuery::from_static("/"),
        }))
    }

    /// Sends a request (its URI set by [`Upstream::target_of`]) and waits for the response head,
    /// at most the response timeout. Returns the response and the time to its head.
    ///
    /// The request is taken apart before the returned future starts: on the lean path it is
    /// written out at once, so the future holds its bytes rather than the request (a smaller
    /// future, moved fewer times per request).
    ///
    /// # Errors
    /// [`ProxyError::UpstreamTimeout`] past the deadline, [`ProxyError::UpstreamUnavailable`] when
    /// the connection fails.
    pub fn send<B: Outgoing>(
        &self,
        req: Request<B>,
    ) -> impl Future<Output = Result<(Response<UpstreamBody>, Duration), ProxyError>> + Send + '_
    {
        let sent = Instant::now();
        // One clock read serves the latency, the deadline and the pool's idle check.
        let deadline = tokio::time::Instant::from_std(sent) + self.timeout;
        let plan = match &self.transport {
            Transport::Http(pool) => match lean_request(&req) {
                Some(lean) => Plan::Lean(pool, lean),
                None => Plan::Hyper(pool, Box::new(req.map(B::into_body))),
            },
            Transport::Https(client) => Plan::Https(client, Box::new(req.map(B::into_body))),
        };
        async move {
            match plan {
                Plan::Lean(pool, lean) => {
                    let (resp, head_at) =
                        tokio::time::timeout_at(deadline, send_lean(pool, lean, sent))
                            .await
                            .map_err(|_| ProxyError::UpstreamTimeout)??;
                    Ok((resp, head_at.saturating_duration_since(sent)))
                }
                Plan::Hyper(pool, req) => {
                    // Boxed: a streamed upload is rare, and this future is large.
                    let exchange = Box::pin(send_pooled(pool, *req, sent));
                    let (resp, conn) = tokio::time::timeout_at(deadline, exchange)
                        .await
                        .map_err(|_| ProxyError::UpstreamTimeout)??;
                    let now = Instant::now();
                    // The connection's idle clock starts at the response head: a long body makes
                    // it look idle for longer than it was, so at worst it is closed a little early.
                    let resp = resp.map(|b| UpstreamBody::pooled(b, conn, pool.clone(), now));
                    Ok((resp, now.saturating_duration_since(sent)))
                }
                Plan::Https(client, req) => {
                    let exchange = Box::pin(send_https(client, &self.base, *req));
                    let resp = tokio::time::timeout_at(deadline, exchange)
                        .await
                        .map_err(|_| ProxyError::UpstreamTimeout)??;
                    Ok((resp.map(UpstreamBody::unpooled), sent.elapsed()))
                }
            }
        }
    }

    /// The response timeout, also used as the deadline for buffering inspected response bodies.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}
/// One exchange on a pooled connection: reuse an idle one or open a new one. A request that a
/// reused connection gave back unsent (it closed just before) is retried on the next one; a new
/// connection's failure is final.
async fn send_pooled(
    pool: &pool::Pool,
    mut req: Request<Body>,
    now: Instant,
) -> Result<(Response<hyper::body::Incoming>, pool::Conn), ProxyError> {
    loop {
        let (mut conn, reused) = match pool.checkout(now).await {
            Some(conn) => (conn, true),
            // Boxed: opening a connection is rare, and its future would otherwise make every
            // request's future (moved a few times per request) larger.
            None => (Box::pin(pool.connect()).await?, false),
        };
        match conn.try_send_request(req).await {
            Ok(resp) => return Ok((resp, conn)),
            Err(mut e) => match e.take_message() {
                Some(unsent) if reused => req = unsent,
                _ => return Err(classify(e.error())),
            },
        }
    }
}

/// A request body the upstream client can send: one known whole before sending (the lean path
/// writes it with the head), or one still to be streamed.
pub trait Outgoing: Send + 'static {
    /// The whole body, when known without reading anything.
    fn known(&self) -> Option<&[u8]>;
    /// As the proxy's body type, for hyper's client.
    fn into_body(self) -> Body;
}

impl Outgoing for Body {
    fn known(&self) -> Option<&[u8]> {
        Body::known(self)
    }

    fn into_body(self) -> Body {
        self
    }
}

/// A client's request body, forwarded as it is (no conversion on the lean path).
impl Outgoing for hyper::body::Incoming {
    fn known(&self) -> Option<&[u8]> {
        hyper::body::Body::is_end_stream(self).then_some(&[])
    }

    fn into_body(self) -> Body {
        Body::incoming(self)
    }
}

/// How a request goes out: its parts as each path needs them.
enum Plan<'a> {
    Lean(&'a Arc<pool::Pool>, LeanRequest),
    Hyper(&'a Arc<pool::Pool>, Box<Request<Body>>),
    Https(
        &'a Client<HttpsConnector<HttpConnector>, Body>,
        Box<Request<Body>>,
    ),
}

/// A request for the lean client, already on the wire format.
struct LeanRequest {
    wire: bytes::BytesMut,
    method: http::Method,
}

/// The request written out for the lean client, when its whole body is known; `None` for a
/// body still to be streamed.
fn lean_request<B: Outgoing>(req: &Request<B>) -> Option<LeanRequest> {
    let content = req.body().known()?;
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut wire = bytes::BytesMut::new();
    h1::encode_request(
        &mut wire,
        req.method(),
        target,
        req.headers(),
        content.len(),
    );
    wire.extend_from_slice(content);
    Some(LeanRequest {
        wire,
        method: req.method().clone(),
    })
}

/// One exchange on a lean connection: reuse an idle one or open a new one. When a reused
/// connection fails before any response byte arrives (the upstream closed it as the request went
/// out), an idempotent request is sent again on the next one. When what a reused connection
/// gives back is not a response head (stray bytes that arrived after the request went out: the
/// connection was poisoned), an idempotent request is sent once more, on a new connection. A new
/// connection's failure is final. Returns the response and the time its head arrived.
async fn send_lean(
    pool: &Arc<pool::Pool>,
    req: LeanRequest,
    now: Instant,
) -> Result<(Response<UpstreamBody>, Instant), ProxyError> {
    let retry = req.method.is_idempotent();
    let mut fresh = false;
    loop {
        let pooled = if fresh { None } else { pool.checkout_lean(now) };
        let (mut conn, reused) = match pooled {
            Some(conn) => (conn, true),
            // Boxed: opening a connection is rare, and its future would otherwise make every
            // request's future larger.
            None => (Box::pin(pool.connect_lean()).await?, false),
        };
        match conn.exchange(&req.wire, &req.method).await {
            Ok(head) => {
                let since = Instant::now();
                let body = h1::ResponseBody::new(conn, head.framing, head.keep_alive);
                let mut resp = Response::new(UpstreamBody::lean(body, pool.clone(), since));
                *resp.status_mut() = head.status;
                *resp.headers_mut() = head.headers;
                return Ok((resp, since));
            }
            Err(e) if reused && retry && e.nothing_received() => {}
            Err(h1::ExchangeError::Head(_)) if reused && retry => fresh = true,
            Err(e) if e.is_timeout() => return Err(ProxyError::UpstreamTimeout),
            Err(_) => return Err(ProxyError::UpstreamUnavailable),
        }
    }
}

/// One exchange through the https client, which needs the absolute URI.
async fn send_https(
    client: &Client<HttpsConnector<HttpConnector>, Body>,
    base: &Uri,
    mut req: Request<Body>,
) -> Result<Response<hyper::body::Incoming>, ProxyError> {
    let mut parts = base.clone().into_parts();
    parts.path_and_query = req.uri().path_and_query().cloned();
    *req.uri_mut() = Uri::from_parts(parts).map_err(|_| ProxyError::BadTarget)?;
    client.request(req).await.map_err(|e| classify(&e))
}

/// 400 when the client's own request body failed, 504 for a timeout anywhere in the error's
/// chain (connect timeout, `ETIMEDOUT`), else 502.
fn classify(e: &(dyn std::error::Error + 'static)) -> ProxyError {
    if super::body::is_client_body_error(e) {
        return ProxyError::BadRequest;
    }
    let mut source = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return ProxyError::UpstreamTimeout;
        }
        source = err.source();
    }
    ProxyError::UpstreamUnavailable
}

#[cfg(test)]
mod tests {
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
}
