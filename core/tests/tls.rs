//! TLS: echo over TLS, a STARTTLS upgrade mid-stream, our TLS client against our server,
//! and a client that refuses an unknown certificate.

mod util;

use jaxl_core::{Close, Context, Handler};
use std::io::Write;
use std::net::TcpStream;
use std::sync::{mpsc, Arc};
use util::certs::TestPki;
use util::*;

struct Echo;
impl Handler for Echo {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let b = cx.take_input();
        cx.write(&b);
    }
}

fn rustls_client(
    pki: &TestPki,
    sock: TcpStream,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let cfg = pki.client();
    let conn = rustls::ClientConnection::new(cfg, "localhost".try_into().unwrap()).unwrap();
    rustls::StreamOwned::new(conn, sock)
}

#[test]
fn echo_over_tls() {
    let pki = util::certs::make();
    let server_cfg = pki.server();
    let srv = spawn(move |ev| {
        let l = ev.listen_tls("127.0.0.1:0", server_cfg, |_| Echo)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut s = rustls_client(&pki, connect(srv.addr));
    for size in [1usize, 100, 20_000, 200_000] {
        let data = pattern(size, size as u32);
        write_all(&mut s, &data);
        s.flush().unwrap();
        assert_eq!(read_n(&mut s, size), data);
    }
    drop(s);
    srv.stop().unwrap();
}

/// A line protocol with STARTTLS: `STARTTLS\n` is answered `GO\n` in the clear, then the
/// connection is TLS and lines are echoed. Bytes the client sent after `STARTTLS\n` in the
/// same packet are an injection and must be dropped.
struct Upgradable {
    tls: Arc<jaxl_core::tls::ServerConfig>,
}
impl Handler for Upgradable {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        while let Some(pos) = cx.input().iter().position(|&b| b == b'\n') {
            let line = cx.input()[..pos].to_vec();
            cx.consume(pos + 1);
            if line == b"STARTTLS" && !cx.is_tls() {
                cx.write(b"GO\n");
                cx.start_tls_server(self.tls.clone()).unwrap();
                return;
            }
            let mut out = if cx.is_tls() {
                b"secure: ".to_vec()
            } else {
                b"plain: ".to_vec()
            };
            out.extend_from_slice(&line);
            out.push(b'\n');
            cx.write(&out);
        }
    }
}

#[test]
fn starttls_upgrade_mid_stream() {
    let pki = util::certs::make();
    let server_cfg = pki.server();
    let srv = spawn(move |ev| {
        let l = ev.listen_tcp("127.0.0.1:0", move |_| Upgradable {
            tls: server_cfg.clone(),
        })?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut plain = connect(srv.addr);
    write_all(&mut plain, b"hello\n");
    assert_eq!(read_line(&mut plain), "plain: hello");
    // The injected line must not be executed as if it came over TLS.
    write_all(&mut plain, b"STARTTLS\ninjected\n");
    assert_eq!(read_line(&mut plain), "GO");
    let mut s = rustls_client(&pki, plain);
    write_all(&mut s, b"after\n");
    s.flush().unwrap();
    assert_eq!(read_line(&mut s), "secure: after");
    drop(s);
    srv.stop().unwrap();
}

/// Our own TLS client (connect_tls) against our own TLS server, in one loop.
struct Client {
    done: mpsc::Sender<Result<Vec<u8>, Close>>,
    got: Vec<u8>,
}
impl Handler for Client {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        cx.write(b"ping over tls");
    }
    fn on_data(&mut self, cx: &mut Context<'_>) {
        self.got.extend_from_slice(cx.input());
        let n = cx.input().len();
        cx.consume(n);
        if self.got.len() >= 13 {
            let _ = self.done.send(Ok(std::mem::take(&mut self.got)));
            cx.close();
        }
    }
    fn on_close(&mut self, _cx: &mut Context<'_>, reason: &Close) {
        let _ = self.done.send(Err(reason.clone()));
    }
}

#[test]
fn our_client_against_our_server() {
    let pki = util::certs::make();
    let (tx, rx) = mpsc::channel();
    let server_cfg = pki.server();
    let client_cfg = pki.client();
    let srv = spawn(move |ev| {
        let l = ev.listen_tls("127.0.0.1:0", server_cfg, |_| Echo)?;
        let addr = ev.local_addr(l).unwrap();
        ev.enter(|cx| {
            cx.connect_tls(
                ("localhost", addr.port()),
                client_cfg,
                "localhost",
                Client {
                    done: tx,
                    got: Vec::new(),
                },
            )
        });
        Ok(addr)
    });
    assert_eq!(
        rx.recv_timeout(IO_TIMEOUT).unwrap(),
        Ok(b"ping over tls".to_vec())
    );
    srv.stop().unwrap();
}

#[test]
fn client_rejects_unknown_certificate() {
    let pki = util::certs::make();
    let other = util::certs::make(); // a different CA
    let (tx, rx) = mpsc::channel();
    let server_cfg = pki.server();
    let client_cfg = other.client();
    let srv = spawn(move |ev| {
        let l = ev.listen_tls("127.0.0.1:0", server_cfg, |_| Echo)?;
        let addr = ev.local_addr(l).unwrap();
        ev.enter(|cx| {
            cx.connect_tls(
                addr,
                client_cfg,
                "localhost",
                Client {
                    done: tx,
                    got: Vec::new(),
                },
            )
        });
        Ok(addr)
    });
    match rx.recv_timeout(IO_TIMEOUT).unwrap() {
        Err(Close::Tls(msg)) => assert!(msg.contains("certificate"), "{msg}"),
        other => panic!("expected a TLS failure, got {other:?}"),
    }
    srv.stop().unwrap();
}

/// Says the server name the client asked for (SNI), then closes: the client reads the
/// name and then a clean end (close_notify, not a truncation).
struct SayName;
impl Handler for SayName {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let n = cx.input().len();
        cx.consume(n);
        let name = cx.tls_server_name().unwrap_or_else(|| "none".into());
        cx.write(format!("{name}\n").as_bytes());
        cx.close();
    }
}

#[test]
fn server_sees_sni_and_closes_with_close_notify() {
    let pki = util::certs::make();
    let server_cfg = pki.server();
    let srv = spawn(move |ev| {
        let l = ev.listen_tls("127.0.0.1:0", server_cfg, |_| SayName)?;
        Ok(ev.local_addr(l).unwrap())
    });
    for _ in 0..2 {
        let mut s = rustls_client(&pki, connect(srv.addr));
        write_all(&mut s, b"hi");
        s.flush().unwrap();
        let mut got = Vec::new();
        // `read_to_end` fails with UnexpectedEof if the server ends without close_notify.
        std::io::Read::read_to_end(&mut s, &mut got).expect("clean TLS end");
        assert_eq!(got, b"localhost\n");
    }
    srv.stop().unwrap();
}

/// Echoes its input 700 bytes at a time. With an input limit smaller than a TLS record,
/// the TLS layer must hold the decrypted bytes it could not hand over yet, and lose none.
struct Nibbler;
impl Handler for Nibbler {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        while !cx.input().is_empty() {
            let n = cx.input().len().min(700);
            let chunk = cx.input()[..n].to_vec();
            cx.consume(n);
            cx.write(&chunk);
        }
    }
}

