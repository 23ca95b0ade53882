//! [`Context`]: what a callback can do — read its input, write to any connection,
//! close, set timers, open connections, reach shared state.

use crate::conn::f;
use crate::core::Core;
use crate::inbuf::InBuf;
use crate::timer::Target as TimerTarget;
use crate::{Close, ConnId, Handle, Handler, Peer, TimerId};
use std::cell::RefMut;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The view of the loop a callback gets.
///
/// Methods that name no connection act on the callback's own connection
/// ([`id`](Context::id)); the `*_conn`/`*_to` variants act on any connection by id.
/// Operations on a closed (stale) id are refused and return `false`. Nothing here calls
/// user code synchronously: `on_open`, `on_drain`, `on_wake`, `on_close` of other
/// connections and deferred closures run after the current callback returns, in order.
///
/// Most methods take `&self`, so a handler can hold shared state
/// ([`state`](Context::state)) or its input ([`input`](Context::input)) while writing:
///
/// ```
/// # use jaxl_core::{Context, ConnId};
/// #[derive(Default)]
/// struct Room { members: Vec<ConnId> }
///
/// fn broadcast(cx: &mut Context<'_>, line: &[u8]) {
///     let room = cx.state::<Room>();
///     for &m in &room.members {
///         if m != cx.id() {
///             cx.write_to(m, line);
///         }
///     }
/// }
/// ```
pub struct Context<'a> {
    pub(crate) core: &'a Core,
    pub(crate) id: ConnId,
    pub(crate) input: Option<&'a mut InBuf>,
}

/// Where [`Context::connect`] connects to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A socket address: connect at once.
    Addr(std::net::SocketAddr),
    /// A host name (or IP literal) and port: resolved off the loop's thread, then each
    /// address is tried in turn.
    Host(String, u16),
    /// A Unix-socket path.
    Unix(std::path::PathBuf),
}

impl From<std::net::SocketAddr> for Endpoint {
    fn from(a: std::net::SocketAddr) -> Endpoint {
        Endpoint::Addr(a)
    }
}

impl From<(&str, u16)> for Endpoint {
    fn from((h, p): (&str, u16)) -> Endpoint {
        match h.parse::<std::net::IpAddr>() {
            Ok(ip) => Endpoint::Addr((ip, p).into()),
            Err(_) => Endpoint::Host(h.to_owned(), p),
        }
    }
}

impl From<(String, u16)> for Endpoint {
    fn from((h, p): (String, u16)) -> Endpoint {
        Endpoint::from((h.as_str(), p))
    }
}

