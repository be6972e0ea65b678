//! Responses an inspected route makes itself: a synthesized answer, an upstream error status
//! with searchward's own body, and the upstream head with a (rewritten) body.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use crate::proxy::body::{Body, full};

/// A synthesized response, never cached.
pub(super) fn respond(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Body> {
    let len = body.len();
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

pub(super) fn upstream_status(status: StatusCode) -> Response<Body> {
    let body = format!(
        "{{\"error\":\"upstream_status\",\"status\":{}}}\n",
        status.as_u16()
    );
    respond(status, "application/json", body.into_bytes())
}

/// The response to the client: upstream head (hop-by-hop already stripped) with the given body.
/// A rewritten body is sent decoded, so its `Content-Encoding` goes.
pub(super) fn rebuild(
    mut parts: http::response::Parts,
    body: Bytes,
    rewritten: bool,
) -> Response<Body> {
    if rewritten {
        parts.headers.remove(header::CONTENT_ENCODING);
        parts.headers.remove(header::ETAG);
        parts.headers.remove("content-md5");
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_parts(parts, full(body))
}
