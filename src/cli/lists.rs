//! `searchward lists …`: tools for list maintainers: verify a bundle, write its manifest, diff
//! two bundles or lists.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use searchward::lists::bundle::{Bundle, load_bundle};
use searchward::lists::manifest::{MANIFEST_FILE, Manifest, Timestamp};
use searchward::lists::signature::{
    DEFAULT_MAX_TOTAL_BYTES, PublicKey, SIGNATURE_FILE, TrustPolicy, parse_public_key,
};
use searchward::lists::{parse_file, parse_reader};
use searchward::snapshot::Snapshot;

/// Exit code for a bundle or list that was refused.
const EXIT_BAD_LISTS: u8 = 64;

/// List-maintenance subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Check a bundle: manifest, signature, checksums, counts, and that every list compiles.
    Verify {
        /// The bundle directory.
        dir: PathBuf,
        /// A trusted minisign public key (the `RW…` string) or a file holding one; repeatable.
        /// With any key, the bundle must carry a valid signature by one of them.
        #[arg(long = "pubkey", value_name = "KEY_OR_FILE")]
        pubkeys: Vec<String>,
        /// Refuse a bundle whose serial is lower (rollback protection).
        #[arg(long)]
        min_serial: Option<u64>,
        /// Refuse a bundle larger than this many bytes.
        #[arg(long, default_value_t = DEFAULT_MAX_TOTAL_BYTES)]
        max_bytes: u64,
        /// Accept lists without entries.
        #[arg(long)]
        allow_empty: bool,
    },
    /// Recompute `entries`, `sha256` and `created` for the lists declared in DIR/manifest.toml,
    /// and raise the serial.
    Manifest {
        /// The bundle directory.
        dir: PathBuf,
        /// Set the bundle version.
        #[arg(long)]
        version: Option<String>,
        /// Set the serial (default: the previous serial + 1); it may not go down.
        #[arg(long)]
        serial: Option<u64>,
    },
    /// Sign DIR/manifest.toml (after checking the bundle) into DIR/manifest.toml.minisig.
    Sign {
        /// The bundle directory.
        dir: PathBuf,
        /// A minisign secret key file; a password is asked for on the terminal if it is
        /// encrypted.
        #[arg(long, value_name = "FILE")]
        secret_key: PathBuf,
    },
    /// Seal a plain terms or victims list: write keyed hashes of its normalised entries, so the
    /// deployed file does not show what it blocks. Sealed lists match whole tokens only.
    Seal {
        /// The key file (from `searchward lists keygen`).
        #[arg(long, value_name = "FILE")]
        key_file: PathBuf,
        /// What the list holds.
        #[arg(long, value_enum, default_value = "terms")]
        kind: super::seal::SealKind,
        /// The plain list.
        input: PathBuf,
        /// The sealed list to write (atomically).
        output: PathBuf,
    },
    /// Write a new random sealing key (64 hex digits, mode 0600); never overwrites a file.
    Keygen {
        /// The key file to create.
        output: PathBuf,
    },
    /// Precompile the bundle's text lists into DIR/compiled.idx and name it in the manifest, so
    /// proxies load a large bundle without indexing every entry. Used only while it matches
    /// the lists exactly; re-run after changing them, then sign again.
    Compile {
        /// The bundle directory.
        dir: PathBuf,
    },
    /// Count entries added and removed per list between two bundles or two list files.
    Diff {
        /// The old bundle directory or list file.
        old: PathBuf,
        /// The new bundle directory or list file.
        new: PathBuf,
        /// Also print the entries themselves (may be confidential).
        #[arg(long)]
        show: bool,
    },
}

/// Runs the subcommand.
pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    let result = dispatch(cmd);
    // A reader that stopped early (`| head`) is not a failure worth a message.
    if let Err(err) = &result
        && err
            .chain()
            .filter_map(|e| e.downcast_ref::<std::io::Error>())
            .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    {
        return Ok(ExitCode::SUCCESS);
    }
    result
}

fn dispatch(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Verify {
            dir,
            pubkeys,
            min_serial,
            max_bytes,
            allow_empty,
        } => {
            let keys = pubkeys
                .iter()
                .map(|k| read_key(k))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let policy = TrustPolicy {
                keys,
                min_serial,
                max_total_bytes: max_bytes,
                allow_empty_lists: allow_empty,
            };
            verify(&dir, &policy)
        }
        Command::Manifest {
            dir,
            version,
            serial,
        } => manifest(&dir, version.as_deref(), serial),
        Command::Diff { old, new, show } => diff(&old, &new, show),
        Command::Compile { dir } => super::compile::run_compile(&dir),
        Command::Sign { dir, secret_key } => sign(&dir, &secret_key),
        Command::Seal {
            key_file,
            kind,
            input,
            output,
        } => super::seal::run_seal(&key_file, kind, &input, &output),
        Command::Keygen { output } => super::seal::run_keygen(&output),
    }
}

