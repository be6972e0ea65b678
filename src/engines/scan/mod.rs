//! The fast response path's JSON reader: a validating cursor over a UTF-8 body that reads only
//! what an adapter asks for, skips everything else without building values, and knows the byte
//! range of every value it passes (so that a changed response can be spliced, not rebuilt).
//!
//! It is never more lenient than `serde_json` parsing into a `Value`: whatever it cannot vouch
//! for exactly (a syntax error, a lone surrogate escape, a number near the edge of `f64`, deep
//! nesting, a repeated key it reads) makes it give up with [`Bail`], and the adapter then takes
//! its ordinary `Value` path, which decides.

mod capture;
mod splice;

use std::borrow::Cow;

pub use capture::CompiledPointers;
pub(crate) use capture::{Pointers, top_key, whole};
pub(crate) use splice::{Edit, Replacement, splice};

/// The fast path cannot decide this body; the `Value` path must.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bail;

/// A fast-path result.
pub(crate) type Scan<T> = Result<T, Bail>;

/// Containers nested deeper than this make the scanner give up (`serde_json` refuses 128).
const MAX_DEPTH: u32 = 100;

/// A position in a JSON body.
pub(crate) struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: u32,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `body`; bails unless it is UTF-8.
    pub(crate) fn new(body: &'a [u8]) -> Scan<Self> {
        let s = std::str::from_utf8(body).map_err(|_| Bail)?;
        Ok(Self {
            s,
            b: body,
            i: 0,
            depth: 0,
        })
    }

    /// The byte offset of the cursor.
    pub(crate) fn pos(&self) -> usize {
        self.i
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// Skips whitespace and returns the next byte without consuming it.
    pub(crate) fn peek(&mut self) -> Scan<u8> {
        self.ws();
        self.b.get(self.i).copied().ok_or(Bail)
    }

    fn eat(&mut self, c: u8) -> Scan<()> {
        if self.peek()? == c {
            self.i += 1;
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// Checks that only whitespace follows.
    pub(crate) fn end(&mut self) -> Scan<()> {
        self.ws();
        if self.i == self.b.len() {
            Ok(())
        } else {
            Err(Bail)
        }
    }

    fn enter(&mut self) -> Scan<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(Bail)
        } else {
            Ok(())
        }
    }

    /// Reads an object, calling `f` with each key; `f` must consume exactly the key's value.
    pub(crate) fn object(
        &mut self,
        mut f: impl FnMut(&mut Self, Cow<'a, str>) -> Scan<()>,
    ) -> Scan<()> {
        self.eat(b'{')?;
        self.enter()?;
        if self.peek()? == b'}' {
            self.i += 1;
        } else {
            loop {
                if self.peek()? != b'"' {
                    return Err(Bail);
                }
                let key = self.string()?;
                self.eat(b':')?;
                f(self, key)?;
                match self.peek()? {
                    b',' => self.i += 1,
                    b'}' => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(Bail),
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Reads an array, calling `f` with each index; `f` must consume exactly the element.
    pub(crate) fn array(&mut self, mut f: impl FnMut(&mut Self, usize) -> Scan<()>) -> Scan<()> {
        self.eat(b'[')?;
        self.enter()?;
        if self.peek()? == b']' {
            self.i += 1;
        } else {
            let mut n = 0;
            loop {
                f(self, n)?;
                n += 1;
                match self.peek()? {
                    b',' => self.i += 1,
                    b']' => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(Bail),
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Reads a string (the cursor is at its opening quote), borrowed unless it has escapes.
    pub(crate) fn string(&mut self) -> Scan<Cow<'a, str>> {
        let (start, escaped) = self.skip_string()?;
        if escaped {
            // Rare: let serde_json unescape it, with exactly its rules.
            let raw = self.s.get(start..self.i).ok_or(Bail)?;
            serde_json::from_str::<String>(raw)
                .map(Cow::Owned)
                .map_err(|_| Bail)
        } else {
            self.s
                .get(start + 1..self.i - 1)
                .map(Cow::Borrowed)
                .ok_or(Bail)
        }
    }

    /// Skips a string; returns where it started and whether it had escapes.
    fn skip_string(&mut self) -> Scan<(usize, bool)> {
        let start = self.i;
        if self.b.get(start) != Some(&b'"') {
            return Err(Bail);
        }
        let mut i = start + 1;
        let mut escaped = false;
        let mut surrogate = false;
        loop {
            i = plain_run(self.b, i);
            match self.b.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    match self.b.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        Some(b'u') => {
                            let hex = self.b.get(i + 2..i + 6).ok_or(Bail)?;
                            let hex = std::str::from_utf8(hex).map_err(|_| Bail)?;
                            let code = u16::from_str_radix(hex, 16).map_err(|_| Bail)?;
                            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                                return Err(Bail);
                            }
                            surrogate |= (0xD800..=0xDFFF).contains(&code);
                            i += 6;
                        }
                        _ => return Err(Bail),
                    }
                }
                // A control character, or the end of the body.
                _ => return Err(Bail),
            }
        }
        self.i = i + 1;
        if surrogate {
            // Surrogate pairs are valid, lone halves are not: serde_json decides.
            let raw = self.s.get(start..self.i).ok_or(Bail)?;
            serde_json::from_str::<String>(raw).map_err(|_| Bail)?;
        }
        Ok((start, escaped))
    }

    /// Skips a number, checking it the way `serde_json` would parse it.
    fn skip_number(&mut self) -> Scan<()> {
        let b = self.b;
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        match b.get(i) {
            Some(b'0') => {
                i += 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    return Err(Bail);
                }
            }
            Some(b'1'..=b'9') => {
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return Err(Bail),
        }
        let int_digits = i - int_start;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let frac = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == frac {
                return Err(Bail);
            }
        }
        let mut exponent: i64 = 0;
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            let negative = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let digits = i;
            while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i64::from(d - b'0'));
                i += 1;
            }
            if i == digits {
                return Err(Bail);
            }
            if negative {
                exponent = -exponent;
            }
        }
        // Far from the limits of f64 serde_json and this check agree; near them, it decides.
        let magnitude = i64::try_from(int_digits)
            .unwrap_or(i64::MAX)
            .saturating_add(exponent);
        if int_digits > 300 || !(-300..=300).contains(&magnitude) && exponent != 0 {
            return Err(Bail);
        }
        self.i = i;
        Ok(())
    }

    /// Reads a non-negative integer that fits a `u64`; returns it and its byte range.
    pub(crate) fn u64(&mut self) -> Scan<(u64, std::ops::Range<usize>)> {
        self.ws();
        let start = self.i;
        self.skip_number()?;
        let text = self.s.get(start..self.i).ok_or(Bail)?;
        if !text.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Bail);
        }
        Ok((text.parse().map_err(|_| Bail)?, start..self.i))
    }

    /// Skips one value of any kind, validating it.
    pub(crate) fn skip(&mut self) -> Scan<()> {
        match self.peek()? {
            b'"' => self.skip_string().map(drop),
            b'{' => self.object(|c, _| c.skip()),
            b'[' => self.array(|c, _| c.skip()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.skip_number(),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Bail)
        }
    }
}

/// The index of the first byte at or after `i` that ends a plain run inside a string: a quote,
/// a backslash or a control character (or the end).
///
/// Strings in search answers are long (titles, bodies), so this is where the scan spends its
/// time: the next quote or backslash is found with `memchr` (vector instructions), and the run
/// before it is checked for control characters by a minimum the compiler vectorises; only a run
/// that has one is walked byte by byte.
fn plain_run(b: &[u8], i: usize) -> usize {
    let rest = b.get(i..).unwrap_or_default();
    let stop = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
    let run = rest.get(..stop).unwrap_or_default();
    if run.iter().fold(u8::MAX, |low, &c| low.min(c)) >= 0x20 {
        return i + stop;
    }
    i + run.iter().position(|&c| c < 0x20).unwrap_or(stop)
}

#[cfg(test)]
mod tests;
