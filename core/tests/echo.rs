//! Echo round trips over TCP (IPv4, IPv6) and Unix sockets, small to large.

mod util;

use jaxl_core::{Context, Handler};
use std::io::{Read, Write};
use util::*;

struct Echo;
impl Handler for Echo {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let input = cx.input();
        cx.write(input);
        let n = input.len();
        cx.consume(n);
    }
}

fn round_trips(mut s: impl Read + Write) {
    for (i, size) in [1usize, 7, 1000, 65_536, 300_000, 2_000_000]
        .into_iter()
        .enumerate()
    {
        let data = pattern(size, i as u32 + 1);
        // Write and read concurrently so large messages cannot deadlock on socket buffers.
        let mut got = Vec::with_capacity(size);
        let mut sent = 0;
        let mut buf = vec![0; 65_536];
        while got.len() < size {
            if sent < size {
                let end = (sent + 16_384).min(size);
                s.write_all(&data[sent..end]).unwrap();
                sent = end;
            }
            while got.len() < sent {
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0, "server closed early");
                got.extend_from_slice(&buf[..n]);
            }
        }
        assert_eq!(got, data, "echo of {size} bytes");
    }
}

#[test]
fn tcp_ipv4_echo() {
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| Echo)?;
        Ok(ev.local_addr(l).unwrap())
    });
    round_trips(connect(srv.addr));
    srv.stop().unwrap();
}

#[test]
fn tcp_ipv6_echo() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("SKIPPED: no IPv6 loopback on this machine");
        return;
    }
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("[::1]:0", |_| Echo)?;
        Ok(ev.local_addr(l).unwrap())
    });
    assert!(srv.addr.is_ipv6());
    round_trips(connect(srv.addr));
    srv.stop().unwrap();
}

#[test]
fn unix_echo() {
    let dir = std::env::temp_dir().join(format!("jaxl-test-{}-{}", std::process::id(), line!()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let p2 = path.clone();
    let srv = spawn(move |ev| {
        ev.listen_unix(&p2, |_| Echo)?;
        Ok("127.0.0.1:1".parse().unwrap())
    });
    let s = std::os::unix::net::UnixStream::connect(&path).unwrap();
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    round_trips(s);
    srv.stop().unwrap();
    assert!(
        !path.exists(),
        "the socket file is removed when the listener closes"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn many_clients_at_once() {
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| Echo)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut clients: Vec<_> = (0..200).map(|_| connect(srv.addr)).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        write_all(c, format!("hello {i}\n").as_bytes());
    }
    for (i, c) in clients.iter_mut().enumerate() {
        assert_eq!(read_line(c), format!("hello {i}"));
    }
    srv.stop().unwrap();
}
