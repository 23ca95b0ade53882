//! Outgoing connections: name resolution off the loop's thread, then each address in turn.

use crate::conn::{f, Conn};
use crate::core::{Core, Inner};
use crate::socket::Socket;
use crate::{Close, ConnId, Endpoint, Handler, Peer};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// A TLS client session to start on the new connection, or the error building it.
#[cfg(feature = "tls")]
pub(crate) type TlsStart = Option<io::Result<crate::tls::Session>>;
/// Without the `tls` feature there is never a session.
#[cfg(not(feature = "tls"))]
pub(crate) type TlsStart = Option<std::convert::Infallible>;

pub(crate) fn start(core: &Core, ep: Endpoint, handler: Box<dyn Handler>, tls: TlsStart) -> ConnId {
    let mut g = core.inner.borrow_mut();
    let inner = &mut *g;
    let gen = inner.alloc_gen();
    let peer = match &ep {
        Endpoint::Addr(a) => Peer::Tcp(*a),
        Endpoint::Host(..) => Peer::Tcp(SocketAddr::from(([0, 0, 0, 0], 0))),
        Endpoint::Unix(p) => Peer::Unix(Some(p.clone())),
    };
    let entry = inner.conns.vacant_entry();
    let id = ConnId::new(entry.key(), gen);
    let mut conn = Conn::new(gen, Socket::Pending, handler, peer);
    conn.flags |= f::CONNECTING;
    let mut failure = None;
    #[cfg(feature = "tls")]
    match tls {
        Some(Ok(s)) => {
            conn.tls = Some(Box::new(crate::tls::TlsSession::new(s, Default::default())))
        }
        Some(Err(e)) => failure = Some(Close::Tls(e.to_string())),
        None => {}
    }
    #[cfg(not(feature = "tls"))]
    let _ = tls;
    entry.insert(conn);
    if let Some(reason) = failure {
        inner.abort(id, reason);
        return id;
    }
    match ep {
        Endpoint::Addr(a) => {
            if let Some(c) = inner.conn(id) {
                c.connect_addrs = Some(Box::new(vec![a]));
            }
            try_next(inner, id, core.config.tcp_nodelay, None);
        }
        Endpoint::Unix(p) => match mio::net::UnixStream::connect(&p) {
            Ok(mut s) => {
                let reg = inner.registry.register(
                    &mut s,
                    mio::Token(id.index()),
                    mio::Interest::READABLE | mio::Interest::WRITABLE,
                );
                match (reg, inner.conn(id)) {
                    (Ok(()), Some(c)) => c.socket = Socket::Unix(s),
                    (Err(e), _) => {
                        inner.abort(id, Close::ConnectFailed(format!("{}: {e}", p.display())));
                    }
                    _ => {}
                }
            }
            Err(e) => {
                inner.abort(id, Close::ConnectFailed(format!("{}: {e}", p.display())));
            }
        },
        Endpoint::Host(host, port) => {
            let handle = crate::Handle {
                remote: core.remote.clone(),
            };
            let spawned = std::thread::Builder::new()
                .name("jaxl-resolve".into())
                .spawn(move || {
                    let res = (host.as_str(), port)
                        .to_socket_addrs()
                        .map(|it| it.collect::<Vec<_>>())
                        .map_err(|e| format!("{host}:{port}: {e}"));
                    let _ = handle.post(move |cx| resolved(cx.core, id, res));
                });
            if let Err(e) = spawned {
                inner.abort(
                    id,
                    Close::ConnectFailed(format!("cannot start resolver: {e}")),
                );
            }
        }
    }
    id
}

fn resolved(core: &Core, id: ConnId, res: Result<Vec<SocketAddr>, String>) {
    let mut g = core.inner.borrow_mut();
    let inner = &mut *g;
    let Some(c) = inner.conn(id) else { return };
    if c.flags & (f::ABORT | f::CLOSING) != 0 {
        return;
    }
    match res {
        Ok(addrs) if !addrs.is_empty() => {
            let mut addrs = addrs;
            addrs.reverse(); // popped from the back: keep the resolver's order
            c.connect_addrs = Some(Box::new(addrs));
            try_next(inner, id, core.config.tcp_nodelay, None);
        }
        Ok(_) => {
            inner.abort(
                id,
                Close::ConnectFailed("name resolved to no address".into()),
            );
        }
        Err(e) => {
            inner.abort(id, Close::ConnectFailed(e));
        }
    }
}

/// Starts connecting to the next address of `id`; fails the connection when none is left.
pub(crate) fn try_next(inner: &mut Inner, id: ConnId, nodelay: bool, last: Option<String>) {
    let mut last = last;
    loop {
        let Some(c) = inner.conn(id) else { return };
        let Some(addr) = c.connect_addrs.as_mut().and_then(|v| v.pop()) else {
            let why = last.unwrap_or_else(|| "no address".into());
            inner.abort(id, Close::ConnectFailed(why));
            return;
        };
        match mio::net::TcpStream::connect(addr) {
            Ok(mut s) => {
                if nodelay {
                    let _ = s.set_nodelay(true);
                }
                if let Err(e) = inner.registry.register(
                    &mut s,
                    mio::Token(id.index()),
                    mio::Interest::READABLE | mio::Interest::WRITABLE,
                ) {
                    last = Some(format!("{addr}: {e}"));
                    continue;
                }
                if let Some(c) = inner.conn(id) {
                    c.socket = Socket::Tcp(s);
                    c.peer = Peer::Tcp(addr);
                }
                return;
            }
            Err(e) => last = Some(format!("{addr}: {e}")),
        }
    }
}

/// A connecting socket reported readiness: finish, or move on to the next address.
pub(crate) fn progress(inner: &mut Inner, id: ConnId, nodelay: bool) {
    let Some(c) = inner.conn(id) else { return };
    match c.socket.connect_done() {
        Ok(true) => {
            c.flags &= !f::CONNECTING;
            inner.opened.push(id);
            inner.mark_dirty(id);
        }
        Ok(false) => {}
        Err(e) => {
            let what = match &c.peer {
                Peer::Tcp(a) => format!("{a}: {e}"),
                p => format!("{p}: {e}"),
            };
            let registry = &inner.registry;
            if let Some(c) = inner.conns.get_mut(id.key as usize) {
                c.socket.deregister(registry);
                c.socket = Socket::Pending;
                c.flags &= !f::READABLE;
            }
            try_next(inner, id, nodelay, Some(what));
        }
    }
}
