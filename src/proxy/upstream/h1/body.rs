//! A response body read straight off its connection, by whichever task polls it: data frames are
//! slices of the connection's read buffer. Once the body is complete and the connection can carry
//! another exchange, [`ResponseBody::take_reusable`] hands the connection back.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};

use super::Conn;
use super::chunked::{self, Step};
use super::head::Framing;
use crate::proxy::body::BoxError;

/// Why a response body could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The upstream closed the connection before the body's end.
    #[error("upstream closed the connection mid-body")]
    Truncated,
    /// The chunked framing is malformed.
    #[error(transparent)]
    Chunked(#[from] chunked::ChunkError),
    /// Reading failed.
    #[error("upstream i/o: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug)]
enum Reader {
    Length(u64),
    Chunked(chunked::Decoder),
    UntilClose,
    /// Read to the end.
    Done,
    /// Failed: the connection is dropped.
    Failed,
}

/// The body of one upstream response.
#[derive(Debug)]
pub struct ResponseBody {
    conn: Option<Conn>,
    reader: Reader,
    /// The head allowed another exchange on this connection.
    keep_alive: bool,
}

impl ResponseBody {
    /// The body following a head with `framing` on `conn`.
    pub fn new(conn: Conn, framing: Framing, keep_alive: bool) -> ResponseBody {
        let reader = match framing {
            Framing::Empty | Framing::Length(0) => Reader::Done,
            Framing::Length(n) => Reader::Length(n),
            Framing::Chunked => Reader::Chunked(chunked::Decoder::new()),
            Framing::UntilClose => Reader::UntilClose,
        };
        // A body that ends only when the connection does cannot leave it reusable.
        let keep_alive = keep_alive && framing != Framing::UntilClose;
        ResponseBody {
            conn: Some(conn),
            reader,
            keep_alive,
        }
    }

    /// The connection, when the body has been read to its end, the upstream keeps the
    /// connection open, and nothing beyond the response arrived. `None` otherwise (the
    /// connection then closes when this body is dropped).
    pub fn take_reusable(&mut self) -> Option<Conn> {
        if !matches!(self.reader, Reader::Done) || !self.keep_alive {
            return None;
        }
        self.conn.take().filter(|c| c.buf.is_empty())
    }

    fn fail(&mut self, e: BodyError) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.reader = Reader::Failed;
        self.conn = None;
        Poll::Ready(Some(Err(e.into())))
    }
}

impl hyper::body::Body for ResponseBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        loop {
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
            match &mut this.reader {
                Reader::Done | Reader::Failed => return Poll::Ready(None),
                Reader::Length(left) => {
                    if !conn.buf.is_empty() {
                        let n = usize::try_from(*left)
                            .map_or(conn.buf.len(), |l| l.min(conn.buf.len()));
                        *left -= n as u64;
                        if *left == 0 {
                            this.reader = Reader::Done;
                        }
                        let data = conn.buf.split_to(n).freeze();
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                }
                Reader::Chunked(decoder) => match decoder.decode(&mut conn.buf) {
                    Ok(Step::Data(data)) => return Poll::Ready(Some(Ok(Frame::data(data)))),
                    Ok(Step::Done) => {
                        this.reader = Reader::Done;
                        return Poll::Ready(None);
                    }
                    Ok(Step::NeedMore) => {}
                    Err(e) => return this.fail(e.into()),
                },
                Reader::UntilClose => {
                    if !conn.buf.is_empty() {
                        let data = conn.buf.split().freeze();
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                }
            }
            // The buffer is empty, or holds only part of a chunk's framing: read more.
            match ready!(conn.poll_fill(cx)) {
                Ok(0) if matches!(this.reader, Reader::UntilClose) => {
                    this.reader = Reader::Done;
                    return Poll::Ready(None);
                }
                Ok(0) => return this.fail(BodyError::Truncated),
                Ok(_) => {}
                Err(e) => return this.fail(e.into()),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.reader, Reader::Done)
    }

    fn size_hint(&self) -> SizeHint {
        match self.reader {
            Reader::Done => SizeHint::with_exact(0),
            Reader::Length(n) => SizeHint::with_exact(n),
            _ => SizeHint::default(),
        }
    }
}
