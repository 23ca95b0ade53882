//! Listening sockets: TCP (IPv4/IPv6, optional `SO_REUSEPORT`) and Unix, with
//! back-off when the process runs out of descriptors.

use crate::{Handler, Peer};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options for [`Loop::listen_tcp_with`](crate::Loop::listen_tcp_with).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ListenOptions {
    /// Set `SO_REUSEPORT` so several loops (one per thread) can listen on the same port
    /// and the kernel spreads connections between them. Default false.
    pub reuse_port: bool,
    /// The accept backlog. Default 1024.
    pub backlog: i32,
    /// Most connections from this listener open at once; at the limit the listener stops
    /// accepting (connections wait in the backlog) until one closes. Default: no limit.
    pub max_connections: Option<usize>,
    /// For an IPv6 address, accept only IPv6 (`IPV6_V6ONLY`). Default false (dual stack
    /// where the system allows).
    pub ipv6_only: bool,
    /// TLS for every accepted connection (the `tls` feature).
    #[cfg(feature = "tls")]
    pub tls: Option<std::sync::Arc<rustls::ServerConfig>>,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            reuse_port: false,
            backlog: 1024,
            max_connections: None,
            ipv6_only: false,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

impl ListenOptions {
    /// Sets [`reuse_port`](ListenOptions::reuse_port).
    pub fn reuse_port(mut self, on: bool) -> Self {
        self.reuse_port = on;
        self
    }
    /// Sets [`max_connections`](ListenOptions::max_connections).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = Some(n);
        self
    }
    /// Sets [`backlog`](ListenOptions::backlog).
    pub fn backlog(mut self, n: i32) -> Self {
        self.backlog = n;
        self
    }
    /// Sets [`tls`](ListenOptions::tls).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, cfg: std::sync::Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(cfg);
        self
    }
}

pub(crate) enum ListenSock {
    Tcp(mio::net::TcpListener),
    Unix(mio::net::UnixListener, PathBuf),
}

pub(crate) type Factory = Box<dyn FnMut(&Peer) -> Box<dyn Handler>>;

pub(crate) struct Listener {
    pub(crate) sock: ListenSock,
    pub(crate) factory: Factory,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    pub(crate) max_conns: usize,
    pub(crate) live: usize,
    /// Not accepting: out of descriptors (a retry timer is set) or at `max_conns`.
    pub(crate) paused: bool,
    pub(crate) backoff: Duration,
}

pub(crate) fn bind_tcp(
    addr: SocketAddr,
    opts: &ListenOptions,
) -> io::Result<mio::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let domain = if addr.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let s = Socket::new(
        domain,
        Type::STREAM.nonblocking().cloexec(),
        Some(Protocol::TCP),
    )?;
    s.set_reuse_address(true)?;
    if opts.reuse_port {
        s.set_reuse_port(true)?;
    }
    if addr.is_ipv6() {
        s.set_only_v6(opts.ipv6_only)?;
    }
    s.bind(&addr.into())?;
    s.listen(opts.backlog)?;
    Ok(mio::net::TcpListener::from_std(s.into()))
}

pub(crate) fn bind_unix(path: &Path) -> io::Result<mio::net::UnixListener> {
    mio::net::UnixListener::bind(path)
}

/// Whether an accept error means "out of descriptors or memory": back off, don't spin.
pub(crate) fn is_resource_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE) | Some(libc::ENFILE) | Some(libc::ENOBUFS) | Some(libc::ENOMEM)
    )
}

/// Whether an accept error concerns only the one connection (try the next).
pub(crate) fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || matches!(e.raw_os_error(), Some(libc::EPROTO) | Some(libc::EPERM))
}
