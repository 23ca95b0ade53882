//! Server behaviour over loopback with raw sockets: keep-alive, pipelining order,
//! deferred responses, chunked both ways, HEAD, 100-continue, upgrades, routing,
//! back-pressure, several loops, graceful shutdown.

mod support;

use jaxl::core::{Context, Handler};
use jaxl::http::{create_server, create_server_cx, Routes, Server};
use std::cell::RefCell;
use std::io::{BufReader, Read, Write};
use std::rc::Rc;
use std::time::Duration;
use support::*;

fn echo_server() -> TestServer {
    start(|| {
        create_server_cx(|req, res, cx| {
            let path = req.path().to_string();
            match path.as_str() {
                "/slow" => {
                    // Finished later, from a timer.
                    cx.set_timeout(Duration::from_millis(100), move |_| res.end("slow\n"));
                }
                "/echo" => {
                    // Stream the body back as it arrives: chunked on HTTP/1.1.
                    res.write_head(200, &[("Content-Type", "application/octet-stream")]);
                    let res = Rc::new(res);
                    let r2 = res.clone();
                    req.on_data(move |piece| {
                        res.write(piece);
                    });
                    req.on_end(move || r2.end(""));
                }
                "/len" => {
                    req.on_body(move |body| res.end(format!("{}\n", body.len())));
                }
                "/close" => {
                    res.set_header("Connection", "close");
                    res.end("bye\n");
                }
                _ => {
                    res.write_head(200, &[("Content-Type", "text/plain")]);
                    res.end(format!("{} {}\n", req.method(), path));
                }
            }
        })
    })
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let s = echo_server();
    let mut c = s.connect();
    let mut r = BufReader::new(c.try_clone().unwrap());
    for i in 0..20 {
        write!(c, "GET /n{i} HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        let resp = read_response(&mut r, false).unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.text(), format!("GET /n{i}\n"));
        assert!(resp.header("date").is_some());
        assert_eq!(
            resp.header("content-length"),
            Some(&*format!("{}", resp.body.len()))
        );
    }
    // HTTP/1.0 with keep-alive stays open too, and says so.
    c.write_all(b"GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.header("connection"), Some("keep-alive"));
    c.write_all(b"GET /close HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(closed_by_server(&mut r));
}

#[test]
fn client_connection_close_is_honoured() {
    let s = echo_server();
    let (resp, mut r) = exchange(
        &s,
        b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert_eq!(resp.text(), "GET /x\n");
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(closed_by_server(&mut r));
}

#[test]
fn pipelined_responses_keep_request_order_even_when_deferred() {
    let s = echo_server();
    let mut c = s.connect();
    let mut batch = Vec::new();
    for p in ["/a", "/slow", "/b", "/slow", "/c"] {
        batch.extend_from_slice(format!("GET {p} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());
    }
    c.write_all(&batch).unwrap();
    let mut r = BufReader::new(c);
    let got: Vec<String> = (0..5)
        .map(|_| read_response(&mut r, false).unwrap().text())
        .collect();
    assert_eq!(
        got,
        ["GET /a\n", "slow\n", "GET /b\n", "slow\n", "GET /c\n"]
    );
}

#[test]
fn http10_client_gets_close_delimited_body_and_close() {
    let s = echo_server();
    let (resp, mut r) =
        exchange(&s, b"POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello").unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("transfer-encoding"), None);
    assert_eq!(resp.text(), "hello");
    assert!(closed_by_server(&mut r));
}

#[test]
fn chunked_request_and_chunked_response() {
    let s = echo_server();
    let mut c = s.connect();
    c.write_all(
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    )
    .unwrap();
    c.write_all(b"6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.header("transfer-encoding"), Some("chunked"));
    assert_eq!(resp.text(), "hello world");
    // The connection is still usable.
    c.write_all(b"POST /len HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
        .unwrap();
    assert_eq!(read_response(&mut r, false).unwrap().text(), "3\n");
}

#[test]
fn head_never_sends_a_body() {
    let s = echo_server();
    let mut c = s.connect();
    c.write_all(b"HEAD /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(c);
    let head = read_response(&mut r, true).unwrap();
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("8")); // "HEAD /x\n"
                                                          // If HEAD had sent a body, this would read it as a status line.
    let next = read_response(&mut r, false).unwrap();
    assert_eq!(next.text(), "GET /y\n");
}

#[test]
fn expect_continue_is_answered_only_when_the_body_is_read() {
    let s = echo_server();
    let mut c = s.connect();
    c.write_all(
        b"POST /len HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut r, &mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 100 Continue\r\n");
    std::io::BufRead::read_line(&mut r, &mut line).unwrap();
    c.write_all(b"abcd").unwrap();
    assert_eq!(read_response(&mut r, false).unwrap().text(), "4\n");

    // A handler that does not read the body: no 100, a final answer, then close.
    let mut c = s.connect();
    c.write_all(
        b"POST /other HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let mut r = BufReader::new(c);
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "POST /other\n");
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(closed_by_server(&mut r));
}

/// Echoes bytes back, upper-cased, after an upgrade.
struct Shout;
impl Handler for Shout {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        cx.write(b"ready\n");
    }
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let data = cx.take_input();
        cx.write(&data.to_ascii_uppercase());
    }
}

#[test]
fn upgrade_hands_the_byte_stream_to_a_handler() {
    let s = start(|| {
        create_server(|req, res| {
            if req.is_upgrade() && req.header("upgrade") == Some("shout") {
                res.upgrade("shout", &[("X-Proto", "1")], Shout);
            } else {
                res.write_head(426, &[("Upgrade", "shout")]);
                res.end("upgrade required\n");
            }
        })
    });
    let mut c = s.connect();
    // Bytes sent right after the request belong to the new protocol.
    c.write_all(
        b"GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\nearly ",
    )
    .unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.status, 101);
    assert_eq!(resp.header("upgrade"), Some("shout"));
    assert_eq!(resp.header("x-proto"), Some("1"));
    let mut buf = [0u8; 12];
    r.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ready\nEARLY ");
    c.write_all(b"hello").unwrap();
    let mut buf = [0u8; 5];
    r.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HELLO");

    // A declined upgrade is an ordinary response: the connection goes on with HTTP.
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    assert_eq!(read_response(&mut r, false).unwrap().status, 426);
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r, false).unwrap().status, 426);
}

#[test]
fn router_params_404_and_405() {
    let s = start(|| {
        let store = Rc::new(RefCell::new(Vec::<String>::new()));
        let st = store.clone();
        let routes = Routes::new()
            .get("/users/:id", |req, res| {
                res.end(format!("user {}\n", req.param("id").unwrap_or("?")));
            })
            .post("/users", move |req, res| {
                let st = st.clone();
                req.on_body(move |body| {
                    st.borrow_mut()
                        .push(String::from_utf8_lossy(body).into_owned());
                    res.write_head(201, &[]);
                    res.end(format!("{}\n", st.borrow().len()));
                });
            })
            .get("/files/*path", |req, res| {
                res.end(req.param("path").unwrap_or(""))
            });
        Server::new(routes)
    });
    let (r, _) = exchange(&s, b"GET /users/42 HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!((r.status, r.text().as_str()), (200, "user 42\n"));
    let (r, _) = exchange(
        &s,
        b"POST /users HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nann",
    )
    .unwrap();
    assert_eq!((r.status, r.text().as_str()), (201, "1\n"));
    let (r, _) = exchange(&s, b"GET /files/a/b.txt HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(r.text(), "a/b.txt");
    let (r, _) = exchange(&s, b"GET /nope HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(r.status, 404);
    let (r, _) = exchange(&s, b"DELETE /users HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    let (r, _) = exchange(&s, b"HEAD /users/1 HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(r.status, 200);
}

#[test]
fn write_reports_back_pressure_and_drain_resumes() {
    const TOTAL: usize = 8 << 20;
    let s = start(|| {
        create_server(|_req, res| {
            res.write_head(200, &[("Content-Length", &TOTAL.to_string())]);
            let res = Rc::new(res);
            let sent = Rc::new(RefCell::new(0usize));
            let pump = {
                let res = res.clone();
                let sent = sent.clone();
                move || {
                    let chunk = [b'x'; 64 << 10];
                    loop {
                        let mut n = sent.borrow_mut();
                        if *n >= TOTAL {
                            res.end("");
                            return;
                        }
                        *n += chunk.len();
                        drop(n);
                        if !res.write(&chunk) {
                            return; // wait for on_drain
                        }
                    }
                }
            };
            let pump2 = pump.clone();
            res.on_drain(pump2);
            let pump = pump;
            pump();
        })
    });
    let mut c = s.connect();
    c.write_all(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(c);
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.body.len(), TOTAL);
}

#[test]
fn several_loops_serve_the_same_port() {
    let s = start(|| {
        create_server(|_req, res| res.end(std::thread::current().name().unwrap_or("main")))
            .threads(2)
    });
    for _ in 0..20 {
        let (r, _) = exchange(&s, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(r.status, 200);
    }
}

#[test]
fn graceful_shutdown_finishes_in_flight_requests() {
    let s = echo_server();
    let mut busy = s.connect();
    busy.write_all(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut idle = s.connect();
    idle.write_all(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut idle_r = BufReader::new(idle);
    assert_eq!(read_response(&mut idle_r, false).unwrap().status, 200);
    let addr = s.addr;
    let handle = s.handle();
    handle.stop().unwrap();
    // The idle keep-alive connection is closed; the slow one still gets its answer.
    assert!(closed_by_server(&mut idle_r));
    let mut busy_r = BufReader::new(busy);
    let resp = read_response(&mut busy_r, false).unwrap();
    assert_eq!(resp.text(), "slow\n");
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(closed_by_server(&mut busy_r));
    drop(s);
    // No longer accepting.
    assert!(std::net::TcpStream::connect(addr).is_err());
}
