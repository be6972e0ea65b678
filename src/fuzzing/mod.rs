//! Fuzz entry points: each takes the fuzzer's bytes, drives one parser, and panics when one of
//! its properties fails (differential checks against `httparse`, `serde_json` and `url` where
//! both sides define the answer). Built only for the targets under `fuzz/` (cargo-fuzz sets
//! `--cfg fuzzing`) and for the unit test that replays their seed corpora.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod engines;
mod formats;
mod http;
mod normalize;

pub use engines::{engine_extract, engine_rewrite};
pub use formats::{bundle, config, json_scan, list, manifest, url};
pub use http::{chunked, request_route, response_head};
pub use normalize::{normalize, normalize_idempotent};

/// The synthetic term the filters in these harnesses treat as listed.
const LISTED: &str = "zorvexil";

/// A fuzz target: its name and entry point.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target by name, for the corpus replay test (and nothing else).
pub const TARGETS: &[Target] = &[
    ("request_route", request_route),
    ("response_head", response_head),
    ("chunked", chunked),
    ("json_scan", json_scan),
    ("url", url),
    ("config", config),
    ("manifest", manifest),
    ("list", list),
    ("bundle", bundle),
    ("engine_extract", engine_extract),
    ("engine_rewrite", engine_rewrite),
    ("normalize", normalize),
    ("normalize_idempotent", normalize_idempotent),
];

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// Every seed (and every fixed crash input) under `fuzz/corpus/<target>/` replays through
    /// its target without a failed property.
    #[test]
    fn seed_corpora_replay() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
        let mut replayed = 0;
        for (name, target) in super::TARGETS {
            let Ok(dir) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            for entry in dir {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                target(&bytes);
                replayed += 1;
            }
        }
        assert!(replayed > 0, "no seeds under {}", root.display());
    }
}
