//! Real engines for the integration tests: OpenSearch, Solr and SolrCloud started through
//! tests/engines/run.sh, each at most once per test binary and shared by its tests (each test
//! keeps to its own index or its own document ids). The launcher is given a pipe as stdin and
//! exits, removing its data, when the pipe closes, i.e. when this test binary ends.
//!
//! Skipped, loudly, only when `java` or `mvn` is not installed; any other failure to start an
//! engine fails the tests that need it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::util;

/// A running engine: its loopback address. Stops when this test binary exits.
pub struct Engine {
    pub name: &'static str,
    pub addr: SocketAddr,
    _stdin: Mutex<ChildStdin>,
}

fn on_path(bin: &str) -> bool {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .any(|d| d.join(bin).is_file())
}

fn start(name: &'static str) -> Option<Engine> {
    if !(on_path("java") && on_path("mvn")) {
        eprintln!(
            "\n=====================================================================\n\
             SKIPPED: real-engine tests for {name}: `java` and `mvn` are needed to\n\
             start it (tests/engines/run.sh; .ci/run installs and builds them).\n\
             =====================================================================\n"
        );
        return None;
    }
    let started = Instant::now();
    let mut child = Command::new(util::root().join("tests/engines/run.sh"))
        .arg(name)
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not run tests/engines/run.sh {name}: {e}"));
    let stdin = child.stdin.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        // Keep the last part of the engine's log for a failure message; drain the rest.
        let mut tail = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            tail.extend_from_slice(&buf[..n]);
            if tail.len() > 16384 {
                tail.drain(..tail.len() - 16384);
            }
        }
        String::from_utf8_lossy(&tail).into_owned()
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let _ = out.read_line(&mut line);
    let addr = line
        .trim()
        .strip_prefix("listening http://")
        .and_then(|a| a.parse::<SocketAddr>().ok());
    let Some(addr) = addr else {
        let _ = child.kill();
        let _ = child.wait();
        let log = log.join().unwrap_or_default();
        panic!("{name} did not start (stdout {line:?}); its log ends:\n{log}");
    };
    eprintln!("{name} listening on {addr} after {:?}", started.elapsed());
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    // The child is not waited for: it exits when `stdin` closes with this process.
    std::mem::forget(child);
    Some(Engine {
        name,
        addr,
        _stdin: Mutex::new(stdin),
    })
}

static OPENSEARCH: OnceLock<Option<Engine>> = OnceLock::new();
static SOLR: OnceLock<Option<Engine>> = OnceLock::new();
static SOLRCLOUD: OnceLock<Option<Engine>> = OnceLock::new();

/// OpenSearch 2.19 (single node); `None` when Java or Maven is missing.
pub fn opensearch() -> Option<&'static Engine> {
    OPENSEARCH.get_or_init(|| start("opensearch")).as_ref()
}

/// Standalone Solr 9.10 with the core `searchward`; `None` when Java or Maven is missing.
pub fn solr() -> Option<&'static Engine> {
    SOLR.get_or_init(|| start("solr")).as_ref()
}

/// Two-node SolrCloud 9.10 with the collection `searchward` (two shards).
pub fn solrcloud() -> Option<&'static Engine> {
    SOLRCLOUD.get_or_init(|| start("solrcloud")).as_ref()
}

