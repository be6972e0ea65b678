//! Listening: the accept loop with a connection limit and, on the proxy listener, a per-client
//! one (a connection over it is answered `429` and closed at once), HTTP/1.1 connections with a
//! header read deadline and a header size bound, and graceful shutdown (stop accepting, drain
//! in-flight requests within the grace period).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::metrics::Shed;
use crate::proxy::body::Body;
use crate::proxy::error::ProxyError;
use crate::proxy::fairness::ClientTable;
use crate::proxy::{Peer, State};

/// How long a refused connection is kept to let the client read its `429` (closing at once
/// with unread request bytes would reset the connection and lose the answer).
const REFUSED_LINGER: std::time::Duration = std::time::Duration::from_millis(500);

/// Serves one listener with `handler` (which never fails: errors are responses) until `shutdown`
/// fires, then drains within `grace`.
/// `limit` caps concurrent connections (others wait in the kernel's accept queue); `per_client`,
/// when given, caps each client address's (trusted proxies excepted).
pub async fn serve<H, F>(
    listener: TcpListener,
    state: Arc<State>,
    limit: usize,
    per_client: Option<Arc<ClientTable>>,
    mut shutdown: watch::Receiver<bool>,
    handler: H,
) where
    H: Fn(Arc<State>, Request<Incoming>, Peer) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(limit));
    let limits = state.config.limits.clone();
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
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
        let client = match &per_client {
            Some(table) if !state.config.clients.is_trusted(peer.ip()) => {
                match table.connect(crate::client_address::canonical(peer.ip())) {
                    Some(guard) => Some(guard),
                    None => {
                        drop(permit);
                        state.metrics.shed(Shed::ClientConnections);
                        refuse(stream);
                        continue;
                    }
                }
            }
            _ => None,
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

/// Answers a connection over its client's limit with `429` and closes it, without hyper: the
/// answer fits the fresh socket's send buffer, and the connection is kept only briefly so the
/// client can read it.
fn refuse(stream: tokio::net::TcpStream) {
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut stream = stream;
        let answer = ProxyError::ClientOverLimit.raw_response();
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
