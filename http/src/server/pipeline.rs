//! One connection's response pipeline: the responses it owes, in request order.
//!
//! Each request gets a slot. The slot at the front writes straight into the
//! connection's outgoing bytes; later slots buffer their output until every slot
//! before them has ended, so responses leave strictly in request order however
//! they are finished. A head is encoded in place as it is built (status line
//! and header fields go straight to the slot's target buffer), so a response is
//! copied once, from that buffer to the socket's queue. The connection moves `out` to the socket after each of its
//! callbacks; a [`Response`](crate::Response) finished from elsewhere wakes it.

use super::shared::LoopShared;
use crate::chunked::{chunk_size_line, CHUNK_END, LAST_CHUNK};
use crate::head::Version;
use crate::response_head::{end_head, u64_digits, write_header_unchecked, write_status_line};
use crate::status::is_bodyless;
use std::collections::VecDeque;
use std::rc::Rc;

/// How a response body is delimited on the wire.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Not decided yet (head not sent).
    Undecided,
    /// `Content-Length`; this many body bytes remain to be sent.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// HTTP/1.0 without length: the body ends when the connection closes.
    CloseDelimited,
    /// No body may be sent (HEAD, 1xx, 204, 304): body bytes are dropped.
    None,
}

/// What the request said that shapes its response.
#[derive(Copy, Clone, Debug)]
pub(crate) struct SlotInit {
    pub version: Version,
    pub head_request: bool,
    pub keep_alive: bool,
    /// The request asked to switch protocols.
    pub upgrade: bool,
}

/// What few responses need: kept out of line so that a slot stays small.
#[derive(Default)]
pub(crate) struct SlotExtra {
    pub on_drain: Option<Box<dyn FnMut()>>,
    /// An upgrade to run once this response (a 101) is sent.
    pub upgrade: Option<Box<dyn jaxl_core::Handler>>,
}

/// A response the connection owes.
pub(crate) struct Slot {
    pub seq: u64,
    pub init: SlotInit,
    pub status: u16,
    /// Where the head being built starts in the slot's target buffer (`out` at the
    /// front, `buf` behind it): status line and header fields so far. `None`
    /// until the first field is added (or once the head is sent).
    pub head_at: Option<usize>,
    pub user_length: Option<u64>,
    pub user_chunked: bool,
    pub user_date: bool,
    pub head_sent: bool,
    pub ended: bool,
    /// The connection must close once this response is sent.
    pub close_after: bool,
    /// `100 Continue` should be sent when this slot reaches the front, unless the
    /// final response has started by then.
    pub continue_pending: bool,
    /// A `write` reported back-pressure: call `on_drain` when the output drains.
    pub drain_wanted: bool,
    pub framing: Framing,
    /// Output produced while not at the front.
    pub buf: Vec<u8>,
    pub extra: Option<Box<SlotExtra>>,
}

impl Slot {
    /// The out-of-line part, created on first use.
    pub fn extra(&mut self) -> &mut SlotExtra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// Start the head in `target` (its status line) if not started yet.
    #[inline]
    fn begin_head(&mut self, target: &mut Vec<u8>) {
        if self.head_at.is_none() {
            self.head_at = Some(target.len());
            match (self.status, self.init.version) {
                (200, Version::Http11) => target.extend_from_slice(b"HTTP/1.1 200 OK\r\n"),
                (status, version) => write_status_line(target, version, status),
            }
        }
    }

    /// Set the status code, rewriting the status line if the head is started.
    #[inline]
    pub fn set_status(&mut self, target: &mut Vec<u8>, status: u16) {
        if status == self.status {
            return;
        }
        self.change_status(target, status);
    }

    fn change_status(&mut self, target: &mut Vec<u8>, status: u16) {
        self.status = status;
        if let Some(at) = self.head_at.take() {
            // Rare: fields were added before the status was set. Rebuild the head.
            let fields = target.split_off(at.min(target.len()));
            let line_end = fields
                .windows(2)
                .position(|w| w == b"\r\n")
                .map_or(fields.len(), |i| i + 2);
            self.begin_head(target);
            target.extend_from_slice(fields.get(line_end..).unwrap_or(&[]));
        }
    }

    /// Forget the head built so far (its fields), keeping nothing in `target`.
    pub fn clear_head(&mut self, target: &mut Vec<u8>) {
        if let Some(at) = self.head_at.take() {
            target.truncate(at);
        }
    }

    /// Append a header field line (already validated) to the head being built.
    #[inline]
    pub fn push_field(&mut self, target: &mut Vec<u8>, name: &[u8], value: &[u8]) {
        self.begin_head(target);
        write_header_unchecked(target, name, value);
    }
}

