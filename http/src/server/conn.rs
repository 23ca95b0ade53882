//! The HTTP/1.x connection state machine: a jaxl-core [`Handler`] that reads
//! requests, calls the service, reads bodies, enforces limits and timeouts, and
//! sends the pipeline's output in order.

use super::pipeline::{finish_body, send_head, write_body, Pipeline, SlotInit, CONTINUE};
use super::shared::LoopShared;
use super::{Response, Service};
use crate::body::BodySink;
use crate::chunked::{Chunk, ChunkedDecoder};
use crate::framing::BodyKind;
use crate::head::{parse_head, HeadError, Parse, Version};
use httparse::Header;
use jaxl_core::{Close, Context, Handler, TimerId};
use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::rc::Rc;

/// Header storage entries on the stack per parse; `HeadLimits::max_headers` above
/// this is capped to it.
pub(crate) const HEADER_STORAGE: usize = 256;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum TimerKind {
    /// A request head must complete (from accept, or from its first byte).
    Header,
    /// Kept alive, nothing in flight.
    Idle,
    /// A request body must complete.
    Body,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for (or reading) a request head.
    Head,
    /// Reading a request body.
    Body,
    /// No more requests are read on this connection (an error, `Connection:
    /// close`, a pending upgrade); waiting for responses, then closing.
    Stop,
    /// The byte stream belongs to an upgrade handler.
    Upgraded,
}

enum Framing {
    Remaining(u64),
    Chunked(Box<ChunkedDecoder>),
}

struct BodyRead {
    seq: u64,
    framing: Framing,
    sink: BodySink,
    /// Collected body for `on_body`.
    whole: Option<Vec<u8>>,
    /// Nobody reads this body: count what is thrown away.
    discarded: u64,
    /// This is the last request of the connection.
    last: bool,
}

/// One HTTP connection.
pub(crate) struct HttpConn<S: Service> {
    shared: Rc<LoopShared>,
    service: Rc<RefCell<S>>,
    pipe: Rc<RefCell<Pipeline>>,
    remote: Option<SocketAddr>,
    state: State,
    body: Option<Box<BodyRead>>,
    timer: Option<(TimerId, TimerKind)>,
    /// Bytes of a request head have arrived.
    head_started: bool,
    paused: bool,
    eof: bool,
    /// An upgrade request is being answered: read nothing more until its
    /// response shows whether the byte stream changes hands.
    upgrade_barrier: bool,
    upgraded: Option<Box<dyn Handler>>,
    /// When the connection last went idle (the keep-alive timeout runs from here).
    idle_since: Option<std::time::Instant>,
}

impl<S: Service> HttpConn<S> {
    pub fn new(
        shared: Rc<LoopShared>,
        service: Rc<RefCell<S>>,
        remote: Option<SocketAddr>,
    ) -> Self {
        let pipe = Rc::new(RefCell::new(Pipeline::new(Rc::clone(&shared))));
        HttpConn {
            shared,
            service,
            pipe,
            remote,
            state: State::Head,
            body: None,
            timer: None,
            head_started: false,
            paused: false,
            eof: false,
            upgrade_barrier: false,
            upgraded: None,
            idle_since: None,
        }
    }

    fn arm(&mut self, cx: &mut Context<'_>, kind: TimerKind) {
        let after = match kind {
            TimerKind::Header => self.shared.config.header_timeout,
            TimerKind::Idle => self.shared.config.keep_alive_timeout,
            TimerKind::Body => self.shared.config.body_timeout,
        };
        if kind == TimerKind::Idle {
            // Kept-alive connections go idle after every response: note when, and
            // let a timer that fires early re-arm itself for the rest (see
            // `on_timer`) instead of moving it on every turn.
            self.idle_since = Some(cx.now());
        }
        if let Some((id, k)) = self.timer {
            // A head's deadline runs from its first byte: not pushed by later bytes.
            if k == kind && matches!(kind, TimerKind::Header | TimerKind::Idle) {
                return;
            }
            if cx.reset_timer(id, after) {
                self.timer = Some((id, kind));
                return;
            }
        }
        self.timer = Some((cx.set_timer(after), kind));
    }

    fn disarm(&mut self, cx: &mut Context<'_>) {
        if let Some((id, _)) = self.timer.take() {
            cx.cancel_timer(id);
        }
    }

