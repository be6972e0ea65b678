//! Listening: the accept loop with a connection limit (on the proxy listener a global one and a
//! per-client one, a connection over either answered at once and closed; on the admin listener
//! one whose excess waits in the accept queue), HTTP/1.1 connections with a header read deadline
//! and a header size bound, and graceful shutdown (stop accepting, drain in-flight requests
//! within the grace period).

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
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::metrics::Shed;
use crate::proxy::body::Body;
use crate::proxy::connections::ConnectionSlots;
use crate::proxy::error::ProxyError;
use crate::proxy::fairness::{ClientGuard, ClientTable};
use crate::proxy::{Peer, State};

/// How long a refused connection is kept to let the client read its answer (closing at once
/// with unread request bytes would reset the connection and lose the answer).
const REFUSED_LINGER: std::time::Duration = std::time::Duration::from_millis(500);

/// Refused connections one listener keeps lingering at once, so that a flood holds a bounded
/// number of descriptors; past them a refused connection is answered and closed at once.
const LINGERING: usize = 256;

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
    // A queueing listener takes its slot before it accepts; a refusing one after, at once.
    let queue = match &limit {
        Limit::Queue(n) => Some(Arc::new(Semaphore::new((*n).min(Semaphore::MAX_PERMITS)))),
        Limit::Refuse { .. } => None,
    };
    let lingering = Arc::new(Semaphore::new(LINGERING));
    let limits = state.config.limits.clone();
    loop {
        let queued = match &queue {
            Some(q) => tokio::select! {
                p = q.clone().acquire_owned() => match p { Ok(p) => Some(p), Err(_) => break },
                _ = shutdown.changed() => break,
            },
            None => None,
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
            Limit::Queue(_) => match queued {
                Some(p) => (p, None),
                None => break, // a queueing listener always holds its slot here
            },
            Limit::Refuse { slots, per_client } => {
                match admit(&state, slots, per_client, peer.ip()) {
                    Ok(admitted) => admitted,
                    Err((shed, error)) => {
                        state.metrics.shed(shed);
                        refuse(stream, &error, &lingering);
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

/// A new proxy connection's client share (trusted proxies have none) and global slot, or why
/// it is refused.
fn admit(
    state: &State,
    slots: &ConnectionSlots,
    per_client: &Arc<ClientTable>,
    ip: std::net::IpAddr,
) -> Result<(OwnedSemaphorePermit, Option<ClientGuard>), (Shed, ProxyError)> {
    let client = if state.config.clients.is_trusted(ip) {
        None
    } else {
        match per_client.connect(crate::client_address::canonical(ip)) {
            Some(guard) => Some(guard),
            None => return Err((Shed::ClientConnections, ProxyError::ClientOverLimit)),
        }
    };
    match slots.try_take() {
        Some(slot) => Ok((slot, client)),
        None => Err((Shed::Connections, ProxyError::Overloaded)),
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
/// fresh socket's send buffer, and the connection is kept only briefly (in one of `lingering`'s
/// places) so the client can read it. With no place free it is written and closed at once: a
/// client whose request is already in the socket may then get a reset instead of the answer.
fn refuse(stream: tokio::net::TcpStream, error: &ProxyError, lingering: &Arc<Semaphore>) {
    let answer = error.raw_response();
    let Ok(place) = lingering.clone().try_acquire_owned() else {
        if let Ok(mut stream) = stream.into_std() {
            use std::io::Write as _;
            let _ = stream.write(&answer);
        }
        return;
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A connected client and the proxy's end of it.
    async fn pair() -> (tokio::net::TcpStream, tokio::net::TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = tokio::net::TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        (client.unwrap(), accepted.unwrap().0)
    }

    async fn answer_of(mut client: tokio::net::TcpStream) -> String {
        use tokio::io::AsyncReadExt as _;
        let mut answer = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            client.read_to_end(&mut answer),
        )
        .await
        .expect("the refused connection was not closed")
        .unwrap();
        String::from_utf8(answer).unwrap()
    }

    #[tokio::test]
    async fn a_refused_connection_is_answered_and_closed_with_or_without_a_place_to_linger() {
        for places in [1, 0] {
            let lingering = Arc::new(Semaphore::new(places));
            let (client, accepted) = pair().await;
            refuse(accepted, &ProxyError::Overloaded, &lingering);
            let answer = answer_of(client).await;
            assert!(answer.starts_with("HTTP/1.1 503 "), "{places}: {answer}");
            assert!(answer.contains("retry-after: 1\r\n"), "{places}: {answer}");
            assert!(
                answer.contains("connection: close\r\n"),
                "{places}: {answer}"
            );
            assert!(answer.ends_with("\"}\n"), "{places}: {answer}");
            // The place is back once the client has closed.
            let mut polls = 0;
            while lingering.available_permits() != places {
                polls += 1;
                assert!(polls < 3000, "{places}: the place was not given back");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}
