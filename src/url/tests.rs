//! Canonicalisation tables (the Safe Browsing v4 published examples and our own) and properties.

use proptest::prelude::*;

use super::*;

/// Examples published in the Safe Browsing v4 "URLs and Hashing" document.
const SPEC: &[(&str, &str)] = &[
    ("http://host/%25%32%35", "http://host/%25"),
    ("http://host/%25%32%35%25%32%35", "http://host/%25%25"),
    ("http://host/%2525252525252525", "http://host/%25"),
    ("http://host/asdf%25%32%35asd", "http://host/asdf%25asd"),
    (
        "http://host/%%%25%32%35asd%%",
        "http://host/%25%25%25asd%25%25",
    ),
    ("http://www.google.com/", "http://www.google.com/"),
    (
        "http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
        "http://168.188.99.26/.secure/www.ebay.com/",
    ),
    (
        "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
        "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
    ),
    (
        "http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
        "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+",
    ),
    ("http://3279880203/blah", "http://195.127.0.11/blah"),
    ("http://www.google.com/blah/..", "http://www.google.com/"),
    ("www.google.com/", "http://www.google.com/"),
    ("www.google.com", "http://www.google.com/"),
    ("http://www.evil.com/blah#frag", "http://www.evil.com/blah"),
    ("http://www.GOOgle.com/", "http://www.google.com/"),
    ("http://www.google.com.../", "http://www.google.com/"),
    (
        "http://www.google.com/foo\tbar\rbaz\n2",
        "http://www.google.com/foobarbaz2",
    ),
    ("http://www.google.com/q?", "http://www.google.com/q?"),
    ("http://www.google.com/q?r?", "http://www.google.com/q?r?"),
    ("http://www.google.com/q?r?s", "http://www.google.com/q?r?s"),
    ("http://evil.com/foo#bar#baz", "http://evil.com/foo"),
    ("http://evil.com/foo;", "http://evil.com/foo;"),
    ("http://evil.com/foo?bar;", "http://evil.com/foo?bar;"),
    ("http://notrailingslash.com", "http://notrailingslash.com/"),
    ("http://www.gotaport.com:1234/", "http://www.gotaport.com/"),
    ("  http://www.google.com/  ", "http://www.google.com/"),
    ("http:// leadingspace.com/", "http://%20leadingspace.com/"),
    ("http://%20leadingspace.com/", "http://%20leadingspace.com/"),
    ("%20leadingspace.com/", "http://%20leadingspace.com/"),
    ("https://www.securesite.com/", "https://www.securesite.com/"),
    ("http://host.com/ab%23cd", "http://host.com/ab%23cd"),
    (
        "http://host.com//twoslashes?more//slashes",
        "http://host.com/twoslashes?more//slashes",
    ),
];