fn read_key(arg: &str) -> anyhow::Result<PublicKey> {
    let path = Path::new(arg);
    let text = if path.is_file() {
        std::fs::read_to_string(path).with_context(|| format!("{arg}: cannot read public key"))?
    } else {
        arg.to_owned()
    };
    parse_public_key(&text).with_context(|| format!("--pubkey {arg}"))
}

fn verify(dir: &Path, policy: &TrustPolicy) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let checked = load_bundle(dir, policy)
        .map_err(anyhow::Error::from)
        .and_then(|mut b| {
            let snap = Snapshot::build(std::mem::take(&mut b.sources))?;
            Ok((b, snap))
        });
    let (bundle, snapshot) = match checked {
        Ok(ok) => ok,
        Err(err) => {
            eprintln!("searchward: {}: bundle rejected: {err:#}", dir.display());
            return Ok(ExitCode::from(EXIT_BAD_LISTS));
        }
    };
    print_header(&mut out, &bundle)?;
    for list in &snapshot.lists {
        let sealed = if list.spec.sealed_key.is_some() {
            "  sealed (whole-token matching only)"
        } else {
            ""
        };
        writeln!(
            out,
            "  {:<24} {:<8} {:>9} entries  sha256 {}  OK{sealed}",
            list.spec.name,
            list.spec.kind.as_str(),
            list.entries,
            list.sha256.get(..12).unwrap_or(&list.sha256),
        )?;
    }
    if let Some(c) = &bundle.manifest.compiled {
        let state = if snapshot.precompiled {
            "OK, used"
        } else {
            "checksum OK but NOT used (compiled from other lists or by another searchward version; run `searchward lists compile`)"
        };
        writeln!(out, "  compiled index {}: {state}", c.file.display())?;
    }
    let total: usize = snapshot.lists.iter().map(|l| l.entries).sum();
    writeln!(out, "OK: {} lists, {total} entries", snapshot.lists.len())?;
    Ok(ExitCode::SUCCESS)
}

fn print_header(out: &mut impl Write, bundle: &Bundle) -> std::io::Result<()> {
    let m = &bundle.manifest;
    let signed = match &bundle.signed_by {
        Some(id) => format!("signed by key {id}"),
        None => "signature not checked".to_owned(),
    };
    let expires = m
        .expires
        .map(|e| format!(", expires {e}"))
        .unwrap_or_default();
    writeln!(
        out,
        "bundle {}: version {}, serial {}, created {}{expires}, {signed}",
        bundle.dir.display(),
        m.version,
        m.serial,
        m.created
    )
}

fn manifest(dir: &Path, version: Option<&str>, serial: Option<u64>) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{}: cannot read; write one with a [[lists]] table per list first",
            path.display()
        )
    })?;
    // The previous serial, if the file had one, so the new one can be raised from it.
    let previous = toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| t.get("serial").and_then(toml::Value::as_integer))
        .and_then(|s| u64::try_from(s).ok());
    let mut m = Manifest::parse_draft(&text, &path, version)?;
    if m.lists.is_empty() {
        bail!("{}: declares no [[lists]]", path.display());
    }
    m.serial = match (serial, previous) {
        (Some(s), Some(p)) if s < p => bail!("--serial {s} is lower than the current serial {p}"),
        (Some(s), _) => s,
        (None, Some(p)) => p
            .checked_add(1)
            .context("serial cannot be raised any further")?,
        (None, None) => 1,
    };
    // Whole seconds: the manifest is read by people as well as programs.
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("system clock is before 1970")?
        .as_secs();
    m.created = Timestamp(UNIX_EPOCH + Duration::from_secs(secs));
    for list in &mut m.lists {
        let file = dir.join(&list.file);
        let bytes = std::fs::read(&file)
            .with_context(|| format!("list {}: {}: cannot read", list.name, file.display()))?;
        list.sha256 = hex::encode(Sha256::digest(&bytes));
        list.entries = parse_reader(bytes.as_slice(), &file)?.len() as u64;
        if list.entries == 0 {
            eprintln!("warning: list {} has no entries", list.name);
        }
    }
    if let Some(expires) = m.expires
        && expires <= m.created
    {
        bail!("{}: expires ({expires}) is already past", path.display());
    }
    if let Some(problem) = m.problems().into_iter().next() {
        bail!("{}: {problem}", path.display());
    }
    let toml = m.to_toml()?;
    write_atomically(&path, toml.as_bytes())?;
    let lists = m.lists.len();
    writeln!(
        out,
        "wrote {}: version {}, serial {}, {lists} lists",
        path.display(),
        m.version,
        m.serial
    )?;
    warn_if_signed(dir);
    Ok(ExitCode::SUCCESS)
}

/// Warns that a bundle's signature no longer matches a manifest just rewritten in `dir`.
pub(crate) fn warn_if_signed(dir: &Path) {
    if dir.join(SIGNATURE_FILE).exists() {
        eprintln!(
            "warning: {} no longer matches the manifest; sign it again",
            dir.join(SIGNATURE_FILE).display()
        );
    }
}

