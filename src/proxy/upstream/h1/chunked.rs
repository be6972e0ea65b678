//! The chunked transfer coding of a response body (RFC 9112 §7.1), decoded in place: data comes
//! out as slices of the read buffer (no copy), framing bytes are consumed. Strict about CRLF and
//! sizes; extensions and trailer fields are read and dropped, each bounded.

use bytes::{Buf, Bytes, BytesMut};

/// Longest chunk-size line (size, extensions, CRLF) accepted.
const MAX_SIZE_LINE: usize = 4096;
/// Most trailer bytes accepted after the last chunk.
const MAX_TRAILERS: usize = 64 * 1024;

/// What one step of decoding produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Body data.
    Data(Bytes),
    /// The buffer ran out mid-frame: read more, then call again.
    NeedMore,
    /// The last chunk and the trailer section are complete.
    Done,
}

/// Why a chunked body is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// A chunk size that is not hex, empty, or over 64 bits.
    #[error("bad chunk size")]
    Size,
    /// A size line or the trailer section over its bound.
    #[error("chunk framing too long")]
    TooLong,
    /// A missing CRLF.
    #[error("bad chunk delimiter")]
    Delimiter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a size (`digits` so far, `line` bytes of this line so far).
    Size { size: u64, digits: u8, line: usize },
    /// After the size: optional whitespace, extensions, up to the CR.
    Ext { size: u64, line: usize },
    /// The LF closing a size line.
    SizeLf { size: u64 },
    /// Inside chunk data.
    Data { left: u64 },
    /// The CR after chunk data.
    DataCr,
    /// The LF after chunk data.
    DataLf,
    /// Trailer fields after the last chunk; `at_line_start` is true right after a CRLF.
    Trailer { at_line_start: bool, seen: usize },
    /// The LF of a trailer line (`blank` when that line was empty: the end).
    TrailerLf { blank: bool, seen: usize },
    /// Finished.
    Done,
}

/// A chunked-body decoder.
#[derive(Debug, Clone)]
pub struct Decoder {
    state: State,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder at the start of a body.
    pub fn new() -> Decoder {
        Decoder {
            state: State::Size {
                size: 0,
                digits: 0,
                line: 0,
            },
        }
    }

    /// Consumes framing from the front of `buf` and returns the next piece of data, or says that
    /// more input is needed, or that the body is complete.
    ///
    /// # Errors
    /// [`ChunkError`] when the framing is malformed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Step, ChunkError> {
        loop {
            if let State::Data { left } = self.state {
                if buf.is_empty() {
                    return Ok(Step::NeedMore);
                }
                let n = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
                let left = left - n as u64;
                self.state = if left == 0 {
                    State::DataCr
                } else {
                    State::Data { left }
                };
                return Ok(Step::Data(buf.split_to(n).freeze()));
            }
            if self.state == State::Done {
                return Ok(Step::Done);
            }
            let Some(&b) = buf.first() else {
                return Ok(Step::NeedMore);
            };
            buf.advance(1);
            self.state = next(self.state, b)?;
        }
    }
}

/// The state after framing byte `b` (never called in `Data` or `Done`).
fn next(state: State, b: u8) -> Result<State, ChunkError> {
    Ok(match state {
        State::Size { size, digits, line } => {
            let line = line + 1;
            if let Some(d) = (b as char).to_digit(16) {
                if digits >= 16 {
                    return Err(ChunkError::Size);
                }
                State::Size {
                    size: (size << 4) | u64::from(d),
                    digits: digits + 1,
                    line,
                }
            } else if digits == 0 {
                return Err(ChunkError::Size);
            } else {
                ext(size, line, b)?
            }
        }
        State::Ext { size, line } => {
            if line + 1 > MAX_SIZE_LINE {
                return Err(ChunkError::TooLong);
            }
            ext(size, line + 1, b)?
        }
        State::SizeLf { size } => {
            if b != b'\n' {
                return Err(ChunkError::Delimiter);
            }
            if size == 0 {
                State::Trailer {
                    at_line_start: true,
                    seen: 0,
                }
            } else {
                State::Data { left: size }
            }
        }
        State::DataCr if b == b'\r' => State::DataLf,
        State::DataLf if b == b'\n' => State::Size {
            size: 0,
            digits: 0,
            line: 0,
        },
        State::DataCr | State::DataLf => return Err(ChunkError::Delimiter),
        State::Trailer {
            at_line_start,
            seen,
        } => {
            let seen = seen + 1;
            if seen > MAX_TRAILERS {
                return Err(ChunkError::TooLong);
            }
            match b {
                b'\r' => State::TrailerLf {
                    blank: at_line_start,
                    seen,
                },
                b'\n' => return Err(ChunkError::Delimiter),
                _ => State::Trailer {
                    at_line_start: false,
                    seen,
                },
            }
        }
        State::TrailerLf { blank, seen } => {
            if b != b'\n' {
                return Err(ChunkError::Delimiter);
            }
            if blank {
                State::Done
            } else {
                State::Trailer {
                    at_line_start: true,
                    seen,
                }
            }
        }
        State::Data { .. } | State::Done => state,
    })
}

