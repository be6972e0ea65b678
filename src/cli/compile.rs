//! `searchward lists compile DIR`: precompiles a bundle's text lists into `DIR/compiled.idx`
//! and names the file (with its checksum) in the manifest, so that proxies loading the bundle
//! read the index instead of normalising and indexing every entry.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use sha2::{Digest, Sha256};

use searchward::lists::bundle::load_bundle_lists;
use searchward::lists::manifest::{MANIFEST_FILE, Manifest, ManifestCompiled};
use searchward::lists::signature::TrustPolicy;
use searchward::snapshot::{Snapshot, in_term_matcher};

use super::lists::write_atomically;

/// File name used when the manifest does not name one yet.
const DEFAULT_FILE: &str = "compiled.idx";

/// Compiles the bundle in `dir` and records the index in its manifest.
pub fn run_compile(dir: &Path) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let started = Instant::now();
    // The lists are verified (checksums, counts) as a proxy would; an old index is not read.
    let mut bundle = load_bundle_lists(dir, &TrustPolicy::default()).with_context(|| {
        format!(
            "{}: not compiling a bundle that does not verify",
            dir.display()
        )
    })?;
    let snapshot = Snapshot::build(std::mem::take(&mut bundle.sources))?;
    let bytes = snapshot.compiled_text_index()?;
    let compiled_in = started.elapsed();

    let manifest_path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("{}: cannot read", manifest_path.display()))?;
    let mut manifest = Manifest::parse(&text, &manifest_path)?;
    let file = manifest
        .compiled
        .as_ref()
        .map_or_else(|| PathBuf::from(DEFAULT_FILE), |c| c.file.clone());
    write_atomically(&dir.join(&file), &bytes)?;
    manifest.compiled = Some(ManifestCompiled {
        file: file.clone(),
        sha256: hex::encode(Sha256::digest(&bytes)),
    });
    write_atomically(&manifest_path, manifest.to_toml()?.as_bytes())?;

    let text_lists = snapshot
        .lists
        .iter()
        .filter(|l| in_term_matcher(&l.spec))
        .count();
    let stats = snapshot.terms.stats();
    writeln!(
        out,
        "wrote {}: {text_lists} text lists, {} keys, {:.1} MiB, compiled in {:.1?}; {} names it",
        dir.join(&file).display(),
        stats.keys,
        bytes.len() as f64 / 1048576.0,
        compiled_in,
        manifest_path.display(),
    )?;
    super::lists::warn_if_signed(dir);
    Ok(ExitCode::SUCCESS)
}
