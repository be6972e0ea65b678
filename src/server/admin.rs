//! The admin listener: health, readiness, metrics and the list API, on the control plane's
//! runtime.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use super::Peer;
use crate::proxy::State;

/// Connections the admin listener serves at once.
pub const ADMIN_CONNECTIONS: usize = 256;

/// Serves the admin endpoints on `listener` until `stop` fires, then drains.
pub fn spawn(
    listener: TcpListener,
    state: Arc<State>,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(super::serve(
        listener,
        state,
        super::accept::Limit::Queue(ADMIN_CONNECTIONS),
        stop,
        |state, req, peer: Peer| async move { Ok(crate::admin::handle(state, req, peer.addr).await) },
    ))
}
