//! Renders the signpost interstitial page and a results page carrying the banner in headless
//! Chromium at 320 px: links present in the rendered DOM, no console messages, no horizontal
//! overflow, and a screenshot kept under `target/test-artefacts/` for a human to look at.
//!
//! Needs Chromium (`apt-get install -y chromium`, or `SEARCHWARD_CHROMIUM=/path/to/chrome`).
//! Without it these tests fail rather than skip: a silent skip would hide a rendering check.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use searchward::signpost::{
    Notice, NoticeKind, SignpostConfig, Signposter, escape, inject_banner, interstitial_page,
};

use crate::util::root;

/// Viewport width the pages must fit (the narrowest common phone).
const WIDTH: u32 = 320;
const HEIGHT: u32 = 800;
/// Upper bound for one Chromium run on a busy two-core machine.
const RUN_LIMIT: Duration = Duration::from_secs(120);

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("SEARCHWARD_CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "tests::browser needs headless Chromium and none was found on PATH. Install it \
         (Debian/Ubuntu: `apt-get update && apt-get install -y chromium`) or set \
         SEARCHWARD_CHROMIUM to the browser binary."
    );
}

/// Output of one headless run: stdout and the browser's log.
struct Run {
    stdout: String,
    log: String,
}

/// Runs headless Chromium on `page` with `extra` flags, in its own profile under `dir`.
fn run_chromium(dir: &Path, page: &Path, extra: &[String]) -> Run {
    let profile = tempfile::tempdir_in(dir).unwrap();
    let out_path = dir.join(format!("run-{}.out", next_run()));
    let log_path = out_path.with_extension("log");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium().display()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within {RUN_LIMIT:?} on {}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let run = Run {
        stdout: fs::read_to_string(&out_path).unwrap(),
        log: fs::read_to_string(&log_path).unwrap(),
    };
    assert!(
        status.success(),
        "chromium failed ({status}) on {}:\n{}",
        page.display(),
        run.log
    );
    run
}

/// A fresh number for each run's output files.
fn next_run() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The rendered DOM, after asserting the page logged nothing to the console.
fn dump_dom(dir: &Path, page: &Path) -> String {
    let run = run_chromium(dir, page, &["--dump-dom".to_owned()]);
    let console: Vec<&str> = run
        .log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(
        console.is_empty(),
        "console output from {}: {console:#?}",
        page.display()
    );
    run.stdout
}

/// Screenshot at 320 px, checked for size and kept with the page as
/// `target/test-artefacts/{name}.png` and `.html`.
fn screenshot(dir: &Path, page: &Path, name: &str) -> PathBuf {
    let png = dir.join(format!("{name}.png"));
    run_chromium(dir, page, &[format!("--screenshot={}", png.display())]);
    let bytes = fs::read(&png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
    assert_eq!(
        bytes.get(..8),
        Some(&b"\x89PNG\r\n\x1a\n"[..]),
        "{name}: not a PNG"
    );
    let dim = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(
        (dim(16), dim(20)),
        (WIDTH, HEIGHT),
        "{name}: screenshot size"
    );
    // A blank 320x800 page compresses to about 3 KB; text and link boxes make it far larger.
    assert!(
        bytes.len() > 12_000,
        "{name}: screenshot looks empty ({} bytes)",
        bytes.len()
    );
    let artefacts = root().join("target/test-artefacts");
    fs::create_dir_all(&artefacts).unwrap();
    let kept = artefacts.join(format!("{name}.png"));
    fs::copy(&png, &kept).unwrap();
    fs::copy(page, artefacts.join(format!("{name}.html"))).unwrap();
    kept
}

/// Measures horizontal overflow of `html` laid out in a 320 px frame. The probe script lives
/// only in this test wrapper (an `srcdoc` iframe is same-origin with it); the page itself has
/// no scripts. Returns (scrollWidth, clientWidth) of the framed document.
fn layout_width(dir: &Path, html: &str, name: &str) -> (u32, u32) {
    let wrapper = format!(
        "<!DOCTYPE html><html><body style=\"margin:0\">\
<iframe id=\"f\" style=\"width:{WIDTH}px;height:{HEIGHT}px;border:0\" srcdoc=\"{}\"></iframe>\
<script>window.addEventListener('load',function(){{var d=document.getElementById('f').contentDocument.documentElement;\
document.body.setAttribute('data-probe',d.scrollWidth+'/'+d.clientWidth);}});</script></body></html>",
        escape(html)
    );
    let path = dir.join(format!("{name}-probe.html"));
    fs::write(&path, wrapper).unwrap();
    let dom = dump_dom(dir, &path);
    let probe = dom
        .split("data-probe=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("{name}: probe did not run:\n{dom}"));
    let (scroll, client) = probe.split_once('/').unwrap();
    (scroll.parse().unwrap(), client.parse().unwrap())
}

/// `s` as Chromium serialises text content (only `&`, `<`, `>` are escaped).
fn dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `s` as Chromium serialises an attribute value (only `&` and `"` are escaped).
fn dom_attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;")
}

fn signposter() -> Signposter {
    Signposter::new(SignpostConfig::from_toml_str("").unwrap()).unwrap()
}

fn assert_links_rendered(dom: &str, notice: &Notice, name: &str) {
    assert!(!notice.links.is_empty(), "{name}: notice without links");
    for link in &notice.links {
        assert!(
            dom.contains(&format!("href=\"{}\"", dom_attr(&link.url))),
            "{name}: link {} missing from rendered DOM",
            link.id
        );
    }
}

fn assert_static(html: &str, name: &str) {
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<script",
        "<link",
        "<img",
        "url(",
        "@import",
        "<iframe",
        "javascript:",
    ] {
        assert!(!lower.contains(banned), "{name}: page contains {banned:?}");
    }
}

