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
// The wire parsers, for the fuzz targets (src/fuzzing/).
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
mod tests;
