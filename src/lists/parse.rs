//! Text list files: UTF-8, one entry per line, `#` comment lines and blank lines ignored.
//!
//! Parsing works on readers so tests can feed byte strings; errors carry `path:line`.

use std::io::BufRead;
use std::path::{Path, PathBuf};

/// One entry of a text list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number in the file; this is the entry's id in verdicts and logs.
    pub line: u32,
    /// The entry text, trimmed of surrounding white space.
    pub text: String,
}

/// Why a list file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read list")]
    Io {
        /// The list file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line is not valid UTF-8.
    #[error("{path}:{line}: line is not valid UTF-8")]
    InvalidUtf8 {
        /// The list file.
        path: PathBuf,
        /// 1-based line number.
        line: u32,
    },
    /// The file has more lines than an entry id can address.
    #[error("{path}: too many lines")]
    TooManyLines {
        /// The list file.
        path: PathBuf,
    },
}

/// Reads and parses the list at `path`.
///
/// # Errors
/// [`ParseError::Io`] when the file cannot be read, [`ParseError::InvalidUtf8`] for a bad line.
pub fn parse_file(path: &Path) -> Result<Vec<Entry>, ParseError> {
    let file = std::fs::File::open(path).map_err(|source| ParseError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_reader(std::io::BufReader::with_capacity(1 << 16, file), path)
}

/// Parses a list from a reader; `path` is used only in error messages.
///
/// A UTF-8 byte-order mark at the start is ignored. Lines are split on `\n`; a trailing `\r` is
/// removed with the rest of the surrounding white space.
///
/// # Errors
/// [`ParseError::Io`] on a read error, [`ParseError::InvalidUtf8`] for a line that is not UTF-8.
pub fn parse_reader<R: BufRead>(mut reader: R, path: &Path) -> Result<Vec<Entry>, ParseError> {
    let mut entries = Vec::new();
    let mut buf = Vec::with_capacity(256);
    let mut line_no: u32 = 0;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| ParseError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        if n == 0 {
            break;
        }
        line_no = line_no
            .checked_add(1)
            .ok_or_else(|| ParseError::TooManyLines {
                path: path.to_path_buf(),
            })?;
        let mut bytes = buf.as_slice();
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| ParseError::InvalidUtf8 {
            path: path.to_path_buf(),
            line: line_no,
        })?;
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        entries.push(Entry {
            line: line_no,
            text: text.to_owned(),
        });
    }
    Ok(entries)
}

/// Counts the entries of a list held in memory, checking every line as [`parse_reader`] does,
/// without copying any entry (for checks that only need the count).
///
/// # Errors
/// As [`parse_reader`].
pub fn count_entries(bytes: &[u8], path: &Path) -> Result<usize, ParseError> {
    let mut n = 0;
    visit(bytes, path, |_, _| n += 1)?;
    Ok(n)
}

/// Calls `each(line, text)` for every entry of a list held in memory.
fn visit(bytes: &[u8], path: &Path, mut each: impl FnMut(u32, &str)) -> Result<(), ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut line_no: u32 = 0;
    for line in bytes.split(|&b| b == b'\n') {
        line_no = line_no
            .checked_add(1)
            .ok_or_else(|| ParseError::TooManyLines {
                path: path.to_path_buf(),
            })?;
        let text = std::str::from_utf8(line).map_err(|_| ParseError::InvalidUtf8 {
            path: path.to_path_buf(),
            line: line_no,
        })?;
        let text = text.trim();
        if !text.is_empty() && !text.starts_with('#') {
            each(line_no, text);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Vec<Entry>, ParseError> {
        parse_reader(bytes, Path::new("t.txt"))
    }

    #[test]
    fn skips_comments_and_blanks_and_keeps_line_numbers() {
        let got = parse(
            b"\xEF\xBB\xBF# synthetic\n\nzorvexil\r\n  # indented comment\n  quandle  \nlast",
        )
        .unwrap();
        let want = vec![
            Entry {
                line: 3,
                text: "zorvexil".into(),
            },
            Entry {
                line: 5,
                text: "quandle".into(),
            },
            Entry {
                line: 6,
                text: "last".into(),
            },
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn invalid_utf8_names_path_and_line() {
        let err = parse(b"ok\nfine\nbad \xff here\n").unwrap_err();
        assert_eq!(err.to_string(), "t.txt:3: line is not valid UTF-8");
    }

    proptest::proptest! {
        /// Counting agrees with parsing on any bytes: same count, or the same error.
        #[test]
        fn count_agrees_with_parse(bytes in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::Just(b'\n'), proptest::prelude::Just(b'#'),
                proptest::prelude::Just(b' '), proptest::prelude::Just(b'\r'),
                proptest::prelude::Just(0xEF), proptest::prelude::Just(0xFF), 97u8..100
            ],
            0..64,
        )) {
            let counted = count_entries(&bytes, Path::new("t.txt"));
            match parse(&bytes) {
                Ok(entries) => proptest::prop_assert_eq!(counted.ok(), Some(entries.len())),
                Err(e) => proptest::prop_assert_eq!(
                    counted.err().map(|c| c.to_string()),
                    Some(e.to_string())
                ),
            }
        }
    }

    #[test]
    fn empty_input_is_empty_list() {
        assert!(parse(b"").unwrap().is_empty());
        assert!(parse(b"# only a comment\n\n").unwrap().is_empty());
    }
}
