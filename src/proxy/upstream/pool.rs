//! The keep-alive pool of plain-HTTP/1.1 connections to the upstream, one pool per worker: a
//! connection is checked out for one exchange and comes back when its response body has been read
//! to the end, so the next request can reuse it. No hashing or pool key: a worker has one upstream.
//! Two kinds are kept apart: lean connections ([`super::h1`]) for requests whose body is known,
//! and hyper client connections for streamed uploads.

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

use super::h1;
use crate::proxy::body::{Body, BoxError};
use crate::proxy::error::ProxyError;

/// A connection's sending half.
pub(super) type Conn = SendRequest<Body>;

/// Idle connections to one upstream address, most recently used last.
#[derive(Debug)]
pub(super) struct Pool {
    lean: Mutex<IdleList<h1::Conn>>,
    hyper: Mutex<IdleList<Conn>>,
    max_idle: usize,
    idle_timeout: Duration,
    /// `host:port` to resolve on each new connection (like a browser, not once at start-up, so a
    /// moved DNS name is followed).
    authority: String,
    /// The address when the upstream host is an IP literal (no resolving at all).
    addr: Option<SocketAddr>,
    connect_timeout: Duration,
}

/// Idle connections of one kind, each with the time it was last used; oldest first.
#[derive(Debug)]
struct IdleList<C>(VecDeque<(C, Instant)>);

impl<C> Default for IdleList<C> {
    fn default() -> Self {
        IdleList(VecDeque::new())
    }
}

impl<C> IdleList<C> {
    /// The most recently used connection that `usable` accepts and that has not been idle past
    /// `timeout` at `now`. Connections refused on the way are dropped (closed).
    fn pop(&mut self, now: Instant, timeout: Duration, usable: impl Fn(&C) -> bool) -> Option<C> {
        while let Some((conn, since)) = self.0.pop_back() {
            if now.saturating_duration_since(since) > timeout {
                // Everything below it is older still.
                self.0.clear();
                return None;
            }
            if usable(&conn) {
                return Some(conn);
            }
        }
        None
    }

    /// Keeps `conn`, used last at `since`, dropping expired ones and the oldest beyond `max`.
    fn push(&mut self, conn: C, since: Instant, timeout: Duration, max: usize) {
        while self
            .0
            .front()
            .is_some_and(|(_, t)| since.saturating_duration_since(*t) > timeout)
        {
            self.0.pop_front();
        }
        if self.0.len() >= max {
            self.0.pop_front();
        }
        self.0.push_back((conn, since));
    }
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
            lean: Mutex::default(),
            hyper: Mutex::default(),
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
        let mut idle = self.hyper.lock().ok()?;
        idle.pop(now, self.idle_timeout, |c| !c.is_closed())
    }

    /// Returns a hyper connection whose exchange is complete, used last at `since`.
    fn put(&self, conn: Conn, since: Instant) {
        if conn.is_closed() || self.max_idle == 0 {
            return;
        }
        if let Ok(mut idle) = self.hyper.lock() {
            idle.push(conn, since, self.idle_timeout, self.max_idle);
        }
    }

    /// The most recently used idle lean connection on which nothing arrived while it was idle;
    /// `now` is the time the exchange started.
    pub(super) fn checkout_lean(&self, now: Instant) -> Option<h1::Conn> {
        let mut idle = self.lean.lock().ok()?;
        idle.pop(now, self.idle_timeout, h1::Conn::is_reusable)
    }

    /// Returns a lean connection whose exchange is complete, used last at `since`.
    pub(super) fn put_lean(&self, conn: h1::Conn, since: Instant) {
        if self.max_idle == 0 {
            return;
        }
        if let Ok(mut idle) = self.lean.lock() {
            idle.push(conn, since, self.idle_timeout, self.max_idle);
        }
    }

    /// Opens a new lean connection within the connect timeout.
    ///
    /// # Errors
    /// As [`Pool::connect`].
    pub(super) async fn connect_lean(&self) -> Result<h1::Conn, ProxyError> {
        Ok(h1::Conn::new(self.stream().await?))
    }

    /// Opens a new connection (within the connect timeout) and spawns its connection task on the
    /// current runtime.
    ///
    /// # Errors
    /// [`ProxyError::UpstreamTimeout`] past the connect timeout, [`ProxyError::UpstreamUnavailable`]
    /// when no address accepts or the handshake fails.
    pub(super) async fn connect(&self) -> Result<Conn, ProxyError> {
        let stream = self.stream().await?;
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

    /// A new TCP connection (no delay) within the connect timeout.
    async fn stream(&self) -> Result<TcpStream, ProxyError> {
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
        Ok(stream)
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
/// read to the end; a body dropped early takes its connection with it (closed), as an HTTP/1.1
/// connection with an unread response cannot be reused.
#[derive(Debug)]
pub struct UpstreamBody(Inner);

#[derive(Debug)]
enum Inner {
    /// From a hyper client connection (pooled here, or the https client's).
    Hyper {
        inner: Incoming,
        done: bool,
        back: Option<Return>,
    },
    /// From a lean connection, which goes back to `pool` as soon as the body is complete.
    Lean {
        body: h1::ResponseBody,
        pool: Arc<Pool>,
        since: Instant,
    },
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
        UpstreamBody(Inner::Hyper {
            inner,
            done: false,
            back: None,
        })
    }

    /// A body whose hyper connection returns to `pool` once the body is complete.
    pub(super) fn pooled(
        inner: Incoming,
        conn: Conn,
        pool: Arc<Pool>,
        since: Instant,
    ) -> UpstreamBody {
        UpstreamBody(Inner::Hyper {
            inner,
            done: false,
            back: Some(Return { conn, pool, since }),
        })
    }

    /// A body read from a lean connection of `pool`, whose head arrived at `since`.
    pub(super) fn lean(body: h1::ResponseBody, pool: Arc<Pool>, since: Instant) -> UpstreamBody {
        let mut b = UpstreamBody(Inner::Lean { body, pool, since });
        // A body known to be empty gives its connection back at once.
        b.recycle();
        b
    }

    /// Gives a lean connection back once its body is complete. Done as soon as the last frame is
    /// out (not at drop), so the worker's next request finds it idle.
    fn recycle(&mut self) {
        if let Inner::Lean { body, pool, since } = &mut self.0
            && body.is_end_stream()
            && let Some(conn) = body.take_reusable()
        {
            pool.put_lean(conn, *since);
        }
    }
}

impl hyper::body::Body for UpstreamBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.0 {
            Inner::Hyper { inner, done, .. } => {
                let polled = Pin::new(inner).poll_frame(cx);
                if let Poll::Ready(None) = polled {
                    *done = true;
                }
                polled.map(|f| f.map(|r| r.map_err(Into::into)))
            }
            Inner::Lean { body, .. } => {
                let polled = Pin::new(body).poll_frame(cx);
                if polled.is_ready() {
                    self.recycle();
                }
                polled
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Hyper { inner, done, .. } => *done || inner.is_end_stream(),
            Inner::Lean { body, .. } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Hyper { inner, .. } => inner.size_hint(),
            Inner::Lean { body, .. } => body.size_hint(),
        }
    }
}

impl Drop for UpstreamBody {
    fn drop(&mut self) {
        if let Inner::Hyper {
            inner, done, back, ..
        } = &mut self.0
            && let Some(Return { conn, pool, since }) = back.take()
            && (*done || inner.is_end_stream())
        {
            pool.put(conn, since);
        }
    }
}
