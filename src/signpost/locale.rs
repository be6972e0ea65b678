//! Choosing a notice locale from an Accept-Language header (RFC 9110 §12.5.4 q-values, then
//! exact tag, then language-prefix matching).

/// Headers longer than this are cut before parsing; nobody sends more than a few dozen bytes.
const MAX_HEADER_BYTES: usize = 1024;
/// At most this many language ranges are considered.
const MAX_RANGES: usize = 16;

/// The language ranges of an Accept-Language header, most preferred first; ranges with q=0 or
/// an unparsable q are dropped, ties keep header order. `*` is kept as `*`.
pub fn ranges(header: &str) -> Vec<String> {
    let header = cut(header, MAX_HEADER_BYTES);
    let mut out: Vec<(u16, String)> = Vec::new();
    for item in header.split(',').take(MAX_RANGES) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let valid_tag = !tag.is_empty()
            && (tag == "*"
                || tag.split('-').all(|p| {
                    (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
                }));
        if !valid_tag {
            continue;
        }
        let mut q = Some(1000u16);
        for param in parts {
            let param = param.trim();
            if let Some(v) = param
                .strip_prefix("q=")
                .or_else(|| param.strip_prefix("Q="))
            {
                q = parse_q(v.trim());
            }
        }
        match q {
            Some(q) if q > 0 => out.push((q, tag.to_ascii_lowercase())),
            _ => {}
        }
    }
    // Stable sort keeps header order among equal weights.
    out.sort_by_key(|r| std::cmp::Reverse(r.0));
    out.into_iter().map(|(_, t)| t).collect()
}

/// A qvalue in thousandths: `0`, `1`, `0.5`, `1.000` (at most three decimals, at most 1).
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_val = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_val),
        "1" if frac_val == 0 => Some(1000),
        _ => None,
    }
}

/// The best of `available` (configured locale tags) for `header`, and the user's matched range
/// (used to filter region-specific links). `None` when nothing matches: use the default locale.
///
/// For each range in preference order: an exact (case-insensitive) match, else a locale that
/// is the range's language alone (`en` for `en-US`), else the first locale of the same
/// language (`en-GB` for `en-US`). `*` matches nothing, so the default locale is used.
pub fn best<'a>(header: &str, available: &[&'a str]) -> Option<(&'a str, String)> {
    for range in ranges(header) {
        if range == "*" {
            return None;
        }
        let lang = range.split('-').next().unwrap_or("");
        let exact = available.iter().find(|a| a.eq_ignore_ascii_case(&range));
        let bare = || available.iter().find(|a| a.eq_ignore_ascii_case(lang));
        let same_lang = || {
            available.iter().find(|a| {
                a.split('-')
                    .next()
                    .is_some_and(|l| l.eq_ignore_ascii_case(lang))
            })
        };
        if let Some(found) = exact.or_else(bare).or_else(same_lang) {
            return Some((found, range));
        }
    }
    None
}

/// Whether a link restricted to `allowed` tags may be shown to a user with notice locale
/// `locale` and matched range `user`: some allowed tag equals either, or is the language of
/// the user's range (`en` allows `en-US`).
pub fn link_allowed(allowed: &[String], locale: &str, user: Option<&str>) -> bool {
    allowed.iter().any(|a| {
        a.eq_ignore_ascii_case(locale)
            || user.is_some_and(|u| {
                u.eq_ignore_ascii_case(a)
                    || (u.len() > a.len()
                        && u.as_bytes().get(a.len()) == Some(&b'-')
                        && u.get(..a.len()).is_some_and(|p| p.eq_ignore_ascii_case(a)))
            })
    })
}

fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_choice_table() {
        let available = ["de", "en", "en-GB", "fr-CA", "pt-BR"];
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("empty header", "", None),
            ("garbage", ";;,,q=", None),
            ("exact", "de", Some("de")),
            ("case-insensitive exact", "EN-gb", Some("en-GB")),
            ("region falls back to bare language", "en-US", Some("en")),
            ("bare language exact before region", "en", Some("en")),
            ("same language other region", "fr", Some("fr-CA")),
            ("same language other region 2", "pt-PT", Some("pt-BR")),
            ("unknown language", "ja", None),
            (
                "q order wins over header order",
                "de;q=0.5, en-GB;q=0.9",
                Some("en-GB"),
            ),
            ("ties keep header order", "de, en", Some("de")),
            (
                "first acceptable of several",
                "ja, ko;q=0.9, de;q=0.1",
                Some("de"),
            ),
            ("q=0 means not acceptable", "de;q=0, en;q=0.1", Some("en")),
            ("bad q is dropped", "de;q=2, en;q=0.3", Some("en")),
            (
                "too many decimals dropped",
                "de;q=0.0001, en;q=0.3",
                Some("en"),
            ),
            ("q=1.000 ok", "de;q=1.000", Some("de")),
            ("spaces around", "  ja ; q=0.9 ,  de ; q=0.8 ", Some("de")),
            ("star uses default", "*", None),
            (
                "star after a miss uses default",
                "ja, *;q=0.5, de;q=0.1",
                None,
            ),
            (
                "prefix match on top range beats exact lower",
                "de-AT, en;q=0.8",
                Some("de"),
            ),
            ("non-ascii is ignored", "ü, de", Some("de")),
        ];
        for (name, header, want) in cases {
            let got = best(header, &available).map(|(l, _)| l);
            assert_eq!(got, *want, "case {name}: {header:?}");
        }
    }

    #[test]
    fn long_and_odd_headers_do_not_panic() {
        let long = "é".repeat(2000);
        assert_eq!(best(&long, &["en"]), None);
        let many = "xx;q=0.1,".repeat(500) + "en";
        // Only the first ranges count; `en` is past the cut.
        assert_eq!(best(&many, &["en"]), None);
    }

    #[test]
    fn link_locale_filter_table() {
        let gb = vec!["en-GB".to_owned(), "en-IE".to_owned()];
        let en = vec!["en".to_owned()];
        type Case<'a> = (&'a str, &'a Vec<String>, &'a str, Option<&'a str>, bool);
        let cases: &[Case] = &[
            ("user region listed", &gb, "en", Some("en-gb"), true),
            ("other region", &gb, "en", Some("en-us"), false),
            ("no header", &gb, "en", None, false),
            ("notice locale listed", &gb, "en-GB", None, true),
            ("language allows regions", &en, "de", Some("en-us"), true),
            (
                "language prefix must end at a dash",
                &en,
                "de",
                Some("eno"),
                false,
            ),
        ];
        for (name, allowed, locale, user, want) in cases {
            assert_eq!(link_allowed(allowed, locale, *user), *want, "case {name}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_header_gives_an_available_locale_or_none(header in "\\PC{0,120}") {
            let available = ["en", "de-AT"];
            if let Some((found, _)) = best(&header, &available) {
                proptest::prop_assert!(available.contains(&found));
            }
        }
    }
}
