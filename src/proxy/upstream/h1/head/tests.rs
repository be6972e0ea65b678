//! Response heads per RFC 9112: framing and keep-alive tables, refused heads, partial heads,
//! request heads.

use super::*;

fn parse(wire: &str, method: Method) -> Result<Option<ResponseHead>, HeadError> {
    let mut buf = BytesMut::from(wire.as_bytes());
    parse_response(&mut buf, &method)
}

#[test]
fn framing_and_keep_alive_follow_rfc_9112() {
    use Framing::*;
    let get = Method::GET;
    let cases: [(&str, Method, &str, Framing, bool); 16] = [
        (
            "length",
            get.clone(),
            "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n",
            Length(5),
            true,
        ),
        (
            "length, mixed case name",
            get.clone(),
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            Length(0),
            true,
        ),
        (
            "repeated equal lengths",
            get.clone(),
            "HTTP/1.1 200 OK\r\ncontent-length: 3, 3\r\ncontent-length: 3\r\n\r\n",
            Length(3),
            true,
        ),
        (
            "chunked",
            get.clone(),
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
            Chunked,
            true,
        ),
        (
            "gzip then chunked",
            get.clone(),
            "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, Chunked\r\n\r\n",
            Chunked,
            true,
        ),
        (
            "chunked and length",
            get.clone(),
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 9\r\n\r\n",
            Chunked,
            false,
        ),
        (
            "coding not chunked",
            get.clone(),
            "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n",
            UntilClose,
            false,
        ),
        (
            "no length",
            get.clone(),
            "HTTP/1.1 200 OK\r\n\r\n",
            UntilClose,
            false,
        ),
        (
            "head",
            Method::HEAD,
            "HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n",
            Empty,
            false, // bodiless: not provably idle after it
        ),
        (
            "no content",
            get.clone(),
            "HTTP/1.1 204 No Content\r\n\r\n",
            Empty,
            false, // bodiless: not provably idle after it
        ),
        (
            "not modified",
            get.clone(),
            "HTTP/1.1 304 Not Modified\r\ncontent-length: 12\r\n\r\n",
            Empty,
            false, // bodiless: not provably idle after it
        ),
        (
            "continue",
            get.clone(),
            "HTTP/1.1 100 Continue\r\n\r\n",
            Empty,
            true,
        ),
        (
            "close",
            get.clone(),
            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\n",
            Length(1),
            false,
        ),
        (
            "1.0",
            get.clone(),
            "HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\n",
            Length(1),
            false,
        ),
        (
            "1.0 keep-alive",
            get.clone(),
            "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 1\r\n\r\n",
            Length(1),
            true,
        ),
        (
            "1.0 chunked is not a coding",
            get.clone(),
            "HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
            UntilClose,
            false,
        ),
    ];
    for (name, method, wire, framing, keep_alive) in cases {
        let head = parse(wire, method).unwrap().unwrap();
        assert_eq!(head.framing, framing, "{name}");
        assert_eq!(head.keep_alive, keep_alive, "{name}");
        if head.headers.contains_key(header::TRANSFER_ENCODING) {
            assert!(!head.headers.contains_key(header::CONTENT_LENGTH), "{name}");
        }
    }
}

#[test]
fn refuses_bad_heads() {
    let many = format!(
        "HTTP/1.1 200 OK\r\n{}\r\n",
        "x-a: 1\r\n".repeat(MAX_HEADERS + 1)
    );
    let cases: [(&str, &str, HeadError); 7] = [
        ("not http", "SSH-2.0-OpenSSH\r\n\r\n", HeadError::Malformed),
        (
            "bad status",
            "HTTP/1.1 2000 OK\r\n\r\n",
            HeadError::Malformed,
        ),
        (
            "space in name",
            "HTTP/1.1 200 OK\r\nbad name: 1\r\n\r\n",
            HeadError::Malformed,
        ),
        (
            "two lengths",
            "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
            HeadError::ContentLength,
        ),
        (
            "signed length",
            "HTTP/1.1 200 OK\r\ncontent-length: +1\r\n\r\n",
            HeadError::ContentLength,
        ),
        (
            "huge length",
            "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\n",
            HeadError::ContentLength,
        ),
        ("too many fields", &many, HeadError::TooLarge),
    ];
    for (name, wire, want) in cases {
        assert_eq!(parse(wire, Method::GET).err(), Some(want), "{name}");
    }
    let big = format!("HTTP/1.1 200 OK\r\nx-big: {}", "a".repeat(MAX_HEAD));
    assert_eq!(
        parse(&big, Method::GET).err(),
        Some(HeadError::TooLarge),
        "endless head"
    );
}