/// `100 Continue` as sent on the wire.
pub(crate) const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// The shared per-connection state.
pub(crate) struct Pipeline {
    pub shared: Rc<LoopShared>,
    pub slots: VecDeque<Slot>,
    /// Sequence number the next slot gets.
    pub next_seq: u64,
    /// Bytes ready for the socket, in order.
    pub out: Vec<u8>,
    /// Bytes queued in the loop and not yet written (updated by the connection).
    pub queued: usize,
    /// Set while the connection's own callback runs: it flushes on return, so no
    /// wake-up is needed.
    pub in_callback: bool,
    /// Wakes the connection when a response progresses outside its callbacks.
    pub waker: Option<jaxl_core::Waker>,
    /// The connection is gone: writes are dropped.
    pub gone: bool,
    /// Close once everything queued is flushed (a response said so).
    pub close_when_flushed: bool,
    /// An upgrade handler ready to take over once flushed.
    pub upgrade_ready: Option<Box<dyn jaxl_core::Handler>>,
}

impl Pipeline {
    pub fn new(shared: Rc<LoopShared>) -> Self {
        Pipeline {
            shared,
            slots: VecDeque::new(),
            next_seq: 0,
            out: Vec::new(),
            queued: 0,
            in_callback: false,
            waker: None,
            gone: false,
            close_when_flushed: false,
            upgrade_ready: None,
        }
    }

    /// Open a slot for a new request; returns its sequence number.
    #[inline]
    pub fn push(&mut self, init: SlotInit) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.slots.capacity() == 0 {
            self.slots = self.shared.take_queue();
        }
        self.slots.push_back(Slot {
            seq,
            init,
            status: 200,
            head_at: None,
            user_length: None,
            user_chunked: false,
            user_date: false,
            head_sent: false,
            ended: false,
            close_after: !init.keep_alive,
            continue_pending: false,
            drain_wanted: false,
            framing: Framing::Undecided,
            buf: Vec::new(),
            extra: None,
        });
        seq
    }

    #[inline]
    fn index(&self, seq: u64) -> Option<usize> {
        let first = self.slots.front()?.seq;
        let i = usize::try_from(seq.checked_sub(first)?).ok()?;
        (i < self.slots.len()).then_some(i)
    }

    /// The slot for `seq`, if it is still owed.
    pub fn slot_mut(&mut self, seq: u64) -> Option<&mut Slot> {
        let i = self.index(seq)?;
        self.slots.get_mut(i).filter(|s| !s.ended)
    }

    /// Whether the slot is at the front (its bytes go straight out).
    pub fn is_front(&self, seq: u64) -> bool {
        self.slots.front().is_some_and(|s| s.seq == seq)
    }

    /// Bytes waiting for the socket, for back-pressure.
    #[inline]
    pub fn backlog(&self) -> usize {
        self.queued + self.out.len() + self.slots.iter().map(|s| s.buf.len()).sum::<usize>()
    }

    /// Whether a writer should keep writing.
    #[inline]
    pub fn below_high_water(&self) -> bool {
        self.backlog() < self.shared.config.high_water
    }

    /// Run `f` with the slot `seq` and the buffer its bytes go to.
    #[inline]
    pub fn with_target<R>(
        &mut self,
        seq: u64,
        f: impl FnOnce(&mut Slot, &mut Vec<u8>, &LoopShared) -> R,
    ) -> Option<R> {
        let i = self.index(seq)?;
        let Pipeline {
            slots, out, shared, ..
        } = self;
        let slot = slots.get_mut(i).filter(|s| !s.ended)?;
        if i == 0 {
            if out.capacity() == 0 {
                *out = shared.take_buf();
            }
            Some(f(slot, out, shared))
        } else {
            let mut buf = std::mem::take(&mut slot.buf);
            if buf.capacity() == 0 {
                buf = shared.take_buf();
            }
            let r = f(slot, &mut buf, shared);
            slot.buf = buf;
            Some(r)
        }
    }

    /// Let the connection know output progressed.
    #[inline]
    pub fn notify(&self) {
        if !self.in_callback {
            if let Some(w) = &self.waker {
                w.wake();
            }
        }
    }

    /// Pop ended slots from the front, moving the next slot's buffered output (and a
    /// pending `100 Continue`) to `out`.
    #[inline]
    pub fn advance(&mut self) {
        // Work on the ended slot in place, then drop it: a slot is not small,
        // and moving it out costs more than the little it owns.
        while let Some(done) = self.slots.front_mut().filter(|s| s.ended) {
            if done.close_after {
                self.close_when_flushed = true;
            }
            if let Some(up) = done.extra.as_mut().and_then(|x| x.upgrade.take()) {
                self.upgrade_ready = Some(up);
            }
            if done.buf.capacity() > 0 {
                let buf = std::mem::take(&mut done.buf);
                self.shared.give_buf(buf);
            }
            self.slots.pop_front();
            if self.close_when_flushed || self.upgrade_ready.is_some() {
                // Nothing after this response is sent.
                for s in self.slots.drain(..) {
                    self.shared.give_buf(s.buf);
                }
                break;
            }
            if let Some(next) = self.slots.front_mut() {
                if next.continue_pending && !next.head_sent {
                    // Before the head being built, if any: it is all `buf` holds.
                    self.out.extend_from_slice(CONTINUE);
                }
                next.continue_pending = false;
                if next.buf.capacity() == 0 {
                    continue;
                }
                let buf = std::mem::take(&mut next.buf);
                if let Some(at) = next.head_at.as_mut() {
                    *at += self.out.len();
                }
                if self.out.is_empty() {
                    let old = std::mem::replace(&mut self.out, buf);
                    self.shared.give_buf(old);
                } else {
                    self.out.extend_from_slice(&buf);
                    self.shared.give_buf(buf);
                }
            }
        }
    }

    /// Return idle storage to the loop's pool (nothing owed, nothing to send).
    pub fn release_idle(&mut self) {
        if self.slots.is_empty() && self.out.is_empty() {
            self.shared.give_queue(std::mem::take(&mut self.slots));
            self.shared.give_buf(std::mem::take(&mut self.out));
        }
    }
}

