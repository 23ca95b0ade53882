//! State shared by all connections of one loop: the handler, the configuration,
//! the cached `Date`, the connection count and pools of reusable buffers.

use super::pipeline::Slot;
use crate::config::Config;
use crate::date::{format_imf_fixdate, DATE_LEN};
use crate::request::Request;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Buffers kept for reuse per loop, at most this many.
const POOL_MAX: usize = 1024;
/// Buffers that grew past this are freed instead of pooled.
const POOL_BUF_MAX: usize = 64 << 10;

/// `Date: ` + an IMF-fixdate + CRLF.
const DATE_LINE_LEN: usize = 6 + DATE_LEN + 2;

fn date_line(secs: u64) -> [u8; DATE_LINE_LEN] {
    let mut line = *b"Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n";
    if let Some(v) = line.get_mut(6..6 + DATE_LEN) {
        v.copy_from_slice(&format_imf_fixdate(secs));
    }
    line
}

/// Per-loop state of one server.
pub(crate) struct LoopShared {
    pub config: Config,
    /// The `Date` header line of second `date_secs`.
    date: Cell<[u8; DATE_LINE_LEN]>,
    date_secs: Cell<u64>,
    /// Loop time at which the cached `Date` goes stale (the next second starts).
    date_until: Cell<Option<Instant>>,
    /// Set while one of this server's connection callbacks runs, after
    /// [`refresh_date`](Self::refresh_date): the cached `Date` is current.
    pub in_turn: Cell<bool>,
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
            date: Cell::new(date_line(0)),
            date_secs: Cell::new(0),
            date_until: Cell::new(None),
            in_turn: Cell::new(false),
            request: RefCell::new(Request::new()),
            pool: RefCell::new(Vec::new()),
            queues: RefCell::new(Vec::new()),
            connections: Cell::new(0),
            shutting_down: Cell::new(false),
            server_line,
        }
    }

    /// Bring the cached `Date` up to date for the loop's time `now` (the turn's
    /// cached clock): the wall clock is read and the value reformatted only once
    /// the second it was formatted for has passed.
    pub fn refresh_date(&self, now: Instant) {
        if self.date_until.get().is_some_and(|until| now < until) {
            return;
        }
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        self.set_date(wall.as_secs());
        let left = Duration::from_nanos(u64::from(
            1_000_000_000 - wall.subsec_nanos().min(999_999_999),
        ));
        self.date_until.set(now.checked_add(left));
    }

    fn set_date(&self, secs: u64) {
        if secs != self.date_secs.get() {
            self.date_secs.set(secs);
            self.date.set(date_line(secs));
        }
    }

    /// The current `Date` header line: the per-turn cache inside a connection
    /// callback, otherwise (a response finished from a timer, say) from the clock.
    pub fn date_line(&self) -> [u8; DATE_LINE_LEN] {
        if !self.in_turn.get() {
            let secs = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            self.set_date(secs);
        }
        self.date.get()
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
