//! The running service: build the state from a config and load the lists ([`state`]), bind
//! the proxy's per-worker listeners and the admin listener ([`bind`]), serve them ([`workers`],
//! [`admin`], each connection through [`accept`]'s loop), and drain on shutdown ([`shutdown`]).
//! [`testing`] drives the proxy and admin services in-process, without a client socket.
//!
//! ```text
//! Server::bind(config) ── state::build ── watcher ── state::load_lists ── bind listeners
//!        │ (the caller prints the listening line)
//! Server::serve(signal) ── workers::spawn (one thread and runtime each) ── admin::spawn
//!        │ signal fires
//! shutdown::drain ── not ready ── stop watcher ── stop and join workers ── stop admin
//! ```

pub mod accept;
pub mod admin;
pub mod bind;
pub mod shutdown;
pub mod state;
pub mod testing;
pub mod workers;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use crate::proxy::Peer;
pub use accept::serve;

use crate::admin::AdminState;
use crate::config::Config;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The state cannot be built from the config.
    #[error(transparent)]
    State(#[from] crate::proxy::StateError),
    /// The list watcher cannot start.
    #[error(transparent)]
    Watcher(#[from] crate::reload::ReloadError),
    /// A listener cannot be bound.
    #[error("binding {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A worker thread cannot be started.
    #[error("starting a worker thread")]
    Thread(#[source] std::io::Error),
}

/// A service with its state built, its lists loaded (or not ready) and its listeners bound,
/// not yet serving: connections wait in the kernel's accept queues until [`Server::serve`].
#[derive(Debug)]
pub struct Server {
    state: Arc<AdminState>,
    proxies: Vec<std::net::TcpListener>,
    admin: TcpListener,
    proxy_addr: SocketAddr,
    admin_addr: SocketAddr,
    watcher: tokio::task::JoinHandle<()>,
    stop_watch: watch::Sender<bool>,
}

impl Server {
    /// Builds the state, starts the list watcher, loads the lists and binds both listeners.
    ///
    /// # Errors
    /// [`ServerError`] when the state, the watcher or a listener cannot be set up. Lists that
    /// fail to load are not an error: the service starts not ready.
    pub async fn bind(config: Config) -> Result<Server, ServerError> {
        let listen = config.listen;
        let admin_listen = config.admin_listen;
        let state = state::build(config)?;
        // Watch before the first load, so a change made while it runs is not missed.
        let (stop_watch, watch_rx) = watch::channel(false);
        let watcher = state::spawn_watcher(&state, watch_rx)?;
        state::load_lists(&state).await;
        let workers = state.proxy.config.workers.max(1);
        let proxies = bind::workers(listen, workers).map_err(|source| ServerError::Bind {
            addr: listen,
            source,
        })?;
        let admin = TcpListener::bind(admin_listen)
            .await
            .map_err(|source| ServerError::Bind {
                addr: admin_listen,
                source,
            })?;
        let bound = |source| ServerError::Bind {
            addr: listen,
            source,
        };
        let proxy_addr = proxies
            .first()
            .ok_or_else(|| bound(std::io::Error::other("no proxy listener")))?
            .local_addr()
            .map_err(bound)?;
        let admin_addr = admin.local_addr().map_err(|source| ServerError::Bind {
            addr: admin_listen,
            source,
        })?;
        Ok(Server {
            state,
            proxies,
            admin,
            proxy_addr,
            admin_addr,
            watcher,
            stop_watch,
        })
    }

    /// The proxy listener's address (port 0 resolved).
    pub fn proxy_addr(&self) -> SocketAddr {
        self.proxy_addr
    }

    /// The admin listener's address (port 0 resolved).
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// The control plane's state (the admin listener's; the workers have their own shards).
    pub fn state(&self) -> &Arc<AdminState> {
        &self.state
    }

    /// Serves both listeners until `shutdown` completes, then drains: readiness turns false,
    /// the watcher stops, the workers stop accepting and finish in-flight requests within the
    /// grace period, then the admin listener stops.
    ///
    /// # Errors
    /// [`ServerError`] when a worker cannot be started (nothing is left running then).
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let (stop_proxy, proxy_rx) = watch::channel(false);
        let (stop_admin, admin_rx) = watch::channel(false);
        let started = workers::spawn(&self.state.proxy, self.proxies, proxy_rx);
        let threads = match started {
            Ok(t) => t,
            Err(e) => {
                let _ = stop_proxy.send(true);
                let _ = self.stop_watch.send(true);
                return Err(e);
            }
        };
        let admin_task = admin::spawn(self.admin, self.state.clone(), admin_rx);
        shutdown.await;
        shutdown::drain(shutdown::Running {
            state: self.state.proxy.clone(),
            stop_watch: self.stop_watch,
            watcher: self.watcher,
            stop_proxy,
            threads,
            stop_admin,
            admin_task,
        })
        .await;
        Ok(())
    }
}
