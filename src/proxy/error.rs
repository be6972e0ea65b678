//! The one place where proxy failures become responses: a status and a small JSON body that never
//! echoes upstream internals or the request's text.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use super::body::{Body, full};

/// Why the proxy answered instead of the upstream.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// CONNECT, absolute-form targets and other requests a reverse proxy must not serve.
    #[error("request target not accepted")]
    BadTarget,
    /// The request body could not be read or evaluated.
    #[error("request could not be evaluated")]
    BadRequest,
    /// The inspected request body is over the limit.
    #[error("request body too large")]
    RequestTooLarge,
    /// The route is configured to deny.
    #[error("forbidden")]
    Denied,
    /// An engine endpoint that is neither inspected nor known to be safe.
    #[error("this engine endpoint is not allowed")]
    EndpointNotAllowed,
    /// The path is a route's, the method is not; carries the `Allow` value.
    #[error("method not allowed")]
    MethodNotAllowed(String),
    /// An encoded slash or backslash in a path of an inspected engine.
    #[error("encoded slash or backslash in the path")]
    AmbiguousPath,
    /// No valid lists are loaded yet.
    #[error("not ready")]
    NotReady,
    /// Too many requests in flight, or no room to buffer: shed at once rather than queued.
    #[error("overloaded, retry shortly")]
    Overloaded,
    /// This client has too many connections or requests open: shed at once.
    #[error("too many requests from this client, retry shortly")]
    ClientOverLimit,
    /// The upstream could not be reached or broke the connection.
    #[error("upstream unavailable")]
    UpstreamUnavailable,
    /// The upstream did not answer in time.
    #[error("upstream timed out")]
    UpstreamTimeout,
    /// The upstream's response could not be evaluated (garbage, truncated, too big).
    #[error("upstream response could not be evaluated")]
    UpstreamUnusable,
    /// An error inside the proxy.
    #[error("internal error")]
    Internal,
}

impl ProxyError {
    /// The status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::BadTarget => StatusCode::BAD_REQUEST,
            ProxyError::BadRequest => StatusCode::BAD_REQUEST,
            ProxyError::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProxyError::Denied | ProxyError::EndpointNotAllowed => StatusCode::FORBIDDEN,
            ProxyError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ProxyError::AmbiguousPath => StatusCode::BAD_REQUEST,
            ProxyError::NotReady | ProxyError::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            ProxyError::ClientOverLimit => StatusCode::TOO_MANY_REQUESTS,
            ProxyError::UpstreamUnavailable | ProxyError::UpstreamUnusable => {
                StatusCode::BAD_GATEWAY
            }
            ProxyError::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short machine-readable code for metrics labels and the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ProxyError::BadTarget => "bad_target",
            ProxyError::BadRequest => "bad_request",
            ProxyError::RequestTooLarge => "request_too_large",
            ProxyError::Denied => "denied",
            ProxyError::EndpointNotAllowed => "endpoint_not_allowed",
            ProxyError::MethodNotAllowed(_) => "method_not_allowed",
            ProxyError::AmbiguousPath => "ambiguous_path",
            ProxyError::NotReady => "not_ready",
            ProxyError::Overloaded => "overloaded",
            ProxyError::ClientOverLimit => "too_many_requests",
            ProxyError::UpstreamUnavailable => "upstream_unavailable",
            ProxyError::UpstreamTimeout => "upstream_timeout",
            ProxyError::UpstreamUnusable => "upstream_unusable",
            ProxyError::Internal => "internal",
        }
    }

    /// The whole HTTP/1.1 response, `Connection: close`, for a connection refused before hyper
    /// serves it (the same status, headers and body as [`ProxyError::into_response`]).
    pub fn raw_response(&self) -> Vec<u8> {
        let body = format!(
            "{{\"error\":\"{}\",\"message\":\"{}\"}}\n",
            self.code(),
            self
        );
        let status = self.status();
        let retry = if matches!(self, ProxyError::Overloaded | ProxyError::ClientOverLimit) {
            "retry-after: 1\r\n"
        } else {
            ""
        };
        format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncache-control: no-store\r\n{retry}connection: close\r\ncontent-length: {}\r\n\r\n{body}",
            status.as_str(),
            status.canonical_reason().unwrap_or(""),
            body.len()
        )
        .into_bytes()
    }

    /// The response: status plus `{"error": code, "message": text}`.
    pub fn into_response(self) -> Response<Body> {
        let body = format!(
            "{{\"error\":\"{}\",\"message\":\"{}\"}}\n",
            self.code(),
            self
        );
        let mut resp = Response::new(full(Bytes::from(body)));
        *resp.status_mut() = self.status();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if matches!(self, ProxyError::Overloaded | ProxyError::ClientOverLimit) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let ProxyError::MethodNotAllowed(allow) = &self
            && let Ok(v) = HeaderValue::from_str(allow)
        {
            resp.headers_mut().insert(header::ALLOW, v);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn each_error_has_its_status_and_a_json_body() {
        let cases = [
            (ProxyError::BadTarget, 400),
            (ProxyError::BadRequest, 400),
            (ProxyError::RequestTooLarge, 413),
            (ProxyError::Denied, 403),
            (ProxyError::EndpointNotAllowed, 403),
            (ProxyError::MethodNotAllowed("GET, POST".into()), 405),
            (ProxyError::AmbiguousPath, 400),
            (ProxyError::NotReady, 503),
            (ProxyError::Overloaded, 503),
            (ProxyError::ClientOverLimit, 429),
            (ProxyError::UpstreamUnavailable, 502),
            (ProxyError::UpstreamTimeout, 504),
            (ProxyError::UpstreamUnusable, 502),
            (ProxyError::Internal, 500),
        ];
        for (err, status) in cases {
            let code = err.code();
            let resp = err.into_response();
            assert_eq!(resp.status().as_u16(), status, "{code}");
            if status == 405 {
                assert_eq!(resp.headers()[header::ALLOW], "GET, POST");
            }
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["error"], code);
        }
    }

    #[test]
    fn a_raw_response_parses_as_the_same_answer() {
        let raw = ProxyError::ClientOverLimit.raw_response();
        let mut headers = [httparse::EMPTY_HEADER; 8];
        let mut resp = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(head) = resp.parse(&raw).unwrap() else {
            panic!("incomplete head")
        };
        assert_eq!(resp.code, Some(429));
        let get = |n: &str| {
            resp.headers
                .iter()
                .find(|h| h.name == n)
                .map(|h| std::str::from_utf8(h.value).unwrap())
        };
        assert_eq!(get("retry-after"), Some("1"));
        assert_eq!(get("connection"), Some("close"));
        let body = &raw[head..];
        assert_eq!(get("content-length"), Some(body.len().to_string().as_str()));
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(v["error"], "too_many_requests");
    }
}