#[test]
fn small_input_limit_loses_nothing_under_tls() {
    let pki = util::certs::make();
    let server_cfg = pki.server();
    let mut cfg = util::config();
    cfg.max_input = 4096;
    let srv = util::spawn_with(cfg, move |ev| {
        let l = ev.listen_tls("127.0.0.1:0", server_cfg, |_| Nibbler)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut s = rustls_client(&pki, connect(srv.addr));
    let data = pattern(300_000, 7);
    // Write in pieces and read the echo as it comes, so neither side's buffers fill.
    let mut back = Vec::new();
    for piece in data.chunks(30_000) {
        write_all(&mut s, piece);
        s.flush().unwrap();
        back.extend(read_n(&mut s, piece.len()));
    }
    assert_eq!(back, data);
    srv.stop().unwrap();
}

#[test]
fn garbage_gets_a_tls_alert_and_a_close() {
    let pki = util::certs::make();
    let server_cfg = pki.server();
    let srv = spawn(move |ev| {
        let l = ev.listen_tls("127.0.0.1:0", server_cfg, |_| Echo)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut s = connect(srv.addr);
    // A handshake record header announcing a ClientHello, then nonsense.
    write_all(&mut s, b"\x16\x03\x01\x00\x10\x01\x00\x00\x0cnot a hello!");
    let got = read_to_end(&mut s);
    // An alert record (content type 21), then the end of the connection.
    assert_eq!(got.first(), Some(&21u8), "got {got:?}");
    srv.stop().unwrap();
}
