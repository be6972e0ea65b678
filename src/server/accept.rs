//! Listening: the accept loop with a connection limit (on the proxy listener a global one and a
//! per-client one, a connection over either answered at once and closed; on the admin listener
//! one whose excess waits in the accept queue), HTTP/1.1 connections with a header read deadline
//! and a header size bound, and graceful shutdown (stop accepting, drain in-flight requests
//! within the grace period).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use http::{HeaderValue, Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::metrics::Shed;
use crate::proxy::State;
use crate::proxy::body::Body;
use crate::proxy::connections::ConnectionSlots;
use crate::proxy::error::ProxyError;
use crate::proxy::fairness::ClientTable;

/// How long a refused connection is kept to let the client read its answer (closing at once
/// with unread request bytes would reset the connection and lose the answer).
const REFUSED_LINGER: std::time::Duration = std::time::Duration::from_millis(500);

/// Refused connections one listener keeps lingering at once. Every accepted connection holds
/// a connection slot or one of these places, so a flood holds a bounded number of descriptors;
/// with all places taken, new connections wait in the accept queue until one is free.
const REFUSING: usize = 256;

/// How a listener bounds its connections.
#[derive(Debug, Clone)]
pub enum Limit {
    /// At most this many at once; more wait in the kernel's accept queue (the admin listener,
    /// whose clients are health checks, scrapers and operators).
    Queue(usize),
    /// The proxy's: `slots` shared by every worker, and `per_client` connections per client
    /// address (trusted proxies excepted). A connection past `slots` is answered `503`, one
    /// past its client's share `429`, with `Retry-After` and `Connection: close`, and closed.
    Refuse {
        /// `limits.max_connections`.
        slots: Arc<ConnectionSlots>,
        /// `limits.per_client_connections`.
        per_client: Arc<ClientTable>,
    },
}

/// The client end of a connection, as each of its requests' handler sees it.
#[derive(Clone, Debug)]
pub struct Peer {
    /// The client's address.
    pub addr: SocketAddr,
    /// Its IP as an `X-Forwarded-For` element, formatted once per connection.
    pub ip: HeaderValue,
}

impl Peer {
    /// The peer at `addr`.
    pub fn new(addr: SocketAddr) -> Peer {
        Peer {
            addr,
            ip: crate::proxy::headers::ip_value(addr.ip()),
        }
    }
}

/// Serves one listener with `handler` (which never fails: errors are responses) until `shutdown`
/// fires, then drains within `grace`. `limit` bounds its connections.
pub async fn serve<H, F>(
    listener: TcpListener,
    state: Arc<State>,
    limit: Limit,
    mut shutdown: watch::Receiver<bool>,
    handler: H,
) where
    H: Fn(Arc<State>, Request<Incoming>, Peer) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    // What each accept waits for: a connection slot (queueing), or a place to linger in should
    // the connection be refused (refusing: its slot is taken after the accept, without waiting).
    let places = Arc::new(Semaphore::new(match &limit {
        Limit::Queue(n) => (*n).min(Semaphore::MAX_PERMITS),
        Limit::Refuse { .. } => REFUSING,
    }));
    let limits = state.config.limits.clone();
    loop {
        let place = tokio::select! {
            p = places.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and friends: back off briefly instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let (permit, client) = match &limit {
            Limit::Queue(_) => (place, None),
            Limit::Refuse { slots, per_client } => {
                let client = if state.config.clients.is_trusted(peer.ip()) {
                    None
                } else {
                    match per_client.connect(crate::proxy::client::canonical(peer.ip())) {
                        Some(guard) => Some(guard),
                        None => {
                            state.metrics.shed(Shed::ClientConnections);
                            refuse(stream, &ProxyError::ClientOverLimit, place);
                            continue;
                        }
                    }
                };
                match slots.try_take() {
                    Some(slot) => (slot, client),
                    None => {
                        drop(client);
                        state.metrics.shed(Shed::Connections);
                        refuse(stream, &ProxyError::Overloaded, place);
                        continue;
                    }
                }
            }
        };
        let conn_state = state.clone();
        let handler = handler.clone();
        let peer = Peer::new(peer);
        // The handler's own future goes to hyper as it is: no wrapper future to move it into.
        let service = service_fn(move |req| handler(conn_state.clone(), req, peer.clone()));
        let builder = connection_builder(&limits);
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        let metrics = state.metrics.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _client = client;
            let _open = metrics.connection();
            let _ = conn.await;
        });
    }
    drop(listener);
    let grace = limits.shutdown_grace();
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_ms = grace.as_millis() as u64,
            "grace period over; closing remaining connections"
        );
    }
}

/// The HTTP/1.1 settings of every served connection: header read deadline and size bound,
/// keep-alive.
pub fn connection_builder(limits: &crate::config::Limits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout())
        .max_buf_size(limits.max_header_bytes.max(8192))
        .keep_alive(true)
        // A response head and a small body go out as one buffer (`write`) rather than
        // gathered (`writev`): cheaper in the kernel for the small answers search traffic is
        // made of (load benchmark); large bodies cost one copy, still bounded by the buffer.
        .writev(false);
    builder
}

/// Answers a refused connection with `error` and closes it, without hyper: the answer fits the
/// fresh socket's send buffer, and the connection is kept only briefly (holding `place`) so the
/// client can read it.
fn refuse(stream: tokio::net::TcpStream, error: &ProxyError, place: OwnedSemaphorePermit) {
    let answer = error.raw_response();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let _place = place;
        let mut stream = stream;
        let _ = tokio::time::timeout(REFUSED_LINGER, async {
            stream.write_all(&answer).await?;
            stream.shutdown().await?;
            // Read (and discard) what the client sent until it closes or the linger ends.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .await;
    });
}