/// Write the final head of `slot` into `out`, deciding the body's framing.
/// `whole_body` is the body length when the response is ended in the same call.
#[inline]
pub(crate) fn send_head(
    slot: &mut Slot,
    out: &mut Vec<u8>,
    shared: &LoopShared,
    whole_body: Option<u64>,
) {
    let version = slot.init.version;
    slot.begin_head(out);
    slot.head_at = None;
    if shared.config.send_date && !slot.user_date {
        out.extend_from_slice(&shared.date_line());
    }
    if let Some(line) = &shared.server_line {
        out.extend_from_slice(line);
    }
    let status = slot.status;
    let bodyless = is_bodyless(status);
    slot.framing = if bodyless {
        Framing::None
    } else if let Some(n) = slot.user_length {
        if slot.init.head_request {
            Framing::None
        } else {
            Framing::Length(n)
        }
    } else if slot.user_chunked {
        // The user set Transfer-Encoding himself: only chunked is produced here.
        if slot.init.head_request {
            Framing::None
        } else {
            Framing::Chunked
        }
    } else if let Some(n) = whole_body {
        let (digits, start) = u64_digits(n);
        out.extend_from_slice(b"Content-Length: ");
        out.extend_from_slice(digits.get(start..).unwrap_or(b"0"));
        out.extend_from_slice(b"\r\n");
        if slot.init.head_request {
            Framing::None
        } else {
            Framing::Length(n)
        }
    } else if version == Version::Http11 {
        write_header_unchecked(out, b"Transfer-Encoding", b"chunked");
        if slot.init.head_request {
            Framing::None
        } else {
            Framing::Chunked
        }
    } else {
        slot.close_after = true;
        if slot.init.head_request {
            Framing::None
        } else {
            Framing::CloseDelimited
        }
    };
    if shared.shutting_down.get() {
        slot.close_after = true;
    }
    if status != 101 {
        if slot.close_after {
            if version == Version::Http11 {
                write_header_unchecked(out, b"Connection", b"close");
            }
        } else if version == Version::Http10 {
            write_header_unchecked(out, b"Connection", b"keep-alive");
        }
    }
    end_head(out);
    slot.head_sent = true;
    slot.continue_pending = false;
}

/// Append body bytes according to the slot's framing. Returns false if bytes were
/// dropped because they exceed the declared `Content-Length`.
#[inline]
pub(crate) fn write_body(slot: &mut Slot, out: &mut Vec<u8>, data: &[u8]) -> bool {
    match slot.framing {
        Framing::Undecided | Framing::None => true,
        Framing::Length(remaining) => {
            let take = usize::try_from(remaining).map_or(data.len(), |r| r.min(data.len()));
            out.extend_from_slice(data.get(..take).unwrap_or(data));
            slot.framing = Framing::Length(remaining - take as u64);
            take == data.len()
        }
        Framing::Chunked => {
            if !data.is_empty() {
                let (line, n) = chunk_size_line(data.len());
                out.extend_from_slice(line.get(..n).unwrap_or(&[]));
                out.extend_from_slice(data);
                out.extend_from_slice(CHUNK_END);
            }
            true
        }
        Framing::CloseDelimited => {
            out.extend_from_slice(data);
            true
        }
    }
}

/// Finish the body: the last chunk, or a close if fewer bytes than announced were sent.
#[inline]
pub(crate) fn finish_body(slot: &mut Slot, out: &mut Vec<u8>) {
    match slot.framing {
        Framing::Chunked => out.extend_from_slice(LAST_CHUNK),
        Framing::Length(remaining) if remaining > 0 => {
            log::warn!("response ended {remaining} bytes short of its Content-Length; closing");
            slot.close_after = true;
        }
        Framing::CloseDelimited => slot.close_after = true,
        _ => {}
    }
    slot.ended = true;
}