fn sign(dir: &Path, secret_key: &Path) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let bundle = load_bundle(dir, &TrustPolicy::default()).with_context(|| {
        format!(
            "{}: not signing a bundle that does not verify",
            dir.display()
        )
    })?;
    let text = std::fs::read_to_string(secret_key)
        .with_context(|| format!("{}: cannot read secret key", secret_key.display()))?;
    let key_box = minisign::SecretKeyBox::from_string(&text)
        .with_context(|| format!("{}: not a minisign secret key", secret_key.display()))?;
    let sk = match key_box.clone().into_unencrypted_secret_key() {
        Ok(sk) => sk,
        Err(_) => minisign::SecretKey::from_box(key_box, None)
            .with_context(|| format!("{}: cannot decrypt secret key", secret_key.display()))?,
    };
    let pk = minisign::PublicKey::from_secret_key(&sk)?;
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest = std::fs::read(&manifest_path)
        .with_context(|| format!("{}: cannot read", manifest_path.display()))?;
    let m = &bundle.manifest;
    // The trusted comment is signed too, so it names what was signed for audit trails.
    let comment = format!(
        "searchward bundle version {} serial {}",
        m.version, m.serial
    );
    let sig = minisign::sign(Some(&pk), &sk, manifest.as_slice(), Some(&comment), None)?;
    write_atomically(&dir.join(SIGNATURE_FILE), sig.into_string().as_bytes())?;
    let key = parse_public_key(&pk.to_base64())?;
    searchward::lists::signature::verify(
        &manifest,
        &std::fs::read_to_string(dir.join(SIGNATURE_FILE))?,
        &[key],
    )
    .context("the new signature does not verify")?;
    writeln!(
        out,
        "signed {}: version {}, serial {}",
        manifest_path.display(),
        m.version,
        m.serial
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Writes through a temp file and a rename so a watcher never sees half a manifest.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    searchward::atomic_fs::write_atomically(path, bytes)
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// Entries of each list, by list name.
type Lists = Vec<(String, BTreeSet<String>)>;

fn read_side(path: &Path) -> anyhow::Result<Lists> {
    if path.is_dir() {
        // Diffing is a maintainer's look at content, so signatures and emptiness are not
        // enforced here; checksums and counts still are.
        let policy = TrustPolicy {
            allow_empty_lists: true,
            ..TrustPolicy::default()
        };
        let bundle = load_bundle(path, &policy)?;
        bundle
            .sources
            .into_iter()
            .map(|s| {
                let entries = parse_reader(s.bytes(), &s.spec.path)?;
                Ok((s.spec.name, entries.into_iter().map(|e| e.text).collect()))
            })
            .collect()
    } else {
        let entries = parse_file(path)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(vec![(name, entries.into_iter().map(|e| e.text).collect())])
    }
}

fn diff(old: &Path, new: &Path, show: bool) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if old.is_dir() != new.is_dir() {
        bail!("compare two bundle directories or two list files, not one of each");
    }
    let single = !old.is_dir();
    let old_lists = read_side(old).with_context(|| format!("{}", old.display()))?;
    let mut new_lists = read_side(new).with_context(|| format!("{}", new.display()))?;
    if single {
        // Two files are one list, whatever their names.
        if let (Some(o), Some(n)) = (old_lists.first(), new_lists.first_mut()) {
            n.0 = o.0.clone();
        }
    }
    let empty = BTreeSet::new();
    let mut names: Vec<&str> = old_lists.iter().map(|(n, _)| n.as_str()).collect();
    for (n, _) in &new_lists {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    let find = |lists: &Lists, name: &str| lists.iter().position(|(n, _)| n == name);
    let (mut added_total, mut removed_total) = (0, 0);
    for name in names {
        let o = find(&old_lists, name)
            .and_then(|i| old_lists.get(i))
            .map(|l| &l.1);
        let n = find(&new_lists, name)
            .and_then(|i| new_lists.get(i))
            .map(|l| &l.1);
        let added: Vec<&String> = n
            .unwrap_or(&empty)
            .difference(o.unwrap_or(&empty))
            .collect();
        let removed: Vec<&String> = o
            .unwrap_or(&empty)
            .difference(n.unwrap_or(&empty))
            .collect();
        let note = match (o, n) {
            (None, _) => " (new list)",
            (_, None) => " (list removed)",
            _ => "",
        };
        writeln!(
            out,
            "{name}: +{} -{} ({} -> {} entries){note}",
            added.len(),
            removed.len(),
            o.map_or(0, BTreeSet::len),
            n.map_or(0, BTreeSet::len),
        )?;
        if show {
            for e in &added {
                writeln!(out, "  + {e}")?;
            }
            for e in &removed {
                writeln!(out, "  - {e}")?;
            }
        }
        added_total += added.len();
        removed_total += removed.len();
    }
    writeln!(out, "total: +{added_total} -{removed_total}")?;
    Ok(ExitCode::SUCCESS)
}
