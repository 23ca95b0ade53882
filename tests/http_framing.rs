//! Raw-socket framing cases: malformed and ambiguous requests get the protocol's
//! status and a closed connection; valid edge cases are served.

mod support;

use jaxl::http::{create_server, Config, HeadLimits};
use support::*;

fn server() -> TestServer {
    start(|| {
        let config = Config {
            head: HeadLimits {
                max_request_line: 256,
                max_head_bytes: 1024,
                max_headers: 16,
            },
            max_body: 64,
            ..Config::default()
        };
        create_server(|req, res| {
            let method = req.method().to_string();
            if method == "POST" {
                req.on_body(move |body| {
                    res.end(format!("{} bytes\n", body.len()));
                });
            } else {
                res.end(format!("{method} {}\n", req.path()));
            }
        })
        .config(config)
    })
}

#[test]
fn malformed_requests_get_their_status_and_close() {
    let s = server();
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(300));
    let many: String = (0..20).map(|i| format!("X-{i}: v\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n");
    let big = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n",
        "b".repeat(1100)
    );
    let table: Vec<(&str, Vec<u8>, u16)> = vec![
        ("CL and TE", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".to_vec(), 400),
        ("differing CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd".to_vec(), 400),
        ("signed CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc".to_vec(), 400),
        ("overflowing CL", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 184467440737095516160\r\n\r\n".to_vec(), 400),
        ("TE not chunked", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(), 400),
        ("TE chunked, gzip", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n".to_vec(), 400),
        ("bare CR", b"GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n".to_vec(), 400),
        ("obs-fold", b"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n".to_vec(), 400),
        ("space before colon", b"GET / HTTP/1.1\r\nHost : a\r\n\r\n".to_vec(), 400),
        ("no Host", b"GET / HTTP/1.1\r\n\r\n".to_vec(), 400),
        ("two Hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".to_vec(), 400),
        ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: a\r\n\r\n".to_vec(), 505),
        ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n".to_vec(), 400),
        ("URI too long", long_uri.into_bytes(), 414),
        ("too many headers", many.into_bytes(), 431),
        ("header section too large", big.into_bytes(), 431),
        ("unknown expectation", b"POST / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx".to_vec(), 417),
        ("bad chunk size", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(), 400),
        ("chunk size overflow", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n".to_vec(), 400),
        ("chunk without CRLF", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX".to_vec(), 400),
        ("body too large", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n".to_vec(), 413),
        ("chunked body too large", format!("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n{}\r\n", "x".repeat(80)).into_bytes(), 413),
    ];
    for (name, raw, want) in table {
        let (resp, mut rest) = exchange(&s, &raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(resp.status, want, "{name}: {}", resp.text());
        assert_eq!(resp.header("connection"), Some("close"), "{name}");
        assert!(closed_by_server(&mut rest), "{name}: connection left open");
    }
}

#[test]
fn valid_edge_cases_are_served() {
    let s = server();
    let table: Vec<(&str, &[u8], u16, &str)> = vec![
        ("bare LF", b"GET /lf HTTP/1.1\nHost: a\n\n", 200, "GET /lf\n"),
        ("leading CRLF", b"\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n", 200, "GET /x\n"),
        ("HTTP/1.0 without Host", b"GET /old HTTP/1.0\r\n\r\n", 200, "GET /old\n"),
        ("identical CLs", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 200, "3 bytes\n"),
        ("chunked with extension and trailer", b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n", 200, "5 bytes\n"),
        ("absolute form", b"GET http://a/abs?q HTTP/1.1\r\nHost: a\r\n\r\n", 200, "GET /abs\n"),
    ];
    for (name, raw, want, body) in table {
        let (resp, _) = exchange(&s, raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(resp.status, want, "{name}");
        assert_eq!(resp.text(), body, "{name}");
    }
}