#[test]
fn interstitial_pages_render_at_320px() {
    let dir = tempfile::tempdir().unwrap();
    let s = signposter();
    // Every English wording: two deterrence variants (rotation) and the support variant.
    let notices = [
        (
            "interstitial-deterrence-1",
            s.choose(NoticeKind::Deterrence, Some("en-GB")),
        ),
        (
            "interstitial-deterrence-2",
            s.choose(NoticeKind::Deterrence, Some("en-GB")),
        ),
        (
            "interstitial-support",
            s.choose(NoticeKind::Support, Some("en-US")),
        ),
    ];
    assert_ne!(
        notices[0].1.variant, notices[1].1.variant,
        "rotation gives two wordings"
    );
    for (name, notice) in &notices {
        let html = interstitial_page(notice, "/search");
        assert_static(&html, name);
        assert!(html.contains("max-width:40rem") && html.contains("overflow-wrap:break-word"));
        let page = dir.path().join(format!("{name}.html"));
        fs::write(&page, &html).unwrap();

        let dom = dump_dom(dir.path(), &page);
        assert!(dom.contains("<html lang=\"en\">"), "{name}: lang");
        assert!(dom.contains("<main"), "{name}: main landmark");
        assert!(
            dom.contains(&format!("<h1>{}</h1>", dom_text(&notice.title))),
            "{name}: heading"
        );
        assert!(
            dom.contains("class=\"back\" href=\"/search\""),
            "{name}: way back"
        );
        assert_links_rendered(&dom, notice, name);

        let (scroll, client) = layout_width(dir.path(), &html, name);
        assert_eq!(client, WIDTH, "{name}: probe frame width");
        assert!(
            scroll <= client,
            "{name}: overflows horizontally ({scroll} > {client})"
        );

        let kept = screenshot(dir.path(), &page, name);
        eprintln!("screenshot: {}", kept.display());
    }
}

#[test]
fn banner_renders_in_a_results_page_at_320px() {
    let dir = tempfile::tempdir().unwrap();
    let host = fs::read_to_string(root().join("testdata/signpost/results-page.html")).unwrap();
    let s = signposter();
    let cases = [
        (
            "banner-before-results",
            NoticeKind::Deterrence,
            Some("<div id=\"results\">"),
        ),
        ("banner-after-body", NoticeKind::Support, None),
    ];
    for (name, kind, marker) in cases {
        let notice = s.choose(kind, Some("en"));
        let html = inject_banner(&host, &notice, marker);
        assert_static(&html, name);
        let page = dir.path().join(format!("{name}.html"));
        fs::write(&page, &html).unwrap();

        let dom = dump_dom(dir.path(), &page);
        assert!(dom.contains("role=\"region\""), "{name}: banner landmark");
        assert!(dom.contains(&dom_text(&notice.message)), "{name}: message");
        assert_links_rendered(&dom, &notice, name);
        let banner_at = dom.find("data-searchward-notice").unwrap();
        let results_at = dom.find("id=\"results\"").unwrap();
        assert!(banner_at < results_at, "{name}: banner above the results");

        let (scroll, client) = layout_width(dir.path(), &html, name);
        assert!(
            scroll <= client,
            "{name}: overflows horizontally ({scroll} > {client})"
        );

        let kept = screenshot(dir.path(), &page, name);
        eprintln!("screenshot: {}", kept.display());
    }
}
