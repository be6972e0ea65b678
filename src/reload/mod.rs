//! Loading and reloading lists: read every configured list file and bundle
//! ([`loader`]), build a whole new [`crate::snapshot::Snapshot`] off the request path, pass the
//! false-positive gate, and swap it in ([`publish`]); on any failure keep serving the last good
//! snapshot. A watcher and a periodic re-check ([`watch`]) trigger reloads; the admin API
//! pushes content.

use std::path::PathBuf;

use crate::gate::GateError;
use crate::lists::ReadError;
use crate::lists::bundle::BundleError;
use crate::snapshot::LoadError;

mod background;
mod fingerprint;
pub mod loader;
pub mod publish;
pub mod watch;

pub use loader::Loader;
pub use publish::Reloader;

/// Why lists could not be (re)loaded. The previous snapshot stays in force.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// A list file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A bundle was refused.
    #[error("bundle {dir}: {source}")]
    Bundle {
        /// The bundle directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: BundleError,
    },
    /// A list did not parse or compile.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The new lists flag too much benign traffic.
    #[error(transparent)]
    Gate(#[from] GateError),
    /// No list has this name, or it cannot be replaced on its own.
    #[error("list {0:?}: {1}")]
    List(String, &'static str),
    /// Writing a pushed list to disk failed.
    #[error("{path}: cannot write list")]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The watcher could not be started.
    #[error("watching list files: {0}")]
    Watch(String),
    /// The thread building a snapshot (for a reload or a push) could not start or panicked.
    #[error("{0} task failed")]
    Task(&'static str),
}

/// Result of a reload attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reloaded {
    /// A new snapshot is in force.
    Swapped,
    /// The lists on disk are what is already in force.
    Unchanged,
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::lists::ListSpec;
    use crate::metrics::Metrics;
    use crate::snapshot::SnapshotHolder;

    use crate::lists::ListKind;

    fn spec(dir: &Path, name: &str) -> ListSpec {
        ListSpec {
            name: name.into(),
            ..ListSpec::from_flag(ListKind::Terms, dir.join(format!("{name}.txt")))
        }
    }

    #[tokio::test]
    async fn bad_content_keeps_the_last_good_and_counts_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.txt"), "zorvexil\n").unwrap();
        let holder = Arc::new(SnapshotHolder::new());
        let metrics = Arc::new(Metrics::new(["r"]));
        let r = Arc::new(Reloader::new(
            Loader::new(vec![spec(dir.path(), "t")], &[], None),
            holder.clone(),
            metrics.clone(),
        ));
        assert_eq!(r.reload().await.unwrap(), Reloaded::Swapped);
        assert_eq!(r.reload().await.unwrap(), Reloaded::Unchanged);
        std::fs::write(dir.path().join("t.txt"), b"ok\n\xff\n").unwrap();
        let err = r.reload().await.unwrap_err();
        assert!(err.to_string().contains("t.txt:2"), "{err}");
        assert_eq!(holder.load().unwrap().lists[0].entries, 1);
        assert!(
            metrics
                .render()
                .contains("searchward_list_reloads_total{result=\"error\"} 1")
        );
    }

    #[tokio::test]
    async fn push_writes_atomically_and_swaps() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.txt"), "zorvexil\n").unwrap();
        let holder = Arc::new(SnapshotHolder::new());
        let r = Arc::new(Reloader::new(
            Loader::new(vec![spec(dir.path(), "t")], &[], None),
            holder.clone(),
            Arc::new(Metrics::new(["r"])),
        ));
        r.reload().await.unwrap();
        let l = r
            .replace("t", b"zorvexil\nquandrith\n".to_vec())
            .await
            .unwrap();
        assert_eq!(l.entries, 2);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t.txt")).unwrap(),
            "zorvexil\nquandrith\n"
        );
        assert!(r.replace("t", b"\xff".to_vec()).await.is_err());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t.txt")).unwrap(),
            "zorvexil\nquandrith\n"
        );
        assert!(matches!(
            r.replace("nope", Vec::new()).await,
            Err(ReloadError::List(..))
        ));
    }
}

#[cfg(test)]
mod gate_tests {
    use std::sync::Arc;

    use super::*;
    use crate::gate::Gate;
    use crate::lists::ListKind;
    use crate::lists::ListSpec;
    use crate::metrics::Metrics;
    use crate::snapshot::SnapshotHolder;

    #[tokio::test]
    async fn a_list_over_the_false_positive_budget_is_refused_like_a_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, "zorvexil\n").unwrap();
        let spec = ListSpec {
            name: "t".into(),
            ..ListSpec::from_flag(ListKind::Terms, path.clone())
        };
        let benign = (0..200).map(|i| format!("weather in town {i}")).collect();
        let gate = Gate::new(benign, vec![], 0.001);
        let holder = Arc::new(SnapshotHolder::new());
        let metrics = Arc::new(Metrics::new(["r"]));
        let r = Arc::new(Reloader::new(
            Loader::new(vec![spec], &[], Some(gate)),
            holder.clone(),
            metrics.clone(),
        ));
        r.reload().await.unwrap();
        std::fs::write(&path, "zorvexil\nweather\n").unwrap();
        let err = r.reload().await.unwrap_err();
        assert!(
            err.to_string().contains("200 of 200 benign queries"),
            "{err}"
        );
        assert_eq!(holder.load().unwrap().lists[0].entries, 1);
    }
}
