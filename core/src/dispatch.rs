//! Turning readiness, timers and queued work into handler callbacks.
//!
//! Rules kept here: a connection's handler is taken out of the slab while it runs (so
//! the context can reach every other connection), a connection is removed only between
//! callbacks, and every user callback runs under `catch_unwind`.

use crate::conn::{f, Conn};
use crate::core::Core;
use crate::inbuf::{InBuf, ReadEnd};
use crate::listener::{is_resource_exhaustion, is_transient, ListenSock};
use crate::socket::Socket;
use crate::timer::Target;
use crate::{Close, ConnId, Context, Handler, Peer};
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

fn panic_message(p: &(dyn std::any::Any + Send)) -> &str {
    p.downcast_ref::<&str>()
        .copied()
        .or_else(|| p.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic)")
}

/// Calls one handler method with a context for `id`. Returns false if the connection
/// is gone (or its handler is already running: re-entrancy is impossible by design, but
/// a stale id can name a slot whose new occupant is mid-callback).
fn call<F>(core: &Core, id: ConnId, input: Option<&mut InBuf>, f: F) -> bool
where
    F: FnOnce(&mut dyn Handler, &mut Context<'_>),
{
    // Callbacks other than `on_data` see the connection's unconsumed input too (so a
    // handler can go on parsing pipelined input in `on_wake` or `on_timer`).
    //
    // Writes of the callback to its own plain connection, when nothing is queued before
    // them, are collected and written with one system call afterwards: no queue, no
    // pool, no flush pass (the may_minihttp shape: all of a batch's responses, one write).
    let (h, mut own, stage) = {
        let mut g = core.inner.borrow_mut();
        match g.conn(id) {
            Some(c) => {
                let own = if input.is_none() && !c.input.is_empty() {
                    Some(std::mem::take(&mut c.input))
                } else {
                    None
                };
                let stage = c.out.is_empty()
                    && !c.is_tls()
                    && c.flags & (f::CONNECTING | f::CLOSING | f::ABORT | f::SHUT_WR | f::WR_DONE)
                        == 0;
                (c.handler.take(), own, stage)
            }
            None => (None, None, false),
        }
    };
    let Some(mut h) = h else { return false };
    let outer = core.stage_id.replace(if stage { id } else { ConnId::NONE });
    core.stage_open.set(stage);
    debug_assert!(outer.is_none(), "callbacks do not nest");
    let res = {
        let input = input.or(own.as_mut());
        let mut cx = Context::new(core, id, input);
        catch_unwind(AssertUnwindSafe(|| f(&mut *h, &mut cx)))
    };
    let staged = core.stage_id.replace(ConnId::NONE) == id;
    let mut g = core.inner.borrow_mut();
    if staged {
        write_staged(core, &mut g, id);
    }
    let back = match g.conn(id) {
        Some(c) => {
            c.handler = Some(h);
            if let Some(buf) = own {
                // A TLS upgrade during the callback cleared it: then nothing is kept.
                if c.input.is_empty() && !buf.is_empty() {
                    c.input = buf;
                }
            }
            None
        }
        None => Some(h),
    };
    if let Err(p) = res {
        g.stats.panics += 1;
        log::error!(
            "handler of connection {id} panicked: {}; closing the connection",
            panic_message(&*p)
        );
        let timeout = core.config.close_timeout;
        g.begin_close(id, Close::Panic, timeout);
        if let Some(c) = g.conn(id) {
            c.close_reason = Some(Box::new(Close::Panic));
        }
    }
    drop(g);
    drop(back);
    true
}

/// Runs a closure that belongs to no connection.
fn call_free(core: &Core, what: &str, f: impl FnOnce(&mut Context<'_>)) -> bool {
    let mut cx = Context::new(core, ConnId::NONE, None);
    match catch_unwind(AssertUnwindSafe(|| f(&mut cx))) {
        Ok(()) => true,
        Err(p) => {
            core.inner.borrow_mut().stats.panics += 1;
            log::error!("{what} panicked: {}", panic_message(&*p));
            false
        }
    }
}

pub(crate) fn conn_event(core: &Core, scratch: &mut InBuf, key: usize, ev: &mio::event::Event) {
    let id = {
        let mut g = core.inner.borrow_mut();
        let inner = &mut *g;
        let Some(c) = inner.conns.get_mut(key) else {
            return;
        };
        let id = ConnId::new(key, c.gen);
        if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
            c.flags |= f::READABLE;
        }
        if ev.is_read_closed() || ev.is_error() {
            c.flags |= f::HUP;
        }
        if c.flags & f::CONNECTING != 0 {
            if ev.is_writable() || ev.is_error() || ev.is_write_closed() {
                crate::connect::progress(inner, id, core.config.tcp_nodelay);
            }
            return;
        }
        if ev.is_writable() && !c.out.is_empty()
            || c.pending_out() > 0
            || c.flags & (f::CLOSING | f::SHUT_WR) != 0
        {
            inner.mark_dirty(id);
        }
        id
    };
    read_conn(core, scratch, id);
}

pub(crate) fn run_ready(core: &Core, scratch: &mut InBuf) {
    if core.inner.borrow().ready.is_empty() {
        return;
    }
    let ready = take_list(core, |i| &mut i.ready);
    for &id in &ready {
        if let Some(c) = core.inner.borrow_mut().conn(id) {
            c.flags &= !f::QUEUED;
        }
        read_conn(core, scratch, id);
    }
    give_back(core, ready);
}

enum Got {
    Data,
    Stop,
}

/// Reads a connection until `WouldBlock`, its input limit or its budget, delivering
/// input to the handler after each read.
fn read_conn(core: &Core, scratch: &mut InBuf, id: ConnId) {
    let cfg = &core.config;
    let mut budget = cfg.read_budget;
    loop {
        // One borrow of the loop and one slab lookup per read: this is the hot path.
        let (got, own, drained) = {
            let mut g = core.inner.borrow_mut();
            let inner = &mut *g;
            let now = inner.now;
            let Some(c) = inner
                .conns
                .get_mut(id.key as usize)
                .filter(|c| c.gen == id.gen)
            else {
                return;
            };
            if c.flags & f::CLOSING != 0 {
                // Draining after our close: read and discard until end of stream.
                let got = drain_closing(c, scratch);
                let eof = c.flags & f::EOF != 0;
                if eof {
                    inner.mark_dirty(id);
                }
                match got {
                    Got::Data => continue,
                    Got::Stop => return,
                }
            }
            // Leftover input is delivered first after a resume.
            let redeliver = c.flags & f::REDELIVER != 0
                && !c.input.is_empty()
                && c.flags & (f::USER_PAUSED | f::CONGESTED | f::ABORT) == 0;
            c.flags &= !f::REDELIVER;
            if !c.wants_read() && !redeliver {
                return;
            }
            let mut own = if c.input.is_empty() {
                None
            } else {
                Some(std::mem::take(&mut c.input))
            };
            let r = if redeliver {
                Ok(Ok((0, false)))
            } else {
                match own.as_mut() {
                    Some(buf) => c.read_into(buf, cfg.max_input),
                    None => {
                        scratch.clear();
                        c.read_into(scratch, cfg.max_input)
                    }
                }
            };
            let tls = c.is_tls();
            if c.flags & f::QUICKACK != 0 {
                c.socket.quickack();
            }
            let got = match r {
                Ok(Ok((n, short))) => {
                    budget = budget.saturating_sub(n.max(1));
                    // A short read on a plain socket drained it: with edge-triggered
                    // readiness, bytes arriving later raise a new event, so the read
                    // that would only say `WouldBlock` is skipped. Not after a hangup
                    // was reported (the end of stream may already be queued), and not
                    // under TLS (rustls reads records, not what the socket holds).
                    if short && c.flags & f::HUP == 0 && !tls {
                        c.flags &= !f::READABLE;
                    }
                    if let Some((t, ms)) = c.idle {
                        inner
                            .timers
                            .reset(now, t, Duration::from_millis(u64::from(ms)));
                    }
                    Got::Data
                }
                Ok(Err(ReadEnd::WouldBlock)) => {
                    c.flags &= !f::READABLE;
                    put_back(Some(c), own.take());
                    if tls {
                        // Handshake records may need writing.
                        inner.mark_dirty(id);
                    }
                    return;
                }
                Ok(Err(ReadEnd::Full)) => {
                    put_back(Some(c), own.take());
                    log::warn!(
                        "connection {id}: handler left {} bytes unconsumed, closing",
                        cfg.max_input
                    );
                    inner.abort(id, Close::InputLimit);
                    return;
                }
                Ok(Err(ReadEnd::Eof)) => {
                    c.flags |= f::EOF;
                    c.flags &= !f::READABLE;
                    put_back(Some(c), own.take());
                    Got::Stop
                }
                Err(e) => {
                    put_back(Some(c), own.take());
                    let reason = close_reason(&e);
                    inner.abort(id, reason);
                    return;
                }
            };
            let drained = c.flags & f::READABLE == 0;
            if tls {
                inner.mark_dirty(id);
            }
            (got, own, drained)
        };
        match got {
            Got::Stop => {
                // End of stream.
                call(core, id, None, |h, cx| h.on_eof(cx));
                return;
            }
            Got::Data => deliver(core, scratch, id, own),
        }
        if drained {
            // Nothing more in the socket; a resume or a new event brings us back.
            return;
        }
        if budget == 0 {
            core.inner.borrow_mut().mark_ready(id);
            return;
        }
    }
}

fn put_back(c: Option<&mut Conn>, own: Option<InBuf>) {
    if let (Some(c), Some(buf)) = (c, own) {
        c.input = buf;
        if c.input.is_empty() {
            c.input.release();
        }
    }
}

/// Reads and discards while a graceful close waits for the peer's end of stream.
fn drain_closing(c: &mut Conn, scratch: &mut InBuf) -> Got {
    if c.flags & f::READABLE == 0 || c.flags & f::EOF != 0 {
        return Got::Stop;
    }
    c.input.release();
    scratch.clear();
    match c.read_into(scratch, usize::MAX) {
        Ok(Ok(_)) => {
            scratch.clear();
            c.flags |= f::LINGER;
            Got::Data
        }
        Ok(Err(ReadEnd::Eof)) | Err(_) => {
            // Finalised by the dirty pass.
            c.flags |= f::EOF;
            c.flags &= !f::READABLE;
            Got::Stop
        }
        Ok(Err(_)) => {
            c.flags &= !f::READABLE;
            Got::Stop
        }
    }
}

/// Hands input to `on_data` and keeps what the handler left.
fn deliver(core: &Core, scratch: &mut InBuf, id: ConnId, own: Option<InBuf>) {
    let max = core.config.max_input;
    let kept = match own {
        Some(mut buf) => {
            call(core, id, Some(&mut buf), |h, cx| h.on_data(cx));
            let mut g = core.inner.borrow_mut();
            let Some(c) = g.conn(id) else { return };
            // (If the handler upgraded to TLS the slot was reset; what it holds wins.)
            if c.input.is_empty() {
                put_back(Some(c), Some(buf));
            }
            c.input.len()
        }
        None => {
            call(core, id, Some(scratch), |h, cx| h.on_data(cx));
            if scratch.is_empty() {
                return;
            }
            let mut g = core.inner.borrow_mut();
            let kept = match g.conn(id) {
                Some(c) => {
                    c.input.extend(scratch.data());
                    c.input.len()
                }
                None => 0,
            };
            scratch.clear();
            kept
        }
    };
    if kept >= max {
        // The handler kept as much input as the loop will hold: it cannot make progress.
        log::warn!("connection {id}: handler left {max} bytes unconsumed, closing");
        core.inner.borrow_mut().abort(id, Close::InputLimit);
    }
}

fn close_reason(e: &io::Error) -> Close {
    #[cfg(feature = "tls")]
    if let Some(t) = e
        .get_ref()
        .and_then(|x| x.downcast_ref::<crate::tls::TlsFailure>())
    {
        return Close::Tls(t.0.clone());
    }
    match e.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionAborted => Close::Reset,
        io::ErrorKind::TimedOut => Close::Timeout,
        k => Close::Io(k),
    }
}

