//! The reverse proxy: accept loop and limits ([`server`]), routing ([`router`]), the per-request
//! phases ([`service`], [`inspect`]), the upstream client ([`upstream`]), header rules
//! ([`headers`]), body limits and decoding ([`body`]) and the single error-to-response mapping
//! ([`error`]).

pub mod body;
pub mod error;
pub mod headers;
pub mod inspect;
pub mod router;
pub mod server;
pub mod service;
pub mod upstream;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::signpost::Signposter;
use crate::snapshot::SnapshotHolder;

/// Everything a request handler needs, shared by all connections.
#[derive(Debug)]
pub struct State {
    /// The validated config.
    pub config: Config,
    /// The route table.
    pub router: router::Router,
    /// The current lists.
    pub snapshot: Arc<SnapshotHolder>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The upstream client.
    pub upstream: upstream::Upstream,
    /// Notices.
    pub signposter: Signposter,
    /// Set on SIGTERM/SIGINT: readiness turns false while in-flight requests drain.
    pub draining: AtomicBool,
}

/// Why the proxy state could not be built from a config.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A route is wrong.
    #[error(transparent)]
    Router(#[from] router::RouterError),
    /// The upstream is wrong.
    #[error("upstream: {0}")]
    Upstream(String),
    /// The notices are wrong.
    #[error("signpost: {0}")]
    Signpost(String),
}

impl State {
    /// Builds the shared state; lists are loaded separately into `snapshot`.
    ///
    /// # Errors
    /// [`StateError`] when routes, upstream or notices cannot be built.
    pub fn new(config: Config, snapshot: Arc<SnapshotHolder>) -> Result<State, StateError> {
        let router = router::Router::new(&config.routes)?;
        let metrics = Arc::new(Metrics::new(router.all().map(|r| r.name.as_str())));
        let l = &config.limits;
        let upstream = upstream::Upstream::new(
            config.upstream.clone(),
            &config.upstream_host,
            l.connect_timeout(),
            l.response_timeout(),
            l.upstream_pool_idle,
        )
        .map_err(StateError::Upstream)?;
        let signposter = Signposter::new(config.signpost.clone())
            .map_err(|e| StateError::Signpost(e.to_string()))?;
        Ok(State {
            config,
            router,
            snapshot,
            metrics,
            upstream,
            signposter,
            draining: AtomicBool::new(false),
        })
    }
}
