//! `searchward demo` as a newcomer runs it: the listening line, search and suggest through the
//! proxy, admin health and metrics, and a clean exit on SIGTERM.

use std::process::Command;
use std::time::Duration;

use crate::util::{self, Proxy, get};

pub fn start() -> Proxy {
    let mut cmd = Command::new(util::bin());
    cmd.args([
        "demo",
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
    ]);
    Proxy::spawn(cmd, tempfile::tempdir().unwrap())
}

#[test]
fn demo_serves_search_suggest_health_and_metrics_then_exits_zero() {
    let p = start();
    let r = get(p.proxy, "/search?q=garden", &[]);
    assert_eq!(r.status, 200);
    assert!(
        r.json()["hits"].as_array().is_some_and(|h| !h.is_empty()),
        "{}",
        r.text()
    );
    let r = get(p.proxy, "/suggest?q=ga", &[]);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v[0], "ga");
    assert!(v[1].as_array().is_some_and(|s| !s.is_empty()));
    assert_eq!(get(p.admin, "/healthz", &[]).status, 200);
    assert_eq!(get(p.admin, "/readyz", &[]).status, 200);
    assert!(
        get(p.admin, "/metrics", &[])
            .text()
            .contains("searchward_requests_total")
    );
    p.terminate();
    let (code, _) = p.wait(Duration::from_secs(10));
    assert_eq!(code, Some(0));
}

#[test]
fn config_check_accepts_the_demo_and_names_unknown_keys() {
    let out = Command::new(util::bin())
        .current_dir(util::root())
        .args(["config", "check", "config/demo.toml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = util::write(
        dir.path(),
        "bad.toml",
        "[upstream]\nurl = \"http://127.0.0.1:9\"\n[limits]\nmax_conections = 5\n",
    );
    let out = Command::new(util::bin())
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("max_conections"), "{err}");
}
