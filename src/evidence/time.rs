//! Timestamps of evidence records through the one time library (`humantime`) and the one
//! accepted format, as bundle manifests use it: RFC 3339 in UTC (`2026-11-28T22:31:42Z`,
//! fractional seconds optional). Written with millisecond precision.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The last instant RFC 3339 can write (9999-12-31T23:59:59.999Z).
const LAST: Duration = Duration::from_millis(253_402_300_799_999);

/// Formats `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC). A clock outside what RFC 3339 can write
/// (before 1970 or after 9999) is written as the nearest instant it can.
pub fn format_rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default().min(LAST);
    humantime::format_rfc3339_millis(UNIX_EPOCH + since).to_string()
}

/// Parses an RFC 3339 UTC date-time (`2026-11-28T22:31:42Z`, `…42.5Z`); `None` if malformed
/// or not in UTC.
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(s).ok()
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

    fn at(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis)
    }

    #[test]
    fn formats_and_parses() {
        let cases: &[(&str, SystemTime, &str)] = &[
            ("epoch", at(0, 0), "1970-01-01T00:00:00.000Z"),
            ("millis", at(1_796_077_902, 123), "2026-11-30T22:31:42.123Z"),
            ("leap day", at(951_782_400, 0), "2000-02-29T00:00:00.000Z"),
            ("far", at(253_402_300_799, 0), "9999-12-31T23:59:59.000Z"),
        ];
        for (name, t, s) in cases {
            assert_eq!(format_rfc3339(*t), *s, "format {name}");
            assert_eq!(parse_rfc3339(s), Some(*t), "parse {name}");
        }
    }

    #[test]
    fn a_clock_out_of_range_is_written_as_the_nearest_instant() {
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(format_rfc3339(before), "1970-01-01T00:00:00.000Z");
        let after = UNIX_EPOCH + Duration::from_secs(300_000_000_000);
        assert_eq!(format_rfc3339(after), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn accepts_utc_only_and_refuses_garbage() {
        let z = parse_rfc3339("2026-11-28T22:00:00Z").unwrap();
        let cases: &[(&str, Option<SystemTime>)] = &[
            (
                "2026-11-28T22:00:00.5Z",
                Some(z + Duration::from_millis(500)),
            ),
            ("2026-11-28T22:00:00.0000000001Z", Some(z)),
            ("2026-11-28T23:30:00+01:30", None),
            ("2026-11-28 22:00:00Z", None),
            ("2026-11-28T22:00:00", None),
            ("2026-11-28", None),
            ("2026-02-29T00:00:00Z", None),
            ("2026-13-01T00:00:00Z", None),
            ("2026-11-28T24:00:00Z", None),
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