    /// Read no more requests on this connection (not lifted by a declined upgrade).
    fn stop(&mut self) {
        self.state = State::Stop;
        self.upgrade_barrier = false;
    }

    /// Refuse the connection's next request with `status` and stop reading.
    fn fail(&mut self, status: u16, reason: &str, version: Version) {
        log::debug!("http: {status} {reason} from {:?}", self.remote);
        let mut p = self.pipe.borrow_mut();
        let seq = p.push(SlotInit {
            version,
            head_request: false,
            keep_alive: false,
            upgrade: false,
        });
        error_response(&mut p, seq, status, reason);
        drop(p);
        self.stop();
    }

    /// Run the state machine over the input.
    fn process(&mut self, cx: &mut Context<'_>) {
        loop {
            match self.state {
                State::Head => {
                    let cap = self.shared.config.max_pipelined.max(1);
                    if self.pipe.borrow().slots.len() >= cap {
                        if !cx.input().is_empty() {
                            cx.pause_reading();
                            self.paused = true;
                        }
                        return;
                    }
                    if !self.read_head(cx) {
                        return;
                    }
                }
                State::Body => {
                    if !self.read_body(cx) {
                        return;
                    }
                }
                State::Stop | State::Upgraded => return,
            }
        }
    }

    /// Parse and dispatch one request head. Returns whether to go on.
    fn read_head(&mut self, cx: &mut Context<'_>) -> bool {
        let mut storage: [MaybeUninit<Header<'_>>; HEADER_STORAGE] =
            [const { MaybeUninit::uninit() }; HEADER_STORAGE];
        let input = cx.input();
        if input.is_empty() {
            return false;
        }
        let parsed = parse_head(input, &mut storage, &self.shared.config.head);
        let head = match parsed {
            Ok(Parse::Complete(h)) => h,
            Ok(Parse::Partial) => {
                if !self.head_started {
                    self.head_started = true;
                    if self.pipe.borrow().slots.is_empty() {
                        self.arm(cx, TimerKind::Header);
                    }
                }
                return false;
            }
            Err(HeadError { status, reason }) => {
                self.fail(status, reason, Version::Http11);
                return false;
            }
        };
        self.head_started = false;
        let shutting_down = self.shared.shutting_down.get();
        let init = SlotInit {
            version: head.version,
            head_request: head.method == "HEAD",
            keep_alive: head.keep_alive && !shutting_down,
            upgrade: head.upgrade,
        };
        let body_kind = head.body;
        let expect_continue = head.expect_continue;
        let len = head.len;
        let shared = Rc::clone(&self.shared);
        let Ok(mut req) = shared.request.try_borrow_mut() else {
            self.fail(500, "request storage busy", head.version);
            return false;
        };
        req.fill(input, &head, self.remote);
        cx.consume(len);
        let seq = self.pipe.borrow_mut().push(init);
        // A body the handler might not read forces a close after the response:
        // decided now, so that a response sent inside the call already says so,
        // and lifted below if the handler registers for the body.
        // A chunked body is safe to skip only if it is all here already and small.
        let risky_body = match body_kind {
            BodyKind::Empty => false,
            BodyKind::Length(n) => expect_continue || n > self.shared.config.max_discard,
            BodyKind::Chunked => {
                expect_continue
                    || !chunked_body_fits(
                        cx.input(),
                        &self.shared.config.chunked,
                        self.shared.config.max_discard,
                    )
            }
        };
        if risky_body {
            if let Some(s) = self.pipe.borrow_mut().slot_mut(seq) {
                s.close_after = true;
            }
        }
        let res = Response::new(Rc::clone(&self.pipe), seq);
        let panicked = match self.service.try_borrow_mut() {
            Ok(mut svc) => {
                let req = &mut *req;
                let call = std::panic::AssertUnwindSafe(|| svc.call(req, res, cx));
                std::panic::catch_unwind(call).is_err()
            }
            Err(_) => {
                drop(res);
                log::error!("http: service re-entered; answered 500");
                false
            }
        };
        // Usually nothing was registered: then there is nothing to move or drop.
        let sink = if req.sink.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut req.sink))
        };
        drop(req);
        if panicked {
            // The response was dropped while unwinding (a 500 with `Connection:
            // close` if nothing was sent); make sure it is finished and stop here.
            log::error!("http: request handler panicked; answered 500 and closing");
            drop(sink);
            let mut p = self.pipe.borrow_mut();
            error_response(&mut p, seq, 500, "internal server error");
            drop(p);
            self.stop();
            cx.pause_reading();
            self.paused = true;
            return false;
        }

        let last = !init.keep_alive;
        self.upgrade_barrier = init.upgrade;
        let framing = match body_kind {
            BodyKind::Empty => None,
            BodyKind::Length(n) => Some(Framing::Remaining(n)),
            BodyKind::Chunked => {
                let mut dec = ChunkedDecoder::new(self.shared.config.chunked.clone());
                if sink.as_ref().is_some_and(|s| s.trailers.is_some()) {
                    dec.keep_trailers();
                }
                Some(Framing::Chunked(Box::new(dec)))
            }
        };
        let Some(framing) = framing else {
            if let Some(sink) = sink {
                finish_sink(sink, None);
            }
            self.after_request(cx, last);
            return true;
        };
        let sink = sink.unwrap_or_default();
        let wants = sink.wants_body();
        if sink.whole.is_some() && sink.data.is_none() {
            if let Framing::Remaining(n) = framing {
                if n > self.shared.config.max_body as u64 {
                    self.too_large(seq, sink);
                    return false;
                }
            }
        }
        if !wants {
            if risky_body {
                // Not read: the client may or may not send it; close after the response.
                if let Some(s) = self.pipe.borrow_mut().slot_mut(seq) {
                    s.close_after = true;
                }
                finish_sink(sink, None);
                self.stop();
                cx.pause_reading();
                self.paused = true;
                return false;
            }
        } else if risky_body && init.keep_alive {
            if let Some(s) = self.pipe.borrow_mut().slot_mut(seq) {
                if !s.head_sent {
                    s.close_after = false;
                }
            }
        }
        if wants && expect_continue {
            let mut p = self.pipe.borrow_mut();
            let front = p.is_front(seq);
            p.with_target(seq, |slot, out, _| {
                if slot.head_sent {
                    // The final response has started: no interim one.
                } else if !front {
                    slot.continue_pending = true;
                } else if let Some(at) = slot.head_at.as_mut() {
                    // A head is being built: the interim response goes before it.
                    let i = (*at).min(out.len());
                    out.splice(i..i, CONTINUE.iter().copied());
                    *at = i + CONTINUE.len();
                } else {
                    out.extend_from_slice(CONTINUE);
                }
            });
        }
        let whole = sink.whole.as_ref().map(|_| self.shared.take_buf());
        self.body = Some(Box::new(BodyRead {
            seq,
            framing,
            sink,
            whole,
            discarded: 0,
            last,
        }));
        self.state = State::Body;
        self.arm(cx, TimerKind::Body);
        true
    }

    /// After a request is fully read: the next one, or stop.
    fn after_request(&mut self, cx: &mut Context<'_>, last: bool) {
        if last || self.upgrade_barrier {
            self.state = State::Stop;
            cx.pause_reading();
            self.paused = true;
        } else {
            self.state = State::Head;
        }
        if matches!(self.timer, Some((_, TimerKind::Body))) {
            self.disarm(cx);
        }
    }

    /// A body over `max_body` for `on_body`: 413 and close.
    fn too_large(&mut self, seq: u64, sink: BodySink) {
        {
            let mut p = self.pipe.borrow_mut();
            error_response(&mut p, seq, 413, "request body too large");
        }
        finish_sink(sink, Some(false));
        self.stop();
    }

    /// Feed input to the current body. Returns whether to go on.
    fn read_body(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(mut body) = self.body.take() else {
            self.state = State::Head;
            return true;
        };
        let max_body = self.shared.config.max_body;
        let max_discard = self.shared.config.max_discard;
        let input = cx.input();
        let mut consumed = 0usize;
        let mut done = false;
        let mut error: Option<(u16, &'static str)> = None;
        // Deliver one piece of body data.
        let deliver = |body: &mut BodyRead, data: &[u8]| -> Result<(), (u16, &'static str)> {
            if let Some(f) = body.sink.data.as_mut() {
                f(data);
            }
            if let Some(w) = body.whole.as_mut() {
                if w.len() + data.len() > max_body {
                    return Err((413, "request body too large"));
                }
                w.extend_from_slice(data);
            }
            if !body.sink.wants_body() {
                body.discarded += data.len() as u64;
                if body.discarded > max_discard {
                    return Err((0, "unread body too large"));
                }
            }
            Ok(())
        };
        match &mut body.framing {
            Framing::Remaining(n) => {
                let take = usize::try_from(*n).map_or(input.len(), |n| n.min(input.len()));
                let piece = input.get(..take).unwrap_or(&[]);
                if let Err(e) = deliver(&mut body, piece) {
                    error = Some(e);
                }
                consumed = take;
                if let Framing::Remaining(n) = &mut body.framing {
                    *n -= take as u64;
                    done = *n == 0;
                }
            }
            Framing::Chunked(_) => loop {
                let rest = input.get(consumed..).unwrap_or(&[]);
                let step = match &mut body.framing {
                    Framing::Chunked(dec) => dec.decode(rest),
                    Framing::Remaining(_) => break,
                };
                match step {
                    Ok(d) => {
                        let piece = match &d.chunk {
                            Chunk::Data(r) => rest.get(r.clone()),
                            _ => None,
                        };
                        if let Some(piece) = piece {
                            if let Err(e) = deliver(&mut body, piece) {
                                error = Some(e);
                                break;
                            }
                        }
                        consumed += d.consumed;
                        match d.chunk {
                            Chunk::Data(_) => continue,
                            Chunk::Partial => break,
                            Chunk::End => {
                                done = true;
                                break;
                            }
                        }
                    }
                    Err(e) => {
                        log::debug!("http: bad chunked body: {e}");
                        error = Some((400, "invalid chunked body"));
                        break;
                    }
                }
            },
        }
        cx.consume(consumed);
        if let Some((status, reason)) = error {
            let seq = body.seq;
            let sink = std::mem::take(&mut body.sink);
            self.shared.give_buf(body.whole.take().unwrap_or_default());
            if status == 0 {
                // Nobody wanted this body and it is too big to skip: close after
                // the response instead of reading on.
                if let Some(s) = self.pipe.borrow_mut().slot_mut(seq) {
                    s.close_after = true;
                }
                finish_sink(sink, None);
                self.stop();
            } else {
                {
                    let mut p = self.pipe.borrow_mut();
                    error_response(&mut p, seq, status, reason);
                }
                finish_sink(sink, Some(false));
                self.stop();
            }
            return false;
        }
        if done {
            if let (Some(t), Framing::Chunked(dec)) = (&body.sink.trailers, &body.framing) {
                t.fill(dec.trailer_fields());
            }
            let sink = std::mem::take(&mut body.sink);
            let whole = body.whole.take();
            finish_whole(sink, whole.as_deref());
            if let Some(w) = whole {
                self.shared.give_buf(w);
            }
            self.after_request(cx, body.last);
            return true;
        }
        self.body = Some(body);
        false
    }

    /// Move the pipeline's output to the socket and act on what it asks.
    fn flush(&mut self, cx: &mut Context<'_>) {
        let mut p = self.pipe.borrow_mut();
        if !p.out.is_empty() {
            if p.out.len() > 16 << 10 {
                let out = std::mem::take(&mut p.out);
                cx.write_owned(out);
            } else {
                cx.write(&p.out);
                p.out.clear();
            }
        }
        p.queued = cx.queued();
        if let Some(up) = p.upgrade_ready.take() {
            drop(p);
            self.start_upgrade(cx, up);
            return;
        }
        let in_flight = !p.slots.is_empty();
        if p.slots.front().is_some_and(|s| s.drain_wanted) {
            cx.notify_drained();
        }
        if p.close_when_flushed {
            drop(p);
            self.stop();
            self.disarm(cx);
            cx.close();
            return;
        }
        if !in_flight {
            p.release_idle();
        }
        if self.upgrade_barrier && !in_flight && self.state == State::Stop && !p.close_when_flushed
        {
            // The upgrade was declined (an ordinary response): go on with HTTP.
            self.upgrade_barrier = false;
            self.state = State::Head;
        }
        let below_cap = p.slots.len() < self.shared.config.max_pipelined.max(1);
        drop(p);
        if self.paused && below_cap && self.state == State::Head {
            self.paused = false;
            cx.resume_reading();
        }
        if !in_flight && self.state != State::Body {
            if self.eof || self.shared.shutting_down.get() || self.state == State::Stop {
                self.disarm(cx);
                cx.close();
            } else if self.head_started {
                self.arm(cx, TimerKind::Header);
            } else {
                self.arm(cx, TimerKind::Idle);
            }
        } else if in_flight && matches!(self.timer, Some((_, TimerKind::Idle))) {
            self.disarm(cx);
        }
    }

    fn start_upgrade(&mut self, cx: &mut Context<'_>, mut handler: Box<dyn Handler>) {
        self.disarm(cx);
        self.state = State::Upgraded;
        self.pipe.borrow_mut().release_idle();
        handler.on_open(cx);
        if !cx.input().is_empty() {
            handler.on_data(cx);
        }
        // Reading was paused after the upgrade request; input that arrived
        // meanwhile waits in the loop's buffer and is delivered after this.
        cx.resume_reading();
        self.paused = false;
        self.upgraded = Some(handler);
    }

    /// Run `f` with the pipeline marked as inside a callback, then flush.
    fn turn(&mut self, cx: &mut Context<'_>, f: impl FnOnce(&mut Self, &mut Context<'_>)) {
        self.shared.refresh_date(cx.now());
        self.shared.in_turn.set(true);
        self.pipe.borrow_mut().in_callback = true;
        f(self, cx);
        self.pipe.borrow_mut().in_callback = false;
        self.shared.in_turn.set(false);
        if self.state != State::Upgraded {
            self.flush(cx);
        }
    }
}

