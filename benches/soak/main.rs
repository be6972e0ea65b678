//! Soak test for hot list swapping: a steady-rate load against the real `searchward`
//! binary while a bundle of ~1,000,000 terms and 100,000 URLs is swapped every second
//! (Kubernetes `..data` rename), every fourth version deliberately broken.
//!
//! Hard conditions (non-zero exit when broken): no transport error or non-200 answer, no answer
//! mixing two list versions, no broken version ever applied, at least one swap applied, and at
//! least one broken version read and refused (otherwise refusal was not exercised).
//! Reported: swaps applied, p50/p99 in steady state vs during swaps (goal: ≤ 2×), peak RSS.
//!
//! Run: `cargo bench --bench soak` (about 2 minutes). Knobs: `SOAK_TERMS`, `SOAK_URLS`,
//! `SOAK_RATE` (req/s), `SOAK_STEADY_SECS`, `SOAK_SWAP_SECS`, `SOAK_PRECOMPILED` (1, the
//! default: every version ships the index `searchward lists compile` made; 0: lists only, so
//! each swap compiles 1M terms at load). With `--test` (`cargo bench --bench soak -- --test`, as
//! CI runs it) the defaults shrink to 20,000 terms, 2,000 URLs, 3 s steady and 8 s of swaps.

mod bundle;
mod load;
mod report;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bundle::{Generator, version_name};
use report::{Metrics, Sample, Swap};

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> ExitCode {
    match soak() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::FAILURE
        }
    }
}

