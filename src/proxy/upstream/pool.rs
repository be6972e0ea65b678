//! The keep-alive pool of plain-HTTP/1.1 connections to the upstream, one pool per worker: a
//! connection is checked out for one exchange and comes back when its response body has been read
//! to the end, so the next request can reuse it. No hashing or pool key: a worker has one upstream.
//!
//! A connection has no task of its own: the request using it drives it (while waiting for the
//! response head, then while its response body is read), so an exchange costs no wake-ups of
//! another task. An idle connection is driven once when checked out, which is when a close by the
//! upstream is noticed.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper::client::conn::TrySendError;
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::proxy::body::Body;
use crate::proxy::error::ProxyError;

/// One upstream connection: its sending half and the connection state machine, which the
/// request using it drives.
pub(super) struct Link {
    send: SendRequest<Body>,
    /// `None` once the connection has finished (closed or failed).
    conn: Option<Connection<TokioIo<TcpStream>, Body>>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("open", &self.conn.is_some())
            .finish()
    }
}

/// A checked-out connection.
pub(super) type Conn = Box<Link>;

impl Link {
    /// Lets the connection read and write what it can. A finished connection is dropped at once:
    /// that hands a request still queued on it back to its sender, to be retried elsewhere.
    fn drive(conn: &mut Option<Connection<TokioIo<TcpStream>, Body>>, cx: &mut Context<'_>) {
        if let Some(c) = conn
            && Pin::new(c).poll(cx).is_ready()
        {
            *conn = None;
        }
    }

    /// Whether the connection is open and idle, ready for a request.
    fn usable(&mut self, cx: &mut Context<'_>) -> bool {
        Self::drive(&mut self.conn, cx);
        // Not ready after being driven means it is not idle (say, still sending an earlier
        // request's body): not worth waiting for.
        self.conn.is_some() && matches!(self.send.poll_ready(cx), Poll::Ready(Ok(())))
    }

    /// Sends `req` and drives the connection until the response head arrives.
    ///
    /// # Errors
    /// hyper's error, with the request when it was not sent.
    pub(super) async fn exchange(
        &mut self,
        req: Request<Body>,
    ) -> Result<Response<Incoming>, TrySendError<Request<Body>>> {
        let mut response = pin!(self.send.try_send_request(req));
        let conn = &mut self.conn;
        poll_fn(|cx| {
            Self::drive(conn, cx);
            response.as_mut().poll(cx)
        })
        .await
    }
}

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
            if poll_fn(|cx| Poll::Ready(conn.usable(cx))).await {
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
            if conn.conn.is_some() {
                return Some(conn);
            }
        }
        None
    }

    /// Returns a connection whose exchange is complete, used last at `since`.
    fn put(&self, conn: Conn, since: Instant) {
        if conn.conn.is_none() || self.max_idle == 0 {
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

    /// Opens a new connection (within the connect timeout).
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
        let (send, conn) = http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|_| ProxyError::UpstreamUnavailable)?;
        Ok(Box::new(Link {
            send,
            conn: Some(conn),
        }))
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
        if let Some(back) = &mut self.back {
            // The connection fills the body's channel as it reads.
            Link::drive(&mut back.conn.conn, cx);
        }
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
