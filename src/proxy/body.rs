//! Body plumbing: the body type of every request and response the proxy sends (an enum, so a
//! pass-through body is forwarded without a box), collecting a body under a size limit and a
//! deadline, and decoding compressed upstream bodies with a bound on the decoded size.

use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming, SizeHint};

use super::budget::Reservation;
use super::upstream::UpstreamBody;

/// Errors inside bodies, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of every request and response the proxy sends: a buffered body, a client's request
/// body being forwarded, or an upstream response body being forwarded.
#[derive(Debug)]
pub struct Body(Kind);

#[derive(Debug)]
enum Kind {
    /// Buffered bytes, sent as one frame (`None` once sent, or when empty).
    Full(Option<Bytes>),
    /// Buffered bytes held against the buffered-bytes budget until the body is dropped.
    Held {
        /// The bytes, as in `Full`.
        data: Option<Bytes>,
        /// Given back when the body is dropped.
        _reserved: Reservation,
    },
    /// A client's request body, streamed upstream.
    Incoming(Incoming),
    /// An upstream response body, streamed to the client.
    Upstream(UpstreamBody),
    /// An upstream response body whose first bytes (and maybe its trailers) were read ahead (to
    /// answer `502` if it failed before anything was sent), then the rest.
    Resumed([Option<Frame<Bytes>>; 2], UpstreamBody),
}

/// A client's request body failed (bad chunked framing, early close): the client's fault, `400`,
/// not the upstream's. Found in an error's source chain by [`is_client_body_error`].
#[derive(Debug, thiserror::Error)]
#[error("client request body: {0}")]
pub struct ClientBodyError(#[source] hyper::Error);

/// Whether `e` or any of its causes is a [`ClientBodyError`].
pub fn is_client_body_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(err) = source {
        if err.is::<ClientBodyError>() {
            return true;
        }
        source = err.source();
    }
    false
}

impl Body {
    /// Streams a client's request body.
    pub fn incoming(body: Incoming) -> Body {
        Body(Kind::Incoming(body))
    }

    /// Streams an upstream response body.
    pub fn upstream(body: UpstreamBody) -> Body {
        Body(Kind::Upstream(body))
    }

    /// Streams an upstream response body after `ahead`, its first bytes, and `trailers`,
    /// both read ahead.
    pub fn upstream_after(
        ahead: Bytes,
        trailers: Option<Frame<Bytes>>,
        rest: UpstreamBody,
    ) -> Body {
        Body(Kind::Resumed([Some(Frame::data(ahead)), trailers], rest))
    }

    /// This body, holding `reservation` until it is dropped (sent or abandoned). A buffered body
    /// keeps only its own length reserved; any other body gives the reservation back now.
    pub fn holding(self, mut reservation: Reservation) -> Body {
        match self.0 {
            Kind::Full(data) => {
                reservation.shrink_to(data.as_ref().map_or(0, Bytes::len));
                Body(Kind::Held {
                    data,
                    _reserved: reservation,
                })
            }
            other => Body(other),
        }
    }

    /// The whole body, when it is known without reading anything: a buffered body, or a
    /// client's request that has none. `None` for a body still to be streamed.
    pub fn known(&self) -> Option<&[u8]> {
        match &self.0 {
            Kind::Full(data) | Kind::Held { data, .. } => Some(data.as_deref().unwrap_or_default()),
            Kind::Incoming(body) if hyper::body::Body::is_end_stream(body) => Some(&[]),
            Kind::Incoming(_) | Kind::Upstream(_) | Kind::Resumed(..) => None,
        }
    }
}

/// A body holding `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    let bytes = bytes.into();
    Body(Kind::Full((!bytes.is_empty()).then_some(bytes)))
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().0 {
            Kind::Full(data) | Kind::Held { data, .. } => {
                Poll::Ready(data.take().map(|d| Ok(Frame::data(d))))
            }
            Kind::Incoming(body) => Pin::new(body)
                .poll_frame(cx)
                .map(|f| f.map(|r| r.map_err(|e| ClientBodyError(e).into()))),
            Kind::Upstream(body) => Pin::new(body).poll_frame(cx),
            Kind::Resumed(ahead, rest) => match ahead.iter_mut().find_map(Option::take) {
                Some(frame) => Poll::Ready(Some(Ok(frame))),
                None => Pin::new(rest).poll_frame(cx),
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Full(data) | Kind::Held { data, .. } => data.is_none(),
            Kind::Incoming(body) => body.is_end_stream(),
            Kind::Upstream(body) => body.is_end_stream(),
            Kind::Resumed(ahead, rest) => ahead.iter().all(Option::is_none) && rest.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Full(data) | Kind::Held { data, .. } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            Kind::Incoming(body) => body.size_hint(),
            Kind::Upstream(body) => body.size_hint(),
            Kind::Resumed(ahead, rest) => {
                let ahead: u64 = ahead
                    .iter()
                    .flatten()
                    .filter_map(Frame::data_ref)
                    .map(|d| d.len() as u64)
                    .sum();
                let rest = rest.size_hint();
                let mut hint = SizeHint::new();
                hint.set_lower(rest.lower().saturating_add(ahead));
                if let Some(upper) = rest.upper() {
                    hint.set_upper(upper.saturating_add(ahead));
                }
                hint
            }
        }
    }
}

