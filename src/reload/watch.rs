//! Watching the lists: a `notify` watcher on each list's directory (robust to in-place writes,
//! temp-and-rename, delete-and-recreate and Kubernetes' `..data` symlink swap), a quiet period
//! so a file being written is read whole, and a periodic re-check for lost events.

use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher as _};
use tokio::sync::{mpsc, watch};

use super::{ReloadError, Reloader};

impl Reloader {
    /// Watches the lists' directories and re-checks every `recheck`; reloads after `debounce` of
    /// quiet. Runs until `shutdown` changes.
    ///
    /// # Errors
    /// [`ReloadError::Watch`] when the watcher cannot be created.
    pub fn spawn_watcher(
        self: &Arc<Self>,
        debounce: Duration,
        recheck: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<tokio::task::JoinHandle<()>, ReloadError> {
        let (tx, mut rx) = mpsc::unbounded_channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if event.is_ok() {
                    let _ = tx.send(());
                }
            })
            .map_err(|e| ReloadError::Watch(e.to_string()))?;
        let dirs = self.loader.watch_dirs();
        for dir in &dirs {
            // A directory that does not exist yet is covered by the periodic re-check.
            if let Err(e) = watcher.watch(dir, RecursiveMode::NonRecursive) {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot watch list directory; relying on periodic re-check");
            }
        }
        let this = self.clone();
        Ok(tokio::spawn(async move {
            let mut watcher = watcher;
            let mut tick = tokio::time::interval(recheck);
            tick.tick().await;
            loop {
                let event = tokio::select! {
                    _ = shutdown.changed() => return,
                    _ = tick.tick() => false,
                    got = rx.recv() => {
                        if got.is_none() { return; }
                        // Debounce: wait for a quiet period so a file being written is read whole.
                        loop {
                            match tokio::time::timeout(debounce, rx.recv()).await {
                                Ok(Some(())) => continue,
                                Ok(None) => return,
                                Err(_) => break,
                            }
                        }
                        true
                    }
                };
                // The periodic re-check reads everything: it is the backstop for lost events
                // and for changes a fingerprint could miss.
                let _ = if event {
                    this.reload_if_changed().await
                } else {
                    this.reload().await
                };
                this.warn_stale();
                // Directories replaced by rename (bundle pushes, symlink swaps) lose their watch:
                // add them again; re-adding a live watch is harmless.
                for dir in &dirs {
                    let _ = watcher.watch(dir, RecursiveMode::NonRecursive);
                }
            }
        }))
    }
}
