//! `searchward evidence …`: export records for a report, purge past retention, set legal holds,
//! and a hidden append benchmark the crash-safety test kills mid-run.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context;
use searchward::evidence::{
    DEFAULT_RETENTION_DAYS, EvidenceLog, EvidenceRecord, ExportFormat, MatchKind, RecordFilter,
    RetentionPolicy, Stage, for_each_record, parse_rfc3339, write_records,
};
use searchward::lists::HashAlgorithm;

/// Evidence subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print the records in a time range (JSON Lines or CSV) on stdout.
    Export(ExportArgs),
    /// Remove records past the retention period, except those on legal hold. Run it while the
    /// proxy is stopped: a record appended during the rewrite can be lost.
    Purge(PurgeArgs),
    /// Set (or release) a legal hold on the records matching a filter. Same caveat as purge.
    Hold(HoldArgs),
    /// Append synthetic records as fast as possible (crash-safety tests).
    #[command(hide = true)]
    AppendBench(AppendBenchArgs),
}

/// Which records to act on.
#[derive(clap::Args, Debug)]
pub struct FilterArgs {
    /// Only records at or after this RFC 3339 time.
    #[arg(long, value_parser = parse_time)]
    since: Option<SystemTime>,
    /// Only records before this RFC 3339 time.
    #[arg(long, value_parser = parse_time)]
    until: Option<SystemTime>,
    /// Only records of this list.
    #[arg(long)]
    list: Option<String>,
}

impl FilterArgs {
    fn filter(&self) -> RecordFilter {
        RecordFilter {
            since: self.since,
            until: self.until,
            list: self.list.clone(),
        }
    }
}

/// Arguments of `searchward evidence export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The evidence log.
    #[arg(long)]
    file: PathBuf,
    #[command(flatten)]
    filter: FilterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    format: ExportFormat,
}

/// Arguments of `searchward evidence purge`.
#[derive(clap::Args, Debug)]
pub struct PurgeArgs {
    /// The evidence log.
    #[arg(long)]
    file: PathBuf,
    /// Days records are kept.
    #[arg(long, default_value_t = DEFAULT_RETENTION_DAYS)]
    retention_days: u32,
    /// Purge as if it were this RFC 3339 time (default: now).
    #[arg(long, value_parser = parse_time)]
    now: Option<SystemTime>,
}

/// Arguments of `searchward evidence hold`.
#[derive(clap::Args, Debug)]
pub struct HoldArgs {
    /// The evidence log.
    #[arg(long)]
    file: PathBuf,
    #[command(flatten)]
    filter: FilterArgs,
    /// Release the hold instead of setting it.
    #[arg(long)]
    release: bool,
}

/// Arguments of `searchward evidence append-bench`.
#[derive(clap::Args, Debug)]
pub struct AppendBenchArgs {
    /// The evidence log.
    #[arg(long)]
    file: PathBuf,
    /// Number of records to append.
    #[arg(long)]
    count: u64,
}

fn parse_time(s: &str) -> Result<SystemTime, String> {
    parse_rfc3339(s).ok_or_else(|| format!("{s:?} is not an RFC 3339 date-time"))
}

/// Runs the subcommand.
pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Export(args) => export(args),
        Command::Purge(args) => {
            let log =
                EvidenceLog::open(&args.file, RetentionPolicy::from_days(args.retention_days))?;
            let counts = log.purge(args.now.unwrap_or_else(SystemTime::now))?;
            println!("{}", serde_json::to_string(&counts)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Hold(args) => {
            let log = EvidenceLog::open(&args.file, RetentionPolicy::default())?;
            let changed = log.set_legal_hold(&args.filter.filter(), !args.release)?;
            println!("{}", serde_json::json!({ "changed": changed }));
            Ok(ExitCode::SUCCESS)
        }
        Command::AppendBench(args) => append_bench(args),
    }
}

fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let filter = args.filter.filter();
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("{}: cannot open evidence log", args.file.display()))?;
    let mut records = Vec::new();
    let skipped = for_each_record(std::io::BufReader::new(file), |r| {
        if filter.matches(&r) {
            records.push(r);
        }
    })
    .with_context(|| format!("{}: cannot read evidence log", args.file.display()))?;
    if skipped > 0 {
        eprintln!("searchward: skipped {skipped} torn or unreadable line(s)");
    }
    let stdout = std::io::stdout().lock();
    write_records(&records, args.format, std::io::BufWriter::new(stdout))?;
    Ok(ExitCode::SUCCESS)
}

fn append_bench(args: AppendBenchArgs) -> anyhow::Result<ExitCode> {
    let log = EvidenceLog::open(&args.file, RetentionPolicy::default())?;
    let started = std::time::Instant::now();
    for i in 0..args.count {
        log.append(&synthetic(i))?;
    }
    let secs = started.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{{\"appended\":{},\"seconds\":{secs:.3}}}", args.count)?;
    Ok(ExitCode::SUCCESS)
}

/// A synthetic record: example.test URLs and made-up digests only.
fn synthetic(i: u64) -> EvidenceRecord {
    EvidenceRecord {
        time: SystemTime::now(),
        route: "bench".to_owned(),
        list: "bench-md5".to_owned(),
        list_version: "bench".to_owned(),
        kind: MatchKind::Hash,
        stage: Stage::Index,
        entry: u32::try_from(i % 1000 + 1).ok(),
        url: Some(format!("https://example.test/doc/{i}")),
        hash: Some(format!("{i:032x}")),
        algorithm: Some(HashAlgorithm::Md5),
        headers: [("x-uploader-id".to_owned(), format!("bench-{}", i % 7))].into(),
        legal_hold: false,
    }
}
