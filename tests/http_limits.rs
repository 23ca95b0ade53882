//! Timeouts and connection limits, with short configured durations: each test
//! waits for the server's own close, never sleeps to synchronise.

mod support;

use jaxl::http::{create_server, Config};
use std::io::{BufReader, Read, Write};
use std::time::{Duration, Instant};
use support::*;

fn server(config: Config) -> TestServer {
    start(move || {
        create_server(|req, res| {
            let path = req.path().to_string();
            req.on_body(move |body| res.end(format!("{path} {}\n", body.len())));
        })
        .config(config)
    })
}

fn short() -> Config {
    Config {
        header_timeout: Duration::from_millis(200),
        keep_alive_timeout: Duration::from_millis(200),
        body_timeout: Duration::from_millis(200),
        ..Config::default()
    }
}

#[test]
fn slow_header_gets_408_and_close() {
    let s = server(short());
    let mut c = s.connect();
    let t = Instant::now();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow:")
        .unwrap();
    let mut r = BufReader::new(c);
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.status, 408);
    assert!(closed_by_server(&mut r));
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[test]
fn silent_connection_is_closed_without_a_response() {
    let s = server(short());
    let mut c = s.connect();
    let mut buf = Vec::new();
    // End of stream, no bytes: closed at the header deadline.
    assert_eq!(c.read_to_end(&mut buf).unwrap(), 0);
}

#[test]
fn idle_keep_alive_connection_is_closed() {
    let s = server(short());
    let mut c = s.connect();
    c.write_all(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let mut r = BufReader::new(c);
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.text(), "/a 0\n");
    let t = Instant::now();
    assert!(closed_by_server(&mut r));
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[test]
fn slow_body_gets_408() {
    let s = server(short());
    let mut c = s.connect();
    c.write_all(b"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    let mut r = BufReader::new(c);
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.status, 408);
    assert!(closed_by_server(&mut r));
}

#[test]
fn connection_limit_holds_further_connections_back() {
    let config = Config {
        max_connections: 1,
        keep_alive_timeout: Duration::from_secs(30),
        header_timeout: Duration::from_secs(30),
        ..short()
    };
    let s = server(config);
    let mut first = s.connect();
    first
        .write_all(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut r1 = BufReader::new(first.try_clone().unwrap());
    assert_eq!(read_response(&mut r1, false).unwrap().text(), "/1 0\n");
    // The second connection waits in the backlog: no answer while the first lives.
    let mut second = s.connect();
    second
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    second
        .write_all(b"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut byte = [0u8; 1];
    assert!(
        second.read(&mut byte).is_err(),
        "second connection served over the limit"
    );
    // Once the first closes, the second is served.
    drop(r1);
    drop(first);
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut r2 = BufReader::new(second);
    assert_eq!(read_response(&mut r2, false).unwrap().text(), "/2 0\n");
}

#[test]
fn pipelining_depth_is_bounded_but_all_requests_are_answered() {
    let config = Config {
        max_pipelined: 2,
        ..Config::default()
    };
    let s = server(config);
    let mut c = s.connect();
    let mut batch = Vec::new();
    for i in 0..50 {
        batch.extend_from_slice(format!("GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());
    }
    c.write_all(&batch).unwrap();
    let mut r = BufReader::new(c);
    for i in 0..50 {
        assert_eq!(
            read_response(&mut r, false).unwrap().text(),
            format!("/{i} 0\n")
        );
    }
}
