use super::*;
use crate::framing::BodyKind;

fn parse(buf: &[u8]) -> Result<Parse<(usize, BodyKind, bool, bool)>, HeadError> {
    parse_with(buf, &HeadLimits::default())
}

fn parse_with(
    buf: &[u8],
    limits: &HeadLimits,
) -> Result<Parse<(usize, BodyKind, bool, bool)>, HeadError> {
    let mut storage = crate::head::header_storage::<100>();
    Ok(match parse_head(buf, &mut storage, limits)? {
        Parse::Partial => Parse::Partial,
        Parse::Complete(h) => Parse::Complete((h.len, h.body, h.keep_alive, h.expect_continue)),
    })
}

fn status_of(buf: &[u8]) -> u16 {
    match parse(buf) {
        Ok(Parse::Complete(_)) => 200,
        Ok(Parse::Partial) => 0,
        Err(e) => e.status,
    }
}

/// One table of malformed (and a few valid) requests with the status they earn:
/// 200 means accepted, 0 means "incomplete, wait for more".
#[test]
fn malformed_requests_table() {
    let table: &[(&str, &[u8], u16)] = &[
        ("simple", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        ("bare LF lines", b"GET / HTTP/1.1\nHost: a\n\n", 200),
        ("leading empty line", b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        ("http/1.0 without host", b"GET / HTTP/1.0\r\n\r\n", 200),
        ("partial", b"GET / HTTP/1.1\r\nHost: a\r\n", 0),
        ("partial line", b"GET /ab", 0),
        ("no host", b"GET / HTTP/1.1\r\n\r\n", 400),
        ("two hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("bad host", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
        ("CL and TE", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("TE and CL", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
        ("differing CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
        ("differing CL list", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n", 400),
        ("identical CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", 200),
        ("signed CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n", 400),
        ("negative CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
        ("hex CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x3\r\n\r\n", 400),
        ("empty CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400),
        ("overflowing CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
        ("CL with space inside", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400),
        ("TE gzip only", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        ("TE chunked then gzip", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        ("TE chunked twice", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("TE gzip, chunked", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("TE chunked-false", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunkedx\r\n\r\n", 400),
        ("TE empty", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", 400),
        ("TE on 1.0", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("TE Chunked case", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", 200),
        ("bare CR in value", b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400),
        ("bare CR line end", b"GET / HTTP/1.1\rHost: a\r\n\r\n", 400),
        ("obs-fold", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400),
        ("space before colon", b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        ("space in name", b"GET / HTTP/1.1\r\nHost: a\r\nX Y: b\r\n\r\n", 400),
        ("NUL in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 400),
        ("DEL in value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", 400),
        ("empty name", b"GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400),
        ("leading space header", b"GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
        ("two spaces in line", b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("lower version", b"GET / http/1.1\r\nHost: a\r\n\r\n", 400),
        ("http/2.0", b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("http/1.2", b"GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
        ("http/3", b"GET / HTTP/3\r\nHost: a\r\n\r\n", 505),
        ("http/0.9 line", b"GET /\r\n\r\n", 400),
        ("garbage version", b"GET / FOO/1.1\r\nHost: a\r\n\r\n", 400),
        ("bad method char", b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("relative target", b"GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("asterisk on GET", b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("asterisk on OPTIONS", b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        ("absolute form", b"GET http://a/b?c HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        ("expect other", b"POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n", 417),
        ("expect 1.0 ignored", b"POST / HTTP/1.0\r\nExpect: teapot\r\n\r\n", 200),
        ("control char in target", b"GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("invalid utf-8 target", b"GET /\xff HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ];
    for (name, req, want) in table {
        assert_eq!(status_of(req), *want, "case {name:?}");
    }
}

#[test]
fn limits() {
    let limits = HeadLimits {
        max_request_line: 32,
        max_head_bytes: 64,
        max_headers: 2,
    };
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(40));
    assert_eq!(
        parse_with(long_uri.as_bytes(), &limits).unwrap_err().status,
        414
    );
    // Partial, but already longer than the request line may be.
    let partial = format!("GET /{}", "a".repeat(40));
    assert_eq!(
        parse_with(partial.as_bytes(), &limits).unwrap_err().status,
        414
    );
    // Just within: still partial.
    assert_eq!(
        parse_with(b"GET /aaaaaaaaaaaaa", &limits),
        Ok(Parse::Partial)
    );
    let many = b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n";
    assert_eq!(parse_with(many, &limits).unwrap_err().status, 431);
    let big = format!("GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n", "b".repeat(60));
    assert_eq!(parse_with(big.as_bytes(), &limits).unwrap_err().status, 431);
    let big_partial = format!("GET / HTTP/1.1\r\nHost: a\r\nX: {}", "b".repeat(60));
    assert_eq!(
        parse_with(big_partial.as_bytes(), &limits)
            .unwrap_err()
            .status,
        431
    );
}

#[test]
fn fields_and_framing() {
    let buf = b"POST /users/7?x=1&y#frag HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello";
    let mut storage = crate::head::header_storage::<16>();
    let head = match parse_head(buf, &mut storage, &HeadLimits::default()) {
        Ok(Parse::Complete(h)) => h,
        other => panic!("{other:?}"),
    };
    assert_eq!(head.method, "POST");
    assert_eq!(head.path, "/users/7");
    assert_eq!(head.query, Some("x=1&y"));
    assert_eq!(head.version, Version::Http11);
    assert_eq!(head.body, BodyKind::Length(5));
    assert_eq!(&buf[head.len..], b"hello");
    assert_eq!(head.headers.len(), 4);
    assert!(head.keep_alive);
    assert!(!head.upgrade);
}

#[test]
fn keep_alive_rules() {
    let ka = |req: &[u8]| match parse(req) {
        Ok(Parse::Complete((_, _, ka, _))) => ka,
        other => panic!("{other:?}"),
    };
    assert!(ka(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    assert!(!ka(
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    ));
    assert!(!ka(
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n"
    ));
    assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
    assert!(ka(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    assert!(!ka(
        b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"
    ));
}

#[test]
fn expect_and_upgrade() {
    let buf = b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n";
    match parse(buf) {
        Ok(Parse::Complete((_, BodyKind::Length(1), _, true))) => {}
        other => panic!("{other:?}"),
    }
    let up = b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n";
    let mut storage = crate::head::header_storage::<8>();
    match parse_head(up, &mut storage, &HeadLimits::default()) {
        Ok(Parse::Complete(h)) => assert!(h.upgrade),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_prefix_is_partial_or_complete() {
    let buf =
        b"POST /a?b HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n";
    for n in 0..buf.len() {
        assert_eq!(parse(&buf[..n]), Ok(Parse::Partial), "prefix {n}");
    }
    assert!(matches!(
        parse(buf),
        Ok(Parse::Complete((_, BodyKind::Chunked, true, false)))
    ));
}

/// Deterministic pseudo-random heads built from request-ish tokens: parsing never
/// panics and a complete head never claims more bytes than were given.
#[test]
fn random_heads_never_panic() {
    let tokens: &[&[u8]] = &[
        b"GET ",
        b"/",
        b"a",
        b" HTTP/1.1",
        b" HTTP/1.0",
        b" HTTP/9.9",
        b"\r\n",
        b"\n",
        b"\r",
        b"Host: x",
        b"Content-Length: 5",
        b"Content-Length: -1",
        b"Transfer-Encoding: chunked",
        b"Connection: close",
        b"Expect: 100-continue",
        b": ",
        b" ",
        b"\t",
        b"\xff",
        b"\x00",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        let mut input = Vec::new();
        let n = (seed % 16) as usize;
        for _ in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            input.extend_from_slice(tokens[(seed % tokens.len() as u64) as usize]);
        }
        let mut storage = header_storage::<8>();
        if let Ok(Parse::Complete(h)) = parse_head(&input, &mut storage, &HeadLimits::default()) {
            assert!(h.len <= input.len());
        }
    }
}
