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
    /// Asks the kernel to acknowledge what was received without the delayed-ACK wait
    /// (Linux `TCP_QUICKACK`; the kernel falls back to delayed ACKs by itself, so it
    /// is asked again after every read). Elsewhere, and on Unix sockets, a no-op.
    pub(crate) fn quickack(&self) {
        #[cfg(target_os = "linux")]
        if let Socket::Tcp(s) = self {
            use std::os::fd::AsRawFd;
            let one: libc::c_int = 1;
            // SAFETY: a valid socket descriptor and a c_int option of its size.
            unsafe {
                libc::setsockopt(
                    s.as_raw_fd(),
                    libc::IPPROTO_TCP,
                    libc::TCP_QUICKACK,
                    (&one as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        }
    }

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