// ---- accepting -----------------------------------------------------------------------------

pub(crate) fn accept(core: &Core, lkey: usize) {
    loop {
        let mut g = core.inner.borrow_mut();
        let inner = &mut *g;
        let Some(l) = inner.listeners.get_mut(lkey) else {
            return;
        };
        if l.paused {
            return;
        }
        if l.live >= l.max_conns {
            l.paused = true;
            return;
        }
        let res = match &l.sock {
            ListenSock::Tcp(s) => s.accept().map(|(s, a)| {
                if core.config.tcp_nodelay {
                    let _ = s.set_nodelay(true);
                }
                (Socket::Tcp(s), Peer::Tcp(a))
            }),
            ListenSock::Unix(s, _) => s.accept().map(|(s, a)| {
                (
                    Socket::Unix(s),
                    Peer::Unix(a.as_pathname().map(|p| p.to_path_buf())),
                )
            }),
        };
        match res {
            Ok((mut sock, peer)) => {
                l.backoff = Duration::ZERO;
                let factory = &mut l.factory;
                let handler = match catch_unwind(AssertUnwindSafe(|| factory(&peer))) {
                    Ok(h) => h,
                    Err(p) => {
                        log::error!(
                            "connection factory panicked: {}; dropping connection from {peer}",
                            panic_message(&*p)
                        );
                        inner.stats.panics += 1;
                        continue;
                    }
                };
                #[cfg(feature = "tls")]
                let session = match &l.tls {
                    Some(cfg) => match crate::tls::server_session(cfg.clone()) {
                        Ok(s) => Some(s),
                        Err(e) => {
                            log::error!("TLS session for {peer}: {e}");
                            continue;
                        }
                    },
                    None => None,
                };
                l.live += 1;
                let gen = inner.alloc_gen();
                let entry = inner.conns.vacant_entry();
                let id = ConnId::new(entry.key(), gen);
                if let Err(e) = sock.register(&inner.registry, mio::Token(entry.key())) {
                    log::error!("register {peer}: {e}");
                    if let Some(l) = inner.listeners.get_mut(lkey) {
                        l.live -= 1;
                    }
                    continue;
                }
                let mut conn = Conn::new(gen, sock, handler, peer);
                conn.listener = u32::try_from(lkey).ok();
                #[cfg(feature = "tls")]
                if let Some(s) = session {
                    conn.tls = Some(Box::new(crate::tls::TlsSession::new(s, Default::default())));
                }
                entry.insert(conn);
                inner.stats.accepted += 1;
                inner.opened.push(id);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if is_resource_exhaustion(&e) => {
                // Out of descriptors: the pending connection stays in the backlog and the
                // listener stays readable, so retrying now would spin. Back off (10 ms,
                // doubling to 1 s) and retry sooner if one of our connections closes.
                l.paused = true;
                l.backoff =
                    (l.backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                let backoff = l.backoff;
                inner.stats.accept_exhausted += 1;
                if inner.stats.accept_exhausted.is_power_of_two() {
                    log::warn!(
                        "accept: {e}; backing off {backoff:?} (seen {} times)",
                        inner.stats.accept_exhausted
                    );
                }
                let now = inner.now;
                inner.timers.insert(
                    now,
                    backoff,
                    None,
                    Target::Once(Some(Box::new(move |cx: &mut Context<'_>| {
                        let mut g = cx.core.inner.borrow_mut();
                        if let Some(l) = g.listeners.get_mut(lkey) {
                            l.paused = false;
                        }
                        g.accept_again.push(lkey);
                    }))),
                );
                return;
            }
            Err(e) if is_transient(&e) => continue,
            Err(e) => {
                log::error!("accept: {e}");
                return;
            }
        }
    }
}

// ---- timers ----------------------------------------------------------------------------------

pub(crate) fn run_timers(core: &Core, scratch: &mut InBuf) {
    let _ = scratch;
    let now = {
        let g = core.inner.borrow();
        if g.timers.len() == 0 {
            return;
        }
        g.now
    };
    // Bound the work of one turn; the rest fires next turn.
    for _ in 0..100_000 {
        let popped = core.inner.borrow_mut().timers.pop_due(now);
        let Some((tid, target)) = popped else { return };
        match target {
            Target::Conn(id) => {
                let what = {
                    let mut g = core.inner.borrow_mut();
                    let timeout = core.config.close_timeout;
                    match g.conn(id) {
                        None => continue,
                        Some(c) if c.idle.is_some_and(|(t, _)| t == tid) => {
                            c.idle = None;
                            log::debug!("connection {id}: idle timeout");
                            g.begin_close(id, Close::Timeout, timeout);
                            continue;
                        }
                        Some(c) if c.close_timer == Some(tid) => {
                            c.close_timer = None;
                            if c.close_reason.is_none() {
                                c.close_reason = Some(Box::new(Close::Timeout));
                            }
                            c.flags |= f::ABORT;
                            g.mark_dirty(id);
                            continue;
                        }
                        Some(_) => {
                            if !g.timers.contains(tid) {
                                if let Some(c) = g.conn(id) {
                                    c.timers.retain(|t| *t != tid);
                                }
                            }
                            tid
                        }
                    }
                };
                call(core, id, None, |h, cx| h.on_timer(cx, what));
            }
            Target::Once(Some(f)) => {
                call_free(core, "timer callback", f);
            }
            Target::Every(Some(mut f)) => {
                if call_free(core, "interval callback", |cx| f(cx)) {
                    core.inner.borrow_mut().timers.restore(tid, f);
                } else {
                    let t = core.inner.borrow_mut().timers.cancel(tid);
                    drop(t);
                }
            }
            Target::Once(None) | Target::Every(None) => {}
        }
    }
}

// ---- posted and deferred work ------------------------------------------------------------------

pub(crate) fn run_remote(core: &Core) {
    for job in core.remote.take_jobs() {
        call_free(core, "posted job", job);
    }
}

/// Runs everything queued by callbacks until nothing is left (bounded per turn):
/// opens, wakes, deferred closures, flushes, drains and closes.
pub(crate) fn settle(core: &Core, scratch: &mut InBuf) {
    for _ in 0..64 {
        if !core.inner.borrow().has_work() && core.wakes.borrow().is_empty() {
            return; // the common case after a turn of direct writes
        }
        let mut did = false;
        let opened = take_list(core, |i| &mut i.opened);
        for &id in &opened {
            did = true;
            if let Some(c) = core.inner.borrow_mut().conn(id) {
                c.flags |= f::OPEN;
            }
            call(core, id, None, |h, cx| h.on_open(cx));
        }
        give_back(core, opened);
        let wakes = if core.wakes.borrow().is_empty() {
            Vec::new()
        } else {
            let spare = core.inner.borrow_mut().spare.pop().unwrap_or_default();
            std::mem::replace(&mut *core.wakes.borrow_mut(), spare)
        };
        if !wakes.is_empty() {
            did = true;
            let epoch = {
                let mut g = core.inner.borrow_mut();
                g.wake_epoch = g.wake_epoch.wrapping_add(1);
                g.wake_epoch
            };
            for &id in &wakes {
                let fresh = match core.inner.borrow_mut().conn(id) {
                    Some(c) if c.wake_epoch != epoch => {
                        c.wake_epoch = epoch;
                        true
                    }
                    _ => false,
                };
                if fresh {
                    call(core, id, None, |h, cx| h.on_wake(cx));
                }
            }
        }
        give_back(core, wakes);
        let accept_again = std::mem::take(&mut core.inner.borrow_mut().accept_again);
        for l in accept_again {
            did = true;
            accept(core, l);
        }
        // Deferred closures queued so far (new ones run in the next round).
        let n = core.inner.borrow().deferred.len();
        for _ in 0..n {
            let job = core.inner.borrow_mut().deferred.pop_front();
            if let Some(job) = job {
                did = true;
                call_free(core, "deferred callback", job);
            }
        }
        if !core.inner.borrow().ready.is_empty() {
            did = true;
            run_ready(core, scratch);
        }
        did |= flush_dirty(core, scratch);
        let drained = take_list(core, |i| &mut i.drained);
        for &id in &drained {
            did = true;
            call(core, id, None, |h, cx| h.on_drain(cx));
        }
        give_back(core, drained);
        if !did {
            return;
        }
    }
}

/// Flushes every dirty connection and acts on its state. True if anything was dirty.
fn flush_dirty(core: &Core, scratch: &mut InBuf) -> bool {
    let dirty = take_list(core, |i| &mut i.dirty);
    if dirty.is_empty() {
        give_back(core, dirty);
        return false;
    }
    let cfg = &core.config;
    for &id in &dirty {
        let finish = {
            let mut g = core.inner.borrow_mut();
            let inner = &mut *g;
            let Some(c) = inner
                .conns
                .get_mut(id.key as usize)
                .filter(|c| c.gen == id.gen)
            else {
                continue;
            };
            c.flags &= !f::DIRTY;
            if c.flags & f::ABORT != 0 {
                Some(c.close_reason.as_deref().cloned().unwrap_or(Close::Local))
            } else {
                match c.flush(&mut inner.pool) {
                    Err(e) => Some(close_reason(&e)),
                    Ok(done) => {
                        let pending = c.pending_out();
                        let mut fin = None;
                        if c.flags & f::CONGESTED != 0 && pending <= cfg.low_water {
                            c.flags &= !f::CONGESTED;
                            inner.drained.push(id);
                            if c.flags & f::READABLE != 0 || !c.input.is_empty() {
                                if !c.input.is_empty() {
                                    c.flags |= f::REDELIVER;
                                }
                                if c.flags & f::QUEUED == 0 {
                                    c.flags |= f::QUEUED;
                                    inner.ready.push(id);
                                }
                            }
                        } else if pending > cfg.high_water {
                            c.flags |= f::CONGESTED;
                        }
                        if done && c.flags & f::NOTIFY_DRAINED != 0 {
                            c.flags &= !f::NOTIFY_DRAINED;
                            inner.drained.push(id);
                        }
                        if done
                            && c.flags & (f::CLOSING | f::SHUT_WR) != 0
                            && c.flags & f::WR_DONE == 0
                        {
                            #[cfg(feature = "tls")]
                            if let Some(t) = c.tls.as_mut() {
                                t.send_close_notify();
                                match c.flush(&mut inner.pool) {
                                    Ok(true) => {}
                                    Ok(false) => continue, // wait for writable
                                    Err(_) => {}
                                }
                            }
                            let _ = c.socket.shutdown_write();
                            c.flags |= f::WR_DONE;
                        }
                        if c.flags & f::CLOSING != 0 && c.flags & f::WR_DONE != 0 {
                            // Whatever the peer sent meanwhile is discarded; if it is
                            // still sending, wait (bounded) for its end of stream.
                            for _ in 0..64 {
                                if let Got::Stop = drain_closing(c, scratch) {
                                    break;
                                }
                            }
                        }
                        if c.flags & f::CLOSING != 0
                            && c.flags & f::WR_DONE != 0
                            && c.flags & (f::EOF | f::LINGER) != f::LINGER
                        {
                            fin = Some(c.close_reason.as_deref().cloned().unwrap_or(Close::Local));
                        }
                        fin
                    }
                }
            }
        };
        if let Some(reason) = finish {
            finalize(core, id, reason);
        }
    }
    give_back(core, dirty);
    true
}

/// Removes a connection and tells its handler.
pub(crate) fn finalize(core: &Core, id: ConnId, reason: Close) {
    let (handler, dropped) = {
        let mut g = core.inner.borrow_mut();
        let inner = &mut *g;
        let Some(c) = inner.conns.get(id.key as usize) else {
            return;
        };
        if c.gen != id.gen || c.handler.is_none() {
            return; // gone, or mid-callback (cannot happen from the dispatcher)
        }
        let mut c = inner.conns.remove(id.key as usize);
        c.socket.deregister(&inner.registry);
        c.out.clear(&mut inner.pool);
        let mut dropped = Vec::new();
        for t in c
            .timers
            .drain(..)
            .chain(c.idle.map(|(t, _)| t))
            .chain(c.close_timer)
        {
            if let Some(x) = inner.timers.cancel(t) {
                dropped.push(x);
            }
        }
        if let Some(l) = c
            .listener
            .and_then(|k| inner.listeners.get_mut(k as usize).map(|l| (k as usize, l)))
        {
            let (k, l) = l;
            l.live = l.live.saturating_sub(1);
            if l.paused {
                l.paused = false;
                inner.accept_again.push(k);
            }
        }
        inner.stats.closed += 1;
        let h = c.handler.take();
        drop(c); // closes the socket
        (h, dropped)
    };
    drop(dropped);
    if let Some(mut h) = handler {
        log::trace!("connection {id} closed: {reason}");
        let mut cx = Context::new(core, id, None);
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| h.on_close(&mut cx, &reason))) {
            core.inner.borrow_mut().stats.panics += 1;
            log::error!(
                "on_close of connection {id} panicked: {}",
                panic_message(&*p)
            );
        }
    }
}

