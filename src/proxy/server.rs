//! Listening: the accept loop with a connection limit, HTTP/1.1 connections with a header read
//! deadline and a header size bound, and graceful shutdown (stop accepting, drain in-flight
//! requests within the grace period).

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
use tokio::sync::{Semaphore, watch};

use super::State;
use super::body::Body;

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
            ip: super::headers::ip_value(addr.ip()),
        }
    }
}

/// Serves one listener with `handler` (which never fails: errors are responses) until `shutdown`
/// fires, then drains within `grace`.
/// `limit` caps concurrent connections (others wait in the kernel's accept queue).
pub async fn serve<H, F>(
    listener: TcpListener,
    state: Arc<State>,
    limit: usize,
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
        let conn_state = state.clone();
        let handler = handler.clone();
        let peer = Peer::new(peer);
        // The handler's own future goes to hyper as it is: no wrapper future to move it into.
        let service = service_fn(move |req| handler(conn_state.clone(), req, peer.clone()));
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
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        let metrics = state.metrics.clone();
        tokio::spawn(async move {
            let _permit = permit;
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