fn soak() -> Result<bool, Box<dyn std::error::Error>> {
    // `--test` (as `cargo bench -- --test` passes it to every bench): the same hard conditions
    // on a small bundle and a short run, so CI exercises every check in seconds.
    let test = std::env::args().any(|a| a == "--test");
    let terms = knob("SOAK_TERMS", if test { 20_000 } else { 1_000_000 });
    let urls = knob("SOAK_URLS", if test { 2_000 } else { 100_000 });
    let rate = knob("SOAK_RATE", 500);
    let steady = knob("SOAK_STEADY_SECS", if test { 3 } else { 10 });
    let swaps = knob("SOAK_SWAP_SECS", if test { 8 } else { 60 });
    let workers = 16;

    let tmp = tempfile::tempdir()?;
    let root = tmp.path().join("bundle");
    let t = Instant::now();
    let mut generator = Generator::new(&root, terms, urls)?;
    let precompiled = knob("SOAK_PRECOMPILED", 1) != 0;
    if precompiled {
        let t = Instant::now();
        generator.precompile(std::path::Path::new(env!("CARGO_BIN_EXE_searchward")))?;
        println!(
            "soak: even and odd indexes precompiled (`searchward lists compile`) in {:.1?}",
            t.elapsed()
        );
    }
    generator.publish(0)?;
    println!(
        "soak: {terms} terms + {urls} URLs per version, generated in {:.1?}",
        t.elapsed()
    );

    let (upstream, _upstream_rt) = load::upstream();
    let config = tmp.path().join("searchward.toml");
    std::fs::write(
        &config,
        format!(
            "[upstream]\nurl = \"http://{upstream}\"\n\n[reload]\ndebounce_ms = 100\nrecheck_secs = 30\n\n\
             [[routes]]\nname = \"search\"\npath = \"/search*\"\nmethods = [\"GET\"]\nkind = \"search\"\n\
             engine = \"generic\"\n[routes.generic]\nquery_param = \"q\"\nhits = \"/hits\"\ntotal = \"/total\"\n\
             url = \"/url\"\ntitle = \"/title\"\nsnippet = \"/snippet\"\n\n[[bundles]]\ndir = \"{}\"\n",
            root.display()
        ),
    )?;
    let log = std::fs::File::create(tmp.path().join("searchward.log"))?;
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_searchward"))
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        // Request lines at info would cost more than the proxying itself.
        .env(
            "RUST_LOG",
            "warn,searchward::reload=info,searchward::cli=info",
        )
        .env_remove("SEARCHWARD_LISTEN")
        .env_remove("SEARCHWARD_ADMIN_LISTEN")
        .env_remove("SEARCHWARD_UPSTREAM")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()?;
    let result = drive(&mut child, &mut generator, t, rate, workers, steady, swaps);
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(tmp.path().join("searchward.log")).unwrap_or_default();
    for l in log.lines().filter(|l| l.contains("reload refused")) {
        // Reasons name files, lines and checksums, never entries.
        let reason = l.split("error=").nth(1).unwrap_or(l);
        println!(
            "refused: {}",
            reason.replace(&tmp.path().display().to_string(), "$TMP")
        );
    }
    if result.is_err() || matches!(result, Ok(false)) {
        let log = std::fs::read_to_string(tmp.path().join("searchward.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        eprintln!(
            "searchward log (last lines, newest first):\n{}",
            tail.join("\n")
        );
    }
    if std::env::var_os("SOAK_KEEP").is_some() {
        println!("soak: kept {}", tmp.keep().display());
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn drive(
    child: &mut std::process::Child,
    generator: &mut Generator,
    spawned: Instant,
    rate: u64,
    workers: u64,
    steady: u64,
    swaps: u64,
) -> Result<bool, Box<dyn std::error::Error>> {
    let mut out = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut line = String::new();
    out.read_line(&mut line)?;
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let (proxy, admin) =
        parse_listening(&line).ok_or_else(|| format!("no listening line: {line:?}"))?;
    let startup = spawned.elapsed();
    let pid = child.id();
    println!("soak: searchward pid {pid} serving after {startup:.1?} (first 1M-entry load)");

    // Samplers: RSS every 100 ms, metrics every 100 ms.
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let metrics = Arc::new(Mutex::new(Metrics::default()));
    let sampler = {
        let (stop, samples, metrics) = (stop.clone(), samples.clone(), metrics.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let (rss, hwm) = rss_kib(pid);
                let m = http_get(admin, "/metrics").map(|t| Metrics::parse(&t));
                let at = start.elapsed();
                if let Ok(mut s) = samples.lock() {
                    s.push(Sample { at, rss, hwm });
                }
                if let (Some(m), Ok(mut all)) = (m, metrics.lock()) {
                    all.merge(at, m);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let load = rt.spawn(load::run(proxy, rate, workers, start, stop.clone()));

    std::thread::sleep(Duration::from_secs(steady));
    let mut published = Vec::new();
    for v in 1..=swaps {
        let due = start + Duration::from_secs(steady + v - 1);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let t = Instant::now();
        let kind = generator.publish(v)?;
        published.push(Swap {
            version: version_name(v),
            kind,
            at: t.duration_since(start),
            write: t.elapsed(),
        });
    }
    // Let the last version settle before stopping the load.
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    let records = rt.block_on(load)?;
    let _ = sampler.join();
    let samples = samples.lock().map(|s| s.clone()).unwrap_or_default();
    let metrics = metrics.lock().map(|m| m.clone()).unwrap_or_default();
    let invalid: BTreeSet<String> = published
        .iter()
        .filter(|s| s.kind.invalid())
        .map(|s| s.version.clone())
        .collect();
    Ok(report::print(
        &report::Run {
            rate,
            steady: Duration::from_secs(steady),
            swaps_end: Duration::from_secs(steady + swaps),
            startup,
        },
        &records,
        &published,
        &samples,
        &metrics,
        &invalid,
    ))
}

fn parse_listening(line: &str) -> Option<(SocketAddr, SocketAddr)> {
    let rest = line.trim().strip_prefix("listening ")?;
    let mut proxy = None;
    let mut admin = None;
    for part in rest.split_whitespace() {
        if let Some(a) = part.strip_prefix("proxy=http://") {
            proxy = a.parse().ok();
        } else if let Some(a) = part.strip_prefix("admin=http://") {
            admin = a.parse().ok();
        }
    }
    Some((proxy?, admin?))
}

/// `(VmRSS, VmHWM)` in KiB, 0 when unreadable.
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A blocking HTTP/1.0 GET (close-delimited body, no chunking).
fn http_get(addr: SocketAddr, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())
}