/// Whether `input` starts with a complete chunked body carrying at most `max`
/// bytes of data (so that skipping it unread cannot exceed `max_discard`).
fn chunked_body_fits(input: &[u8], limits: &crate::ChunkedLimits, max: u64) -> bool {
    let mut dec = ChunkedDecoder::new(limits.clone());
    let mut at = 0usize;
    let mut data = 0u64;
    loop {
        let Ok(d) = dec.decode(input.get(at..).unwrap_or(&[])) else {
            // Malformed: the read answers 400 and closes anyway.
            return true;
        };
        at += d.consumed;
        match d.chunk {
            Chunk::Data(r) => {
                data += r.len() as u64;
                if data > max {
                    return false;
                }
            }
            Chunk::Partial => return false,
            Chunk::End => return true,
        }
    }
}

/// Finish a body's callbacks: `Some(false)` aborted, otherwise ended (`None`: no
/// body or not read).
#[inline]
fn finish_sink(sink: BodySink, ok: Option<bool>) {
    if sink.is_empty() {
        return;
    }
    match ok {
        Some(false) => {
            if let Some(f) = sink.abort {
                f();
            }
        }
        _ => finish_whole(sink, Some(&[])),
    }
}

#[inline]
fn finish_whole(sink: BodySink, whole: Option<&[u8]>) {
    if let Some(f) = sink.whole {
        f(whole.unwrap_or(&[]));
    }
    if let Some(f) = sink.end {
        f();
    }
}

