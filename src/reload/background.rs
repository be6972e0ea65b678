//! Snapshot builds run on a thread of their own at the lowest scheduling priority (nice 19):
//! on a busy machine the request workers always win the CPU, and a build, which may take a
//! large fraction of a second for a million entries, only takes what they leave.

/// Runs `f` on a fresh low-priority thread; `None` when the thread could not be started or `f`
/// panicked.
pub(super) async fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("searchward-reload".into())
        .spawn(move || {
            // Best effort: where lowering the priority is refused, the build runs as before.
            let _ =
                thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
            let _ = tx.send(f());
        });
    if spawned.is_err() {
        return None;
    }
    rx.await.ok()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn returns_the_result_and_survives_a_panic() {
        assert_eq!(super::run(|| 6 * 7).await, Some(42));
        // The build thread really runs niced (field 19 of /proc/thread-self/stat; lowering a
        // priority needs no privilege).
        let nice = super::run(|| {
            let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
            let after_comm = stat.rsplit_once(')').unwrap().1;
            after_comm
                .split_whitespace()
                .nth(16)
                .unwrap()
                .parse::<i32>()
                .unwrap()
        })
        .await;
        assert_eq!(nice, Some(19));
        let panicked: Option<()> = super::run(|| panic!("a failed build")).await;
        assert_eq!(panicked, None);
    }
}
