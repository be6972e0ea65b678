//! The admin listener's state: the control plane's proxy state it reports on (config,
//! snapshot, metrics, notices, readiness), and what only the control plane holds: the list
//! reloader, the audit log, the token and the failure throttle. The proxy's workers never see
//! these.

use std::sync::Arc;

use super::{Throttle, load_token};
use crate::audit::Audit;
use crate::gate::Gate;
use crate::proxy::{State, StateError};
use crate::reload::{Loader, Reloader};

/// Everything the admin listener and the list watcher need.
#[derive(Debug)]
pub struct AdminState {
    /// The control plane's proxy state (metrics shard 0).
    pub proxy: Arc<State>,
    /// Loads, reloads and pushes lists into the proxy's snapshot.
    pub reloader: Arc<Reloader>,
    /// Admin audit log.
    pub audit: Arc<Audit>,
    /// SHA-256 of the admin bearer token; `None` disables the list endpoints.
    pub token: Option<[u8; 32]>,
    /// Failed admin authentications in the current window (brute-force throttle).
    pub failures: Arc<Throttle>,
}

impl AdminState {
    /// The control plane over `proxy`: the reloader of the configured lists and bundles (with
    /// the false-positive gate), the audit log and the token. No lists are loaded yet.
    ///
    /// # Errors
    /// [`StateError`] when the gate's corpora, the audit log or the token file cannot be read.
    pub fn new(proxy: Arc<State>) -> Result<AdminState, StateError> {
        let config = &proxy.config;
        let gate = config
            .gate
            .as_ref()
            .map(|g| Gate::load(g, std::path::Path::new("")))
            .transpose()?;
        let loader = Loader::new(config.lists.clone(), &config.bundles, gate);
        let reloader = Arc::new(Reloader::new(
            loader,
            proxy.snapshot.clone(),
            proxy.metrics.clone(),
        ));
        let audit = Audit::open(config.admin.audit_log.clone(), config.admin.audit_max_bytes)
            .map_err(|source| StateError::Io {
                what: "admin.audit_log".into(),
                source,
            })?;
        let token =
            load_token(config.admin.token_file.as_deref()).map_err(|source| StateError::Io {
                what: "admin.token_file".into(),
                source,
            })?;
        Ok(AdminState {
            proxy,
            reloader,
            audit: Arc::new(audit),
            token,
            failures: Arc::default(),
        })
    }
}
