//! `searchward check`: queries from stdin, one JSON verdict per line on stdout.
//!
//! Contract (relied on by the recall tests): for every input line, in order, exactly one line
//! `{"action": "allow"|"monitor"|"signpost"|"block", "matches": [{"kind", "file", "line"}]}`,
//! where `file` is the list path as given and `line` the 1-based line of the matched entry.

use std::collections::HashSet;
use std::io::{BufRead, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use searchward::config::{Config, Overrides};
use searchward::lists::{HashAlgorithm, ListKind, ListSpec};
use searchward::matcher::Scratch;
use searchward::snapshot::Snapshot;

/// Arguments of `searchward check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Also check against the lists declared in this proxy config.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A terms list (block, whole tokens, typo tolerance for 7+ letter words). Repeatable.
    #[arg(long, value_name = "FILE")]
    terms: Vec<PathBuf>,
    /// A victims list (whole names, either order, with or without the space). Repeatable.
    #[arg(long, value_name = "FILE")]
    victims: Vec<PathBuf>,
    /// An allow list whose entries override matches they cover. Repeatable.
    #[arg(long, value_name = "FILE")]
    allow: Vec<PathBuf>,
    /// A URL list (loaded and validated; not matched against query text). Repeatable.
    #[arg(long, value_name = "FILE")]
    urls: Vec<PathBuf>,
    /// A hash list as `ALG:FILE` (md5, sha1, sha256, pdq; validated, not matched). Repeatable.
    #[arg(long, value_name = "ALG:FILE")]
    hashes: Vec<String>,
}

#[derive(Serialize)]
struct Line<'a> {
    action: &'static str,
    matches: Vec<MatchOut<'a>>,
}

#[derive(Serialize)]
struct MatchOut<'a> {
    kind: &'static str,
    file: &'a str,
    line: u32,
}

/// Runs the subcommand: exit 0 after answering every line, 64 for a bad list, 2 for bad usage.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let specs = match specs(&args) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("searchward: {err:#}");
            return Ok(ExitCode::from(2));
        }
    };
    // With --config, the config's lists are checked, plus any given by flags.
    let specs = match &args.config {
        None => specs,
        Some(path) => {
            let overrides = Overrides {
                lists: specs,
                ..Overrides::default()
            };
            match Config::load(path, &overrides) {
                Ok(config) => config.lists,
                Err(err) => {
                    eprintln!("searchward: {err}");
                    return Ok(ExitCode::from(64));
                }
            }
        }
    };
    let snapshot = match Snapshot::load(&specs) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("searchward: {:#}", anyhow::Error::from(err));
            return Ok(ExitCode::from(64));
        }
    };
    let files: Vec<String> = snapshot
        .lists
        .iter()
        .map(|l| l.spec.path.to_string_lossy().into_owned())
        .collect();
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut input = std::io::BufReader::with_capacity(1 << 16, stdin.lock());
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut scratch = Scratch::default();
    let mut buf = Vec::with_capacity(1024);
    loop {
        // Answer everything read so far before a read that may block, so a caller writing one
        // line and waiting for its answer is never left waiting.
        if interactive || input.buffer().is_empty() {
            out.flush().context("writing to stdout")?;
        }
        buf.clear();
        if input.read_until(b'\n', &mut buf).context("reading stdin")? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let query = line.trim_end_matches(['\n', '\r']);
        let mut verdict = snapshot.terms.check_with(query, &mut scratch);
        if !snapshot.sealed.is_empty() {
            verdict.merge(snapshot.sealed.check(query));
            verdict.finish();
        }
        let mut matches = Vec::with_capacity(verdict.matches.len());
        for m in &verdict.matches {
            let Some(list) = snapshot.list(m.list) else {
                continue;
            };
            matches.push(MatchOut {
                kind: list.spec.kind.as_str(),
                file: files.get(m.list as usize).map_or("", String::as_str),
                line: m.line,
            });
        }
        let record = Line {
            action: verdict.action.as_str(),
            matches,
        };
        serde_json::to_writer(&mut out, &record).context("writing to stdout")?;
        out.write_all(b"\n").context("writing to stdout")?;
    }
    out.flush().context("writing to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// One list declaration per flag, named after the file stem (made unique when two files share
/// a stem).
fn specs(args: &Args) -> anyhow::Result<Vec<ListSpec>> {
    let mut specs = Vec::new();
    let flags = [
        (ListKind::Terms, &args.terms),
        (ListKind::Victims, &args.victims),
        (ListKind::Allow, &args.allow),
        (ListKind::Urls, &args.urls),
    ];
    for (kind, paths) in flags {
        for p in paths {
            specs.push(ListSpec::from_flag(kind, p.clone()));
        }
    }
    for h in &args.hashes {
        let (alg, path) = h
            .split_once(':')
            .with_context(|| format!("--hashes {h:?}: expected ALG:FILE"))?;
        let algorithm = match alg.to_ascii_lowercase().as_str() {
            "md5" => HashAlgorithm::Md5,
            "sha1" => HashAlgorithm::Sha1,
            "sha256" => HashAlgorithm::Sha256,
            "pdq" => HashAlgorithm::Pdq,
            other => {
                anyhow::bail!("--hashes: unknown algorithm {other:?} (md5, sha1, sha256, pdq)")
            }
        };
        let mut spec = ListSpec::from_flag(ListKind::Hashes, PathBuf::from(path));
        spec.algorithm = Some(algorithm);
        specs.push(spec);
    }
    let mut seen = HashSet::new();
    for spec in &mut specs {
        let base = spec.name.clone();
        let mut n = 1;
        while !seen.insert(spec.name.clone()) {
            n += 1;
            spec.name = format!("{base}-{n}");
        }
    }
    Ok(specs)
}
