//! Host canonicalisation: user info and port removed, IDN to Punycode, dots trimmed and
//! collapsed, IPv4 in any legal encoding to a dotted quad, IPv6 to its compressed form,
//! lowercase, then escaped.

use std::net::{Ipv4Addr, Ipv6Addr};

use unicode_normalization::UnicodeNormalization;

use super::{UrlError, push_escaped};

/// Appends the canonical host of `authority` (already fully unescaped) to `out`.
pub(super) fn push_canonical(authority: &[u8], out: &mut String) -> Result<(), UrlError> {
    let host = match authority.iter().rposition(|&b| b == b'@') {
        Some(at) => authority.get(at + 1..).unwrap_or_default(),
        None => authority,
    };
    let leading_dots = host.iter().take_while(|&&b| b == b'.').count();
    let host = host.get(leading_dots..).unwrap_or_default();
    if let Some(inner) = host.strip_prefix(b"[") {
        let close = inner
            .iter()
            .position(|&b| b == b']')
            .ok_or(UrlError::BadHost)?;
        let addr = std::str::from_utf8(inner.get(..close).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse::<Ipv6Addr>().ok())
            .ok_or(UrlError::BadHost)?;
        // As the browser's reading writes it (`browser.rs`), also when that reading gave up.
        if let Some(v4) = addr.to_ipv4_mapped() {
            out.push_str(&v4.to_string());
            return Ok(());
        }
        out.push('[');
        out.push_str(&addr.to_string());
        out.push(']');
        return Ok(());
    }
    let host = strip_port(host);
    let idn;
    let host = if host.iter().any(|&b| b >= 0x80) {
        match std::str::from_utf8(host) {
            Ok(s) => {
                idn = to_ascii(s)?;
                idn.as_bytes()
            }
            // Not UTF-8: cannot be an IDN; its bytes are escaped as they are.
            Err(_) => host,
        }
    } else {
        host
    };
    let mut name: Vec<u8> = Vec::with_capacity(host.len());
    for &b in host {
        if b == b'.' && (name.is_empty() || name.last() == Some(&b'.')) {
            continue;
        }
        name.push(b.to_ascii_lowercase());
    }
    // Trailing dots may hide a port (`h.example.:80.`) and a port may hide dots
    // (`h.example.:80`): strip both until neither is left, so the result is stable.
    loop {
        let before = name.len();
        while name.last() == Some(&b'.') {
            name.pop();
        }
        let kept = strip_port(&name).len();
        name.truncate(kept);
        if name.len() == before {
            break;
        }
    }
    if name.is_empty() {
        return Err(UrlError::NoHost);
    }
    // A bracket left at the start (from NFKC of a full-width one) would read as IPv6 next time.
    if name.first() == Some(&b'[') {
        return Err(UrlError::BadHost);
    }
    match parse_ipv4(&name) {
        Some(ip) => out.push_str(&ip.to_string()),
        None => push_escaped(&name, out),
    }
    Ok(())
}

/// Removes a trailing `:digits` (or a bare trailing `:`).
fn strip_port(host: &[u8]) -> &[u8] {
    match host.iter().rposition(|&b| b == b':') {
        Some(colon)
            if host
                .get(colon + 1..)
                .is_some_and(|p| p.iter().all(u8::is_ascii_digit)) =>
        {
            host.get(..colon).unwrap_or_default()
        }
        _ => host,
    }
}

/// True for a canonical host that is an IP address.
pub(super) fn is_ip(host: &str) -> bool {
    host.starts_with('[') || host.parse::<Ipv4Addr>().is_ok()
}

/// Parses the IPv4 forms `inet_aton` accepts: one to four parts, each decimal, octal (leading
/// `0`) or hex (`0x`), the last part filling the remaining bytes. Out-of-range parts make the
/// name a host name, not an address (as in browsers).
pub(super) fn parse_ipv4(name: &[u8]) -> Option<Ipv4Addr> {
    // Every part starts with a digit; most host names fail here.
    if !name.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let parts = name.split(|&b| b == b'.').count();
    if parts > 4 {
        return None;
    }
    let mut value: u64 = 0;
    for (i, part) in name.split(|&b| b == b'.').enumerate() {
        let n = parse_ipv4_part(part)?;
        if i + 1 < parts {
            if n > 255 {
                return None;
            }
            value = (value << 8) | n;
        } else {
            let rest_bits = 8 * (5 - parts as u32);
            if n >> rest_bits != 0 {
                return None;
            }
            value = (value << rest_bits) | n;
        }
    }
    u32::try_from(value).ok().map(Ipv4Addr::from)
}

fn parse_ipv4_part(part: &[u8]) -> Option<u64> {
    let (digits, radix) = match part {
        [] => return None,
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        [b'0', rest @ ..] if !rest.is_empty() => (rest, 8),
        _ => (part, 10),
    };
    let mut n: u64 = 0;
    for &b in digits {
        let d = char::from(b).to_digit(radix)?;
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
        if n > u64::from(u32::MAX) {
            return None;
        }
    }
    Some(n)
}

