//! `searchward canonicalize` (stub, filled in by its issue).

use std::process::ExitCode;

/// Arguments of `searchward canonicalize`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