/// Why a body could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// More than the limit.
    #[error("body over {0} bytes")]
    TooLarge(usize),
    /// The peer stopped sending or the stream failed.
    #[error("body could not be read")]
    Broken(#[source] BoxError),
    /// The deadline passed.
    #[error("body not received in time")]
    TimedOut,
    /// The content encoding is unknown or the data is corrupt.
    #[error("body could not be decoded")]
    Decode,
    /// The buffered-bytes budget has no room for it.
    #[error("no room to buffer the body")]
    OverBudget,
}

/// Reads a whole body, refusing more than `limit` bytes and giving up at `deadline`.
///
/// # Errors
/// [`CollectError`] when the limit, the deadline or the stream fails.
pub async fn collect<B>(body: B, limit: usize, deadline: Duration) -> Result<Bytes, CollectError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    collect_reserved(body, limit, deadline, None).await
}

/// As [`collect`], holding the body's bytes against `reservation` before they are read: the
/// whole length at once when the body declares it, else frame by frame.
///
/// # Errors
/// As [`collect`]; [`CollectError::OverBudget`] when the budget has no room.
pub async fn collect_reserved<B>(
    body: B,
    limit: usize,
    deadline: Duration,
    reservation: Option<&mut Reservation>,
) -> Result<Bytes, CollectError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    if let Some(upper) = body.size_hint().upper()
        && upper > limit as u64
    {
        return Err(CollectError::TooLarge(limit));
    }
    tokio::time::timeout(deadline, collect_limited(body, limit, reservation))
        .await
        .map_err(|_| CollectError::TimedOut)?
}

