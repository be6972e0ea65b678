//! Driving the services in-process: a request in, the response out with its body collected.
//! The request crosses an in-memory pipe and the same HTTP/1.1 connection code as a socket's,
//! so the handlers see exactly what they see in production (hyper's own request body type),
//! but no client socket, listener or worker thread is involved. The upstream is whatever the
//! config names (a loopback test server in tests).
//!
//! ```no_run
//! # async fn f(config: searchward::config::Config) -> Result<(), Box<dyn std::error::Error>> {
//! use searchward::server::testing::Harness;
//! let h = Harness::new(config)?;
//! h.load_lists().await;
//! let req = http::Request::get("/search?q=garden").body(bytes::Bytes::new())?;
//! let resp = h.proxy(req, "192.0.2.1:4000".parse()?).await?;
//! assert_eq!(resp.status(), 200);
//! # Ok(()) }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, header};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use super::Peer;
use crate::admin::AdminState;
use crate::config::Config;
use crate::proxy::body::Body;
use crate::proxy::{State, StateError};

/// Bytes the in-memory pipe holds in each direction before a writer waits.
const PIPE: usize = 64 * 1024;

/// Why an in-process exchange failed (the services themselves answer every error with a
/// response: this is the connection failing).
#[derive(Debug, thiserror::Error)]
pub enum TestingError {
    /// The client half of the connection failed.
    #[error("in-process connection: {0}")]
    Connection(#[from] hyper::Error),
}

/// The proxy and admin services of one config, with the state they share.
#[derive(Debug)]
pub struct Harness {
    control: Arc<AdminState>,
    worker: Arc<State>,
}

impl Harness {
    /// Builds the states as the server does (the control plane's, and one worker's), without
    /// loading lists: the service is not ready until [`Harness::load_lists`].
    ///
    /// # Errors
    /// [`StateError`] when the config's routes, upstream, notices, token or logs cannot be set up.
    pub fn new(config: Config) -> Result<Harness, StateError> {
        let control = super::state::build(config)?;
        let worker = Arc::new(control.proxy.for_worker(0)?);
        Ok(Harness { control, worker })
    }

    /// The first load of the lists, as at start-up.
    pub async fn load_lists(&self) {
        super::state::load_lists(&self.control).await;
    }

    /// The control plane's state (reloader, snapshot, admin throttle, metrics).
    pub fn state(&self) -> &Arc<AdminState> {
        &self.control
    }

    /// One request through the proxy service, from `client`.
    ///
    /// # Errors
    /// [`TestingError`] when the in-process connection fails.
    pub async fn proxy(
        &self,
        req: Request<Bytes>,
        client: SocketAddr,
    ) -> Result<Response<Bytes>, TestingError> {
        call(
            self.worker.clone(),
            crate::proxy::service::handle,
            req,
            client,
        )
        .await
    }

    /// One request through the admin service, from `client`.
    ///
    /// # Errors
    /// [`TestingError`] when the in-process connection fails.
    pub async fn admin(
        &self,
        req: Request<Bytes>,
        client: SocketAddr,
    ) -> Result<Response<Bytes>, TestingError> {
        let admin = self.control.clone();
        call(
            self.control.proxy.clone(),
            move |_, req, peer: Peer| {
                let admin = admin.clone();
                async move { Ok(crate::admin::handle(admin, req, peer.addr).await) }
            },
            req,
            client,
        )
        .await
    }
}

/// One request through `handler` over an in-memory HTTP/1.1 connection served with the same
/// settings as a socket's. A request without `Host` gets one, as every real client sends it.
///
/// # Errors
/// [`TestingError`] when the in-process connection fails.
pub async fn call<H, F>(
    state: Arc<State>,
    handler: H,
    req: Request<Bytes>,
    client: SocketAddr,
) -> Result<Response<Bytes>, TestingError>
where
    H: Fn(Arc<State>, Request<Incoming>, Peer) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
{
    let (client_io, server_io) = tokio::io::duplex(PIPE);
    let peer = Peer::new(client);
    let builder = super::accept::connection_builder(&state.config.limits);
    let service = service_fn(move |req| handler(state.clone(), req, peer.clone()));
    let server = tokio::spawn(async move {
        let _ = builder
            .serve_connection(TokioIo::new(server_io), service)
            .await;
    });
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(client_io)).await?;
    let client_task = tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = req.map(Full::new);
    if !req.headers().contains_key(header::HOST) {
        req.headers_mut().insert(
            header::HOST,
            http::HeaderValue::from_static("searchward.test"),
        );
    }
    let result = async {
        let resp = sender.send_request(req).await?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Response::from_parts(parts, body))
    }
    .await;
    drop(sender);
    client_task.abort();
    server.abort();
    result
}

#[cfg(test)]
pub(crate) mod upstream;
