//! A lean HTTP/1.1 client connection to a plain-HTTP upstream, for requests whose whole body is
//! known before sending (no body, or a buffered one): the request is written in one piece, the
//! response head parsed with `httparse`, and the body read by the request's own task. Compared
//! with hyper's client connection this has no connection task, no channel and no hand-off per
//! request, which showed as about a quarter of the proxy's user CPU in the load benchmark.
//! Requests with streamed bodies keep using hyper's client, which reads an early response while
//! the upload is still going.

mod body;
mod chunked;
mod head;

use std::io;
use std::pin::Pin;

use bytes::BytesMut;
use http::{Method, StatusCode};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

pub use body::ResponseBody;
pub use head::{HeadError, ResponseHead, encode_request};
#[cfg(any(fuzzing, test))]
pub(crate) use {
    chunked::{Decoder as ChunkDecoder, Step as ChunkStep},
    head::{Framing, parse_response},
};

/// Bytes the read buffer grows by.
const READ_CHUNK: usize = 8 * 1024;
/// Below this much free space, the read buffer grows before a read.
const MIN_READ: usize = 1024;

/// One upstream connection and its read buffer (empty between exchanges).
#[derive(Debug)]
pub struct Conn {
    io: TcpStream,
    buf: BytesMut,
}

/// Why an exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// Writing the request or reading the response failed.
    #[error("upstream i/o: {source}")]
    Io {
        /// Cause.
        #[source]
        source: io::Error,
        /// Whether any response byte had arrived.
        received: bool,
    },
    /// The upstream closed the connection before a whole response head.
    #[error("upstream closed the connection")]
    Closed {
        /// Whether any response byte had arrived.
        received: bool,
    },
    /// The response head is unusable.
    #[error(transparent)]
    Head(#[from] HeadError),
    /// `101 Switching Protocols`, which this client never asks for.
    #[error("unexpected protocol switch")]
    Upgrade,
}

impl ExchangeError {
    /// Whether the upstream sent nothing back: on a reused connection it may have closed it just
    /// as the request went out, and the request can be sent again on another connection.
    pub fn nothing_received(&self) -> bool {
        matches!(
            self,
            ExchangeError::Io {
                received: false,
                ..
            } | ExchangeError::Closed { received: false }
        )
    }

    /// Whether it was the operating system's timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, ExchangeError::Io { source, .. } if source.kind() == io::ErrorKind::TimedOut)
    }
}

impl Conn {
    /// A connection over a connected stream.
    pub fn new(io: TcpStream) -> Conn {
        Conn {
            io,
            buf: BytesMut::with_capacity(READ_CHUNK),
        }
    }