impl<'a> Context<'a> {
    pub(crate) fn new(core: &'a Core, id: ConnId, input: Option<&'a mut InBuf>) -> Context<'a> {
        Context { core, id, input }
    }

    /// The connection this callback belongs to ([`ConnId::NONE`] in timer closures,
    /// deferred and posted work).
    #[inline]
    pub fn id(&self) -> ConnId {
        self.id
    }

    /// The remote end of the current connection, if it is one.
    pub fn peer(&self) -> Option<Peer> {
        self.core
            .inner
            .borrow_mut()
            .conn(self.id)
            .map(|c| c.peer.clone())
    }

    /// The loop's clock, read once per turn after polling (cheap; good enough for
    /// timestamps and deadlines).
    #[inline]
    pub fn now(&self) -> Instant {
        self.core.inner.borrow().now
    }

    // ---- input -------------------------------------------------------------------------

    /// The bytes received and not yet consumed by the current connection's handler
    /// (empty in callbacks that belong to no connection and in `on_close`).
    #[inline]
    pub fn input(&self) -> &[u8] {
        match &self.input {
            Some(b) => b.data(),
            None => &[],
        }
    }

    /// Marks the first `n` input bytes as used; the rest stays for the next `on_data`.
    /// `n` larger than the input consumes all of it.
    #[inline]
    pub fn consume(&mut self, n: usize) {
        if let Some(b) = self.input.as_mut() {
            b.consume(n);
        }
    }

    /// Takes all input as an owned vector (and consumes it).
    pub fn take_input(&mut self) -> Vec<u8> {
        match self.input.as_mut() {
            Some(b) => {
                let v = b.data().to_vec();
                b.clear();
                v
            }
            None => Vec::new(),
        }
    }

    // ---- output ------------------------------------------------------------------------

    /// Queues bytes on the current connection; the loop writes them after the callback.
    /// Returns false if the connection is closing or gone, or the queue just passed
    /// [`LoopConfig::max_output`](crate::LoopConfig::max_output) (the connection is then
    /// closed with [`Close::Overflow`]). Over the high-water mark the write is still queued
    /// (true) but the loop stops reading this connection until the queue drains.
    #[inline]
    pub fn write(&self, data: &[u8]) -> bool {
        self.write_to(self.id, data)
    }

    /// Queues bytes on any connection by id (a broadcast, a routed stanza). Same results
    /// as [`write`](Context::write); false for a stale id.
    #[inline]
    pub fn write_to(&self, id: ConnId, data: &[u8]) -> bool {
        self.push_out(id, Data::Slice(data))
    }

    /// Queues an owned buffer without copying it (large bodies).
    pub fn write_owned(&self, data: Vec<u8>) -> bool {
        self.write_owned_to(self.id, data)
    }

    /// Queues an owned buffer on any connection by id.
    pub fn write_owned_to(&self, id: ConnId, data: Vec<u8>) -> bool {
        self.push_out(id, Data::Owned(data))
    }

    fn push_out(&self, id: ConnId, data: Data<'_>) -> bool {
        let cfg = &self.core.config;
        if id == self.core.stage_id.get() {
            // The running callback writing to its own connection: collect the bytes and
            // write them with one call when the callback returns.
            // (The connection was open when the callback started and only this callback
            // can change that: `stage_open` follows its closes and half-closes.)
            if !self.core.stage_open.get() {
                return false;
            }
            let mut stage = self.core.stage.borrow_mut();
            let mut bytes = data.as_slice();
            if stage.is_empty() && bytes.len() >= WRITE_THROUGH {
                // A large write with nothing before it: straight to the socket, no copy;
                // only what the socket does not take is staged.
                let mut g = self.core.inner.borrow_mut();
                if let Some(c) = g.conn(id) {
                    use std::io::Write;
                    match c.socket.write(bytes) {
                        Ok(n) => bytes = &bytes[n..],
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => {} // reported by the flush of what is staged, or the next read
                    }
                }
            }
            stage.extend_from_slice(bytes);
            if stage.len() <= cfg.high_water {
                return true;
            }
            // Too much for one callback: hand it to the queue, with its limits.
            drop(stage);
            self.spill();
            return self
                .core
                .inner
                .borrow_mut()
                .conn(id)
                .is_some_and(|c| c.flags & f::ABORT == 0);
        }
        let mut g = self.core.inner.borrow_mut();
        let inner = &mut *g;
        let Some(c) = inner
            .conns
            .get_mut(id.key as usize)
            .filter(|c| c.gen == id.gen)
        else {
            return false;
        };
        if c.flags & (f::CLOSING | f::ABORT | f::SHUT_WR | f::WR_DONE) != 0 {
            return false;
        }
        match data {
            Data::Slice(d) => c.out.push(d, &mut inner.pool),
            Data::Owned(v) => c.out.push_owned(v, &mut inner.pool),
        }
        queued(inner, id, cfg)
    }

    /// Moves the staged output of the current callback into the connection's queue
    /// (before anything that must see the queue whole: a TLS upgrade, a large write).
    pub(crate) fn spill(&self) {
        let id = self.core.stage_id.replace(ConnId::NONE);
        if id.is_none() {
            return;
        }
        let mut stage = self.core.stage.borrow_mut();
        if stage.is_empty() {
            return;
        }
        let mut g = self.core.inner.borrow_mut();
        let inner = &mut *g;
        if let Some(c) = inner
            .conns
            .get_mut(id.key as usize)
            .filter(|c| c.gen == id.gen)
        {
            c.out.push(&stage, &mut inner.pool);
            queued(inner, id, &self.core.config);
        }
        stage.clear();
    }

    /// Bytes queued and not yet written on the current connection.
    #[inline]
    pub fn queued(&self) -> usize {
        self.queued_on(self.id)
    }

    /// Bytes queued and not yet written on a connection (0 for a stale id).
    pub fn queued_on(&self, id: ConnId) -> usize {
        let staged = if id == self.core.stage_id.get() {
            self.core.stage.borrow().len()
        } else {
            0
        };
        staged
            + self
                .core
                .inner
                .borrow_mut()
                .conn(id)
                .map_or(0, |c| c.pending_out())
    }

    /// Calls [`Handler::on_drain`] once the current connection's queue is empty (at once
    /// after the next flush if it already is).
    pub fn notify_drained(&self) {
        let mut g = self.core.inner.borrow_mut();
        if let Some(c) = g.conn(self.id) {
            c.flags |= f::NOTIFY_DRAINED;
            g.mark_dirty(self.id);
        }
    }

    /// Whether `id` names a connection that is open (not closed, not closing).
    #[inline]
    pub fn is_open(&self, id: ConnId) -> bool {
        self.core
            .inner
            .borrow_mut()
            .conn(id)
            .is_some_and(|c| c.flags & (f::CLOSING | f::ABORT) == 0)
    }

    // ---- closing -----------------------------------------------------------------------

    /// Closes the current connection gracefully: queued output is written, writing is
    /// shut down, the peer's remaining input is drained (so the close does not reset the
    /// connection under the last response), then the socket is closed and `on_close`
    /// gets [`Close::Local`] — or [`Close::Peer`] if the peer had already finished.
    /// Bounded by [`LoopConfig::close_timeout`](crate::LoopConfig::close_timeout).
    pub fn close(&self) {
        self.close_conn(self.id);
    }

    /// Closes any connection gracefully, as [`close`](Context::close). False for a stale id.
    pub fn close_conn(&self, id: ConnId) -> bool {
        self.close_with(id, Close::Local)
    }

    /// Closes a connection gracefully with the reason its `on_close` will see
    /// (for instance [`Close::Timeout`] from a protocol's own deadline).
    pub fn close_with(&self, id: ConnId, reason: Close) -> bool {
        if id == self.core.stage_id.get() {
            self.core.stage_open.set(false); // later writes are refused
        }
        let mut g = self.core.inner.borrow_mut();
        let reason = match g.conn(id) {
            Some(c) if c.flags & f::EOF != 0 && reason == Close::Local => Close::Peer,
            Some(_) => reason,
            None => return false,
        };
        g.begin_close(id, reason, self.core.config.close_timeout)
    }

    /// Closes the current connection at once, dropping queued output.
    pub fn abort(&self) {
        self.abort_conn(self.id);
    }

    /// Closes any connection at once, dropping its queued output. False for a stale id.
    pub fn abort_conn(&self, id: ConnId) -> bool {
        if id == self.core.stage_id.get() {
            self.core.stage_id.set(ConnId::NONE);
            self.core.stage.borrow_mut().clear();
        }
        self.core.inner.borrow_mut().abort(id, Close::Local)
    }

    /// Half-close: after the queued output is written, shut down the writing side (the
    /// peer reads end of stream) and keep reading. Later writes are refused.
    pub fn shutdown_write(&self) {
        if self.id == self.core.stage_id.get() {
            self.core.stage_open.set(false);
        }
        let mut g = self.core.inner.borrow_mut();
        if let Some(c) = g.conn(self.id) {
            c.flags |= f::SHUT_WR;
            g.mark_dirty(self.id);
        }
    }

    // ---- reading control ---------------------------------------------------------------

    /// Stops reading the current connection (input stays in the kernel; TCP slows the
    /// peer down) until [`resume_reading`](Context::resume_reading).
    pub fn pause_reading(&self) {
        if let Some(c) = self.core.inner.borrow_mut().conn(self.id) {
            c.flags |= f::USER_PAUSED;
        }
    }

    /// Resumes reading after [`pause_reading`](Context::pause_reading); unconsumed input
    /// is handed to `on_data` again after this callback, then whatever arrived meanwhile.
    pub fn resume_reading(&self) {
        self.resume_reading_conn(self.id);
    }

    /// Resumes reading on any connection by id.
    pub fn resume_reading_conn(&self, id: ConnId) -> bool {
        let mut g = self.core.inner.borrow_mut();
        let Some(c) = g.conn(id) else { return false };
        // The input may be out of the slot right now (lent to the running callback), so
        // ask for a redelivery regardless; it is a no-op when nothing is left.
        c.flags &= !f::USER_PAUSED;
        c.flags |= f::REDELIVER;
        g.mark_ready(id);
        true
    }

    /// Acknowledges received data at once instead of after the kernel's delayed-ACK
    /// wait (Linux `TCP_QUICKACK`, renewed after every read), while `on`.
    ///
    /// For request/response exchanges with a peer that leaves Nagle's algorithm on:
    /// its second small write waits for our ACK, which a delayed ACK holds for up to
    /// 40 ms (an XMPP server's stream features after STARTTLS, for one). Costs one
    /// system call per read, so switch it off once the exchange is over. A no-op on
    /// other systems and on Unix sockets.
    pub fn set_quick_ack(&self, on: bool) {
        let mut g = self.core.inner.borrow_mut();
        let Some(c) = g.conn(self.id) else { return };
        if on {
            c.flags |= f::QUICKACK;
            c.socket.quickack();
        } else {
            c.flags &= !f::QUICKACK;
        }
    }

    /// Closes the current connection with [`Close::Timeout`] when it receives nothing
    /// for `timeout` (`None` switches it off). Every read pushes the deadline forward;
    /// that costs a store, not a timer operation.
    pub fn set_idle_timeout(&self, timeout: Option<Duration>) {
        let mut g = self.core.inner.borrow_mut();
        let inner = &mut *g;
        let now = inner.now;
        let Some(c) = inner
            .conns
            .get_mut(self.id.key as usize)
            .filter(|c| c.gen == self.id.gen)
        else {
            return;
        };
        match (c.idle.take(), timeout) {
            (Some((t, _)), Some(d)) => {
                inner.timers.reset(now, t, d);
                c.idle = Some((t, millis(d)));
            }
            (Some((t, _)), None) => {
                inner.timers.cancel(t);
            }
            (None, Some(d)) => {
                let t = inner
                    .timers
                    .insert(now, d, None, TimerTarget::Conn(self.id));
                c.idle = Some((t, millis(d)));
            }
            (None, None) => {}
        }
    }

    // ---- timers ------------------------------------------------------------------------

    /// A one-shot timer for the current connection: after `after`, its handler's
    /// [`on_timer`](Handler::on_timer) is called with the returned id. Cancelled
    /// automatically when the connection closes. Outside a connection callback the timer
    /// is created but targets nobody; use [`set_timeout`](Context::set_timeout) there.
    pub fn set_timer(&self, after: Duration) -> TimerId {
        self.conn_timer(after, None)
    }

    /// A repeating timer for the current connection, first firing after `every`.
    pub fn set_repeating_timer(&self, every: Duration) -> TimerId {
        self.conn_timer(every, Some(every))
    }

    fn conn_timer(&self, after: Duration, period: Option<Duration>) -> TimerId {
        let mut g = self.core.inner.borrow_mut();
        let now = g.now;
        let t = g
            .timers
            .insert(now, after, period, TimerTarget::Conn(self.id));
        if let Some(c) = g.conn(self.id) {
            c.timers.push(t);
        }
        t
    }

    /// Runs `f` once after `after` (node's `setTimeout`), with a context that belongs to
    /// no connection. The closure may own anything (a deferred HTTP response, say).
    pub fn set_timeout<F>(&self, after: Duration, f: F) -> TimerId
    where
        F: FnOnce(&mut Context<'_>) + 'static,
    {
        let mut g = self.core.inner.borrow_mut();
        let now = g.now;
        g.timers
            .insert(now, after, None, TimerTarget::Once(Some(Box::new(f))))
    }

    /// Runs `f` every `every` (node's `setInterval`; JAXL's cron job) until cancelled
    /// with [`cancel_timer`](Context::cancel_timer). A loop that stalled does not fire a
    /// burst of missed runs: the next run is scheduled from the intended time but never
    /// in the past.
    pub fn set_interval<F>(&self, every: Duration, f: F) -> TimerId
    where
        F: FnMut(&mut Context<'_>) + 'static,
    {
        let mut g = self.core.inner.borrow_mut();
        let now = g.now;
        g.timers.insert(
            now,
            every,
            Some(every),
            TimerTarget::Every(Some(Box::new(f))),
        )
    }

    /// Moves a timer's deadline to `after` from now (a forward move is O(1)). False for
    /// a stale id (fired one-shot, cancelled).
    pub fn reset_timer(&self, id: TimerId, after: Duration) -> bool {
        let mut g = self.core.inner.borrow_mut();
        let now = g.now;
        g.timers.reset(now, id, after)
    }

    /// Cancels a timer; it will not fire. False for a stale id.
    pub fn cancel_timer(&self, id: TimerId) -> bool {
        let target = self.core.inner.borrow_mut().timers.cancel(id);
        // A closure is dropped here, outside the borrow (its drop may touch the loop).
        target.is_some()
    }

    /// Counters about this loop (accepts, closes, polls, caught panics).
    pub fn loop_stats(&self) -> crate::Stats {
        self.core.inner.borrow().stats
    }

    /// How many connections this loop holds (open, connecting or closing).
    pub fn connection_count(&self) -> usize {
        self.core.inner.borrow().conns.len()
    }

    /// How many timers are live in this loop.
    pub fn timer_count(&self) -> usize {
        self.core.inner.borrow().timers.len()
    }

    // ---- deferred work, wakers, handles --------------------------------------------------

    /// Runs `f` after the current callback, before the loop polls again (node's
    /// `setImmediate`), with a context that belongs to no connection.
    pub fn defer<F>(&self, f: F)
    where
        F: FnOnce(&mut Context<'_>) + 'static,
    {
        self.core.inner.borrow_mut().deferred.push_back(Box::new(f));
    }

    /// A waker for the current connection: its [`wake`](Waker::wake), from any later
    /// callback of this loop, makes the loop call this connection's
    /// [`on_wake`](Handler::on_wake). It is how a response finished elsewhere reaches the
    /// connection that must send it.
    #[inline]
    pub fn waker(&self) -> Waker {
        self.waker_for(self.id)
    }

    /// A waker for any connection by id.
    pub fn waker_for(&self, id: ConnId) -> Waker {
        Waker {
            id,
            queue: self.core.wakes.clone(),
        }
    }

    /// Runs `job` on a short-lived thread of its own and then `then` on the loop's
    /// thread with its result, so that blocking work (a DNS query, a file read) never
    /// holds the loop. `then` need not be `Send`: it waits in a timer of the loop, which
    /// the thread fires when it is done.
    ///
    /// `then` gets `None` when the thread could not be started or did not finish within
    /// `limit` (the thread is then left to end on its own; its result is dropped). A
    /// stopping loop still runs `then` (check [`is_stopping`](Self::is_stopping)).
    pub fn run_blocking<T, J, F>(&self, limit: Duration, job: J, then: F)
    where
        T: Send + 'static,
        J: FnOnce() -> T + Send + 'static,
        F: FnOnce(&mut Context<'_>, Option<T>) + 'static,
    {
        let slot: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
        let theirs = slot.clone();
        let timer = self.set_timeout(limit, move |cx| {
            let result = match slot.lock() {
                Ok(mut g) => g.take(),
                Err(p) => p.into_inner().take(),
            };
            then(cx, result);
        });
        let handle = self.handle();
        let spawned = std::thread::Builder::new()
            .name("jaxl-blocking".into())
            .spawn(move || {
                let result = job();
                match theirs.lock() {
                    Ok(mut g) => *g = Some(result),
                    Err(p) => *p.into_inner() = Some(result),
                }
                // The timer may already have fired (a stale id is refused), or the loop
                // may be gone: both are fine.
                let _ = handle.post(move |cx| {
                    cx.reset_timer(timer, Duration::ZERO);
                });
            });
        if let Err(e) = spawned {
            log::warn!("cannot start a thread for blocking work: {e}");
            self.reset_timer(timer, Duration::ZERO);
        }
    }

    /// A `Send` handle to this loop for other threads.
    pub fn handle(&self) -> Handle {
        Handle {
            remote: self.core.remote.clone(),
        }
    }

    /// Asks the loop to stop gracefully: listeners close, every handler's
    /// [`on_shutdown`](Handler::on_shutdown) runs, `run` returns once connections are
    /// closed (or the shutdown timeout passes).
    pub fn stop(&self) {
        self.core.inner.borrow_mut().stop_requested = true;
    }

    /// Whether the loop is stopping.
    pub fn is_stopping(&self) -> bool {
        let g = self.core.inner.borrow();
        g.stop_requested || g.stopping.is_some()
    }

    // ---- shared state ------------------------------------------------------------------

    /// The loop's shared value of type `T`, inserted with
    /// [`Loop::insert_state`](crate::Loop::insert_state).
    ///
    /// # Panics
    /// If no `T` was inserted, or the same `T` is already borrowed (held twice at once,
    /// for instance by a caller up the stack). The loop catches the panic like any other
    /// callback panic. Use [`try_state`](Context::try_state) to avoid it.
    #[inline]
    pub fn state<T: 'static>(&self) -> RefMut<'a, T> {
        match self.core.states.cell::<T>() {
            Some(cell) => match cell.try_borrow_mut() {
                Ok(r) => r,
                Err(_) => panic!(
                    "loop state {} is already borrowed",
                    std::any::type_name::<T>()
                ),
            },
            None => panic!(
                "no loop state {}: call Loop::insert_state first",
                std::any::type_name::<T>()
            ),
        }
    }

    /// The loop's shared `T`, or `None` if none was inserted or it is already borrowed.
    pub fn try_state<T: 'static>(&self) -> Option<RefMut<'a, T>> {
        self.core.states.borrow::<T>()
    }

    // ---- opening connections ---------------------------------------------------------------

    /// Opens an outgoing connection driven by `handler` and returns its id at once.
    /// Writes made before it is established are queued. A host name is resolved on a
    /// helper thread, never blocking the loop; each resolved address is tried in turn.
    /// On success the handler's `on_open` runs; on failure its `on_close` gets
    /// [`Close::ConnectFailed`].
    pub fn connect<H: Handler>(&self, target: impl Into<Endpoint>, handler: H) -> ConnId {
        crate::connect::start(self.core, target.into(), Box::new(handler), None)
    }

    /// Opens an outgoing TLS connection: as [`connect`](Context::connect), with a TLS
    /// client session verifying the server as `server_name`.
    /// An invalid `server_name` fails the connection (`on_close` with [`Close::Tls`]).
    #[cfg(feature = "tls")]
    pub fn connect_tls<H: Handler>(
        &self,
        target: impl Into<Endpoint>,
        config: std::sync::Arc<rustls::ClientConfig>,
        server_name: &str,
        handler: H,
    ) -> ConnId {
        let session = crate::tls::client_session(config, server_name);
        crate::connect::start(self.core, target.into(), Box::new(handler), Some(session))
    }

    // ---- TLS ---------------------------------------------------------------------------

    /// Upgrades the current connection to TLS as the server (STARTTLS). Output already
    /// queued (the `<proceed/>`) is sent in the clear first; everything written after
    /// this call is encrypted. Unconsumed input is discarded, as RFC 6120 §5.4.3.3 and
    /// RFC 3207 require (it was sent before the peer could know TLS starts, so it is
    /// either nothing or an injection). Fails if the connection is already TLS or gone.
    #[cfg(feature = "tls")]
    pub fn start_tls_server(
        &mut self,
        config: std::sync::Arc<rustls::ServerConfig>,
    ) -> std::io::Result<()> {
        let s = crate::tls::server_session(config)?;
        self.start_tls(s)
    }

    /// Upgrades the current connection to TLS as the client, verifying the server as
    /// `server_name`. Same rules as [`start_tls_server`](Context::start_tls_server).
    #[cfg(feature = "tls")]
    pub fn start_tls_client(
        &mut self,
        config: std::sync::Arc<rustls::ClientConfig>,
        server_name: &str,
    ) -> std::io::Result<()> {
        let s = crate::tls::client_session(config, server_name)?;
        self.start_tls(s)
    }

    #[cfg(feature = "tls")]
    fn start_tls(&mut self, session: crate::tls::Session) -> std::io::Result<()> {
        // What was written before the upgrade goes out in the clear, before the handshake.
        self.spill();
        if let Some(b) = self.input.as_mut() {
            b.clear();
        }
        let mut g = self.core.inner.borrow_mut();
        let Some(c) = g.conn(self.id) else {
            return Err(std::io::ErrorKind::NotConnected.into());
        };
        if c.tls.is_some() {
            return Err(std::io::Error::other("connection already uses TLS"));
        }
        c.input.release();
        let pre = std::mem::take(&mut c.out);
        c.tls = Some(Box::new(crate::tls::TlsSession::new(session, pre)));
        g.mark_dirty(self.id);
        Ok(())
    }

    /// Whether the current connection is encrypted (or starting to be).
    pub fn is_tls(&self) -> bool {
        self.core
            .inner
            .borrow_mut()
            .conn(self.id)
            .is_some_and(|c| c.is_tls())
    }

    /// Whether the current connection's TLS handshake is complete.
    #[cfg(feature = "tls")]
    pub fn tls_established(&self) -> bool {
        self.core
            .inner
            .borrow_mut()
            .conn(self.id)
            .and_then(|c| c.tls.as_ref().map(|t| !t.is_handshaking()))
            .unwrap_or(false)
    }

    /// The server name the TLS client asked for (SNI), on a server-side session.
    #[cfg(feature = "tls")]
    pub fn tls_server_name(&self) -> Option<String> {
        self.core.inner.borrow_mut().conn(self.id).and_then(|c| {
            c.tls
                .as_ref()
                .and_then(|t| t.server_name().map(str::to_owned))
        })
    }

    /// The ALPN protocol agreed in the handshake.
    #[cfg(feature = "tls")]
    pub fn tls_alpn(&self) -> Option<Vec<u8>> {
        self.core
            .inner
            .borrow_mut()
            .conn(self.id)
            .and_then(|c| c.tls.as_ref().and_then(|t| t.alpn().map(<[u8]>::to_vec)))
    }

    /// The DER certificate chain the peer presented, end entity first.
    #[cfg(feature = "tls")]
    pub fn tls_peer_certificates(&self) -> Option<Vec<Vec<u8>>> {
        self.core.inner.borrow_mut().conn(self.id).and_then(|c| {
            c.tls.as_ref().and_then(|t| {
                t.peer_certificates()
                    .map(|cs| cs.iter().map(|c| c.to_vec()).collect())
            })
        })
    }
}

/// Wakes one connection's handler from elsewhere in the same loop (see
/// [`Context::waker`]). Cheap to clone; not `Send` (use a [`Handle`] across threads).
/// Waking a closed connection does nothing.
#[derive(Clone)]
pub struct Waker {
    id: ConnId,
    queue: std::rc::Rc<std::cell::RefCell<Vec<ConnId>>>,
}

impl Waker {
    /// Schedules the connection's [`on_wake`](Handler::on_wake) after the current callback.
    pub fn wake(&self) {
        self.queue.borrow_mut().push(self.id);
    }

    /// The connection this waker wakes.
    pub fn id(&self) -> ConnId {
        self.id
    }
}

impl std::fmt::Debug for Waker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Waker({})", self.id)
    }
}

/// A duration in whole milliseconds (at least 1), saturating: idle timeouts are kept compact.
fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1)
}

/// Writes to the callback's own connection at least this long skip the staging copy
/// when nothing is staged before them.
const WRITE_THROUGH: usize = 4096;

/// Bytes handed to `write*`: borrowed or owned.
enum Data<'a> {
    Slice(&'a [u8]),
    Owned(Vec<u8>),
}

impl Data<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Data::Slice(s) => s,
            Data::Owned(v) => v,
        }
    }
}

/// After bytes were queued on `id`: applies the output limits and marks it for flushing.
/// False if the queue passed `max_output` (the connection is then aborted).
fn queued(inner: &mut crate::core::Inner, id: ConnId, cfg: &crate::LoopConfig) -> bool {
    let Some(c) = inner.conn(id) else {
        return false;
    };
    let pending = c.pending_out();
    if pending > cfg.max_output {
        log::warn!(
            "connection {id}: output queue over {} bytes, closing",
            cfg.max_output
        );
        inner.abort(id, Close::Overflow);
        return false;
    }
    if pending > cfg.high_water {
        c.flags |= f::CONGESTED;
    }
    inner.mark_dirty(id);
    true
}
