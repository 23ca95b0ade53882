//! The [`Handler`] trait a protocol implements, and why a connection closed ([`Close`]).

use crate::{Context, TimerId};
use std::fmt;
use std::net::SocketAddr;

/// A protocol: the state machine of one connection, driven by the loop.
///
/// Every method receives a [`Context`] through which the handler reads its input,
/// writes to its own or any other connection, sets timers, opens connections and
/// reaches state shared by the whole loop. Only [`on_data`](Handler::on_data) is
/// required. Callbacks never run concurrently: one loop is one thread.
///
/// A panic in any callback is caught by the loop: it is logged at `error` level, the
/// connection's queued output is still flushed, the connection is closed and
/// [`on_close`](Handler::on_close) is called with [`Close::Panic`]. Other
/// connections are not affected. The handler's own fields may be in whatever state
/// the panic left them.
pub trait Handler: 'static {
    /// The connection is established (accepted, or an outgoing connect succeeded).
    /// Writes made before this (for outgoing connections) are already queued.
    fn on_open(&mut self, cx: &mut Context<'_>) {
        let _ = cx;
    }

    /// New bytes arrived: they are in [`Context::input`] after whatever earlier input
    /// the handler left unconsumed. Consume what you used with [`Context::consume`];
    /// unconsumed bytes are kept and seen again with the next input (and by the other
    /// callbacks of this connection). A handler that leaves
    /// [`LoopConfig::max_input`](crate::LoopConfig::max_input) bytes unconsumed cannot make
    /// progress: the connection is closed with [`Close::InputLimit`]. Protocols should
    /// enforce their own, smaller limits and answer with their own errors first.
    fn on_data(&mut self, cx: &mut Context<'_>);

    /// The peer finished sending (read side reached end of stream). The default closes
    /// the connection after flushing what is queued; a handler that wants half-close
    /// keeps writing and closes later.
    fn on_eof(&mut self, cx: &mut Context<'_>) {
        cx.close();
    }

    /// The output queue, after passing the high-water mark, drained below the low-water
    /// mark (reading has resumed); or it emptied after [`Context::notify_drained`].
    fn on_drain(&mut self, cx: &mut Context<'_>) {
        let _ = cx;
    }

    /// A timer set by this connection with [`Context::set_timer`] or
    /// [`Context::set_repeating_timer`] fired.
    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        let _ = (cx, timer);
    }

    /// A [`Waker`](crate::Waker) of this connection was woken (from another callback,
    /// possibly several times since the last call).
    fn on_wake(&mut self, cx: &mut Context<'_>) {
        let _ = cx;
    }

    /// The loop is stopping gracefully ([`Loop::stop`](crate::Loop::stop), a signal).
    /// The default closes the connection after flushing its output; protocols finish
    /// in-flight work first. Connections still open after
    /// [`LoopConfig::shutdown_timeout`](crate::LoopConfig::shutdown_timeout) are closed
    /// with [`Close::Shutdown`].
    fn on_shutdown(&mut self, cx: &mut Context<'_>) {
        cx.close();
    }

    /// The connection is gone; `reason` says why. Writes to the connection's own id
    /// are refused from here on; the handler is dropped after this returns.
    fn on_close(&mut self, cx: &mut Context<'_>, reason: &Close) {
        let _ = (cx, reason);
    }
}

/// Why a connection closed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Close {
    /// The peer closed its side (end of stream) and the connection was then closed.
    Peer,
    /// The peer reset the connection (or the connection broke: `EPIPE`, `ECONNABORTED`).
    Reset,
    /// A timeout expired ([`Context::set_idle_timeout`], a close that could not flush in time).
    Timeout,
    /// The TLS layer failed; the text is rustls's error.
    Tls(String),
    /// Closed by this side ([`Context::close`], [`Context::close_conn`]).
    Local,
    /// The output queue passed [`LoopConfig::max_output`](crate::LoopConfig::max_output):
    /// the peer does not read what it is sent.
    Overflow,
    /// An outgoing connection could not be established (resolution or connect failed).
    ConnectFailed(String),
    /// The handler left [`LoopConfig::max_input`](crate::LoopConfig::max_input) bytes
    /// unconsumed: it cannot make progress, so the loop closed the connection.
    InputLimit,
    /// Another I/O error.
    Io(std::io::ErrorKind),
    /// A callback of this connection's handler panicked.
    Panic,
    /// The loop stopped before the connection finished closing by itself.
    Shutdown,
}

impl fmt::Display for Close {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Close::Peer => f.write_str("closed by peer"),
            Close::Reset => f.write_str("connection reset"),
            Close::Timeout => f.write_str("timed out"),
            Close::Tls(e) => write!(f, "TLS error: {e}"),
            Close::Local => f.write_str("closed locally"),
            Close::Overflow => f.write_str("output queue overflow (peer not reading)"),
            Close::ConnectFailed(e) => write!(f, "connect failed: {e}"),
            Close::InputLimit => f.write_str("input limit reached (handler consumed nothing)"),
            Close::Io(k) => write!(f, "I/O error: {k}"),
            Close::Panic => f.write_str("handler panicked"),
            Close::Shutdown => f.write_str("loop shut down"),
        }
    }
}

/// The remote end of a connection, as given to a listener's handler factory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    /// A TCP peer.
    Tcp(SocketAddr),
    /// A Unix-socket peer (usually unnamed).
    Unix(Option<std::path::PathBuf>),
}

impl Peer {
    /// The TCP address, if this is a TCP peer.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        match self {
            Peer::Tcp(a) => Some(*a),
            Peer::Unix(_) => None,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Tcp(a) => write!(f, "{a}"),
            Peer::Unix(Some(p)) => write!(f, "unix:{}", p.display()),
            Peer::Unix(None) => f.write_str("unix:(unnamed)"),
        }
    }
}
