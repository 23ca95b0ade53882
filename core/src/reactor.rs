//! [`Loop`]: the reactor. One `mio::Poll`, a slab of connections, timers, a waker.

use crate::buf::Pool;
use crate::core::{Core, Inner, Stats};
use crate::handle::Remote;
use crate::inbuf::InBuf;
use crate::listener::{bind_tcp, bind_unix, ListenOptions, ListenSock, Listener};
use crate::state::StateMap;
use crate::timer::Timers;
use crate::{ConnId, Context, Endpoint, Handle, Handler, ListenerId, LoopConfig, Peer};
use mio::{Events, Interest, Poll, Token};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const WAKER: Token = Token(usize::MAX - 1);
pub(crate) const SIGNALS: Token = Token(usize::MAX - 2);
pub(crate) const LISTENER_BASE: usize = usize::MAX / 2;

/// An event loop: owns the poller, the connections, the timers and the shared state,
/// and runs callbacks on the thread that calls [`run`](Loop::run).
///
/// ```no_run
/// use jaxl_core::{Context, Handler, Loop};
///
/// struct Echo;
/// impl Handler for Echo {
///     fn on_data(&mut self, cx: &mut Context<'_>) {
///         let bytes = cx.take_input();
///         cx.write(&bytes);
///     }
/// }
///
/// fn main() -> std::io::Result<()> {
///     let mut ev = Loop::new()?;
///     ev.listen_tcp("127.0.0.1:7000", |_peer| Echo)?;
///     ev.run()
/// }
/// ```
///
/// One loop is one thread. For several cores, run one loop per thread, each listening on
/// the same port with [`ListenOptions::reuse_port`] (see [`run_on_threads`](crate::run_on_threads)).
pub struct Loop {
    signals: Option<crate::signal::Signals>,
    poll: Poll,
    events: Events,
    core: Core,
    scratch: InBuf,
}

/// Size of the loop's shared read buffer: most reads land here and are handed to the
/// handler without touching a per-connection buffer.
const SCRATCH: usize = 64 * 1024;

impl Loop {
    /// A loop with [`LoopConfig::default`]. Fails if the poller or its waker cannot be created.
    pub fn new() -> io::Result<Loop> {
        Loop::with_config(LoopConfig::default())
    }

