//! `searchward canonicalize`: Safe Browsing canonical URLs (or lookup expressions) for URLs
//! read from stdin, one output line per input line.

use std::io::{BufRead, BufReader, BufWriter, ErrorKind, Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use searchward::url::canonicalize_bytes;

/// Arguments of `searchward canonicalize`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print the lookup expressions (host suffix × path prefix), most specific first, joined
    /// by " | ", instead of the canonical URL.
    #[arg(long)]
    pub expressions: bool,
}

/// Runs the subcommand: one line out per line in, empty for input that is not a URL.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdin = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
    let stdout = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match process(stdin, stdout, args.expressions) {
        // A closed pipe (`| head`) is the reader saying it has seen enough.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => other
            .map(|()| ExitCode::SUCCESS)
            .context("canonicalize: reading stdin or writing stdout"),
    }
}

fn process<R: Read, W: Write>(
    mut input: BufReader<R>,
    mut out: W,
    expressions: bool,
) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(512);
    loop {
        // Flush before a read that may block, so an interactive peer sees each answer while
        // batch input still gets large writes.
        if input.buffer().is_empty() {
            out.flush()?;
        }
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if let Ok(c) = canonicalize_bytes(&line) {
            if expressions {
                let e = c.expressions();
                for (i, (host, path)) in e.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b" | ")?;
                    }
                    out.write_all(host.as_bytes())?;
                    out.write_all(path.as_bytes())?;
                }
            } else {
                out.write_all(c.as_str().as_bytes())?;
            }
        }
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_input() {
        let cases: [(&str, &[u8], bool, &str); 4] = [
            (
                "urls",
                b"Zorvexil.EXAMPLE/a/../b\nmailto:x\n\nhttp://10.1.515/\r\n",
                false,
                "http://zorvexil.example/b\n\n\nhttp://10.1.2.3/\n",
            ),
            (
                "expressions",
                b"http://a.b.c/1/2.html?p=1\n/nohost",
                true,
                "a.b.c/1/2.html?p=1 | a.b.c/1/2.html | a.b.c/1/ | a.b.c/ | \
                 b.c/1/2.html?p=1 | b.c/1/2.html | b.c/1/ | b.c/\n\n",
            ),
            (
                "no trailing newline",
                b"q.example",
                false,
                "http://q.example/\n",
            ),
            (
                "not utf-8",
                b"http://q.example/\xff\n",
                false,
                "http://q.example/%FF\n",
            ),
        ];
        for (name, input, expressions, want) in cases {
            let mut out = Vec::new();
            process(BufReader::new(input), &mut out, expressions).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), want, "{name}");
        }
    }
}
