//! Privacy: unique canary strings in queries, list entries and victim names must never show up
//! in anything searchward writes or serves about itself — logs (debug level, both formats),
//! metrics, admin responses, error bodies, the audit log or the evidence log.

use std::process::Command;
use std::time::Duration;

use crate::util::{self, Proxy, Upstream, get, request};

const TERM: &str = "qzcanaryterm";
const NAME_FIRST: &str = "Vexcanary";
const NAME_LAST: &str = "Plumcanaryson";
const QUERY_ONLY: &str = "wrencanaryquery";

#[test]
fn canaries_never_leak_into_logs_metrics_or_admin_output() {
    for format in ["json", "pretty"] {
        let up = Upstream::start();
        let dir = tempfile::tempdir().unwrap();
        let terms = util::write(
            dir.path(),
            "canary-terms.txt",
            &format!("# synthetic canaries\n{TERM}\n"),
        );
        let names = util::write(
            dir.path(),
            "canary-names.txt",
            &format!("# fabricated\n{NAME_FIRST} {NAME_LAST}\n"),
        );
        let audit = dir.path().join("audit.jsonl");
        let evidence = dir.path().join("evidence.jsonl");
        let config = format!(
            "[server]\nlog_format = \"{format}\"\n[upstream]\nurl = \"{}\"\n[limits]\nmax_request_body = 2048\n[admin]\naudit_log = \"{}\"\n[evidence]\npath = \"{}\"\n[[routes]]\nname = \"search\"\npath = \"/api*\"\nkind = \"search\"\nengine = \"generic\"\n[routes.generic]\nhits = \"/hits\"\ntotal = \"/num_hits\"\nurl = \"/doc/url/0\"\n[[routes]]\nname = \"es\"\npath = \"/{{index}}/_search\"\nkind = \"search\"\nengine = \"elasticsearch\"\n[[routes]]\nname = \"suggest\"\npath = \"/suggest\"\nkind = \"suggest\"\nengine = \"opensearch-suggest\"\n[[lists]]\nname = \"urls\"\nkind = \"urls\"\npath = \"{}\"\n",
            up.url(),
            audit.display(),
            evidence.display(),
            util::root().join("lists/urls.txt").display()
        );
        let path = dir.path().join("searchward.toml");
        std::fs::write(&path, config).unwrap();
        let mut cmd = Command::new(util::bin());
        cmd.arg("serve").arg("--config").arg(&path);
        cmd.args([
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
            "--terms",
        ])
        .arg(&terms)
        .arg("--victims")
        .arg(&names);
        cmd.env("SEARCHWARD_ADMIN_TOKEN", "privacy-test-token");
        // searchward's own debug lines (matched list ids) as well as everything at info.
        cmd.env("RUST_LOG", "info,searchward=debug");
        let p = Proxy::spawn(cmd, tempfile::tempdir().unwrap());

        let mut served = String::new();
        for q in [
            TERM.to_owned(),
            format!("watch {TERM} online"),
            format!("{NAME_FIRST} {NAME_LAST}"),
            format!("{NAME_LAST}+{NAME_FIRST}"),
            QUERY_ONLY.to_owned(),
            format!("garden {QUERY_ONLY}"),
        ] {
            let q = q.replace(' ', "+");
            for path in [
                format!("/api/?q={q}"),
                format!("/suggest?q={q}"),
                format!("/pages/_search?q={q}"),
            ] {
                let r = get(p.proxy, &path, &[]);
                if r.status != 200 {
                    served.push_str(&r.text());
                }
            }
        }
        // Error paths: malformed body, oversize body, unknown admin list, bad push.
        served.push_str(
            &request(
                p.proxy,
                "POST",
                "/pages/_search",
                &[("content-type", "application/json")],
                format!("{{\"query\": {{\"match\": \"{QUERY_ONLY}\"").as_bytes(),
            )
            .text(),
        );
        served.push_str(
            &request(
                p.proxy,
                "POST",
                "/pages/_search",
                &[("content-type", "application/json")],
                format!("{{\"q\":\"{}\"}}", QUERY_ONLY.repeat(200)).as_bytes(),
            )
            .text(),
        );
        let auth = ("Authorization", "Bearer privacy-test-token");
        served.push_str(
            &request(
                p.admin,
                "PUT",
                "/admin/lists/canary-terms",
                &[auth],
                format!("{TERM}\n\u{0}\n{QUERY_ONLY}\n").as_bytes(),
            )
            .text(),
        );
        served.push_str(
            &request(
                p.admin,
                "PUT",
                "/admin/lists/canary-terms",
                &[auth],
                format!("{TERM}\n{QUERY_ONLY}x\n").as_bytes(),
            )
            .text(),
        );
        served.push_str(
            &request(
                p.admin,
                "PUT",
                "/admin/lists/canary-terms",
                &[auth],
                b"ok\n\xff\n",
            )
            .text(),
        );
        served.push_str(&get(p.admin, "/admin/lists", &[auth]).text());
        served.push_str(&get(p.admin, "/metrics", &[]).text());
        p.terminate();
        let (_, stderr) = p.wait(Duration::from_secs(10));
        // Both files must have been written (the list pushes are audited, the delisted hit on
        // `/api/` is evidence), or the scan below would prove nothing.
        let files = [&audit, &evidence]
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(f)
                    .unwrap_or_else(|e| panic!("{} was not written: {e}", f.display()));
                assert!(!text.trim().is_empty(), "{} is empty", f.display());
                text
            })
            .collect::<String>();
        assert!(
            stderr.contains("request"),
            "no request logs were captured ({format}): {stderr}"
        );
        assert!(
            stderr.contains("query matched"),
            "no debug match lines were captured ({format})"
        );
        for canary in [TERM, NAME_FIRST, NAME_LAST, QUERY_ONLY] {
            let lower = canary.to_lowercase();
            for (what, text) in [
                ("logs", &stderr),
                ("responses", &served),
                ("audit/evidence files", &files),
            ] {
                assert!(
                    !text.to_lowercase().contains(&lower),
                    "{canary} leaked into {what} ({format}):\n{text}"
                );
            }
        }
    }
}