    /// A loop with the given settings.
    pub fn with_config(config: LoopConfig) -> io::Result<Loop> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(poll.registry(), WAKER)?;
        let now = Instant::now();
        let remote = Arc::new(Remote {
            jobs: Mutex::new(Vec::new()),
            waker,
            stop: AtomicBool::new(false),
            force: AtomicBool::new(false),
            alive: AtomicBool::new(true),
        });
        let inner = Inner {
            registry,
            conns: slab::Slab::new(),
            listeners: slab::Slab::new(),
            timers: Timers::new(now),
            pool: Pool::new(config.pooled_buffers),
            dirty: Vec::new(),
            ready: Vec::new(),
            opened: Vec::new(),
            drained: Vec::new(),
            accept_again: Vec::new(),
            deferred: VecDeque::new(),
            spare: Vec::new(),
            now,
            next_gen: 1,
            stop_requested: false,
            stopping: None,
            wake_epoch: 0,
            stats: Stats::default(),
        };
        Ok(Loop {
            signals: None,
            events: Events::with_capacity(config.events.max(16)),
            poll,
            core: Core {
                inner: RefCell::new(inner),
                stage: RefCell::new(Vec::new()),
                stage_id: std::cell::Cell::new(ConnId::NONE),
                stage_open: std::cell::Cell::new(false),
                states: StateMap::default(),
                wakes: Rc::new(RefCell::new(Vec::new())),
                remote,
                config,
            },
            scratch: InBuf::with_capacity(SCRATCH),
        })
    }

    /// This loop's settings.
    pub fn config(&self) -> &LoopConfig {
        &self.core.config
    }

    /// Adds a value every handler can reach with [`Context::state`], one per type.
    /// Returns the previous value of that type, if any.
    pub fn insert_state<T: 'static>(&mut self, value: T) -> Option<T> {
        self.core.states.insert(value)
    }

    /// The shared value of type `T`, between runs.
    pub fn state_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.core.states.get_mut::<T>()
    }

    /// A `Send + Clone` handle for other threads.
    pub fn handle(&self) -> Handle {
        Handle {
            remote: self.core.remote.clone(),
        }
    }

    /// Counters about this loop.
    pub fn stats(&self) -> Stats {
        self.core.inner.borrow().stats
    }

    /// Number of open connections.
    pub fn connection_count(&self) -> usize {
        self.core.inner.borrow().conns.len()
    }

    /// Runs `f` with a [`Context`] belonging to no connection: the way to set timers,
    /// open connections or post work before [`run`](Loop::run). Work it queues runs
    /// when the loop runs.
    pub fn enter<R>(&mut self, f: impl FnOnce(&mut Context<'_>) -> R) -> R {
        self.core.inner.borrow_mut().now = Instant::now();
        let mut cx = Context::new(&self.core, ConnId::NONE, None);
        f(&mut cx)
    }

    /// Opens an outgoing connection (see [`Context::connect`]).
    pub fn connect<H: Handler>(&mut self, target: impl Into<Endpoint>, handler: H) -> ConnId {
        self.enter(|cx| cx.connect(target, handler))
    }

    /// Listens on a TCP address (`"127.0.0.1:7000"`, `"[::1]:0"`, a `SocketAddr`); every
    /// accepted connection gets a handler from `factory`. Port 0 picks a free port: read
    /// it with [`local_addr`](Loop::local_addr). Fails if the address does not resolve or
    /// cannot be bound.
    pub fn listen_tcp<A, H, F>(&mut self, addr: A, factory: F) -> io::Result<ListenerId>
    where
        A: ToSocketAddrs,
        H: Handler,
        F: FnMut(&Peer) -> H + 'static,
    {
        self.listen_tcp_with(addr, &ListenOptions::default(), factory)
    }

    /// Listens on a TCP address with options (`SO_REUSEPORT`, backlog, connection limit, TLS).
    pub fn listen_tcp_with<A, H, F>(
        &mut self,
        addr: A,
        opts: &ListenOptions,
        mut factory: F,
    ) -> io::Result<ListenerId>
    where
        A: ToSocketAddrs,
        H: Handler,
        F: FnMut(&Peer) -> H + 'static,
    {
        let mut last = io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing");
        for a in addr.to_socket_addrs()? {
            match bind_tcp(a, opts) {
                Ok(l) => {
                    return self.add_listener(
                        ListenSock::Tcp(l),
                        opts,
                        Box::new(move |p| Box::new(factory(p))),
                    )
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Listens on a TCP address with TLS on every accepted connection.
    #[cfg(feature = "tls")]
    pub fn listen_tls<A, H, F>(
        &mut self,
        addr: A,
        config: Arc<rustls::ServerConfig>,
        factory: F,
    ) -> io::Result<ListenerId>
    where
        A: ToSocketAddrs,
        H: Handler,
        F: FnMut(&Peer) -> H + 'static,
    {
        self.listen_tcp_with(addr, &ListenOptions::default().tls(config), factory)
    }

    /// Listens on a Unix-socket path (which must not exist yet). Fails if it cannot be bound.
    pub fn listen_unix<H, F>(
        &mut self,
        path: impl AsRef<Path>,
        factory: F,
    ) -> io::Result<ListenerId>
    where
        H: Handler,
        F: FnMut(&Peer) -> H + 'static,
    {
        self.listen_unix_with(path, &ListenOptions::default(), factory)
    }

    /// Listens on a Unix-socket path with options (connection limit, TLS).
    pub fn listen_unix_with<H, F>(
        &mut self,
        path: impl AsRef<Path>,
        opts: &ListenOptions,
        mut factory: F,
    ) -> io::Result<ListenerId>
    where
        H: Handler,
        F: FnMut(&Peer) -> H + 'static,
    {
        let path = path.as_ref();
        let l = bind_unix(path)?;
        self.add_listener(
            ListenSock::Unix(l, path.to_path_buf()),
            opts,
            Box::new(move |p| Box::new(factory(p))),
        )
    }

    fn add_listener(
        &mut self,
        mut sock: ListenSock,
        opts: &ListenOptions,
        factory: crate::listener::Factory,
    ) -> io::Result<ListenerId> {
        let mut g = self.core.inner.borrow_mut();
        let entry = g.listeners.vacant_entry();
        let token = Token(LISTENER_BASE + entry.key());
        match &mut sock {
            ListenSock::Tcp(l) => self
                .poll
                .registry()
                .register(l, token, Interest::READABLE)?,
            ListenSock::Unix(l, _) => {
                self.poll
                    .registry()
                    .register(l, token, Interest::READABLE)?
            }
        }
        let key = entry.key();
        entry.insert(Listener {
            sock,
            factory,
            #[cfg(feature = "tls")]
            tls: opts.tls.clone(),
            max_conns: opts.max_connections.unwrap_or(usize::MAX),
            live: 0,
            paused: false,
            backoff: Duration::ZERO,
        });
        Ok(ListenerId(key))
    }

    /// The address a TCP listener is bound to (`None` for a Unix listener or a closed id).
    pub fn local_addr(&self, id: ListenerId) -> Option<SocketAddr> {
        match &self.core.inner.borrow().listeners.get(id.0)?.sock {
            ListenSock::Tcp(l) => l.local_addr().ok(),
            ListenSock::Unix(..) => None,
        }
    }

    /// Stops listening on one listener; open connections are not affected.
    pub fn close_listener(&mut self, id: ListenerId) -> bool {
        let mut g = self.core.inner.borrow_mut();
        let inner = &mut *g;
        match inner.listeners.try_remove(id.0) {
            Some(l) => {
                drop_listener(&inner.registry, l);
                true
            }
            None => false,
        }
    }

    /// Asks the loop to stop gracefully (see [`Context::stop`]).
    pub fn stop(&mut self) {
        self.core.inner.borrow_mut().stop_requested = true;
    }

    /// Runs until stopped, or until nothing is left to do: no listener, no connection,
    /// no timer, no queued work and no [`Handle`] held by anyone (as node exits when its
    /// event loop is empty). Returns an error only if polling itself fails.
    pub fn run(&mut self) -> io::Result<()> {
        self.core.remote.alive.store(true, Ordering::Release);
        if self.core.config.handle_signals && self.signals.is_none() {
            match crate::signal::Signals::new(self.poll.registry(), SIGNALS) {
                Ok(s) => self.signals = Some(s),
                Err(e) => log::warn!("SIGINT/SIGTERM will not stop this loop: {e}"),
            }
        }
        let res = loop {
            match self.turn(None) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        self.finish();
        if let Some(mut s) = self.signals.take() {
            let _ = self.poll.registry().deregister(&mut s.rx);
        }
        res
    }

    /// Runs one turn: waits up to `timeout` (`None`: until something happens) for
    /// readiness, then runs every callback that is due. Returns false once the loop has
    /// nothing left to do or finished stopping. For embedding a loop in another one.
    pub fn run_once(&mut self, timeout: Option<Duration>) -> io::Result<bool> {
        self.turn(timeout)
    }

    fn turn(&mut self, cap: Option<Duration>) -> io::Result<bool> {
        let Loop {
            poll,
            events,
            core,
            scratch,
            signals,
        } = self;
        // Graceful stop bookkeeping (a plain load first: the flag is almost never set).
        let remote_stop = core.remote.stop.load(Ordering::Relaxed)
            && core.remote.stop.swap(false, Ordering::AcqRel);
        let start_stop = {
            let mut g = core.inner.borrow_mut();
            let want = g.stop_requested || remote_stop;
            g.stop_requested = false;
            want && g.stopping.is_none()
        };
        if start_stop {
            crate::dispatch::begin_shutdown(core);
        }
        {
            let stopping = core.inner.borrow().stopping;
            if let Some(deadline) = stopping {
                let now = Instant::now();
                let force = core.remote.force.load(Ordering::Acquire);
                if core.inner.borrow().conns.is_empty() || now >= deadline || force {
                    crate::dispatch::close_all(core, scratch);
                    return Ok(false);
                }
            }
        }
        let timeout = {
            let mut g = core.inner.borrow_mut();
            // The clock is read only when a deadline depends on it.
            let now = if g.timers.len() > 0 || g.stopping.is_some() {
                Instant::now()
            } else {
                g.now
            };
            let busy = g.has_work() || !core.wakes.borrow().is_empty();
            let mut t = if busy {
                Some(Duration::ZERO)
            } else {
                g.timers.next_timeout(now)
            };
            if let Some(d) = g.stopping {
                let left = d.saturating_duration_since(now);
                t = Some(t.map_or(left, |t| t.min(left)));
            }
            if let Some(c) = cap {
                t = Some(t.map_or(c, |t| t.min(c)));
            }
            g.stats.polls += 1;
            t
        };
        if timeout.is_none() && self_idle(core) {
            return Ok(false);
        }
        match poll.poll(events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        core.inner.borrow_mut().now = Instant::now();
        let mut remote_jobs = false;
        for ev in events.iter() {
            let t = ev.token();
            if t == WAKER {
                remote_jobs = true;
            } else if t == SIGNALS {
                let n = signals.as_mut().map_or(0, |s| s.drain());
                if n > 0 {
                    let now = core.inner.borrow().stopping.is_some() || n > 1;
                    log::info!(
                        "signal received: stopping {}",
                        if now { "now" } else { "gracefully" }
                    );
                    if now {
                        core.remote.force.store(true, Ordering::Release);
                    }
                    core.inner.borrow_mut().stop_requested = true;
                }
            } else if t.0 >= LISTENER_BASE {
                crate::dispatch::accept(core, t.0 - LISTENER_BASE);
            } else {
                crate::dispatch::conn_event(core, scratch, t.0, ev);
            }
        }
        crate::dispatch::run_ready(core, scratch);
        crate::dispatch::run_timers(core, scratch);
        if remote_jobs {
            crate::dispatch::run_remote(core);
        }
        crate::dispatch::settle(core, scratch);
        Ok(true)
    }

    fn finish(&mut self) {
        let Loop { core, scratch, .. } = self;
        crate::dispatch::close_all(core, scratch);
        core.remote.alive.store(false, Ordering::Release);
        // Work posted after this point is refused; drop what raced in.
        drop(core.remote.take_jobs());
        let mut g = core.inner.borrow_mut();
        let inner = &mut *g;
        for (_, l) in std::mem::take(&mut inner.listeners) {
            drop_listener(&inner.registry, l);
        }
    }
}

fn self_idle(core: &Core) -> bool {
    let g = core.inner.borrow();
    g.conns.is_empty()
        && g.listeners.is_empty()
        && g.timers.len() == 0
        && !g.has_work()
        && core.wakes.borrow().is_empty()
        && Arc::strong_count(&core.remote) == 1
        && g.stopping.is_none()
}

pub(crate) fn drop_listener(registry: &mio::Registry, l: Listener) {
    match l.sock {
        ListenSock::Tcp(mut s) => {
            let _ = registry.deregister(&mut s);
        }
        ListenSock::Unix(mut s, path) => {
            let _ = registry.deregister(&mut s);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        self.core.remote.alive.store(false, Ordering::Release);
    }
}
