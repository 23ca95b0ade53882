//! mio_echo: the floor for an echo server.
//!
//! Bare mio + slab, one thread, edge-triggered. Every connection reads into ONE shared
//! 64 KiB buffer and writes the bytes straight back; a connection keeps its own `pending`
//! Vec only while a write would block (an empty Vec does not allocate), so an idle
//! connection costs the socket, the slab slot and nothing else.
//!
//! Usage: `mio_echo [ADDR]` (default 127.0.0.1:7101).

use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

const LISTENER: Token = Token(usize::MAX);
const BUF_SIZE: usize = 64 * 1024;
/// Stop reading from a peer that does not read its echo once this much is queued for it.
const MAX_PENDING: usize = 4 * 1024 * 1024;

struct Conn {
    sock: TcpStream,
    /// Bytes read but not yet written back (only while the socket's send buffer is full).
    pending: Vec<u8>,
    /// Reading stopped at MAX_PENDING before the socket said WouldBlock: edge-triggered,
    /// so no new readable event will come; read again once `pending` drains.
    read_paused: bool,
}

enum Next {
    Keep,
    Close,
}

/// Write `data`; whatever the socket does not take goes to `pending`.
fn write_or_queue(sock: &mut TcpStream, pending: &mut Vec<u8>, mut data: &[u8]) -> Next {
    if !pending.is_empty() {
        pending.extend_from_slice(data);
        return Next::Keep;
    }
    while !data.is_empty() {
        match sock.write(data) {
            Ok(0) => return Next::Close,
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                pending.extend_from_slice(data);
                return Next::Keep;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Next::Close,
        }
    }
    Next::Keep
}

/// Flush `pending` as far as the socket takes it.
fn flush(conn: &mut Conn) -> Next {
    let mut off = 0;
    while off < conn.pending.len() {
        match conn.sock.write(&conn.pending[off..]) {
            Ok(0) => return Next::Close,
            Ok(n) => off += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Next::Close,
        }
    }
    conn.pending.drain(..off);
    if conn.pending.is_empty() {
        // Give the memory back: a connection that blocked once should not keep it.
        conn.pending = Vec::new();
    }
    Next::Keep
}

/// Read until the socket is drained, echoing every chunk.
fn read_echo(conn: &mut Conn, buf: &mut [u8]) -> Next {
    conn.read_paused = false;
    loop {
        if conn.pending.len() >= MAX_PENDING {
            conn.read_paused = true;
            return Next::Keep;
        }
        match conn.sock.read(buf) {
            Ok(0) => return Next::Close,
            Ok(n) => {
                if let Next::Close = write_or_queue(&mut conn.sock, &mut conn.pending, &buf[..n]) {
                    return Next::Close;
                }
                // A short read emptied the receive queue: with edge-triggered epoll the
                // next arrival raises a new event, so skip the read that would say WouldBlock.
                if n < buf.len() {
                    return Next::Keep;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::Keep,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Next::Close,
        }
    }
}

fn accept_all(listener: &TcpListener, poll: &Poll, conns: &mut Slab<Conn>) {
    loop {
        match listener.accept() {
            Ok((mut sock, _)) => {
                let _ = sock.set_nodelay(true);
                let entry = conns.vacant_entry();
                let token = Token(entry.key());
                // Both interests once, never re-registered: no epoll_ctl per blocked write.
                if poll
                    .registry()
                    .register(&mut sock, token, Interest::READABLE | Interest::WRITABLE)
                    .is_ok()
                {
                    entry.insert(Conn {
                        sock,
                        pending: Vec::new(),
                        read_paused: false,
                    });
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                // EMFILE and the like: drop this round; the next connection retries.
                eprintln!("accept: {e}");
                return;
            }
        }
    }
}

fn main() -> io::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7101".to_string())
        .parse()
        .map_err(|e| io::Error::new(ErrorKind::InvalidInput, format!("ADDR: {e}")))?;
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(addr)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    eprintln!("mio_echo listening on {}", listener.local_addr()?);

    let mut conns: Slab<Conn> = Slab::with_capacity(1024);
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; BUF_SIZE];
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for ev in events.iter() {
            if ev.token() == LISTENER {
                accept_all(&listener, &poll, &mut conns);
                continue;
            }
            let key = ev.token().0;
            let Some(conn) = conns.get_mut(key) else {
                continue;
            };
            let mut next = Next::Keep;
            if ev.is_writable() && !conn.pending.is_empty() {
                next = flush(conn);
            }
            if let Next::Keep = next {
                let resume = conn.read_paused && conn.pending.len() < MAX_PENDING;
                if ev.is_readable() || ev.is_read_closed() || resume {
                    next = read_echo(conn, &mut buf);
                }
            }
            if let Next::Close = next {
                let mut conn = conns.remove(key);
                let _ = poll.registry().deregister(&mut conn.sock);
            }
        }
    }
}
