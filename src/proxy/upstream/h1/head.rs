//! Message heads on the wire: the request head written to the upstream, the response head parsed
//! from it (header values are slices of the read buffer, not copies), and how the response body
//! is framed (RFC 9112 §6.3).

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version, header};

/// Longest response head accepted.
pub const MAX_HEAD: usize = 64 * 1024;
/// Most response header fields accepted.
const MAX_HEADERS: usize = 128;

/// Why a response head is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    /// Not HTTP/1.x, or a malformed status line or field.
    #[error("malformed response head")]
    Malformed,
    /// Over [`MAX_HEAD`] bytes or [`MAX_HEADERS`] fields.
    #[error("response head too large")]
    TooLarge,
    /// A `Content-Length` that is not one number.
    #[error("bad content-length")]
    ContentLength,
}

/// How a response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body (HEAD, 1xx, 204, 304).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// The chunked coding.
    Chunked,
    /// Everything until the upstream closes the connection.
    UntilClose,
}

/// A parsed response head.
#[derive(Debug)]
pub struct ResponseHead {
    /// The status.
    pub status: StatusCode,
    /// The header fields, as sent.
    pub headers: HeaderMap,
    /// How the body is delimited.
    pub framing: Framing,
    /// Whether the connection may carry another exchange once this body is read.
    pub keep_alive: bool,
}

/// Writes a request head: `method target HTTP/1.1`, every header but the framing ones, then
/// `Content-Length` for a body of `body_len` bytes. An empty body gets `Content-Length: 0` when
/// the client sent one or the method normally has a body, and no framing header otherwise.
pub fn encode_request(
    out: &mut BytesMut,
    method: &Method,
    target: &str,
    headers: &HeaderMap,
    body_len: usize,
) {
    out.reserve(64 + target.len() + headers.len() * 32);
    out.put_slice(method.as_str().as_bytes());
    out.put_u8(b' ');
    out.put_slice(if target.is_empty() { "/" } else { target }.as_bytes());
    out.put_slice(b" HTTP/1.1\r\n");
    let mut had_length = false;
    for (name, value) in headers {
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING {
            had_length |= name == header::CONTENT_LENGTH;
            continue;
        }
        out.put_slice(name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
    let has_body_method = matches!(*method, Method::POST | Method::PUT | Method::PATCH);
    if body_len > 0 || had_length || has_body_method {
        out.put_slice(b"content-length: ");
        out.put_slice(body_len.to_string().as_bytes());
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"\r\n");
}

/// Parses a response head from the front of `buf`. `Ok(None)`: incomplete, read more. On success
/// the head's bytes are taken off `buf`; what follows (the body's first bytes) stays.
///
/// # Errors
/// [`HeadError`] when the head is malformed or too large.
pub fn parse_response(
    buf: &mut BytesMut,
    request: &Method,
) -> Result<Option<ResponseHead>, HeadError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut fields);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            return if buf.len() >= MAX_HEAD {
                Err(HeadError::TooLarge)
            } else {
                Ok(None)
            };
        }
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
        Err(_) => return Err(HeadError::Malformed),
    };
    if len > MAX_HEAD {
        return Err(HeadError::TooLarge);
    }
    let version = match resp.version {
        Some(1) => Version::HTTP_11,
        Some(0) => Version::HTTP_10,
        _ => return Err(HeadError::Malformed),
    };
    let status = resp
        .code
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or(HeadError::Malformed)?;
    // Each field's name, and where its value sits in the head, so that values can be slices of
    // the head once it is frozen (`None`: empty).
    let base = buf.as_ptr() as usize;
    let mut fields = Vec::with_capacity(resp.headers.len());
    for h in resp.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| HeadError::Malformed)?;
        let span = if h.value.is_empty() {
            None
        } else {
            let start = (h.value.as_ptr() as usize)
                .checked_sub(base)
                .filter(|s| s + h.value.len() <= len)
                .ok_or(HeadError::Malformed)?;
            Some(start..start + h.value.len())
        };
        fields.push((name, span));
    }
    let head: Bytes = buf.split_to(len).freeze();
    let mut headers = HeaderMap::with_capacity(fields.len());
    for (name, span) in fields {
        let value = match span {
            Some(span) => HeaderValue::from_maybe_shared(head.slice(span))
                .map_err(|_| HeadError::Malformed)?,
            None => HeaderValue::from_static(""),
        };
        headers.append(name, value);
    }
    let (framing, forced_close) = framing(request, status, version, &headers)?;
    if headers.contains_key(header::TRANSFER_ENCODING) {
        // The coding decided the framing; a length beside it describes nothing that is sent on.
        headers.remove(header::CONTENT_LENGTH);
    }
    let keep_alive = !forced_close && keeps_alive(version, &headers);
    Ok(Some(ResponseHead {
        status,
        headers,
        framing,
        keep_alive,
    }))
}

/// The body framing of a response to `request`, and whether the connection must close after it.
fn framing(
    request: &Method,
    status: StatusCode,
    version: Version,
    headers: &HeaderMap,
) -> Result<(Framing, bool), HeadError> {
    if status.is_informational() {
        return Ok((Framing::Empty, false));
    }
    if *request == Method::HEAD
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        // Nothing marks where a bodiless response ends: an upstream that sends a body anyway (a
        // HEAD answered like a GET) would have it read as the next request's response, however
        // late it arrives. Such a connection cannot be proven idle, so it is not reused.
        return Ok((Framing::Empty, true));
    }
    if headers.contains_key(header::TRANSFER_ENCODING) {
        // Transfer-Encoding wins over Content-Length, but a message with both may be an attempt
        // to smuggle: the connection is not reused. HTTP/1.0 has no transfer codings.
        let chunked = version == Version::HTTP_11 && last_coding_is_chunked(headers);
        let both = headers.contains_key(header::CONTENT_LENGTH);
        return Ok(if chunked {
            (Framing::Chunked, both)
        } else {
            (Framing::UntilClose, true)
        });
    }
    match content_length(headers)? {
        Some(n) => Ok((Framing::Length(n), false)),
        None => Ok((Framing::UntilClose, true)),
    }
}

fn last_coding_is_chunked(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::TRANSFER_ENCODING)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("chunked"))
}

/// The one length all `Content-Length` fields (and their comma-separated elements) agree on.
fn content_length(headers: &HeaderMap) -> Result<Option<u64>, HeadError> {
    let mut found: Option<u64> = None;
    for value in headers.get_all(header::CONTENT_LENGTH) {
        let text = value.to_str().map_err(|_| HeadError::ContentLength)?;
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(HeadError::ContentLength);
            }
            let n: u64 = part.parse().map_err(|_| HeadError::ContentLength)?;
            if found.is_some_and(|f| f != n) {
                return Err(HeadError::ContentLength);
            }
            found = Some(n);
        }
    }
    Ok(found)
}

/// Whether the upstream keeps the connection open after this response: HTTP/1.1 unless it says
/// `close`, HTTP/1.0 only when it says `keep-alive`.
fn keeps_alive(version: Version, headers: &HeaderMap) -> bool {
    let says = |token: &str| {
        headers.get_all(header::CONNECTION).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    if version == Version::HTTP_11 {
        !says("close")
    } else {
        says("keep-alive")
    }
}

#[cfg(test)]
mod tests;
