//! One connection's state: socket, TLS session, buffers and flags.

use crate::buf::{OutQueue, Pool};
use crate::inbuf::{InBuf, ReadEnd};
use crate::socket::Socket;
use crate::{Close, Handler, Peer, TimerId};
use std::io;

/// Connection flags.
pub(crate) mod f {
    /// An outgoing connect is in progress (resolving or connecting).
    pub const CONNECTING: u32 = 1 << 0;
    /// The socket reported readable and has not yet returned `WouldBlock`.
    pub const READABLE: u32 = 1 << 1;
    /// Output is over the high-water mark: reading is paused.
    pub const CONGESTED: u32 = 1 << 2;
    /// The handler paused reading.
    pub const USER_PAUSED: u32 = 1 << 3;
    /// Unconsumed input should be handed to `on_data` again (reading resumed).
    pub const REDELIVER: u32 = 1 << 4;
    /// The read side reached end of stream.
    pub const EOF: u32 = 1 << 5;
    /// The peer's end of stream (or an error) was reported with the readiness event:
    /// read until the socket says so, even after a short read.
    pub const HUP: u32 = 1 << 15;
    /// A graceful close is in progress: flush, shut down writing, drain, close.
    pub const CLOSING: u32 = 1 << 6;
    /// The handler asked to shut down writing after the queue flushes (half-close).
    pub const SHUT_WR: u32 = 1 << 7;
    /// Writing has been shut down.
    pub const WR_DONE: u32 = 1 << 8;
    /// The connection is in the dirty list.
    pub const DIRTY: u32 = 1 << 9;
    /// Call `on_drain` when the queue empties.
    pub const NOTIFY_DRAINED: u32 = 1 << 10;
    /// Close at once, dropping queued output.
    pub const ABORT: u32 = 1 << 11;
    /// `on_open` has been called.
    pub const OPEN: u32 = 1 << 12;
    /// The connection is in the ready list.
    pub const QUEUED: u32 = 1 << 13;
    /// The peer was still sending when we closed: wait for its end of stream (bounded)
    /// before closing, so our last bytes are not destroyed by a reset.
    pub const LINGER: u32 = 1 << 14;
    /// Acknowledge received data at once (TCP_QUICKACK after every read).
    pub const QUICKACK: u32 = 1 << 16;
}

pub(crate) struct Conn {
    pub(crate) gen: u32,
    pub(crate) flags: u32,
    pub(crate) socket: Socket,
    pub(crate) handler: Option<Box<dyn Handler>>,
    pub(crate) input: InBuf,
    pub(crate) out: OutQueue,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<Box<crate::tls::TlsSession>>,
    /// Timers owned by this connection (cancelled when it closes).
    pub(crate) timers: Vec<TimerId>,
    /// The idle-timeout timer and its duration in milliseconds.
    pub(crate) idle: Option<(TimerId, u32)>,
    /// The bound on a graceful close.
    pub(crate) close_timer: Option<TimerId>,
    pub(crate) close_reason: Option<Box<Close>>,
    pub(crate) peer: Peer,
    /// The listener that accepted it, for connection counting.
    pub(crate) listener: Option<u32>,
    /// Addresses left to try for an outgoing connect.
    /// (Boxed: a `Vec` is three words in every connection, a box one, and only
    /// connecting connections have addresses.)
    #[allow(clippy::box_collection)]
    pub(crate) connect_addrs: Option<Box<Vec<std::net::SocketAddr>>>,
    pub(crate) wake_epoch: u32,
}

impl Conn {
    pub(crate) fn new(gen: u32, socket: Socket, handler: Box<dyn Handler>, peer: Peer) -> Conn {
        Conn {
            gen,
            flags: 0,
            socket,
            handler: Some(handler),
            input: InBuf::default(),
            out: OutQueue::default(),
            #[cfg(feature = "tls")]
            tls: None,
            timers: Vec::new(),
            idle: None,
            close_timer: None,
            close_reason: None,
            peer,
            listener: None,
            connect_addrs: None,
            wake_epoch: 0,
        }
    }

    pub(crate) fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// Whether the loop should read from the socket now.
    pub(crate) fn wants_read(&self) -> bool {
        self.flags & f::READABLE != 0
            && self.flags & (f::CONNECTING | f::CONGESTED | f::USER_PAUSED | f::EOF | f::ABORT) == 0
    }

    /// Bytes waiting to be written (plaintext queue plus TLS records not yet sent).
    pub(crate) fn pending_out(&self) -> usize {
        #[cfg(feature = "tls")]
        if let Some(t) = &self.tls {
            return self.out.len() + t.pending();
        }
        self.out.len()
    }

    pub(crate) fn is_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        return self.tls.is_some();
        #[cfg(not(feature = "tls"))]
        false
    }

    /// Reads once from the socket (through TLS if active) into `buf`.
    pub(crate) fn read_into(
        &mut self,
        buf: &mut InBuf,
        limit: usize,
    ) -> io::Result<Result<(usize, bool), ReadEnd>> {
        #[cfg(feature = "tls")]
        if let Some(t) = self.tls.as_mut() {
            if t.active() {
                return t.read_into(&mut self.socket, buf, limit);
            }
        }
        buf.read_from(&mut self.socket, limit)
    }

    /// Writes what can be written. `Ok(true)` when everything queued is out.
    pub(crate) fn flush(&mut self, pool: &mut Pool) -> io::Result<bool> {
        if self.has(f::CONNECTING) {
            return Ok(false);
        }
        #[cfg(feature = "tls")]
        if let Some(t) = self.tls.as_mut() {
            return t.flush(&mut self.socket, &mut self.out, pool);
        }
        self.out.write_to(&mut self.socket, pool)
    }
}

#[cfg(test)]
mod tests {
    /// Idle memory per connection is mostly this struct (times the slab's growth slack):
    /// keep it from creeping up unnoticed.
    #[test]
    fn conn_stays_small() {
        let n = std::mem::size_of::<super::Conn>();
        assert!(n <= 256, "Conn grew to {n} bytes");
    }
}