/// Converts a Unicode host name to ASCII: each non-ASCII label is NFKC-normalised, lowercased
/// and Punycode-encoded with the `xn--` prefix; ideographic full stops separate labels.
///
/// This covers the common part of UTS #46 mapping without its tables; labels that are already
/// ASCII are left to the ASCII lowercasing that follows.
fn to_ascii(host: &str) -> Result<String, UrlError> {
    let mapped: String = host
        .nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{3002}' | '\u{FF61}' => '.',
            c => c,
        })
        .collect();
    // NFKC can produce URL delimiters (full-width `／`, `？`, `＠`, `：`); UTS #46 disallows
    // them in host names, and keeping them would change how the result parses (a `%` could
    // form a new escape).
    if mapped.contains(['/', '?', '@', ':', '[', ']', '\\', '%']) {
        return Err(UrlError::BadHost);
    }
    let mut out = String::with_capacity(mapped.len() + 8);
    for (i, label) in mapped.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        if label.is_ascii() {
            out.push_str(label);
        } else {
            out.push_str("xn--");
            punycode(label, &mut out).ok_or(UrlError::BadHost)?;
        }
    }
    Ok(out)
}

/// RFC 3492 Punycode encoding of `label` appended to `out`; `None` on overflow.
fn punycode(label: &str, out: &mut String) -> Option<()> {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    let input: Vec<u32> = label.chars().map(u32::from).collect();
    let basic = input.iter().filter(|&&c| c < 0x80).count();
    for &c in &input {
        if c < 0x80 {
            out.push(char::from_u32(c)?);
        }
    }
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias, mut h) = (0x80u32, 0u32, 72u32, basic);
    let total = input.len();
    while h < total {
        let m = input.iter().copied().filter(|&c| c >= n).min()?;
        let handled = u32::try_from(h + 1).ok()?;
        delta = delta.checked_add((m - n).checked_mul(handled)?)?;
        n = m;
        for &c in &input {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t))?);
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q)?);
                bias = adapt(delta, u32::try_from(h + 1).ok()?, h == basic);
                delta = 0;
                h += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(())
}

fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    let mut delta = if first { delta / 700 } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((36 - 1) * 26) / 2 {
        delta /= 36 - 1;
        k += 36;
    }
    k + (36 * delta) / (delta + 38)
}

fn digit(d: u32) -> Option<char> {
    match d {
        0..=25 => char::from_u32(u32::from(b'a') + d),
        26..=35 => char::from_u32(u32::from(b'0') + d - 26),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_forms() {
        let cases = [
            ("dotted", "255.0.0.1", Some("255.0.0.1")),
            ("mixed hex octal", "12.0x12.01234", Some("12.18.2.156")),
            ("octal parts", "012.034.01.055", Some("10.28.1.45")),
            ("hex parts", "0x12.0x43.0x44.0x01", Some("18.67.68.1")),
            ("one decimal", "3279880203", Some("195.127.0.11")),
            ("one decimal max", "4294967295", Some("255.255.255.255")),
            ("too big", "4294967296", None),
            ("three parts", "10.1.515", Some("10.1.2.3")),
            ("five parts", "123.123.0.0.1", None),
            ("part over 255", "276.2.3", None),
            ("bad octal digit", "1.2.3.08", None),
            ("junk", "1.2.3.00x0", None),
            ("name", "zorvexil.example", None),
            ("empty part", "1..2", None),
        ];
        for (name, input, want) in cases {
            let got = parse_ipv4(input.as_bytes()).map(|ip| ip.to_string());
            assert_eq!(got.as_deref(), want, "{name}");
        }
    }

    #[test]
    fn punycode_labels() {
        let cases = [
            ("umlaut", "www.ümlat.com", "www.xn--mlat-zra.com"),
            ("upper", "ÜMLAT.example", "xn--mlat-zra.example"),
            ("rfc 3492 sample", "bücher", "xn--bcher-kva"),
            ("no basic", "пример", "xn--e1afmkfd"),
            ("ideographic stop", "ümlat。example", "xn--mlat-zra.example"),
        ];
        for (name, input, want) in cases {
            assert_eq!(to_ascii(input).unwrap(), want, "{name}");
        }
    }

    #[test]
    fn ports() {
        let cases = [
            ("port", "h.example:8080", "h.example"),
            ("empty port", "h.example:", "h.example"),
            ("not a port", "h.example:x1", "h.example:x1"),
            ("none", "h.example", "h.example"),
        ];
        for (name, input, want) in cases {
            assert_eq!(strip_port(input.as_bytes()), want.as_bytes(), "{name}");
        }
    }
}
