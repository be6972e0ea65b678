//! RFC 3339 timestamps for evidence records: UTC with millisecond precision on output; any
//! offset and any number of fractional digits on input.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Formats `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
pub fn format_rfc3339(t: SystemTime) -> String {
    let (secs, millis) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_millis(),
        ),
        Err(e) => {
            let d = e.duration();
            let secs = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            match d.subsec_nanos() {
                0 => (secs, 0),
                n => (secs - 1, 1000 - n.div_ceil(1_000_000).min(1000)),
            }
        }
    };
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Parses an RFC 3339 date-time (`2026-11-28T22:31:42Z`, `…42.5+01:00`); `None` if malformed.
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(r)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let sep = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: i64 = 0;
    if sep(i, b".") {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = b.get(start..i.min(start + 9))?;
        let scale = 10i64.pow(9 - u32::try_from(frac.len()).ok()?);
        nanos = num(start..start + frac.len())? * scale;
    }
    let offset = match b.get(i..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset;
    let base = if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(secs).ok()?))?
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))?
    };
    base.checked_add(Duration::from_nanos(u64::try_from(nanos).ok()?))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Serde adapter: a [`SystemTime`] as an RFC 3339 string.
pub mod serde_rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    /// Serialises as [`super::format_rfc3339`].
    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_rfc3339(*t))
    }

    /// Deserialises with [`super::parse_rfc3339`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_rfc3339(&s).ok_or_else(|| D::Error::custom("not an RFC 3339 date-time"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64, millis: u32) -> SystemTime {
        let ms = Duration::from_millis(u64::from(millis));
        if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs as u64) + ms
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()) + ms
        }
    }

    #[test]
    fn formats_and_parses() {
        let cases: &[(&str, SystemTime, &str)] = &[
            ("epoch", at(0, 0), "1970-01-01T00:00:00.000Z"),
            ("millis", at(1_796_077_902, 123), "2026-11-30T22:31:42.123Z"),
            ("leap day", at(951_782_400, 0), "2000-02-29T00:00:00.000Z"),
            ("before epoch", at(-1, 500), "1969-12-31T23:59:59.500Z"),
            ("far", at(253_402_300_799, 0), "9999-12-31T23:59:59.000Z"),
        ];
        for (name, t, s) in cases {
            assert_eq!(format_rfc3339(*t), *s, "format {name}");
            assert_eq!(parse_rfc3339(s), Some(*t), "parse {name}");
        }
    }

    #[test]
    fn parses_offsets_and_refuses_garbage() {
        let z = parse_rfc3339("2026-11-28T22:00:00Z").unwrap();
        let cases: &[(&str, Option<SystemTime>)] = &[
            ("2026-11-28T23:30:00+01:30", Some(z)),
            ("2026-11-28t21:00:00-01:00", Some(z)),
            ("2026-11-28 22:00:00z", Some(z)),
            (
                "2026-11-28T22:00:00.5Z",
                Some(z + Duration::from_millis(500)),
            ),
            ("2026-11-28T22:00:00.0000000001Z", Some(z)),
            ("2026-11-28T22:00:00", None),
            ("2026-11-28", None),
            ("2026-02-29T00:00:00Z", None),
            ("2026-13-01T00:00:00Z", None),
            ("2026-11-28T24:00:00Z", None),
            ("2026-11-28T22:00:00.Z", None),
            ("2026-11-28T22:00:00+1:00", None),
            ("+026-11-28T22:00:00Z", None),
            ("2026-11-28T22:00:00Zjunk", None),
            ("", None),
            ("é026-11-28T22:00:00Z", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_rfc3339(s), *want, "case {s:?}");
        }
    }
}