/// Our own cases: (name, input, canonical).
const OURS: &[(&str, &str, &str)] = &[
    (
        "upper scheme",
        "HTTPS://Zorvexil.EXAMPLE/",
        "https://zorvexil.example/",
    ),
    (
        "user info dropped",
        "http://ada:pw@quandrith.example/x",
        "http://quandrith.example/x",
    ),
    (
        "user info trick",
        "http://zorvexil.example@velmorik.example/",
        "http://velmorik.example/",
    ),
    (
        "port without scheme",
        "zorvexil.example:8080/a",
        "http://zorvexil.example/a",
    ),
    (
        "bare host and port",
        "zorvexil.example:80",
        "http://zorvexil.example/",
    ),
    (
        "scheme relative",
        "//zorvexil.example/a",
        "http://zorvexil.example/a",
    ),
    (
        "escaped scheme",
        "http%3A%2F%2Fwackyurl.example:80/",
        "http://wackyurl.example/",
    ),
    (
        "query right after host",
        "http://zorvexil.example?a=1",
        "http://zorvexil.example/?a=1",
    ),
    (
        "escaped query separator",
        "http://z.example/a%3Fb",
        "http://z.example/a?b",
    ),
    (
        "query keeps dots and slashes",
        "http://z.example/a?b/../c//d",
        "http://z.example/a?b/../c//d",
    ),
    (
        "query escapes space",
        "http://z.example/?a b",
        "http://z.example/?a%20b",
    ),
    (
        "leading dots",
        "http://..zorvexil.example/",
        "http://zorvexil.example/",
    ),
    (
        "inner dots",
        "http://zorvexil...example/",
        "http://zorvexil.example/",
    ),
    ("octal ip", "http://012.034.01.055/", "http://10.28.1.45/"),
    (
        "hex ip",
        "http://0x12.0x43.0x44.0x01/",
        "http://18.67.68.1/",
    ),
    ("short ip", "http://10.1.515/", "http://10.1.2.3/"),
    (
        "ip trailing dot and port",
        "http://192.168.0.1.:80/i",
        "http://192.168.0.1/i",
    ),
    ("not an ip", "http://276.2.3/", "http://276.2.3/"),
    (
        "ipv6",
        "http://[2001:DB8:0:0::1]:8080/a",
        "http://[2001:db8::1]/a",
    ),
    (
        "idn",
        "http://www.\u{fc}mlat.example/",
        "http://www.xn--mlat-zra.example/",
    ),
    (
        "idn escaped",
        "http://www.%C3%BCmlat.example/",
        "http://www.xn--mlat-zra.example/",
    ),
    (
        "invalid utf-8 host",
        "http://a%FFb.example/",
        "http://a%FFb.example/",
    ),
    (
        "non-ascii path",
        "http://z.example/caf\u{e9}",
        "http://z.example/caf%C3%A9",
    ),
    (
        "escaped dot segments",
        "http://z.example/a/%2e%2E/b",
        "http://z.example/b",
    ),
    (
        "escaped slash",
        "http://z.example/a%2Fb",
        "http://z.example/a/b",
    ),
    (
        "lowercase escape normalised",
        "http://z.example/%7e",
        "http://z.example/~",
    ),
    ("ftp kept", "ftp://files.example/", "ftp://files.example/"),
    (
        "escaped newline kept",
        "http://z.example/a%0Ab",
        "http://z.example/a%0Ab",
    ),
];

const INVALID: &[(&str, &str, UrlError)] = &[
    ("empty", "", UrlError::Empty),
    ("spaces", "   ", UrlError::Empty),
    ("fragment only", "#ref", UrlError::Empty),
    ("colon", ":", UrlError::NoHost),
    ("path only", "/blah", UrlError::NoHost),
    ("query only", "?query#ref", UrlError::NoHost),
    ("no host", "http://", UrlError::NoHost),
    ("no host fragment", "http://#ref", UrlError::NoHost),
    ("no host query", "http://?query", UrlError::NoHost),
    ("dots only", "http://.../", UrlError::NoHost),
    (
        "mailto",
        "mailto:ada@zorvexil.example",
        UrlError::NoAuthority,
    ),
    ("javascript", "javascript:alert(1)", UrlError::NoAuthority),
    ("bad ipv6", "http://[zorvexil]/", UrlError::BadHost),
    ("unclosed ipv6", "http://[::1/", UrlError::BadHost),
];

#[test]
fn spec_examples() {
    for (input, want) in SPEC {
        let got = canonicalize(input).map(|c| c.as_str().to_owned());
        assert_eq!(got.as_deref(), Ok(*want), "input {input:?}");
    }
}

#[test]
fn spec_example_with_raw_bytes() {
    // The specification writes this input with the raw bytes 0x01 and 0x80.
    let c = canonicalize_bytes(b"http://\x01\x80.com/").unwrap();
    assert_eq!(c.as_str(), "http://%01%80.com/");
}

