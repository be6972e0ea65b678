//! `searchward healthcheck`: a dependency-free HTTP probe for container HEALTHCHECKs, so the
//! runtime image needs no curl. Exit 0 when the URL answers 2xx.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;

/// Arguments of `searchward healthcheck`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The URL to probe (plain http).
    #[arg(long, default_value = "http://127.0.0.1:9090/readyz")]
    url: String,
}

/// Probes the URL; exit 0 on a 2xx status, 1 otherwise.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rest = args
        .url
        .strip_prefix("http://")
        .context("only http:// URLs are probed")?;
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let addr = authority
        .to_socket_addrs()?
        .next()
        .context("address did not resolve")?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(3)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 16];
    let n = stream.read(&mut head)?;
    let status = std::str::from_utf8(&head[..n])
        .ok()
        .and_then(|s| s.split_whitespace().nth(1))
        .unwrap_or("");
    Ok(if status.starts_with('2') {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
