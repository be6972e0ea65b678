//! The state the service starts from: built from the config, the watcher wired to it, and the
//! first load of the lists (logged as counts; a failure leaves the service not ready).

use std::sync::Arc;

use tokio::sync::watch;

use crate::admin::AdminState;
use crate::config::Config;
use crate::proxy::{State, StateError};

/// The control plane's state: the proxy's (routes, upstream, notices, limits, metrics shard 0),
/// from which each worker takes its own [`State::for_worker`], and the admin's (reloader,
/// token, throttle, audit log). No lists are loaded yet.
///
/// # Errors
/// [`StateError`] when routes, upstream, notices, gate, token or audit log cannot be set up.
pub fn build(config: Config) -> Result<Arc<AdminState>, StateError> {
    let proxy = Arc::new(State::new(config)?);
    AdminState::new(proxy).map(Arc::new)
}

/// Starts watching the declared lists with the config's debounce and recheck period, until
/// `stop` fires.
///
/// # Errors
/// [`crate::reload::ReloadError`] when the watcher cannot start.
pub fn spawn_watcher(
    state: &Arc<AdminState>,
    stop: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<()>, crate::reload::ReloadError> {
    let reload = &state.proxy.config.reload;
    state
        .reloader
        .spawn_watcher(reload.debounce(), reload.recheck(), stop)
}

/// The first load of the lists. Without lists, or when they fail to load, the service is not
/// ready and inspected routes answer with their safe response until a valid version arrives.
pub async fn load_lists(state: &AdminState) {
    if state.reloader.loader().is_empty() {
        tracing::warn!(
            "no lists declared: not ready, inspected routes answer with their safe response"
        );
        return;
    }
    match state.reloader.reload().await {
        Ok(_) => {
            let s = state.proxy.snapshot.load();
            let (lists, entries) = s
                .map(|s| {
                    (
                        s.lists.len(),
                        s.lists.iter().map(|l| l.entries).sum::<usize>(),
                    )
                })
                .unwrap_or((0, 0));
            tracing::info!(lists, entries, "lists loaded");
        }
        Err(_) => {
            tracing::error!("lists failed to load: not ready until a valid version arrives")
        }
    }
}