// ---- stopping ----------------------------------------------------------------------------------

pub(crate) fn begin_shutdown(core: &Core) {
    let ids: Vec<ConnId> = {
        let mut g = core.inner.borrow_mut();
        let inner = &mut *g;
        inner.stopping = Some(std::time::Instant::now() + core.config.shutdown_timeout);
        for (_, l) in std::mem::take(&mut inner.listeners) {
            crate::reactor::drop_listener(&inner.registry, l);
        }
        inner
            .conns
            .iter()
            .map(|(k, c)| ConnId::new(k, c.gen))
            .collect()
    };
    log::info!("stopping: {} connection(s) to finish", ids.len());
    for id in ids {
        call(core, id, None, |h, cx| h.on_shutdown(cx));
    }
}

pub(crate) fn close_all(core: &Core, scratch: &mut InBuf) {
    settle(core, scratch);
    let ids: Vec<ConnId> = core
        .inner
        .borrow()
        .conns
        .iter()
        .map(|(k, c)| ConnId::new(k, c.gen))
        .collect();
    for id in ids {
        // Last chance to get queued bytes out without blocking.
        {
            let mut g = core.inner.borrow_mut();
            let inner = &mut *g;
            if let Some(c) = inner.conns.get_mut(id.key as usize) {
                let _ = c.flush(&mut inner.pool);
            }
        }
        finalize(core, id, Close::Shutdown);
    }
    // Closures may hold resources (and their drops may queue work that is now moot).
    let timers = {
        let mut g = core.inner.borrow_mut();
        let now = g.now;
        let _ = now;
        std::mem::replace(
            &mut g.timers,
            crate::timer::Timers::new(std::time::Instant::now()),
        )
    };
    drop(timers);
    core.inner.borrow_mut().deferred.clear();
}

