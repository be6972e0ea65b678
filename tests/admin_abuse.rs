//! The admin API under abuse: a client guessing tokens locks only itself out (the right token
//! from another address still works), its failures are audited in aggregate (not one fsynced
//! record per attempt), the audit log stays within its bound, and no record holds text the
//! client chose.

use std::time::Duration;

use crate::hardening::healthz;
use crate::util::{Proxy, Upstream, request_from};

const TOKEN: &str = "s3cret-token-for-tests";

#[test]
fn a_token_guesser_locks_only_itself_out_and_is_audited_in_aggregate() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, TOKEN).unwrap();
    let audit = dir.path().join("audit.jsonl");
    let config = format!(
        "[upstream]\nurl = \"{}\"\n[admin]\ntoken_file = \"{}\"\naudit_log = \"{}\"\naudit_max_bytes = 4096\n",
        up.url(),
        token.display(),
        audit.display()
    );
    let p = Proxy::serve(&config, &[]);
    let good = format!("Bearer {TOKEN}");
    let attempts = 500;
    let mut refused = 0;
    let mut worst = Duration::ZERO;
    for i in 0..attempts {
        let r = request_from(
            "127.0.0.2",
            p.admin,
            "PUT",
            "/admin/lists/zz%22%0Aname-canary",
            &[("authorization", "Bearer wrong")],
            b"x",
        );
        assert!(matches!(r.status, 401 | 429), "#{i}: {}", r.status);
        refused += usize::from(r.status == 429);
        if i % 50 == 0 {
            worst = worst.max(healthz(&p));
        }
    }
    eprintln!("healthz worst {worst:?} during {attempts} failed admin attempts");
    assert!(refused >= attempts - 20, "only {refused} throttled");
    // The guesser is locked out even with the right token…
    let r = request_from(
        "127.0.0.2",
        p.admin,
        "GET",
        "/admin/lists",
        &[("authorization", &good)],
        b"",
    );
    assert_eq!(r.status, 429);
    // …but nobody else is.
    let r = request_from(
        "127.0.0.3",
        p.admin,
        "GET",
        "/admin/lists",
        &[("authorization", &good)],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // One record for the guesser so far (throttled, with its count); nothing the client wrote.
    let text = std::fs::read_to_string(&audit).unwrap_or_default();
    eprintln!(
        "audit bytes after {attempts} failed attempts: {}",
        text.len()
    );
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let guesser: Vec<_> = records
        .iter()
        .filter(|r| r["client"] == "127.0.0.2")
        .collect();
    assert_eq!(guesser.len(), 1, "{text}");
    assert_eq!(guesser[0]["result"], "throttled");
    assert_eq!(guesser[0]["count"], 20);
    assert!(!text.contains("canary") && !text.contains("%22"), "{text}");
    assert!(text.len() <= 4096);
}
