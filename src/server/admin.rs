//! The admin listener: health, readiness, metrics and the list API, on the control plane's
//! runtime.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use super::Peer;
use crate::admin::AdminState;

/// Connections the admin listener serves at once.
pub const ADMIN_CONNECTIONS: usize = 256;

/// Serves the admin endpoints on `listener` until `stop` fires, then drains.
pub fn spawn(
    listener: TcpListener,
    admin: Arc<AdminState>,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    // The accept loop takes its limits and metrics from the proxy state; the handler gets the
    // admin's.
    let state = admin.proxy.clone();
    tokio::spawn(super::serve(
        listener,
        state,
        super::accept::Limit::Queue(ADMIN_CONNECTIONS),
        stop,
        move |_, req, peer: Peer| {
            let admin = admin.clone();
            async move { Ok(crate::admin::handle(admin, req, peer.addr).await) }
        },
    ))
}
