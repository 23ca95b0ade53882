//! Outgoing connections: by address, by name (resolved off the loop), to a closed port,
//! to a Unix socket; with writes queued before the connection is up.

mod util;

use jaxl_core::{Close, Context, Endpoint, Handler, Loop};
use std::sync::mpsc;
use util::*;

struct Echo;
impl Handler for Echo {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let b = cx.take_input();
        cx.write(&b);
    }
}

/// Writes at once (before the connection is up), reads the echo, reports.
struct Probe {
    report: mpsc::Sender<Result<String, Close>>,
    got: Vec<u8>,
}
impl Handler for Probe {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        self.got.extend(cx.take_input());
        if self.got.ends_with(b"\n") {
            let _ = self
                .report
                .send(Ok(String::from_utf8_lossy(&self.got).into_owned()));
            cx.close();
        }
    }
    fn on_close(&mut self, _cx: &mut Context<'_>, reason: &Close) {
        let _ = self.report.send(Err(reason.clone()));
    }
}

fn probe(ev: &mut Loop, target: Endpoint) -> mpsc::Receiver<Result<String, Close>> {
    let (tx, rx) = mpsc::channel();
    ev.enter(|cx| {
        let id = cx.connect(
            target,
            Probe {
                report: tx,
                got: Vec::new(),
            },
        );
        // Queued before the connection is up (refused only if it already failed).
        cx.write_to(id, b"queued early\n");
    });
    rx
}

#[test]
fn connect_by_address_and_by_name() {
    let mut ev = Loop::with_config(config()).unwrap();
    let l = ev.listen_tcp("127.0.0.1:0", |_| Echo).unwrap();
    let port = ev.local_addr(l).unwrap().port();
    let by_addr = probe(&mut ev, Endpoint::Addr(([127, 0, 0, 1], port).into()));
    let by_name = probe(&mut ev, ("localhost", port).into());
    let h = ev.handle();
    let t = std::thread::spawn(move || {
        let a = by_addr.recv_timeout(IO_TIMEOUT).unwrap();
        let b = by_name.recv_timeout(IO_TIMEOUT).unwrap();
        h.stop().unwrap();
        (a, b)
    });
    ev.run().unwrap();
    let (a, b) = t.join().unwrap();
    assert_eq!(a, Ok("queued early\n".into()));
    // "localhost" may resolve to ::1 first, where nobody listens: the next address is tried.
    assert_eq!(b, Ok("queued early\n".into()));
}

/// A TCP socket bound to 127.0.0.1 on a port of the system's choice, not listening:
/// its descriptor and port.
fn bound_not_listening() -> (libc::c_int, u16) {
    // SAFETY: plain socket calls on a descriptor made here, with a sockaddr_in of the
    // size given.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0, "socket");
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        let p = (&mut addr as *mut libc::sockaddr_in).cast::<libc::sockaddr>();
        assert_eq!(libc::bind(fd, p, len), 0, "bind");
        assert_eq!(libc::getsockname(fd, p, &mut len), 0, "getsockname");
        (fd, u16::from_be(addr.sin_port))
    }
}

#[test]
fn connect_failures_are_reported() {
    let mut ev = Loop::with_config(config()).unwrap();
    // A port held by a socket that is bound but not listening: connecting is refused,
    // and no other program can take the port meanwhile (as it could a port merely
    // found free, making the connect succeed and the loop wait forever).
    let (held, port) = bound_not_listening();
    let refused = probe(&mut ev, ("127.0.0.1", port).into());
    // A name the resolver rejects without asking DNS, so the test needs no network.
    let unresolvable = probe(&mut ev, Endpoint::Host("bad name!".into(), 1));
    let no_socket = probe(&mut ev, Endpoint::Unix("/nonexistent/jaxl.sock".into()));
    ev.run().unwrap(); // ends by itself: nothing is left once all three failed
                       // SAFETY: closing the descriptor made by `bound_not_listening`, once.
    unsafe { libc::close(held) };
    for rx in [refused, unresolvable, no_socket] {
        match rx.recv_timeout(IO_TIMEOUT).unwrap() {
            Err(Close::ConnectFailed(why)) => assert!(!why.is_empty()),
            other => panic!("expected ConnectFailed, got {other:?}"),
        }
    }
}

#[test]
fn connect_unix() {
    let dir = std::env::temp_dir().join(format!("jaxl-connect-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.sock");
    let mut ev = Loop::with_config(config()).unwrap();
    ev.listen_unix(&path, |_| Echo).unwrap();
    let rx = probe(&mut ev, Endpoint::Unix(path.clone()));
    let h = ev.handle();
    let t = std::thread::spawn(move || {
        let r = rx.recv_timeout(IO_TIMEOUT).unwrap();
        h.stop().unwrap();
        r
    });
    ev.run().unwrap();
    assert_eq!(t.join().unwrap(), Ok("queued early\n".into()));
    let _ = std::fs::remove_dir_all(&dir);
}
