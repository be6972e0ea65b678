//! `searchward serve` and `searchward demo` (stub until the proxy lands).

use std::process::ExitCode;

/// Arguments of `searchward serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {}

/// Arguments of `searchward demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {}

/// Runs the proxy.
pub fn serve(_args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

/// Runs the demo.
pub fn demo(_args: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
