//! The pooled keep-alive client to the one configured upstream (http, or https through rustls).
//! Requests are always sent to the configured scheme and authority; only the client's path and
//! query are kept, so no request can be steered to another host.

use std::time::Duration;

use http::{HeaderValue, Request, Response, Uri};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;

use super::body::Body;
use super::error::ProxyError;

/// The upstream client and its target.
#[derive(Debug, Clone)]
pub struct Upstream {
    client: Client<HttpsConnector<HttpConnector>, Body>,
    base: Uri,
    base_path: String,
    /// `Host` header value sent upstream.
    pub host: HeaderValue,
    timeout: Duration,
}

impl Upstream {
    /// A client for `base` (scheme + authority + optional path prefix).
    ///
    /// # Errors
    /// A message when `host` is not a valid header value.
    pub fn new(
        base: Uri,
        host: &str,
        connect_timeout: Duration,
        response_timeout: Duration,
        pool_idle: usize,
    ) -> Result<Self, String> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(connect_timeout));
        http.set_nodelay(true);
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(pool_idle)
            .build(https);
        let host = HeaderValue::from_str(host)
            .map_err(|_| format!("{host:?} is not a valid Host header"))?;
        let base_path = base.path().trim_end_matches('/').to_owned();
        Ok(Upstream {
            client,
            base,
            base_path,
            host,
            timeout: response_timeout,
        })
    }

    /// The URI on the upstream for a client's `path_and_query`.
    pub fn target(&self, path_and_query: &str) -> Result<Uri, ProxyError> {
        let mut parts = self.base.clone().into_parts();
        let pq = format!("{}{}", self.base_path, path_and_query);
        parts.path_and_query = Some(pq.parse().map_err(|_| ProxyError::BadTarget)?);
        Uri::from_parts(parts).map_err(|_| ProxyError::BadTarget)
    }

    /// The URI on the upstream for a client request's URI: only its path and query are kept.
    /// Without a base path this reuses the parsed path and query (no formatting per request).
    pub fn target_of(&self, client: &Uri) -> Result<Uri, ProxyError> {
        if !self.base_path.is_empty() {
            return self.target(client.path_and_query().map_or("/", |p| p.as_str()));
        }
        let mut parts = self.base.clone().into_parts();
        parts.path_and_query = Some(match client.path_and_query() {
            Some(pq) => pq.clone(),
            None => http::uri::PathAndQuery::from_static("/"),
        });
        Uri::from_parts(parts).map_err(|_| ProxyError::BadTarget)
    }

    /// Sends a request (its URI already set by [`Upstream::target`]) and waits for the response
    /// head, at most the response timeout.
    ///
    /// # Errors
    /// [`ProxyError::UpstreamTimeout`] past the deadline, [`ProxyError::UpstreamUnavailable`] when
    /// the connection fails.
    pub async fn send(&self, req: Request<Body>) -> Result<Response<Incoming>, ProxyError> {
        match tokio::time::timeout(self.timeout, self.client.request(req)).await {
            Err(_) => Err(ProxyError::UpstreamTimeout),
            Ok(Err(e)) if is_connect_timeout(&e) => Err(ProxyError::UpstreamTimeout),
            Ok(Err(_)) => Err(ProxyError::UpstreamUnavailable),
            Ok(Ok(resp)) => Ok(resp),
        }
    }

    /// The response timeout, also used as the deadline for buffering inspected response bodies.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

fn is_connect_timeout(e: &hyper_util::client::legacy::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        source = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_keeps_base_and_ignores_client_authority() {
        let up = Upstream::new(
            "http://engine:9200/prefix/".parse().unwrap(),
            "engine:9200",
            Duration::from_secs(1),
            Duration::from_secs(1),
            4,
        )
        .unwrap();
        assert_eq!(
            up.target("/idx/_search?q=a").unwrap().to_string(),
            "http://engine:9200/prefix/idx/_search?q=a"
        );
        let up = Upstream::new(
            "http://127.0.0.1:1".parse().unwrap(),
            "x",
            Duration::from_secs(1),
            Duration::from_secs(1),
            4,
        )
        .unwrap();
        assert_eq!(up.target("/a").unwrap().to_string(), "http://127.0.0.1:1/a");
        let client: Uri = "/x/_search?q=a%20b".parse().unwrap();
        assert_eq!(
            up.target_of(&client).unwrap().to_string(),
            "http://127.0.0.1:1/x/_search?q=a%20b"
        );
        let up = Upstream::new(
            "http://e:1/pre".parse().unwrap(),
            "e:1",
            Duration::from_secs(1),
            Duration::from_secs(1),
            4,
        )
        .unwrap();
        assert_eq!(
            up.target_of(&client).unwrap().to_string(),
            "http://e:1/pre/x/_search?q=a%20b"
        );
    }
}
