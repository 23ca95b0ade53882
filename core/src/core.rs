//! The loop's shared interior: what a [`Context`] reaches during callbacks.
//!
//! Everything mutable sits in one `RefCell<Inner>` that is borrowed only inside the
//! loop's and the context's own methods, never across a user callback; so a callback
//! may call any context method at any time, and none of them calls user code back
//! synchronously (work for other handlers is queued and run after the callback).

use crate::buf::Pool;
use crate::conn::{f, Conn};
use crate::handle::Remote;
use crate::listener::Listener;
use crate::state::StateMap;
use crate::timer::Timers;
use crate::{Close, ConnId, Context, LoopConfig};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

pub(crate) type Deferred = Box<dyn FnOnce(&mut Context<'_>)>;

pub(crate) struct Core {
    pub(crate) inner: RefCell<Inner>,
    /// Output of the running callback to its own connection, written with one system
    /// call when the callback returns (see `dispatch::call`).
    pub(crate) stage: RefCell<Vec<u8>>,
    /// The connection `stage` belongs to, or `ConnId::NONE` when staging is off.
    pub(crate) stage_id: std::cell::Cell<ConnId>,
    /// Whether the staged connection still takes writes (false after the callback
    /// closed or half-closed it).
    pub(crate) stage_open: std::cell::Cell<bool>,
    pub(crate) states: StateMap,
    pub(crate) wakes: Rc<RefCell<Vec<ConnId>>>,
    pub(crate) remote: Arc<Remote>,
    pub(crate) config: LoopConfig,
}

pub(crate) struct Inner {
    pub(crate) registry: mio::Registry,
    pub(crate) conns: slab::Slab<Conn>,
    pub(crate) listeners: slab::Slab<Listener>,
    pub(crate) timers: Timers,
    pub(crate) pool: Pool,
    /// Connections with output to flush or a state change to act on.
    pub(crate) dirty: Vec<ConnId>,
    /// Connections to read again (resumed, or budget used up last time).
    pub(crate) ready: Vec<ConnId>,
    /// Connections whose `on_open` is due.
    pub(crate) opened: Vec<ConnId>,
    /// Connections whose `on_drain` is due.
    pub(crate) drained: Vec<ConnId>,
    /// Listeners to try accepting on again (a connection closed, a back-off ended).
    pub(crate) accept_again: Vec<usize>,
    pub(crate) deferred: VecDeque<Deferred>,
    /// Cleared id lists kept for reuse (see `dispatch::take_list`).
    pub(crate) spare: Vec<Vec<ConnId>>,
    pub(crate) now: Instant,
    pub(crate) next_gen: u32,
    pub(crate) stop_requested: bool,
    pub(crate) stopping: Option<Instant>,
    pub(crate) wake_epoch: u32,
    pub(crate) stats: Stats,
}

/// Counters a loop keeps about itself (see [`Loop::stats`](crate::Loop::stats)).
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Connections accepted.
    pub accepted: u64,
    /// Connections closed.
    pub closed: u64,
    /// `accept` calls that failed for lack of descriptors or memory.
    pub accept_exhausted: u64,
    /// Times the loop polled.
    pub polls: u64,
    /// Callbacks that panicked.
    pub panics: u64,
}

impl Inner {
    pub(crate) fn conn(&mut self, id: ConnId) -> Option<&mut Conn> {
        self.conns
            .get_mut(id.key as usize)
            .filter(|c| c.gen == id.gen)
    }

    pub(crate) fn alloc_gen(&mut self) -> u32 {
        let g = self.next_gen;
        self.next_gen = self.next_gen.wrapping_add(1).max(1);
        g
    }

    pub(crate) fn mark_dirty(&mut self, id: ConnId) {
        if let Some(c) = self.conn(id) {
            if c.flags & f::DIRTY == 0 {
                c.flags |= f::DIRTY;
                self.dirty.push(id);
            }
        }
    }

    pub(crate) fn mark_ready(&mut self, id: ConnId) {
        if let Some(c) = self.conn(id) {
            if c.flags & f::QUEUED == 0 {
                c.flags |= f::QUEUED;
                self.ready.push(id);
            }
        }
    }

    /// Starts a graceful close (flush, shut down writing, drain, close).
    pub(crate) fn begin_close(
        &mut self,
        id: ConnId,
        reason: Close,
        close_timeout: std::time::Duration,
    ) -> bool {
        let now = self.now;
        let Some(c) = self.conn(id) else { return false };
        if c.flags & f::CLOSING != 0 {
            return true;
        }
        c.flags |= f::CLOSING;
        if !c.input.is_empty() {
            // The peer sent more than the handler used: it may still be sending.
            c.flags |= f::LINGER;
        }
        if c.close_reason.is_none() {
            c.close_reason = Some(Box::new(reason));
        }
        if c.flags & f::READABLE != 0 {
            // Drain (and discard) what the peer still sends.
            self.mark_ready(id);
        }
        let t = self
            .timers
            .insert(now, close_timeout, None, crate::timer::Target::Conn(id));
        if let Some(c) = self.conn(id) {
            c.close_timer = Some(t);
        }
        self.mark_dirty(id);
        true
    }

    /// Closes at once, dropping queued output.
    pub(crate) fn abort(&mut self, id: ConnId, reason: Close) -> bool {
        let Some(c) = self.conn(id) else { return false };
        c.flags |= f::ABORT;
        if c.close_reason.is_none() {
            c.close_reason = Some(Box::new(reason));
        }
        self.mark_dirty(id);
        true
    }

    /// Whether there is loop-level work to do without waiting for the poll.
    pub(crate) fn has_work(&self) -> bool {
        !self.ready.is_empty()
            || !self.dirty.is_empty()
            || !self.opened.is_empty()
            || !self.drained.is_empty()
            || !self.accept_again.is_empty()
            || !self.deferred.is_empty()
    }
}