#[test]
fn partial_heads_wait_and_the_body_stays_in_the_buffer() {
    let wire = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-dup: a\r\nx-dup: b\r\nx-empty:\r\nx-spaced:   v  \r\ncontent-length: 2\r\n\r\n{}";
    for cut in 0..wire.find("\r\n\r\n").unwrap() + 3 {
        assert!(
            parse(&wire[..cut], Method::GET).unwrap().is_none(),
            "cut at {cut}"
        );
    }
    let mut buf = BytesMut::from(wire.as_bytes());
    let head = parse_response(&mut buf, &Method::GET).unwrap().unwrap();
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.headers["content-type"], "application/json");
    let dups: Vec<_> = head.headers.get_all("x-dup").iter().collect();
    assert_eq!(dups, ["a", "b"], "repeated fields kept in order");
    assert_eq!(head.headers["x-empty"], "");
    assert_eq!(
        head.headers["x-spaced"], "v",
        "surrounding whitespace is not the value"
    );
    assert_eq!(&buf[..], b"{}");
}

proptest::proptest! {
    #[test]
    fn arbitrary_heads_never_panic(
        wire in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        head_request in proptest::prelude::any::<bool>(),
    ) {
        let method = if head_request { Method::HEAD } else { Method::GET };
        let mut buf = BytesMut::from(&wire[..]);
        if let Ok(Some(_)) = parse_response(&mut buf, &method) {
            proptest::prop_assert!(buf.len() < wire.len(), "a parsed head is taken off");
        }
    }

    #[test]
    fn mutated_valid_heads_never_panic(pos in 0usize..120, byte in proptest::prelude::any::<u8>()) {
        let mut wire = b"HTTP/1.1 200 OK\r\ncontent-type: a/b\r\nx-e:\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n".to_vec();
        let at = pos % wire.len();
        wire[at] = byte;
        let mut buf = BytesMut::from(&wire[..]);
        let _ = parse_response(&mut buf, &Method::GET);
    }
}

#[test]
fn request_heads_carry_headers_and_framing() {
    let mut h = HeaderMap::new();
    h.insert(header::HOST, HeaderValue::from_static("engine:9200"));
    h.append("x-multi", HeaderValue::from_static("1"));
    h.append("x-multi", HeaderValue::from_static("2"));
    h.insert(
        header::TRANSFER_ENCODING,
        HeaderValue::from_static("chunked"),
    );
    let cases: [(&str, Method, &str, usize, Option<&str>); 5] = [
        ("get, no body", Method::GET, "/s?q=a", 0, None),
        ("empty target", Method::GET, "", 0, None),
        ("post, body", Method::POST, "/i/_search", 12, Some("12")),
        ("post, empty", Method::POST, "/", 0, Some("0")),
        ("delete, no body", Method::DELETE, "/x", 0, None),
    ];
    for (name, method, target, len, want_length) in cases {
        let mut out = BytesMut::new();
        encode_request(&mut out, &method, target, &h, len);
        let text = std::str::from_utf8(&out).unwrap();
        let target = if target.is_empty() { "/" } else { target };
        assert!(
            text.starts_with(&format!("{method} {target} HTTP/1.1\r\n")),
            "{name}: {text}"
        );
        assert!(text.ends_with("\r\n\r\n"), "{name}");
        assert!(text.contains("host: engine:9200\r\n"), "{name}");
        assert!(text.contains("x-multi: 1\r\nx-multi: 2\r\n"), "{name}");
        assert!(
            !text.contains("transfer-encoding"),
            "{name}: framing is ours"
        );
        let length = text
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "));
        assert_eq!(length, want_length, "{name}");
        // What we write, httparse reads back as one whole request.
        let mut fields = [httparse::EMPTY_HEADER; 16];
        let mut req = httparse::Request::new(&mut fields);
        assert_eq!(
            req.parse(&out),
            Ok(httparse::Status::Complete(out.len())),
            "{name}"
        );
    }
    let mut with_length = h.clone();
    with_length.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    let mut out = BytesMut::new();
    encode_request(&mut out, &Method::GET, "/", &with_length, 0);
    assert!(
        std::str::from_utf8(&out)
            .unwrap()
            .contains("content-length: 0\r\n"),
        "kept"
    );
}
