//! The keep-alive pool of plain-HTTP/1.1 connections to the upstream, one pool per worker: a
//! connection is checked out for one exchange and comes back when its response body has been read
//! to the end, so the next request can reuse it. No hashing or pool key: a worker has one upstream.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::proxy::body::Body;
use crate::proxy::error::ProxyError;

/// A connection's sending half.
pub(super) type Conn = SendRequest<Body>;

/// Idle connections to one upstream address, most recently used last.
#[derive(Debug)]
pub(super) struct Pool {
    idle: Mutex<VecDeque<Idle>>,
    max_idle: usize,
    idle_timeout: Duration,
    /// `host:port` to resolve on each new connection (like a browser, not once at start-up, so a
    /// moved DNS name is followed).
    authority: String,
    /// The address when the upstream host is an IP literal (no resolving at all).
    addr: Option<SocketAddr>,
    connect_timeout: Duration,
}

#[derive(Debug)]
struct Idle {
    conn: Conn,
    since: Instant,
}

impl Pool {
    /// A pool for `host:port`, keeping at most `max_idle` idle connections for `idle_timeout`.
    pub(super) fn new(
        authority: String,
        connect_timeout: Duration,
        max_idle: usize,
        idle_timeout: Duration,
    ) -> Pool {
        Pool {
            idle: Mutex::new(VecDeque::new()),
            max_idle,
            idle_timeout,
            addr: authority.parse().ok(),
            authority,
            connect_timeout,
        }
    }

    /// The most recently used idle connection still open and ready, if any; `now` is the time the
    /// exchange started (connections idle longer than the idle timeout are closed instead).
    pub(super) async fn checkout(&self, now: Instant) -> Option<Conn> {
        loop {
            let mut conn = self.pop(now)?;
            if conn.is_ready() {
                return Some(conn);
            }
            // Its last response has been read but the connection task has not yet marked it
            // ready: that is a matter of that task running once. An error means it closed.
            if conn.ready().await.is_ok() {
                return Some(conn);
            }
        }
    }

    fn pop(&self, now: Instant) -> Option<Conn> {
        let mut idle = self.idle.lock().ok()?;
        while let Some(Idle { conn, since }) = idle.pop_back() {
            if now.saturating_duration_since(since) > self.idle_timeout {
                // Everything below it is older still.
                idle.clear();
                return None;
            }
            if !conn.is_closed() {
                return Some(conn);
            }
        }
        None
    }

    /// Returns a connection whose exchange is complete, used last at `since`.
    fn put(&self, conn: Conn, since: Instant) {
        if conn.is_closed() || self.max_idle == 0 {
            return;
        }
        let Ok(mut idle) = self.idle.lock() else {
            return;
        };
        while idle
            .front()
            .is_some_and(|f| since.saturating_duration_since(f.since) > self.idle_timeout)
        {
            idle.pop_front();
        }
        if idle.len() >= self.max_idle {
            idle.pop_front();
        }
        idle.push_back(Idle { conn, since });
    }

    /// Opens a new connection (within the connect timeout) and spawns its connection task on the
    /// current runtime.
    ///
    /// # Errors
    /// [`ProxyError::UpstreamTimeout`] past the connect timeout, [`ProxyError::UpstreamUnavailable`]
    /// when no address accepts or the handshake fails.
    pub(super) async fn connect(&self) -> Result<Conn, ProxyError> {
        let stream = tokio::time::timeout(self.connect_timeout, self.tcp())
            .await
            .map_err(|_| ProxyError::UpstreamTimeout)?
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::TimedOut {
                    ProxyError::UpstreamTimeout
                } else {
                    ProxyError::UpstreamUnavailable
                }
            })?;
        let _ = stream.set_nodelay(true);
        let (conn, task) = http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|_| ProxyError::UpstreamUnavailable)?;
        tokio::spawn(async move {
            // Ends when the upstream or we close the connection; its errors reach the request
            // that was using it.
            let _ = task.await;
        });
        Ok(conn)
    }

    async fn tcp(&self) -> std::io::Result<TcpStream> {
        if let Some(addr) = self.addr {
            return TcpStream::connect(addr).await;
        }
        // Tries each resolved address in turn.
        TcpStream::connect(self.authority.as_str()).await
    }
}

/// An upstream response body. A pooled connection goes back to its pool when the body has been
/// read to the end and dropped; a body dropped early takes its connection with it (closed), as
/// an HTTP/1.1 connection with an unread response cannot be reused.
#[derive(Debug)]
pub struct UpstreamBody {
    inner: Incoming,
    done: bool,
    back: Option<Return>,
}

#[derive(Debug)]
struct Return {
    conn: Conn,
    pool: Arc<Pool>,
    since: Instant,
}

impl UpstreamBody {
    /// A body whose connection is not pooled here.
    pub(super) fn unpooled(inner: Incoming) -> UpstreamBody {
        UpstreamBody {
            inner,
            done: false,
            back: None,
        }
    }

    /// A body whose connection returns to `pool` once the body is complete.
    pub(super) fn pooled(
        inner: Incoming,
        conn: Conn,
        pool: Arc<Pool>,
        since: Instant,
    ) -> UpstreamBody {
        UpstreamBody {
            inner,
            done: false,
            back: Some(Return { conn, pool, since }),
        }
    }
}

impl hyper::body::Body for UpstreamBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            self.done = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for UpstreamBody {
    fn drop(&mut self) {
        if let Some(Return { conn, pool, since }) = self.back.take()
            && (self.done || self.inner.is_end_stream())
        {
            pool.put(conn, since);
        }
    }
}
