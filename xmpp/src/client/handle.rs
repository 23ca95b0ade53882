//! [`ClientHandle`]: sending through a client from elsewhere in its loop.

use crate::{Element, Jid};
use jaxl_core::Waker;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// Most stanzas queued through a handle while the client is offline.
const MAX_QUEUED: usize = 10_000;

#[derive(Default)]
pub(crate) struct Outbox {
    pub(crate) queue: VecDeque<Element>,
    pub(crate) waker: Option<Waker>,
    pub(crate) online: bool,
    pub(crate) jid: Option<Jid>,
    pub(crate) disconnect: bool,
    pub(crate) roster: Rc<RefCell<super::Roster>>,
}

/// A cheap, clonable handle to a client for other code of the same loop (another
/// connection's handler, a timer, an HTTP handler): it queues stanzas that the client
/// sends as soon as it runs (at once when online; after it comes online otherwise).
/// Not `Send`: from another thread, post a closure to the loop through
/// [`jaxl_core::Handle::post`] that uses a handle kept in the loop's state.
#[derive(Clone)]
pub struct ClientHandle(pub(crate) Rc<RefCell<Outbox>>);

impl ClientHandle {
    /// Queues a stanza. False (and dropped) when 10 000 stanzas are already waiting.
    pub fn send(&self, stanza: impl Into<Element>) -> bool {
        let mut o = self.0.borrow_mut();
        if o.queue.len() >= MAX_QUEUED {
            return false;
        }
        o.queue.push_back(stanza.into());
        if let Some(w) = &o.waker {
            w.wake();
        }
        true
    }

    /// Whether the client is online now.
    pub fn is_online(&self) -> bool {
        self.0.borrow().online
    }

    /// The bound JID while online.
    pub fn jid(&self) -> Option<Jid> {
        self.0.borrow().jid.clone()
    }

    /// Runs `f` with the client's roster and presence view (empty before the client
    /// fetched it). For a web handler listing contacts, say.
    pub fn with_roster<R>(&self, f: impl FnOnce(&super::Roster) -> R) -> R {
        let shared = self.0.borrow().roster.clone();
        let guard = shared.try_borrow();
        match guard {
            Ok(r) => f(&r),
            // Only while the client itself updates it, which no other code can observe.
            Err(_) => f(&super::Roster::new()),
        }
    }

    /// Asks the client to end its stream and not reconnect.
    pub fn disconnect(&self) {
        let mut o = self.0.borrow_mut();
        o.disconnect = true;
        if let Some(w) = &o.waker {
            w.wake();
        }
    }
}

impl std::fmt::Debug for ClientHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = self.0.borrow();
        f.debug_struct("ClientHandle")
            .field("online", &o.online)
            .field("queued", &o.queue.len())
            .finish()
    }
}
