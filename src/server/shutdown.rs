//! Graceful shutdown: the signals that start it and the order things stop in.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;

use tokio::sync::watch;

use crate::proxy::State;

/// Completes on SIGTERM or SIGINT (Ctrl-C elsewhere).
pub async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// What is running and how to stop each part.
pub(super) struct Running {
    pub state: Arc<State>,
    pub stop_watch: watch::Sender<bool>,
    pub watcher: tokio::task::JoinHandle<()>,
    pub stop_proxy: watch::Sender<bool>,
    pub threads: Vec<JoinHandle<()>>,
    pub stop_admin: watch::Sender<bool>,
    pub admin_task: tokio::task::JoinHandle<()>,
}

/// Stops in order: readiness turns false (a load balancer stops sending), the watcher stops (no
/// reload mid-drain), the workers stop accepting and drain within the grace period, then the
/// admin listener (readiness and metrics stay answerable while the workers drain).
pub(super) async fn drain(r: Running) {
    tracing::info!("shutting down: draining in-flight requests");
    r.state.draining.store(true, Ordering::SeqCst);
    let _ = r.stop_watch.send(true);
    let _ = r.watcher.await;
    let _ = r.stop_proxy.send(true);
    let threads = r.threads;
    let _ =
        tokio::task::spawn_blocking(move || threads.into_iter().for_each(|t| drop(t.join()))).await;
    let _ = r.stop_admin.send(true);
    let _ = r.admin_task.await;
    tracing::info!("stopped");
}