/// Answer slot `seq` with an error status, or close if its head was already sent.
pub(crate) fn error_response(p: &mut Pipeline, seq: u64, status: u16, reason: &str) {
    p.with_target(seq, |slot, out, shared| {
        slot.close_after = true;
        if !slot.head_sent {
            slot.clear_head(out);
            slot.status = status;
            slot.user_length = None;
            slot.user_chunked = false;
            slot.user_date = false;
            slot.push_field(out, b"Content-Type", b"text/plain");
            let body_len = reason.len() + 1;
            send_head(slot, out, shared, Some(body_len as u64));
            write_body(slot, out, reason.as_bytes());
            write_body(slot, out, b"\n");
        }
        finish_body(slot, out);
    });
    p.advance();
}

impl<S: Service> Handler for HttpConn<S> {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        self.shared
            .connections
            .set(self.shared.connections.get() + 1);
        self.pipe.borrow_mut().waker = Some(cx.waker());
        self.arm(cx, TimerKind::Header);
    }

    fn on_data(&mut self, cx: &mut Context<'_>) {
        if let Some(up) = self.upgraded.as_mut() {
            up.on_data(cx);
            return;
        }
        self.turn(cx, |this, cx| this.process(cx));
    }

    fn on_eof(&mut self, cx: &mut Context<'_>) {
        if let Some(up) = self.upgraded.as_mut() {
            up.on_eof(cx);
            return;
        }
        self.eof = true;
        if self.state == State::Body {
            if let Some(mut body) = self.body.take() {
                finish_sink(std::mem::take(&mut body.sink), Some(false));
                let mut p = self.pipe.borrow_mut();
                if let Some(s) = p.slot_mut(body.seq) {
                    s.close_after = true;
                }
            }
            self.stop();
        }
        let idle = self.pipe.borrow().slots.is_empty();
        if idle {
            self.disarm(cx);
            cx.close();
        }
    }

    fn on_drain(&mut self, cx: &mut Context<'_>) {
        if let Some(up) = self.upgraded.as_mut() {
            up.on_drain(cx);
            return;
        }
        let cb = {
            let mut p = self.pipe.borrow_mut();
            p.queued = cx.queued();
            match p.slots.front_mut() {
                Some(s) if s.drain_wanted => {
                    s.drain_wanted = false;
                    s.extra.as_mut().and_then(|x| x.on_drain.take())
                }
                _ => None,
            }
        };
        if let Some(mut f) = cb {
            self.turn(cx, |_, _| f());
            let mut p = self.pipe.borrow_mut();
            if let Some(s) = p.slots.front_mut() {
                let x = s.extra();
                if x.on_drain.is_none() {
                    x.on_drain = Some(f);
                }
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        if let Some(up) = self.upgraded.as_mut() {
            up.on_timer(cx, timer);
            return;
        }
        let Some((id, kind)) = self.timer else { return };
        if id != timer {
            return;
        }
        self.timer = None;
        match kind {
            TimerKind::Idle => {
                let due = self
                    .idle_since
                    .and_then(|t| t.checked_add(self.shared.config.keep_alive_timeout));
                if let Some(left) = due.and_then(|d| d.checked_duration_since(cx.now())) {
                    if !left.is_zero() {
                        // Active since the timer was set: wait for the rest.
                        self.timer = Some((cx.set_timer(left), TimerKind::Idle));
                        return;
                    }
                }
                let idle = self.pipe.borrow().slots.is_empty();
                if idle && self.state == State::Head && !self.head_started {
                    cx.close_with(cx.id(), Close::Timeout);
                }
            }
            TimerKind::Header => {
                let idle = self.pipe.borrow().slots.is_empty();
                if idle && self.head_started && self.state == State::Head {
                    self.turn(cx, |this, _| {
                        this.fail(408, "request head timed out", Version::Http11)
                    });
                } else if idle {
                    cx.close_with(cx.id(), Close::Timeout);
                }
            }
            TimerKind::Body => {
                if let Some(mut body) = self.body.take() {
                    let seq = body.seq;
                    let sink = std::mem::take(&mut body.sink);
                    self.turn(cx, |this, _| {
                        let mut p = this.pipe.borrow_mut();
                        error_response(&mut p, seq, 408, "request body timed out");
                        drop(p);
                        // After the 408: a response held by the callbacks is dropped here.
                        finish_sink(sink, Some(false));
                        this.stop();
                    });
                    self.shared.give_buf(body.whole.take().unwrap_or_default());
                }
            }
        }
    }

    fn on_wake(&mut self, cx: &mut Context<'_>) {
        if let Some(up) = self.upgraded.as_mut() {
            up.on_wake(cx);
            return;
        }
        self.turn(cx, |_, _| {});
    }

    fn on_shutdown(&mut self, cx: &mut Context<'_>) {
        if let Some(up) = self.upgraded.as_mut() {
            up.on_shutdown(cx);
            return;
        }
        self.shared.shutting_down.set(true);
        let idle = self.pipe.borrow().slots.is_empty() && self.state != State::Body;
        if idle {
            self.disarm(cx);
            cx.close();
        }
    }

    fn on_close(&mut self, cx: &mut Context<'_>, reason: &Close) {
        self.shared
            .connections
            .set(self.shared.connections.get().saturating_sub(1));
        if let Some(mut body) = self.body.take() {
            finish_sink(std::mem::take(&mut body.sink), Some(false));
            self.shared.give_buf(body.whole.take().unwrap_or_default());
        }
        {
            let mut p = self.pipe.borrow_mut();
            p.gone = true;
            p.waker = None;
            let slots: Vec<_> = p.slots.drain(..).collect();
            for s in slots {
                self.shared.give_buf(s.buf);
            }
            let out = std::mem::take(&mut p.out);
            self.shared.give_buf(out);
        }
        if let Some(up) = self.upgraded.as_mut() {
            up.on_close(cx, reason);
        }
    }
}
