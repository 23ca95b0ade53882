//! State shared by all connections of one loop: the handler, the configuration,
//! the cached `Date`, the connection count and pools of reusable buffers.

use super::pipeline::Slot;
use crate::config::Config;
use crate::date::{DateCache, DATE_LEN};
use crate::request::Request;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

/// Buffers kept for reuse per loop, at most this many.
const POOL_MAX: usize = 1024;
/// Buffers that grew past this are freed instead of pooled.
const POOL_BUF_MAX: usize = 64 << 10;

/// Per-loop state of one server.
pub(crate) struct LoopShared {
    pub config: Config,
    date: RefCell<DateCache>,
    /// The one `Request` of this loop: handlers run one at a time and only borrow it
    /// during their call, so every connection refills the same storage.
    pub request: RefCell<Request>,
    pool: RefCell<Vec<Vec<u8>>>,
    /// Empty slot queues with capacity, so idle connections hold none.
    queues: RefCell<Vec<VecDeque<Slot>>>,
    pub connections: Cell<usize>,
    pub shutting_down: Cell<bool>,
    /// Encoded `Server` header line, if configured.
    pub server_line: Option<Vec<u8>>,
}

impl LoopShared {
    pub fn new(config: Config) -> Self {
        let server_line = config.server_name.as_ref().and_then(|name| {
            let mut line = Vec::new();
            crate::response_head::write_header(&mut line, "Server", name.as_bytes())
                .ok()
                .map(|_| line)
        });
        LoopShared {
            config,
            date: RefCell::new(DateCache::new()),
            request: RefCell::new(Request::new()),
            pool: RefCell::new(Vec::new()),
            queues: RefCell::new(Vec::new()),
            connections: Cell::new(0),
            shutting_down: Cell::new(false),
            server_line,
        }
    }

    /// The current `Date` value.
    pub fn date(&self) -> [u8; DATE_LEN] {
        match self.date.try_borrow_mut() {
            Ok(mut d) => *d.now(),
            Err(_) => crate::date::format_imf_fixdate(0),
        }
    }

    /// An empty buffer, reused if one is pooled.
    pub fn take_buf(&self) -> Vec<u8> {
        self.pool
            .try_borrow_mut()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default()
    }

    /// Return a buffer for reuse (cleared). Buffers without storage, oversized ones,
    /// and any beyond the pool's bound are dropped.
    pub fn give_buf(&self, mut buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > POOL_BUF_MAX {
            return;
        }
        buf.clear();
        if let Ok(mut p) = self.pool.try_borrow_mut() {
            if p.len() < POOL_MAX {
                p.push(buf);
            }
        }
    }

    /// An empty slot queue, reused if one is pooled.
    pub fn take_queue(&self) -> VecDeque<Slot> {
        self.queues
            .try_borrow_mut()
            .ok()
            .and_then(|mut q| q.pop())
            .unwrap_or_default()
    }

    /// Return an empty slot queue for reuse.
    pub fn give_queue(&self, q: VecDeque<Slot>) {
        if q.capacity() == 0 || q.capacity() > 64 || !q.is_empty() {
            return;
        }
        if let Ok(mut pool) = self.queues.try_borrow_mut() {
            if pool.len() < POOL_MAX {
                pool.push(q);
            }
        }
    }
}