/// The configuration shared by the real-engine tests: the shipped synthetic lists (terms,
/// allow, victims with context, URLs and MD5 hashes that delist) plus a URL list and a hash list
/// that demote, under `routes` (TOML `[[routes]]` entries) and `upstream`.
pub fn config(dir: &std::path::Path, upstream: SocketAddr, routes: &str) -> String {
    let lists = util::root().join("lists");
    let soft_urls = util::write(dir, "soft-urls.txt", "# synthetic\ngarden-soft.example/\n");
    let soft_md5 = util::write(dir, "soft-md5.txt", &format!("# synthetic\n{}\n", SOFT_MD5));
    let list = |name: &str, extra: &str, path: &std::path::Path| {
        format!(
            "[[lists]]\nname = \"{name}\"\n{extra}path = \"{}\"\n",
            path.display()
        )
    };
    [
        format!("[upstream]\nurl = \"http://{upstream}\"\n"),
        routes.to_owned(),
        list(
            "terms",
            "kind = \"terms\"\naction = \"block\"\n",
            &lists.join("terms.txt"),
        ),
        list("allow", "kind = \"allow\"\n", &lists.join("allow.txt")),
        list(
            "victims",
            "kind = \"victims\"\naction = \"signpost\"\ncontext = \"victim-context\"\n",
            &lists.join("victims.txt"),
        ),
        list(
            "victim-context",
            "kind = \"context\"\n",
            &lists.join("victim-context.txt"),
        ),
        list(
            "urls",
            "kind = \"urls\"\neffect = \"delist\"\n",
            &lists.join("urls.txt"),
        ),
        list(
            "md5",
            "kind = \"hashes\"\nalgorithm = \"md5\"\neffect = \"delist\"\n",
            &lists.join("hashes-md5.txt"),
        ),
        list(
            "soft-urls",
            "kind = \"urls\"\neffect = \"demote\"\n",
            &soft_urls,
        ),
        list(
            "soft-md5",
            "kind = \"hashes\"\nalgorithm = \"md5\"\neffect = \"demote\"\n",
            &soft_md5,
        ),
    ]
    .concat()
}

/// A digest in lists/hashes-md5.txt (md5 of "searchward-demo-1"): delisted.
pub const LISTED_MD5: &str = "3dbcfd15b317557b3d3f9b5c78d7cc18";
/// The digest of the demoting hash list written by [`config`].
pub const SOFT_MD5: &str = "dddddddddddddddddddddddddddddddd";

/// One synthetic document: id, URL, title, body, optional MD5.
#[derive(Clone, Copy, Debug)]
pub struct Doc {
    pub id: &'static str,
    pub url: &'static str,
    pub title: &'static str,
    pub md5: Option<&'static str>,
}

/// The documents every search test indexes (their bodies all say "garden" plus the test's own
/// token): two clean, one delisted by URL, one by hash, one demoted by URL, one by hash, and two
/// more clean ones.
pub const DOCS: &[Doc] = &[
    Doc {
        id: "1",
        url: "https://garden.example/tips",
        title: "Garden tips",
        md5: None,
    },
    Doc {
        id: "2",
        url: "https://www.zorvexil-forum.example/t/1",
        title: "Garden forum",
        md5: None,
    },
    Doc {
        id: "3",
        url: "https://garden-photos.example/album",
        title: "Garden photos",
        md5: Some(LISTED_MD5),
    },
    Doc {
        id: "4",
        url: "https://garden-soft.example/scrapbook",
        title: "Garden scrapbook",
        md5: None,
    },
    Doc {
        id: "5",
        url: "https://garden-sketch.example/s",
        title: "Garden sketches",
        md5: Some(SOFT_MD5),
    },
    Doc {
        id: "6",
        url: "https://garden.example/tools",
        title: "Garden tools",
        md5: None,
    },
    Doc {
        id: "7",
        url: "https://garden.example/beds",
        title: "Garden zorvexil beds",
        md5: None,
    },
];

/// URLs that searchward removes from results.
pub const DELISTED: &[&str] = &[
    "https://www.zorvexil-forum.example/t/1",
    "https://garden-photos.example/album",
];
/// URLs that searchward moves after the others.
pub const DEMOTED: &[&str] = &[
    "https://garden-soft.example/scrapbook",
    "https://garden-sketch.example/s",
];

/// Asserts that `urls` (in result order) holds no delisted URL and ends with the demoted ones,
/// and that every other document of [`DOCS`] is there.
pub fn assert_filtered(what: &str, urls: &[String]) {
    for gone in DELISTED {
        assert!(
            !urls.iter().any(|u| u == gone),
            "{what}: {gone} not delisted: {urls:?}"
        );
    }
    let n = urls.len();
    assert_eq!(n, DOCS.len() - DELISTED.len(), "{what}: {urls:?}");
    let tail: Vec<&str> = urls[n - DEMOTED.len()..]
        .iter()
        .map(String::as_str)
        .collect();
    for d in DEMOTED {
        assert!(tail.contains(d), "{what}: {d} not demoted: {urls:?}");
    }
}
