//! `searchward lists seal` and `searchward lists keygen`: turn a plain terms or victims list
//! into a sealed one (keyed hashes of its normalised entries), and make the key.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use searchward::lists::{ListKind, parse_reader};
use searchward::sealed::{SealKey, is_sealed, seal};

/// The kinds of list that can be sealed.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SealKind {
    /// Search terms.
    Terms,
    /// Victims' names (also sealed in reversed order).
    Victims,
}

/// Seals INPUT into OUTPUT (written atomically).
pub fn run_seal(
    key_file: &Path,
    kind: SealKind,
    input: &Path,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let key = SealKey::load(key_file)?;
    let bytes =
        std::fs::read(input).with_context(|| format!("{}: cannot read list", input.display()))?;
    if is_sealed(&bytes) {
        bail!("{}: already sealed", input.display());
    }
    let entries = parse_reader(bytes.as_slice(), input)?;
    let text =
        std::str::from_utf8(&bytes).with_context(|| format!("{}: not UTF-8", input.display()))?;
    let lines: Vec<&str> = text.lines().collect();
    let kind = match kind {
        SealKind::Terms => ListKind::Terms,
        SealKind::Victims => ListKind::Victims,
    };
    let sealed = seal(&entries, &lines, kind, &key, input)?;
    super::lists::write_atomically(output, sealed.as_bytes())?;
    println!(
        "sealed {} entries of {} into {} with key {} (whole-token matching only)",
        entries.len(),
        input.display(),
        output.display(),
        key.id()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a new random key to OUTPUT (mode 0600); refuses to overwrite a file.
pub fn run_keygen(output: &Path) -> anyhow::Result<ExitCode> {
    let hex = SealKey::generate_hex()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(output).with_context(|| {
        format!(
            "{}: cannot create (an existing key is never overwritten)",
            output.display()
        )
    })?;
    file.write_all(hex.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("{}: cannot write", output.display()))?;
    let key = SealKey::parse(&hex, output)?;
    println!("wrote key {} to {}", key.id(), output.display());
    Ok(ExitCode::SUCCESS)
}
