//! The one integration-test binary. Each module starts real servers or the real `searchward`
//! binary on 127.0.0.1:0 in its own temp dir.
//!
//! Modules:
//! - util: spawning the binary, a scriptable upstream, small HTTP helpers
//! - bypass: no way around inspection: method × path form × endpoint × placement per engine
//!   profile against a recording upstream; the reproduced bypasses as named regressions
//! - bypass_real: the bypass cross product against real OpenSearch, Solr and SolrCloud, checked
//!   on what the engine answers, executes and stores; focused engine-side bypasses
//! - admin_abuse: admin token guessing locks out only the guesser, aggregated audit, bounded log
//! - abuse: past the global connection limit `503` at once, a connection flood over it, a
//!   client that never reads a huge body, requests past the in-flight limit
//! - limits: per-client connection and in-flight limits (429), trusted proxies' client header,
//!   the buffered-bytes budget (503, back to zero), admin uploads spooled to removed temp files
//! - proxy: the proxy core (pass-through, headers, failures, open-proxy refusal, drain)
//! - demo: `searchward demo` and `config check` as a newcomer runs them
//! - enforce: blocking, autocomplete stripping, delisting, interstitial, indexing guard, reload
//! - inspect: inspected routes fail closed; clean responses pass byte for byte
//! - browser: signpost interstitial and banner rendered in headless Chromium at 320 px
//! - bundles: `searchward lists verify/manifest/diff` on fixture bundles and tampered copies
//! - privacy: canary queries, terms and names never reach logs, metrics, admin output or files
//! - reload: file watching (in place, rename, recreate, symlink swap) and the admin list API
//! - evidence: evidence log crash safety (SIGKILL mid-append), export, purge, legal holds
//! - check_cli: `searchward check` contract, shipped synthetic lists, streaming, bad lists
//! - canonicalize: `searchward canonicalize` on stdin against a golden file
//! - tantivy: a real `tantivy serve` behind searchward: blocking, delisting and demotion
//! - sealed: `searchward lists keygen/seal` and `check --config` with sealed lists
//! - faults: a fault-injecting TCP relay before the upstream (latency, bandwidth, slicing, hang,
//!   truncation, reset): bounded time, safe answers, nothing of a failed response leaks
//! - hardening: stray upstream bytes never reused or handed on, framing errors answered (502/400),
//!   `/metrics` accepted by a strict parser whatever the route names
//! - corpus: detection recall per evasion class and false-positive rate over testdata/corpus/
//! - adversarial: recall per class, list kind and entry length, and false positives per benign
//!   source, over the independent corpus in testdata/adversarial/
//! - solr: a real Solr core behind searchward: field lists (`fl`) widened and narrowed back
//! - real_engine: OpenSearch, Solr and SolrCloud started once per binary (tests/engines/run.sh)
//! - reveal: requests hiding the fields hits are judged by, widened upstream and narrowed back,
//!   per engine against a recording upstream
//! - opensearch: a real OpenSearch node behind searchward: blocking, delisting, suggesters,
//!   `_msearch` and the indexing guard, checked against what the engine returns and stores

mod abuse;
mod admin_abuse;
mod adversarial;
mod browser;
mod bundles;
mod bypass;
mod bypass_real;
mod canonicalize;
mod check_cli;
mod corpus;
mod demo;
mod enforce;
mod evidence;
mod faults;
mod hardening;
mod inspect;
mod limits;
mod opensearch;
mod privacy;
mod proxy;
mod real_engine;
mod reload;
mod reveal;
mod sealed;
mod solr;
mod tantivy;
mod util;