    /// Whether an idle connection can carry another request: provably nothing arrived on it
    /// while idle (no close, no stray bytes). Asks the kernel (a non-blocking peek), not the
    /// runtime's readiness, which may not yet have seen bytes that are already there.
    pub fn is_reusable(&self) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); 1];
        matches!(
            socket2::SockRef::from(&self.io).peek(&mut probe),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock
        )
    }

    /// Writes `request` (a whole request: head and body) and reads up to the final response
    /// head, skipping interim (1xx) responses. The body's first bytes may already be buffered.
    ///
    /// # Errors
    /// [`ExchangeError`] on i/o failure, early close, or a malformed or unexpected head.
    pub async fn exchange(
        &mut self,
        request: &[u8],
        method: &Method,
    ) -> Result<ResponseHead, ExchangeError> {
        self.io
            .write_all(request)
            .await
            .map_err(|source| ExchangeError::Io {
                source,
                received: false,
            })?;
        let mut received = false;
        loop {
            if !self.buf.is_empty()
                && let Some(head) = head::parse_response(&mut self.buf, method)?
            {
                if head.status == StatusCode::SWITCHING_PROTOCOLS {
                    return Err(ExchangeError::Upgrade);
                }
                if head.status.is_informational() {
                    continue;
                }
                return Ok(head);
            }
            let n = std::future::poll_fn(|cx| self.poll_fill(cx))
                .await
                .map_err(|source| ExchangeError::Io { source, received })?;
            if n == 0 {
                return Err(ExchangeError::Closed { received });
            }
            received = true;
        }
    }

    /// Reads what the socket has into the buffer; `Ok(0)` at the end of the stream.
    fn poll_fill(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<io::Result<usize>> {
        if self.buf.capacity() - self.buf.len() < MIN_READ {
            self.buf.reserve(READ_CHUNK);
        }
        // Through `AsyncRead`, so a short read marks the socket not readable and the next read
        // waits for the kernel's word instead of trying (and failing) a system call.
        tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// A connection to a one-shot upstream that reads one request head, then writes `reply`
    /// (each piece separately, flushed) and closes if `close`. Returns the connection and a
    /// handle yielding the request bytes it read.
    async fn upstream(
        reply: Vec<&'static [u8]>,
        close: bool,
    ) -> (Conn, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            for piece in reply {
                s.write_all(piece).await.unwrap();
                s.flush().await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            if !close {
                // Hold the connection open until the client is done with it.
                let _ = s.read(&mut buf).await;
            }
            got
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        (Conn::new(stream), task)
    }

    async fn body_of(conn: Conn, head: ResponseHead) -> (Result<Vec<u8>, String>, bool) {
        let mut body = ResponseBody::new(conn, head.framing, head.keep_alive);
        let mut out = Vec::new();
        let result = loop {
            match body.frame().await {
                None => break Ok(out),
                Some(Ok(f)) => out.extend_from_slice(&f.into_data().unwrap()),
                Some(Err(e)) => break Err(e.to_string()),
            }
        };
        (result, body.take_reusable().is_some())
    }

    #[tokio::test]
    async fn exchanges_over_every_framing() {
        // (name, what the upstream writes, whether it closes, the body or an error, reusable)
        type Case = (
            &'static str,
            Vec<&'static [u8]>,
            bool,
            Result<&'static [u8], ()>,
            bool,
        );
        let cases: [Case; 8] = [
            (
                "length",
                vec![b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"],
                false,
                Ok(b"hello"),
                true,
            ),
            (
                "length in pieces",
                vec![
                    b"HTTP/1.1 200 OK\r\ncont",
                    b"ent-length: 5\r\n\r\nhe",
                    b"llo",
                ],
                false,
                Ok(b"hello"),
                true,
            ),
            (
                "interim response skipped",
                vec![
                    b"HTTP/1.1 100 Continue\r\n\r\n",
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
                ],
                false,
                Ok(b"ok"),
                true,
            ),
            (
                "chunked",
                vec![
                    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n",
                    b"2\r\nde\r\n0\r\n\r\n",
                ],
                false,
                Ok(b"abcde"),
                true,
            ),
            (
                "until close",
                vec![b"HTTP/1.1 200 OK\r\n\r\nall of ", b"it"],
                true,
                Ok(b"all of it"),
                false,
            ),
            (
                "connection close",
                vec![b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"],
                true,
                Ok(b"ok"),
                false,
            ),
            (
                "truncated length",
                vec![b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nshort"],
                true,
                Err(()),
                false,
            ),
            (
                "truncated chunked",
                vec![b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n9\r\nshort"],
                true,
                Err(()),
                false,
            ),
        ];
        for (name, reply, close, want, reusable) in cases {
            let (mut conn, task) = upstream(reply, close).await;
            let head = conn
                .exchange(b"GET /x HTTP/1.1\r\nhost: e\r\n\r\n", &Method::GET)
                .await
                .unwrap();
            assert_eq!(head.status, StatusCode::OK, "{name}");
            let (got, can_reuse) = body_of(conn, head).await;
            match want {
                Ok(w) => assert_eq!(got.as_deref(), Ok(w), "{name}"),
                Err(()) => assert!(got.is_err(), "{name}: {got:?}"),
            }
            assert_eq!(can_reuse, reusable, "{name}");
            drop(task);
        }
    }

    #[tokio::test]
    async fn writes_the_request_as_given_and_reports_early_close() {
        let (mut conn, task) = upstream(vec![], true).await;
        let request = b"GET /a?q=1 HTTP/1.1\r\nhost: e\r\n\r\n";
        let err = conn.exchange(request, &Method::GET).await.unwrap_err();
        assert!(err.nothing_received(), "{err:?}");
        assert_eq!(task.await.unwrap(), request);

        let (mut conn, _task) = upstream(vec![b"HTTP/1.1 200"], true).await;
        let err = conn.exchange(request, &Method::GET).await.unwrap_err();
        assert!(
            !err.nothing_received(),
            "a partial head was received: {err:?}"
        );

        let (mut conn, _task) =
            upstream(vec![b"HTTP/1.1 101 Switching Protocols\r\n\r\n"], true).await;
        assert!(matches!(
            conn.exchange(request, &Method::GET).await,
            Err(ExchangeError::Upgrade)
        ));
    }

    #[tokio::test]
    async fn an_idle_connection_closed_by_the_upstream_is_not_reused() {
        let (mut conn, task) =
            upstream(vec![b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"], true).await;
        let head = conn
            .exchange(b"GET / HTTP/1.1\r\n\r\n", &Method::GET)
            .await
            .unwrap();
        let mut body = ResponseBody::new(conn, head.framing, head.keep_alive);
        assert!(body.frame().await.is_none());
        let conn = body.take_reusable().expect("complete and keep-alive");
        task.await.unwrap();
        // The upstream has closed; once the runtime has seen it, the connection is refused.
        let mut reusable = true;
        for _ in 0..100 {
            reusable = conn.is_reusable();
            if !reusable {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(!reusable);
    }
}
