//! A real search engine: `tantivy serve` (tantivy-cli, installed by `.ci/run`) over an index
//! built from testdata/tantivy/, with searchward in front using config/examples/tantivy.toml's
//! route. Blocking, delisting and demotion by URL and by hash are checked against what tantivy
//! itself returns.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{self, Proxy, get};

fn tantivy_bin() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("tantivy"))
        .chain(std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin/tantivy")))
        .find(|p| p.is_file());
    on_path.expect("the tantivy binary is needed: `cargo install tantivy-cli --version 0.24.0` (.ci/run does this)")
}

struct Tantivy {
    child: Child,
    addr: std::net::SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Tantivy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_tantivy() -> Tantivy {
    let bin = tantivy_bin();
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    std::fs::create_dir(&index).unwrap();
    std::fs::copy(
        util::root().join("testdata/tantivy/meta.json"),
        index.join("meta.json"),
    )
    .unwrap();
    let docs = std::fs::File::open(util::root().join("testdata/tantivy/docs.jsonl")).unwrap();
    let out = Command::new(&bin)
        .arg("index")
        .arg("-i")
        .arg(&index)
        .stdin(docs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tantivy index failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // tantivy serve takes a fixed port: take a free one from the system.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&bin)
        .arg("serve")
        .arg("-i")
        .arg(&index)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let t = Tantivy {
        child,
        addr,
        _dir: dir,
    };
    let started = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "tantivy serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    t
}

fn urls(v: &serde_json::Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["doc"]["url"][0].as_str().unwrap().to_owned())
        .collect()
}

fn config(dir: &Path) -> String {
    let example =
        std::fs::read_to_string(util::root().join("config/examples/tantivy.toml")).unwrap();
    let lists = util::root().join("lists");
    let soft_urls = util::write(dir, "soft-urls.txt", "# synthetic\ngarden-soft.example/\n");
    let soft_md5 = util::write(
        dir,
        "soft-md5.txt",
        &format!("# synthetic\n{}\n", "d".repeat(32)),
    );
    // The example's route, with the hash field of this index and lists that demote as well.
    let route_end = example.find("# Lists:").unwrap();
    format!(
        "{}hash_fields_placeholder\n[[lists]]\nname = \"terms\"\nkind = \"terms\"\npath = \"{terms}\"\n[[lists]]\nname = \"urls\"\nkind = \"urls\"\npath = \"{urls}\"\n[[lists]]\nname = \"md5\"\nkind = \"hashes\"\nalgorithm = \"md5\"\npath = \"{md5}\"\n[[lists]]\nname = \"soft-urls\"\nkind = \"urls\"\neffect = \"demote\"\npath = \"{su}\"\n[[lists]]\nname = \"soft-md5\"\nkind = \"hashes\"\nalgorithm = \"md5\"\neffect = \"demote\"\npath = \"{sm}\"\n",
        &example[..route_end],
        terms = lists.join("terms.txt").display(),
        urls = lists.join("urls.txt").display(),
        md5 = lists.join("hashes-md5.txt").display(),
        su = soft_urls.display(),
        sm = soft_md5.display(),
    )
    .replace("demote_matching_hits = true\n", "demote_matching_hits = true\nhash_fields = [{ pointer = \"/doc/md5/0\", algorithm = \"md5\" }]\n")
    .replace("hash_fields_placeholder\n", "")
}

#[test]
fn tantivy_results_are_blocked_delisted_and_demoted() {
    let t = start_tantivy();
    let direct = get(t.addr, "/api/?q=garden&nhits=50", &[]).json();
    assert_eq!(
        direct["num_hits"], 15,
        "index not built as expected: {direct}"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = Proxy::serve(
        &config(dir.path()),
        &["--upstream", &format!("http://{}", t.addr)],
    );

    let v = get(p.proxy, "/api/?q=garden&nhits=50", &[]).json();
    let got = urls(&v);
    for gone in [
        "https://www.zorvexil-forum.example/t/1",
        "http://blog.example.com/2026/quandrith-gallery.html?ref=x",
        "https://garden-photos.example/album",
    ] {
        assert!(
            !got.iter().any(|u| u == gone),
            "{gone} was not delisted: {got:?}"
        );
    }
    assert_eq!(
        v["num_hits"], 12,
        "num_hits not reduced by the 3 delisted hits: {v}"
    );
    assert_eq!(got.len(), 12);
    let tail: Vec<&str> = got[got.len() - 2..].iter().map(String::as_str).collect();
    assert!(
        tail.contains(&"https://garden-soft.example/scrapbook"),
        "URL-demoted hit not last: {got:?}"
    );
    assert!(
        tail.contains(&"https://garden-sketch.example/s"),
        "hash-demoted hit not last: {got:?}"
    );
    assert!(v.get("searchward_notice").is_none());

    // A blocked query: tantivy's own shape, empty, with the notice.
    let v = get(p.proxy, "/api/?q=z0rvexil+garden&nhits=10", &[]).json();
    assert_eq!(v["num_hits"], 0);
    assert_eq!(v["hits"], serde_json::json!([]));
    assert_eq!(v["searchward_notice"]["kind"], "deterrence");

    let m = get(p.admin, "/metrics", &[]).text();
    for line in [
        "searchward_hits_filtered_total{list=\"urls\",effect=\"delist\"} 2",
        "searchward_hits_filtered_total{list=\"md5\",effect=\"delist\"} 1",
        "searchward_hits_filtered_total{list=\"soft-urls\",effect=\"demote\"} 1",
        "searchward_hits_filtered_total{list=\"soft-md5\",effect=\"demote\"} 1",
    ] {
        assert!(m.contains(line), "missing {line}\n{m}");
    }
}

#[test]
fn tantivy_urls_flag_list_delists() {
    let t = start_tantivy();
    let dir = tempfile::tempdir().unwrap();
    let extra = util::write(
        dir.path(),
        "more-urls.txt",
        "# synthetic\ngarden-3.example/\n",
    );
    let path = util::root().join("config/examples/tantivy.toml");
    let mut cmd = Command::new(util::bin());
    cmd.arg("serve").arg("--config").arg(path);
    cmd.args([
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
        "--upstream",
        &format!("http://{}", t.addr),
        "--urls",
    ])
    .arg(&extra);
    let p = Proxy::spawn(cmd, tempfile::tempdir().unwrap());
    let v = get(p.proxy, "/api/?q=garden&nhits=50", &[]).json();
    let got = urls(&v);
    assert!(
        !got.iter().any(|u| u.contains("garden-3.example")),
        "{got:?}"
    );
    // lists/urls.txt (from the example config) removes two more.
    assert_eq!(v["num_hits"], 12, "{v}");
}
