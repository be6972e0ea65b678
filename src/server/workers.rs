//! The proxy workers: one thread each, with its own single-threaded runtime, listener, upstream
//! connection pool and metrics shard.

use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::watch;

use super::ServerError;
use crate::proxy::State;

/// Starts one worker per listener, each serving until `stop` fires. All share the connection
/// slots of `limits.max_connections` and the per-client counts.
///
/// # Errors
/// [`ServerError`] when a worker's state or thread cannot be set up; workers already started
/// stop when `stop` fires.
pub fn spawn(
    state: &State,
    listeners: Vec<std::net::TcpListener>,
    stop: watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, ServerError> {
    let workers = listeners.len().max(1);
    let mut threads = Vec::with_capacity(workers);
    for (i, listener) in listeners.into_iter().enumerate() {
        let worker = Arc::new(state.for_worker(i)?);
        let rx = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("searchward-worker-{i}"))
            .spawn(move || run(listener, worker, rx))
            .map_err(ServerError::Thread)?;
        threads.push(thread);
    }
    Ok(threads)
}

/// One proxy worker: a single-threaded event loop serving its own listener until shutdown.
fn run(listener: std::net::TcpListener, state: Arc<State>, stop: watch::Receiver<bool>) {
    // I/O and timers only: signals are the control plane's, and a signal or process driver
    // would be consulted on every turn of this loop.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "worker runtime failed to start");
            return;
        }
    };
    rt.block_on(async move {
        match TcpListener::from_std(listener) {
            Ok(l) => {
                let limit = super::accept::Limit::Refuse {
                    slots: state.connections.clone(),
                    per_client: state.clients.clone(),
                };
                super::serve(l, state, limit, stop, crate::proxy::service::handle).await
            }
            Err(e) => tracing::error!(error = %e, "worker listener failed"),
        }
    });
}