/// One byte of a size line after the digits: whitespace and extensions are skipped, CR ends it.
fn ext(size: u64, line: usize, b: u8) -> Result<State, ChunkError> {
    match b {
        b'\r' => Ok(State::SizeLf { size }),
        b'\n' => Err(ChunkError::Delimiter),
        // Extensions (`;name=value`, quoted strings) and bad whitespace: visible ASCII, space
        // and tab only.
        b' ' | b'\t' | 0x21..=0x7e => Ok(State::Ext { size, line }),
        _ => Err(ChunkError::Size),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Decodes `wire` fed in pieces of `piece` bytes: the data, or the first error. `Ok(None)`
    /// when the input ended before the body did.
    fn decode_in_pieces(wire: &[u8], piece: usize) -> Result<Option<Vec<u8>>, ChunkError> {
        let mut dec = Decoder::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut fed = 0;
        loop {
            match dec.decode(&mut buf)? {
                Step::Data(d) => {
                    assert!(!d.is_empty(), "no empty data steps");
                    out.extend_from_slice(&d);
                }
                Step::Done => return Ok(Some(out)),
                Step::NeedMore => {
                    if fed == wire.len() {
                        return Ok(None);
                    }
                    let end = (fed + piece.max(1)).min(wire.len());
                    buf.extend_from_slice(&wire[fed..end]);
                    fed = end;
                }
            }
        }
    }

    #[test]
    fn decodes_well_formed_bodies() {
        let cases: [(&str, &[u8], &[u8]); 7] = [
            ("one chunk", b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
            ("two chunks", b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", b"abcde"),
            ("empty body", b"0\r\n\r\n", b""),
            (
                "hex upper and lower",
                b"A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n",
                b"01234567890123456789",
            ),
            (
                "extensions",
                b"3;name=value;q=\"x y\"\r\nabc\r\n0;last\r\n\r\n",
                b"abc",
            ),
            (
                "whitespace before extension",
                b"3 \t;x\r\nabc\r\n0\r\n\r\n",
                b"abc",
            ),
            (
                "trailers",
                b"2\r\nok\r\n0\r\nx-checksum: 1\r\nx-other: 2\r\n\r\n",
                b"ok",
            ),
        ];
        for (name, wire, want) in cases {
            for piece in [1, 2, 3, 7, wire.len()] {
                assert_eq!(
                    decode_in_pieces(wire, piece),
                    Ok(Some(want.to_vec())),
                    "{name}, pieces of {piece}"
                );
            }
        }
    }

    #[test]
    fn refuses_malformed_framing() {
        let long_ext = format!("1;{}\r\na\r\n0\r\n\r\n", "x".repeat(MAX_SIZE_LINE));
        let cases: [(&str, &[u8], ChunkError); 9] = [
            ("no digits", b"\r\n", ChunkError::Size),
            ("not hex", b"g\r\n", ChunkError::Size),
            ("sign", b"-1\r\n", ChunkError::Size),
            ("over 64 bits", b"10000000000000000\r\n", ChunkError::Size),
            (
                "bare LF after size",
                b"1\na\r\n0\r\n\r\n",
                ChunkError::Delimiter,
            ),
            (
                "no CRLF after data",
                b"1\r\nab\r\n0\r\n\r\n",
                ChunkError::Delimiter,
            ),
            (
                "CR without LF after data",
                b"1\r\na\rx",
                ChunkError::Delimiter,
            ),
            (
                "bare LF in trailers",
                b"0\r\nx: 1\n\r\n",
                ChunkError::Delimiter,
            ),
            (
                "control byte in extension",
                b"1;\x01\r\na\r\n0\r\n\r\n",
                ChunkError::Size,
            ),
        ];
        for (name, wire, want) in cases {
            assert_eq!(decode_in_pieces(wire, 1), Err(want), "{name}");
        }
        assert_eq!(
            decode_in_pieces(long_ext.as_bytes(), 64),
            Err(ChunkError::TooLong),
            "long extension"
        );
        let mut trailers = b"0\r\n".to_vec();
        while trailers.len() <= 2 * MAX_TRAILERS {
            trailers.extend_from_slice(b"x-pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        trailers.extend_from_slice(b"\r\n");
        assert_eq!(
            decode_in_pieces(&trailers, 512),
            Err(ChunkError::TooLong),
            "long trailers"
        );
    }

    #[test]
    fn truncated_bodies_need_more() {
        for wire in [
            &b"5\r\nhel"[..],
            b"5\r\nhello\r\n",
            b"0\r\n",
            b"0\r\nx: 1\r\n",
        ] {
            assert_eq!(decode_in_pieces(wire, 3), Ok(None), "{wire:?}");
        }
    }

    #[test]
    fn stops_at_the_end_of_the_body() {
        let mut dec = Decoder::new();
        let mut buf = BytesMut::from(&b"1\r\na\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n"[..]);
        assert_eq!(
            dec.decode(&mut buf),
            Ok(Step::Data(Bytes::from_static(b"a")))
        );
        assert_eq!(dec.decode(&mut buf), Ok(Step::Done));
        assert_eq!(dec.decode(&mut buf), Ok(Step::Done), "done stays done");
        assert_eq!(
            &buf[..],
            b"HTTP/1.1 200 OK\r\n",
            "bytes after the body are left"
        );
    }

    /// Chunked encoding of `chunks` (empty chunks skipped: they would end the body).
    fn encode(chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for c in chunks.iter().filter(|c| !c.is_empty()) {
            out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
            out.extend_from_slice(c);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    }

    proptest! {
        #[test]
        fn any_chunking_any_slicing_round_trips(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
            piece in 1usize..64,
        ) {
            let want: Vec<u8> = chunks.concat();
            prop_assert_eq!(decode_in_pieces(&encode(&chunks), piece), Ok(Some(want)));
        }

        #[test]
        fn arbitrary_input_never_panics(wire in proptest::collection::vec(any::<u8>(), 0..200), piece in 1usize..16) {
            let _ = decode_in_pieces(&wire, piece);
        }
    }
}
