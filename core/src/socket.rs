//! The byte pipe under a connection: TCP or a Unix socket, registered with mio.

use mio::event::Source;
use mio::{Interest, Registry, Token};
use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;

/// A connected stream socket, or none yet (an outgoing connect still resolving its name).
pub(crate) enum Socket {
    Tcp(mio::net::TcpStream),
    Unix(mio::net::UnixStream),
    Pending,
}

impl Socket {
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.shutdown(Shutdown::Write),
            Socket::Unix(s) => s.shutdown(Shutdown::Write),
            Socket::Pending => Ok(()),
        }
    }

    /// For a connect in progress: `Ok(true)` once connected, `Ok(false)` while pending.
    pub(crate) fn connect_done(&self) -> io::Result<bool> {
        match self {
            Socket::Tcp(s) => {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(true),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
                    Err(e) => Err(e),
                }
            }
            Socket::Unix(s) => {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                Ok(true)
            }
            Socket::Pending => Ok(false),
        }
    }

    pub(crate) fn register(&mut self, r: &Registry, t: Token) -> io::Result<()> {
        let i = Interest::READABLE | Interest::WRITABLE;
        match self {
            Socket::Tcp(s) => r.register(s, t, i),
            Socket::Unix(s) => r.register(s, t, i),
            Socket::Pending => Ok(()),
        }
    }

    pub(crate) fn deregister(&mut self, r: &Registry) {
        let _ = match self {
            Socket::Tcp(s) => s.deregister(r),
            Socket::Unix(s) => s.deregister(r),
            Socket::Pending => Ok(()),
        };
    }
}

fn not_connected() -> io::Error {
    io::ErrorKind::NotConnected.into()
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.read(buf),
            Socket::Unix(s) => s.read(buf),
            Socket::Pending => Err(not_connected()),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.write(buf),
            Socket::Unix(s) => s.write(buf),
            Socket::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.write_vectored(bufs),
            Socket::Unix(s) => s.write_vectored(bufs),
            Socket::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
