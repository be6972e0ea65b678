//! The reverse proxy, one request at a time (listeners, workers and shutdown are
//! [`crate::server`]'s): routing ([`router`]), the per-request phases ([`service`],
//! [`inspect`]), the upstream client ([`upstream`]), header rules ([`headers`]), body limits and
//! decoding ([`body`]) and the single error-to-response mapping ([`error`]).

pub mod body;
pub mod budget;
pub mod charset;
pub mod connections;
pub mod error;
pub mod fairness;
pub mod headers;
pub mod inspect;
pub mod path;
mod peer;
pub mod router;
pub mod service;
pub mod upstream;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::signpost::Signposter;
use crate::snapshot::SnapshotHolder;
pub use peer::Peer;

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
    /// This worker's share of `limits.max_in_flight`.
    pub in_flight_share: usize,
    /// The proxy's connection slots, `limits.max_connections` (shared by all workers).
    pub connections: Arc<connections::ConnectionSlots>,
    /// Per-client connections and requests in flight (shared by all workers).
    pub clients: Arc<fairness::ClientTable>,
    /// Bytes buffered for inspection (shared by all workers).
    pub budget: Arc<budget::BufferBudget>,
    /// The upstream client.
    pub upstream: upstream::Upstream,
    /// Notices.
    pub signposter: Arc<Signposter>,
    /// Set on SIGTERM/SIGINT: readiness turns false while in-flight requests drain.
    pub draining: Arc<AtomicBool>,
    /// Evidence log of URL and hash matches, when configured.
    pub evidence: Option<Arc<crate::evidence::EvidenceLog>>,
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
    /// The false-positive gate's corpora cannot be read.
    #[error(transparent)]
    Gate(#[from] crate::gate::GateError),
    /// The audit log or token file cannot be opened.
    #[error("{what}: {source}")]
    Io {
        /// Which file.
        what: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

impl State {
    /// A state for one more worker thread: everything shared except the upstream client, whose
    /// connection pool belongs to the worker's own runtime.
    ///
    /// # Errors
    /// [`StateError::Upstream`] when the upstream client cannot be built.
    pub fn for_worker(&self, worker: usize) -> Result<State, StateError> {
        let l = &self.config.limits;
        let upstream = upstream::Upstream::new(
            self.config.upstream.clone(),
            &self.config.upstream_host,
            l.connect_timeout(),
            l.response_timeout(),
            l.upstream_pool_idle,
        )
        .map_err(StateError::Upstream)?;
        Ok(State {
            config: self.config.clone(),
            router: self.router.clone(),
            snapshot: self.snapshot.clone(),
            metrics: Arc::new(self.metrics.for_shard(worker + 1)),
            in_flight_share: self.in_flight_share,
            connections: self.connections.clone(),
            clients: self.clients.clone(),
            budget: self.budget.clone(),
            upstream,
            signposter: self.signposter.clone(),
            draining: self.draining.clone(),
            evidence: self.evidence.clone(),
        })
    }

    /// Builds the shared state. No lists are loaded yet (not ready): the control plane's
    /// reloader ([`crate::admin::AdminState`]) loads them into `snapshot`.
    ///
    /// # Errors
    /// [`StateError`] when routes, upstream, notices or the evidence log cannot be set up.
    pub fn new(config: Config) -> Result<State, StateError> {
        let router = router::Router::new(&config.routes, config.engine.unknown())?;
        let names: Vec<&str> = router.all().map(|r| r.name.as_str()).collect();
        // Shard 0 for the control plane, one more per worker.
        let metrics = Arc::new(Metrics::with_shards(
            names.iter().copied(),
            config.workers + 1,
        ));
        let snapshot = Arc::new(SnapshotHolder::new());
        let evidence = config
            .evidence
            .as_ref()
            .map(|c| crate::evidence::EvidenceLog::from_config(c).map(Arc::new))
            .transpose()
            .map_err(|e| StateError::Io {
                what: "evidence.path".into(),
                source: std::io::Error::other(e.to_string()),
            })?;
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
        let in_flight_share = config.limits.max_in_flight.div_ceil(config.workers.max(1));
        let clients = Arc::new(fairness::ClientTable::new(
            l.per_client_connections,
            l.per_client_in_flight,
        ));
        let budget = budget::BufferBudget::new(l.max_buffered_bytes);
        let connections = connections::ConnectionSlots::new(l.max_connections);
        metrics.add_renderer(render_limits(
            connections.clone(),
            clients.clone(),
            budget.clone(),
        ));
        Ok(State {
            config,
            router,
            snapshot,
            metrics,
            in_flight_share,
            connections,
            clients,
            budget,
            upstream,
            signposter: Arc::new(signposter),
            draining: Arc::new(AtomicBool::new(false)),
            evidence,
        })
    }
}

/// Renders the gauges of the shared limits: proxy connections against their limit, bytes
/// buffered against the budget, and how many client addresses have something open (a count,
/// never the addresses).
fn render_limits(
    connections: Arc<connections::ConnectionSlots>,
    clients: Arc<fairness::ClientTable>,
    budget: Arc<budget::BufferBudget>,
) -> crate::metrics::Renderer {
    Box::new(move |out: &mut String| {
        use std::fmt::Write as _;
        out.push_str("# HELP searchward_proxy_connections Proxy client connections holding a slot of limits.max_connections.\n# TYPE searchward_proxy_connections gauge\n");
        let _ = writeln!(out, "searchward_proxy_connections {}", connections.used());
        out.push_str("# HELP searchward_proxy_connections_max The proxy's connection limit.\n# TYPE searchward_proxy_connections_max gauge\n");
        let _ = writeln!(
            out,
            "searchward_proxy_connections_max {}",
            connections.max()
        );
        out.push_str("# HELP searchward_buffered_bytes Body bytes reserved for inspection now.\n# TYPE searchward_buffered_bytes gauge\n");
        let _ = writeln!(out, "searchward_buffered_bytes {}", budget.used());
        out.push_str("# HELP searchward_buffered_bytes_max The buffered-bytes budget.\n# TYPE searchward_buffered_bytes_max gauge\n");
        let _ = writeln!(out, "searchward_buffered_bytes_max {}", budget.max());
        out.push_str("# HELP searchward_clients_tracked Client addresses with a connection or request open.\n# TYPE searchward_clients_tracked gauge\n");
        let _ = writeln!(out, "searchward_clients_tracked {}", clients.tracked());
    })
}