/// Takes one of the loop's id lists, leaving a cleared spare in its place, so the lists
/// keep their capacity from turn to turn instead of being reallocated.
fn take_list(
    core: &Core,
    which: impl Fn(&mut crate::core::Inner) -> &mut Vec<ConnId>,
) -> Vec<ConnId> {
    let mut g = core.inner.borrow_mut();
    let inner = &mut *g;
    if which(inner).is_empty() {
        return Vec::new(); // (no allocation; `give_back` ignores it)
    }
    let spare = inner.spare.pop().unwrap_or_default();
    std::mem::replace(which(inner), spare)
}

fn give_back(core: &Core, mut list: Vec<ConnId>) {
    if list.capacity() == 0 {
        return;
    }
    list.clear();
    let mut g = core.inner.borrow_mut();
    if g.spare.len() < 8 {
        g.spare.push(list);
    }
}

/// Writes what the callback staged for its own connection: straight to the socket, the
/// rest (if the socket takes less) into the connection's queue.
fn write_staged(core: &Core, inner: &mut crate::core::Inner, id: ConnId) {
    let mut stage = core.stage.borrow_mut();
    if stage.is_empty() {
        return;
    }
    let Some(c) = inner
        .conns
        .get_mut(id.key as usize)
        .filter(|c| c.gen == id.gen)
    else {
        stage.clear();
        return;
    };
    if c.flags & f::ABORT != 0 {
        stage.clear();
        return;
    }
    let mut off = 0;
    if c.out.is_empty() {
        use std::io::Write;
        while off < stage.len() {
            match c.socket.write(&stage[off..]) {
                Ok(0) => break,
                Ok(n) => off += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    stage.clear();
                    let reason = close_reason(&e);
                    inner.abort(id, reason);
                    return;
                }
            }
        }
    }
    if off < stage.len() {
        c.out.push(&stage[off..], &mut inner.pool);
        let pending = c.pending_out();
        if pending > core.config.high_water {
            c.flags |= f::CONGESTED;
        }
        inner.mark_dirty(id);
    }
    stage.clear();
    if stage.capacity() > 1 << 20 {
        *stage = Vec::new();
    }
}
