//! Copy ids for connections, timers and listeners.
//!
//! Every id carries a generation: when a connection closes, its slab slot may be
//! reused by the next accepted connection, but the old id no longer matches and
//! every operation through it is rejected instead of reaching the newcomer.

use std::fmt;

/// Identifies one connection of a [`Loop`](crate::Loop) for as long as it lives.
///
/// Cheap to copy and store (in a chat room's member list, an XMPP routing table).
/// After the connection closes the id is *stale*: writes and closes through it are
/// refused (they return `false`), even if another connection reuses the slot.
/// [`ConnId::NONE`] never names a connection; it is what [`Context::id`](crate::Context::id)
/// returns inside callbacks that do not belong to a connection (timer closures, posted work).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId {
    pub(crate) key: u32,
    pub(crate) gen: u32,
}

impl ConnId {
    /// An id that never names a live connection.
    pub const NONE: ConnId = ConnId {
        key: u32::MAX,
        gen: 0,
    };

    pub(crate) fn new(key: usize, gen: u32) -> ConnId {
        debug_assert!(key < u32::MAX as usize);
        ConnId {
            key: key as u32,
            gen,
        }
    }

    /// Whether this is [`ConnId::NONE`].
    pub fn is_none(self) -> bool {
        self == ConnId::NONE
    }

    /// The slot index (stable while the connection lives; reused after it closes).
    /// Useful as a compact key in logs.
    pub fn index(self) -> usize {
        self.key as usize
    }
}

impl fmt::Debug for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            f.write_str("ConnId(none)")
        } else {
            write!(f, "ConnId({}#{})", self.key, self.gen)
        }
    }
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            f.write_str("-")
        } else {
            write!(f, "{}#{}", self.key, self.gen)
        }
    }
}

/// Identifies one timer of a loop. Returned by the `set_*` timer methods of
/// [`Context`](crate::Context) and [`Loop`](crate::Loop); a fired one-shot or cancelled timer's id is stale and
/// every operation through it returns `false`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TimerId {
    pub(crate) key: u32,
    pub(crate) gen: u32,
}

/// Identifies one listening socket of a loop (see [`Loop::listen_tcp`](crate::Loop::listen_tcp)).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ListenerId(pub(crate) usize);
