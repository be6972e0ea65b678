//! Hot reload and the maintainers' admin API against the real binary: every way files really
//! change (in place, temp + rename, delete + recreate, Kubernetes `..data` symlink swap), bad
//! content keeping the last good lists, and authenticated pushes.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{self, Proxy, Upstream, get, request};

const TOKEN: &str = "test-admin-token-0123456789";

fn serve_with(up: &Upstream, list: &Path, extra: &str) -> Proxy {
    let config = format!(
        "[upstream]\nurl = \"{}\"\n[reload]\ndebounce_ms = 100\nrecheck_secs = 30\n{extra}\n",
        up.url()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("searchward.toml");
    std::fs::write(&path, config).unwrap();
    let mut cmd = std::process::Command::new(util::bin());
    cmd.arg("serve").arg("--config").arg(&path);
    cmd.args([
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
        "--terms",
    ])
    .arg(list);
    cmd.env("SEARCHWARD_ADMIN_TOKEN", TOKEN);
    Proxy::spawn(cmd, dir)
}

fn lists(p: &Proxy) -> serde_json::Value {
    let r = get(
        p.admin,
        "/admin/lists",
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn entries_of(p: &Proxy, name: &str) -> (u64, String) {
    let v = lists(p);
    let l = v
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no list {name}: {v}"));
    (
        l["entries"].as_u64().unwrap(),
        l["sha256"].as_str().unwrap().to_owned(),
    )
}

/// Polls until list `name` has `entries` entries; `limit` only bounds a hang (how fast a change
/// is applied is measured by the soak bench, not asserted here).
fn wait_for(p: &Proxy, name: &str, entries: u64, limit: Duration) -> Duration {
    let limit = limit.max(util::HANG);
    let t = Instant::now();
    while t.elapsed() < limit {
        if entries_of(p, name).0 == entries {
            return t.elapsed();
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!(
        "list {name} did not reach {entries} entries within {limit:?} (has {})",
        entries_of(p, name).0
    );
}

fn reload_errors(p: &Proxy) -> u64 {
    let m = get(p.admin, "/metrics", &[]).text();
    m.lines()
        .find_map(|l| l.strip_prefix("searchward_list_reloads_total{result=\"error\"} "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn list_is_named_after_the_file_stem() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let list = util::write(dir.path(), "held.txt", "zorvexil\n");
    let p = serve_with(&up, &list, "");
    assert_eq!(entries_of(&p, "held").0, 1);
}

#[test]
fn every_change_pattern_is_picked_up_and_bad_content_keeps_the_last_good() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let list = util::write(dir.path(), "held.txt", "zorvexil\n");
    let p = serve_with(&up, &list, "");
    assert_eq!(entries_of(&p, "held").0, 1);

    // In place (truncate + write), as `echo >` or an editor that writes in place does.
    std::fs::write(&list, "zorvexil\nquandrith\n").unwrap();
    let took = wait_for(&p, "held", 2, Duration::from_secs(2));
    println!("in-place write applied in {took:?}");

    // Temp file + rename, as editors and rsync do.
    let tmp = dir.path().join(".held.txt.tmp");
    std::fs::write(&tmp, "zorvexil\nquandrith\nvelmorik\n").unwrap();
    std::fs::rename(&tmp, &list).unwrap();
    let took = wait_for(&p, "held", 3, Duration::from_secs(2));
    println!("rename applied in {took:?}");

    // Delete and re-create: the deletion is seen (a failed reload, the last good kept) before
    // the file comes back.
    let errors_before = reload_errors(&p);
    std::fs::remove_file(&list).unwrap();
    util::wait_for("the deleted list counted as a reload error", || {
        reload_errors(&p) > errors_before
    });
    assert_eq!(
        entries_of(&p, "held").0,
        3,
        "a deleted list dropped the last good"
    );
    std::fs::write(&list, "zorvexil\nquandrith\nvelmorik\ntrosk\n").unwrap();
    wait_for(&p, "held", 4, Duration::from_secs(2));

    // Invalid UTF-8: refused, the previous entries stay, the error is counted.
    let errors_before = reload_errors(&p);
    let (_, sha_before) = entries_of(&p, "held");
    std::fs::write(&list, b"zorvexil\n\xff\xfe\n").unwrap();
    util::wait_for("the bad list counted as a reload error", || {
        reload_errors(&p) > errors_before
    });
    assert_eq!(
        entries_of(&p, "held"),
        (4, sha_before),
        "bad list replaced the good one"
    );
    assert_eq!(get(p.admin, "/readyz", &[]).status, 200);
}

#[test]
fn kubernetes_symlink_swap_is_applied_every_time() {
    // A ConfigMap volume: lists/held.txt -> ..data/held.txt, ..data -> ..<timestamp>/; an
    // update writes a new timestamped dir, points ..data_tmp at it and renames it over ..data.
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let version = |n: usize| {
        let d = root.join(format!("..v{n}"));
        std::fs::create_dir(&d).unwrap();
        let body: String = (0..n).map(|i| format!("zorvexil{i}\n")).collect();
        std::fs::write(d.join("held.txt"), body).unwrap();
        d
    };
    let first = version(1);
    std::os::unix::fs::symlink(first.file_name().unwrap(), root.join("..data")).unwrap();
    std::os::unix::fs::symlink("..data/held.txt", root.join("held.txt")).unwrap();
    let p = serve_with(&up, &root.join("held.txt"), "");
    assert_eq!(entries_of(&p, "held").0, 1);
    let mut worst = Duration::ZERO;
    for n in 2..=12 {
        let d = version(n);
        let tmp = root.join("..data_tmp");
        std::os::unix::fs::symlink(d.file_name().unwrap(), &tmp).unwrap();
        std::fs::rename(&tmp, root.join("..data")).unwrap();
        worst = worst.max(wait_for(&p, "held", n as u64, Duration::from_secs(2)));
    }
    println!("11/11 symlink swaps applied; slowest {worst:?}");
}

#[test]
fn admin_push_needs_the_token_and_applies_for_the_next_request() {
    let up = Upstream::start();
    let dir = tempfile::tempdir().unwrap();
    let list = util::write(dir.path(), "held.txt", "zorvexil\n");
    let p = serve_with(&up, &list, "");
    let (_, sha0) = entries_of(&p, "held");
    let body = b"zorvexil\nquandrith\n";
    let bad_auth: [&[(&str, &str)]; 6] = [
        &[],
        &[("Authorization", "Bearer wrong")],
        &[("Authorization", "Bearer    ")],
        &[("Authorization", &format!("Bearer  {TOKEN}"))],
        &[("Authorization", &format!("Basic {TOKEN}"))],
        &[
            ("Authorization", &format!("Bearer {TOKEN}")),
            ("Origin", "http://evil.example"),
        ],
    ];
    for (i, headers) in bad_auth.iter().enumerate() {
        let r = request(p.admin, "PUT", "/admin/lists/held", headers, body);
        assert!(matches!(r.status, 401 | 403), "case {i}: {}", r.status);
    }
    let r = request(
        p.admin,
        "PUT",
        &format!("/admin/lists/held?token={TOKEN}"),
        &[],
        body,
    );
    assert_eq!(r.status, 400, "token in the query string must not work");
    assert_eq!(get(p.admin, "/admin/lists", &[]).status, 401);
    assert_eq!(
        entries_of(&p, "held"),
        (1, sha0.clone()),
        "unauthorised push changed the list"
    );

    let r = request(
        p.admin,
        "PUT",
        "/admin/lists/held",
        &[("Authorization", &format!("Bearer {TOKEN}"))],
        body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["entries"], 2);
    let (n, sha1) = entries_of(&p, "held");
    assert_eq!(n, 2);
    assert_ne!(sha1, sha0);
    assert_eq!(
        std::fs::read(&list).unwrap(),
        body,
        "pushed list not written to disk"
    );
    let v = lists(&p);
    let text = v.to_string();
    assert!(
        !text.contains("quandrith"),
        "admin API returned list entries"
    );

    // A bad push is refused and changes nothing.
    let r = request(
        p.admin,
        "PUT",
        "/admin/lists/held",
        &[("Authorization", &format!("Bearer {TOKEN}"))],
        b"ok\n\xff\n",
    );
    assert_eq!(r.status, 422);
    assert!(!r.text().contains("\u{fffd}"));
    assert_eq!(entries_of(&p, "held").1, sha1);
    let r = request(
        p.admin,
        "PUT",
        "/admin/lists/nope",
        &[("Authorization", &format!("Bearer {TOKEN}"))],
        body,
    );
    assert_eq!(r.status, 404);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn cli(args: &[&str]) {
    let out = std::process::Command::new(util::bin())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tar_of(dir: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.append_dir_all(".", dir).unwrap();
    b.into_inner().unwrap()
}

#[test]
fn bundle_push_is_verified_whole_then_applied() {
    let up = Upstream::start();
    let work = tempfile::tempdir().unwrap();
    let good = util::root().join("testdata/bundles/good");
    let live = work.path().join("bundle");
    copy_dir(&good, &live);
    let key = std::fs::read_to_string(
        util::root().join("testdata/bundles/keys/searchward-TEST-ONLY.pub"),
    )
    .unwrap();
    let key = key
        .lines()
        .find(|l| l.starts_with("RW"))
        .unwrap()
        .to_owned();
    let config = format!(
        "[upstream]\nurl = \"{}\"\n[[routes]]\nname = \"search\"\npath = \"/api*\"\nkind = \"search\"\nengine = \"generic\"\n[routes.generic]\nhits = \"/hits\"\ntotal = \"/num_hits\"\nurl = \"/doc/url/0\"\n[[bundles]]\ndir = \"{}\"\npublic_keys = [\"{key}\"]\n",
        up.url(),
        live.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("searchward.toml");
    std::fs::write(&path, config).unwrap();
    let mut cmd = std::process::Command::new(util::bin());
    cmd.arg("serve").arg("--config").arg(&path).args([
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
    ]);
    cmd.env("SEARCHWARD_ADMIN_TOKEN", TOKEN);
    let p = Proxy::spawn(cmd, dir);
    let blocked = |q: &str| {
        get(p.proxy, &format!("/api/?q={q}"), &[])
            .json()
            .get("searchward_notice")
            .is_some()
    };
    assert!(blocked("zorvexil"));
    assert!(!blocked("snorvantic"));
    let auth = format!("Bearer {TOKEN}");
    let push = |bundle: &Path| {
        request(
            p.admin,
            "PUT",
            "/admin/bundle",
            &[("Authorization", &auth)],
            &tar_of(bundle),
        )
    };

    // A new signed version with serial 2 adds an entry.
    let next = work.path().join("next");
    copy_dir(&good, &next);
    std::fs::write(
        next.join("terms.txt"),
        std::fs::read_to_string(next.join("terms.txt")).unwrap() + "snorvantic\n",
    )
    .unwrap();
    let next_s = next.to_str().unwrap();
    cli(&[
        "lists",
        "manifest",
        next_s,
        "--serial",
        "2",
        "--version",
        "v2",
    ]);
    cli(&[
        "lists",
        "sign",
        next_s,
        "--secret-key",
        util::root()
            .join("testdata/bundles/keys/searchward-TEST-ONLY.key")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(
        request(p.admin, "PUT", "/admin/bundle", &[], &tar_of(&next)).status,
        401
    );
    assert!(!blocked("snorvantic"));
    let r = push(&next);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        blocked("snorvantic"),
        "pushed bundle not in force for the next request"
    );
    assert!(live.join("manifest.toml.minisig").exists());

    // Tampered after signing, unsigned, and a rollback to serial 1: all refused, nothing changes.
    let tampered = work.path().join("tampered");
    copy_dir(&next, &tampered);
    std::fs::write(
        tampered.join("terms.txt"),
        std::fs::read_to_string(tampered.join("terms.txt")).unwrap() + "plorvendish\n",
    )
    .unwrap();
    cli(&[
        "lists",
        "manifest",
        tampered.to_str().unwrap(),
        "--serial",
        "3",
    ]);
    let unsigned = work.path().join("unsigned");
    copy_dir(&next, &unsigned);
    std::fs::remove_file(unsigned.join("manifest.toml.minisig")).unwrap();
    for (name, bundle) in [
        ("tampered", &tampered),
        ("unsigned", &unsigned),
        ("rollback", &good),
    ] {
        let r = push(bundle);
        assert_eq!(r.status, 422, "{name}: {}", r.text());
    }
    assert!(!blocked("plorvendish"));
    assert!(blocked("snorvantic"), "a refused push changed the lists");
    assert_eq!(get(p.admin, "/readyz", &[]).status, 200);
}