#[test]
fn our_cases() {
    for (name, input, want) in OURS {
        let got = canonicalize(input).map(|c| c.as_str().to_owned());
        assert_eq!(got.as_deref(), Ok(*want), "{name}");
    }
}

#[test]
fn invalid_inputs() {
    for (name, input, want) in INVALID {
        assert_eq!(canonicalize(input).err().as_ref(), Some(want), "{name}");
    }
}

#[test]
fn parts() {
    let c = canonicalize("HTTPS://User@Zorvexil.Example:443/a/../b.html?x=%201#f").unwrap();
    assert_eq!(c.scheme(), "https");
    assert_eq!(c.host(), "zorvexil.example");
    assert_eq!(c.path(), "/b.html");
    assert_eq!(c.query(), Some("x=%201"));
    assert_eq!(c.expression(), "zorvexil.example/b.html?x=%201");
    assert!(!c.host_is_ip());
    let c = canonicalize("http://zorvexil.example/").unwrap();
    assert_eq!(c.query(), None);
    assert!(canonicalize("http://3279880203/").unwrap().host_is_ip());
}

/// The literal reading of the specification: unescape the whole string again and again.
fn unescape_reference(mut s: Vec<u8>) -> Vec<u8> {
    loop {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            if s[i] == b'%'
                && i + 2 < s.len()
                && let (Some(h), Some(l)) = (hex_val(s[i + 1]), hex_val(s[i + 2]))
            {
                out.push((h << 4) | l);
                i += 3;
                continue;
            }
            out.push(s[i]);
            i += 1;
        }
        if out == s {
            return s;
        }
        s = out;
    }
}

proptest! {
    #[test]
    fn one_pass_unescape_matches_the_repeated_reference(s in "[%0-9a-fA-F2x]{0,24}") {
        let mut fast = s.as_bytes().to_vec();
        unescape_fully(&mut fast);
        prop_assert_eq!(fast, unescape_reference(s.as_bytes().to_vec()));
    }

    #[test]
    fn canonicalisation_is_idempotent(s in "\\PC{0,40}") {
        if let Ok(c) = canonicalize(&s) {
            let again = canonicalize(c.as_str());
            prop_assert_eq!(again.as_ref().map(Canonical::as_str), Ok(c.as_str()));
            let again = again.unwrap();
            let expressions = c.expressions().to_strings();
            prop_assert_eq!(again.expressions().to_strings(), expressions.clone());
            prop_assert_eq!(expressions.first().map(String::as_str), Some(c.expression()));
            prop_assert!(expressions.len() <= MAX_HOSTS * MAX_PATHS);
        }
    }

    #[test]
    fn url_shaped_inputs_are_idempotent(
        scheme in "(|http://|HTTPS://|//)",
        host in "[a-zA-Z0-9.%\\[\\]:@]{0,20}",
        path in "[/a-z.%0-9#?]{0,30}",
    ) {
        let s = format!("{scheme}{host}{path}");
        if let Ok(c) = canonicalize(&s) {
            prop_assert!(c.as_str().is_ascii());
            let again = canonicalize(c.as_str()).map(|c| c.as_str().to_owned());
            prop_assert_eq!(again.as_deref(), Ok(c.as_str()));
        }
    }

    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(c) = canonicalize_bytes(&bytes) {
            prop_assert!(c.as_str().is_ascii());
            let _ = c.expressions().to_strings();
        }
    }
}

