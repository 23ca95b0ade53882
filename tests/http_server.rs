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

#[test]
fn handler_panic_gets_500_with_connection_close() {
    let s = start(|| {
        create_server(|req, res| {
            if req.path() == "/boom" {
                panic!("handler bug (expected by this test)");
            }
            res.end("ok\n");
        })
    });
    let mut c = s.connect();
    // Pipelined: nothing after the panicking request is read.
    c.write_all(b"GET /boom HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(c);
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.status, 500);
    assert_eq!(resp.header("connection"), Some("close"));
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    // The loop goes on serving other connections.
    let (r, _) = exchange(&s, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(r.text(), "ok\n");
}

#[test]
fn unread_chunked_body_closes_only_when_it_cannot_be_skipped() {
    // The handler answers at once and never reads the body.
    let s = start(|| create_server(|_req, res| res.end("ok\n")));
    // Small and all here: skipped, the connection stays usable.
    let mut c = s.connect();
    c.write_all(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    )
    .unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.header("connection"), None);
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r, false).unwrap().text(), "ok\n");
    // Not all here (it could grow past max_discard): the response says it closes.
    let mut c = s.connect();
    c.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        .unwrap();
    let mut r = BufReader::new(c);
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.text(), "ok\n");
    assert_eq!(resp.header("connection"), Some("close"));
    assert!(closed_by_server(&mut r));
}

#[test]
fn route_params_are_percent_decoded() {
    let s = start(|| {
        Server::new(Routes::new().get("/users/:id", |req, res| {
            res.end(format!("[{}]", req.param("id").unwrap_or("?")));
        }))
    });
    let (r, _) = exchange(&s, b"GET /users/a%20b%2Fc HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!((r.status, r.text().as_str()), (200, "[a b/c]"));
    for bad in ["/users/a%2", "/users/a%zz", "/users/%ff"] {
        let raw = format!("GET {bad} HTTP/1.1\r\nHost: a\r\n\r\n");
        let (r, _) = exchange(&s, raw.as_bytes()).unwrap();
        assert_eq!(r.status, 400, "{bad}");
    }
}

#[test]
fn routes_run_on_several_loops_with_threads_with() {
    fn routes() -> Routes {
        // Rc state: a Routes table is not Send, so each loop builds its own.
        let hits = Rc::new(RefCell::new(0u32));
        Routes::new().get("/", move |_req, res| {
            *hits.borrow_mut() += 1;
            res.end(std::thread::current().name().unwrap_or("main"));
        })
    }
    let s = start(|| Server::new(routes()).threads_with(2, routes));
    for _ in 0..20 {
        let (r, _) = exchange(&s, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(r.status, 200);
    }
}

#[test]
fn chunked_trailers_reach_the_handler() {
    let s = start(|| {
        create_server(|req, res| {
            let trailers = req.trailers();
            req.on_data(|_| {});
            req.on_end(move || {
                let all: Vec<String> = trailers
                    .to_vec()
                    .into_iter()
                    .map(|(n, v)| format!("{n}={}", String::from_utf8_lossy(&v)))
                    .collect();
                res.end(format!(
                    "{} sum={}\n",
                    all.join(","),
                    trailers.get("x-sum").unwrap_or_default()
                ));
            });
        })
    });
    let mut c = s.connect();
    c.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        .unwrap();
    c.write_all(b"0\r\nX-Sum: 42\r\nX-Other:  v \r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!(resp.text(), "X-Sum=42,X-Other=v sum=42\n");
    // Without trailers, and on a body that is not chunked: empty.
    c.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")
        .unwrap();
    assert_eq!(read_response(&mut r, false).unwrap().text(), " sum=\n");
}

#[test]
fn head_fields_before_the_status_and_100_continue_before_a_started_head() {
    let s = start(|| {
        create_server(|req, res| {
            // Fields first, status later: the head is rebuilt with the new status.
            res.set_header("X-First", "1");
            res.write_head(404, &[("X-Second", "2")]);
            if req.path() == "/read" {
                req.on_body(move |b| res.end(format!("{}\n", b.len())));
            } else {
                res.end("nf\n");
            }
        })
    });
    let (r, _) = exchange(&s, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.header("x-first"), Some("1"));
    assert_eq!(r.header("x-second"), Some("2"));
    assert_eq!(r.text(), "nf\n");
    // The head is being built when the body is asked for: `100 Continue` still
    // goes out first, whole.
    let mut c = s.connect();
    c.write_all(
        b"POST /read HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut r, &mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 100 Continue\r\n");
    line.clear();
    std::io::BufRead::read_line(&mut r, &mut line).unwrap();
    assert_eq!(line, "\r\n");
    c.write_all(b"abcd").unwrap();
    let resp = read_response(&mut r, false).unwrap();
    assert_eq!((resp.status, resp.text().as_str()), (404, "4\n"));
    assert_eq!(resp.header("x-first"), Some("1"));
}

#[test]
fn a_head_started_behind_a_pending_response_is_finished_in_order() {
    let s = start(|| {
        create_server_cx(|req, res, cx| {
            let (delay, body) = match req.path() {
                "/first" => (60, "first\n"),
                _ => {
                    // Started now, while /first is still owed; finished later.
                    res.write_head(201, &[("X-Partial", "yes")]);
                    (120, "second\n")
                }
            };
            cx.set_timeout(Duration::from_millis(delay), move |_| res.end(body));
        })
    });
    let mut c = s.connect();
    c.write_all(b"GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(c);
    let a = read_response(&mut r, false).unwrap();
    assert_eq!((a.status, a.text().as_str()), (200, "first\n"));
    let b = read_response(&mut r, false).unwrap();
    assert_eq!((b.status, b.text().as_str()), (201, "second\n"));
    assert_eq!(b.header("x-partial"), Some("yes"));
}