async fn collect_limited<B>(
    mut body: B,
    limit: usize,
    mut reservation: Option<&mut Reservation>,
) -> Result<Bytes, CollectError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    // Bytes of this body already covered by the reservation.
    let mut covered = 0usize;
    if let (Some(r), Some(exact)) = (reservation.as_deref_mut(), body.size_hint().exact()) {
        // Under `limit` (checked by the caller), so it fits a usize.
        let exact = usize::try_from(exact).unwrap_or(usize::MAX);
        r.grow(exact).map_err(|_| CollectError::OverBudget)?;
        covered = exact;
    }
    // A body that arrives in one frame is returned as that frame (no copy); a longer one is
    // gathered into a buffer sized for the declared length, when there is one.
    let mut first: Option<Bytes> = None;
    let mut buf = BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| CollectError::Broken(e.into()))?;
        if let Ok(data) = frame.into_data() {
            if data.is_empty() {
                continue;
            }
            total += data.len();
            if total > limit {
                return Err(CollectError::TooLarge(limit));
            }
            if total > covered
                && let Some(r) = reservation.as_deref_mut()
            {
                r.grow(total - covered)
                    .map_err(|_| CollectError::OverBudget)?;
                covered = total;
            }
            match first.take() {
                None if buf.is_empty() => first = Some(data),
                None => buf.extend_from_slice(&data),
                Some(head) => {
                    buf.reserve(covered.max(total));
                    buf.extend_from_slice(&head);
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
    Ok(first.unwrap_or_else(|| buf.freeze()))
}

/// Decodes a body sent with `Content-Encoding: encoding`, refusing to produce more than
/// `min(limit, 100 × encoded size)` bytes (decompression bombs). Identity returns the input.
///
/// # Errors
/// [`CollectError::Decode`] for an unknown encoding or corrupt data, [`CollectError::TooLarge`]
/// past the bound.
pub fn decode(encoding: Option<&str>, data: &Bytes, limit: usize) -> Result<Bytes, CollectError> {
    let encoding = encoding
        .map(str::trim)
        .unwrap_or("identity")
        .to_ascii_lowercase();
    let bound = limit.min(data.len().saturating_mul(100).max(64 * 1024));
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(bound));
    let read = |r: &mut dyn Read, out: &mut Vec<u8>| -> Result<(), CollectError> {
        let n = r
            .take(bound as u64 + 1)
            .read_to_end(out)
            .map_err(|_| CollectError::Decode)?;
        if n > bound {
            return Err(CollectError::TooLarge(bound));
        }
        Ok(())
    };
    match encoding.as_str() {
        "" | "identity" => return Ok(data.clone()),
        "gzip" | "x-gzip" => read(&mut flate2::read::MultiGzDecoder::new(&data[..]), &mut out)?,
        "deflate" => {
            // "deflate" is zlib-wrapped by the spec, but raw deflate is common in the wild.
            if read(&mut flate2::read::ZlibDecoder::new(&data[..]), &mut out).is_err() {
                out.clear();
                read(&mut flate2::read::DeflateDecoder::new(&data[..]), &mut out)?;
            }
        }
        "br" => read(&mut brotli::Decompressor::new(&data[..], 4096), &mut out)?,
        _ => return Err(CollectError::Decode),
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Bytes {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        Bytes::from(e.finish().unwrap())
    }

    #[test]
    fn decodes_gzip_deflate_br_and_identity() {
        let text = b"{\"hits\":[]}".repeat(50);
        assert_eq!(
            decode(Some("gzip"), &gzip(&text), 1 << 20).unwrap(),
            &text[..]
        );
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).unwrap();
        assert_eq!(
            decode(Some("deflate"), &Bytes::from(z.finish().unwrap()), 1 << 20).unwrap(),
            &text[..]
        );
        let mut br = Vec::new();
        brotli::BrotliCompress(&mut &text[..], &mut br, &Default::default()).unwrap();
        assert_eq!(
            decode(Some("br"), &Bytes::from(br), 1 << 20).unwrap(),
            &text[..]
        );
        assert_eq!(
            decode(None, &Bytes::from(text.clone()), 1 << 20).unwrap(),
            &text[..]
        );
    }

    #[test]
    fn refuses_bombs_unknown_encodings_and_garbage() {
        let bomb = gzip(&vec![b'a'; 50 * 1024 * 1024]);
        assert!(matches!(
            decode(Some("gzip"), &bomb, 64 << 20),
            Err(CollectError::TooLarge(_))
        ));
        assert!(matches!(
            decode(Some("zstd"), &bomb, 1 << 20),
            Err(CollectError::Decode)
        ));
        assert!(matches!(
            decode(Some("gzip"), &Bytes::from_static(b"not gzip"), 1 << 20),
            Err(CollectError::Decode)
        ));
    }

    #[tokio::test]
    async fn collect_enforces_the_limit() {
        let ok = collect(
            Full::new(Bytes::from_static(b"12345")),
            5,
            Duration::from_secs(1),
        )
        .await;
        assert_eq!(ok.unwrap(), &b"12345"[..]);
        let big = collect(
            Full::new(Bytes::from_static(b"123456")),
            5,
            Duration::from_secs(1),
        )
        .await;
        assert!(matches!(big, Err(CollectError::TooLarge(5))));
    }

    /// A body of `chunks` with no declared length (like a chunked one).
    fn unsized_body(
        chunks: &[&'static [u8]],
    ) -> impl hyper::body::Body<Data = Bytes, Error = BoxError> + Unpin {
        let frames: Vec<Result<Frame<Bytes>, BoxError>> = chunks
            .iter()
            .map(|c| Ok(Frame::data(Bytes::from_static(c))))
            .collect();
        http_body_util::StreamBody::new(futures_util::stream::iter(frames))
    }

    #[tokio::test]
    async fn collect_reserves_declared_lengths_up_front_and_grows_for_unsized_bodies() {
        use super::super::budget::BufferBudget;
        let second = Duration::from_secs(1);
        let budget = BufferBudget::new(10);
        // Declared length: reserved whole before reading.
        let mut r = budget.reserve(0).unwrap();
        let got = collect_reserved(
            Full::new(Bytes::from_static(b"123456")),
            100,
            second,
            Some(&mut r),
        )
        .await;
        assert_eq!(got.unwrap(), &b"123456"[..]);
        assert_eq!(budget.used(), 6);
        // Declared and over the room left: refused before reading.
        let mut other = budget.reserve(0).unwrap();
        let refused = collect_reserved(
            Full::new(Bytes::from_static(b"12345")),
            100,
            second,
            Some(&mut other),
        )
        .await;
        assert!(matches!(refused, Err(CollectError::OverBudget)));
        assert_eq!(budget.used(), 6);
        drop(r);
        // No length: grows frame by frame, and fails at the frame past the room.
        let ok = collect_reserved(
            unsized_body(&[b"1234", b"5678"]),
            100,
            second,
            Some(&mut other),
        )
        .await;
        assert_eq!(ok.unwrap(), &b"12345678"[..]);
        assert_eq!(other.held(), 8);
        let mut third = budget.reserve(0).unwrap();
        let over = collect_reserved(
            unsized_body(&[b"1", b"2", b"3"]),
            100,
            second,
            Some(&mut third),
        )
        .await;
        assert!(matches!(over, Err(CollectError::OverBudget)));
        assert_eq!(third.held(), 2, "the frames that fitted");
        drop((other, third));
        assert_eq!(budget.used(), 0);
    }

    #[tokio::test]
    async fn a_held_body_keeps_its_length_reserved_until_dropped() {
        use super::super::budget::BufferBudget;
        let budget = BufferBudget::new(100);
        let mut r = budget.reserve(0).unwrap();
        r.grow(80).unwrap();
        let body = full(Bytes::from_static(b"abc")).holding(r);
        assert_eq!(budget.used(), 3, "only what the body holds");
        let sent = body.collect().await.unwrap().to_bytes();
        assert_eq!(sent, &b"abc"[..]);
        assert_eq!(budget.used(), 0, "released once the body is gone");
    }
}