/// Regression: URL forms a browser resolves to a listed URL were kept, because they were read
/// with Safe Browsing rules alone (backslashes, missing or extra slashes after a special scheme,
/// IPv4-mapped IPv6 hosts).
const BROWSER_FORMS: &[(&str, &str)] = &[
    ("https://listed.example\\x", "https://listed.example/x"),
    ("https:\\\\listed.example/x", "https://listed.example/x"),
    ("https:/listed.example/x", "https://listed.example/x"),
    ("https:listed.example/x", "https://listed.example/x"),
    ("https:///listed.example/x", "https://listed.example/x"),
    (
        "https://files.example.com\\listed\\a.jpg",
        "https://files.example.com/listed/a.jpg",
    ),
    ("https://[::ffff:192.0.2.77]/", "https://192.0.2.77/"),
    (
        "HTTPS:\\/listed.example\\x\\..\\y",
        "https://listed.example/y",
    ),
    ("https://listed.ex\tample/x", "https://listed.example/x"),
    ("https://[::ffff:c000:24d]/a", "https://192.0.2.77/a"),
    ("http://[2001:db8::1]/", "http://[2001:db8::1]/"),
    // A browser skips any number of slashes after a special scheme: there is a host here.
    ("http:///blah", "http://blah/"),
];

#[test]
fn browser_resolved_forms_canonicalise_to_the_listed_url() {
    for (input, want) in BROWSER_FORMS {
        let got = canonicalize(input).map(|c| c.as_str().to_owned());
        assert_eq!(got.as_deref(), Ok(*want), "input {input:?}");
    }
}

/// Found by fuzzing: bytes that are not UTF-8 kept the browser's reading from applying, so a
/// backslash beside them stayed a backslash, while the (escaped) canonical form read it as a
/// slash: canonicalising was not idempotent, and such a URL missed its listed form.
#[test]
fn non_utf8_bytes_keep_the_browser_reading() {
    let c = canonicalize_bytes(b"https://listed.example/a\x90\\x").unwrap();
    assert_eq!(c.as_str(), "https://listed.example/a%90/x");
    for input in [
        &b"https://listed.example/a\x90\\x"[..],
        b"http!://lisede.tx\x90\x90ample\\x",
        b"listed.example\\\xff",
    ] {
        let once = canonicalize_bytes(input).unwrap();
        let twice = canonicalize(once.as_str()).unwrap();
        assert_eq!(twice, once, "{input:?}");
    }
}

/// Found by fuzzing: an IPv4-mapped IPv6 host was written as IPv4 only when the URL Standard
/// could read the whole URL, so junk after the host kept `[::ffff:…]`, which canonicalised again
/// to the IPv4 form.
#[test]
fn ipv4_mapped_hosts_are_ipv4_whatever_follows() {
    let c = canonicalize("https://[::ffff:192.0.2.77]::ffff:192.0.2./").unwrap();
    assert_eq!(c.as_str(), "https://192.0.2.77/");
    assert_eq!(canonicalize(c.as_str()).unwrap(), c);
    assert!(c.host_is_ip());
}

/// Found by the property test and by fuzzing: a backslash that came from `%5C` was written as
/// it is, and the browser's reading took it for a slash the next time (`%5ca?` gave
/// `http://\a/?`, then `http://a/?`).
#[test]
fn escaped_backslashes_stay_escaped() {
    let cases: [(&[u8], &str); 4] = [
        (b"%5ca?", "http://%5Ca/?"),
        (
            b"http://listed.example/a%5Cb",
            "http://listed.example/a%5Cb",
        ),
        (
            b"http://listed.example/a?b%5Cc",
            "http://listed.example/a?b%5Cc",
        ),
        (
            b"https://listed.example\\a%5Cb",
            "https://listed.example/a%5Cb",
        ),
    ];
    for (input, want) in cases {
        let once = canonicalize_bytes(input).unwrap();
        assert_eq!(once.as_str(), want, "{input:?}");
        assert_eq!(canonicalize(once.as_str()).unwrap(), once, "{input:?}");
    }
    let fuzzed = b"hes.ex\xff\xfftt\xffze.com\\\x9b\x91\x93\x00@\xd0\x8fatlisted\\a.p:h.ex\xff\xfftt\xffze.com\xff\xfftt\xffze.com\\jpg";
    let once = canonicalize_bytes(fuzzed).unwrap();
    assert_eq!(canonicalize(once.as_str()).unwrap(), once);
}
