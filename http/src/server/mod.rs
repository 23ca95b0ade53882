//! The HTTP/1.1 server on jaxl-core: [`create_server`] and [`Server`].

mod conn;
mod pipeline;
mod response;
mod shared;

pub use response::Response;

use crate::config::Config;
use crate::request::Request;
use conn::HttpConn;
use jaxl_core::{Context, Handle, ListenOptions, Loop, LoopConfig, Peer};
use shared::LoopShared;
use std::cell::RefCell;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// What answers requests: any `FnMut(&mut Request, Response)` closure, a
/// closure that also takes the loop's [`Context`] (wrapped by
/// [`create_server_cx`]), a [`Routes`](crate::Routes) table, or a type of your own.
///
/// Called once per request, on the loop's thread, as soon as the request head is
/// read (before its body: register body callbacks on the request). The request is
/// lent for the call; the response may be kept and finished later — from a timer
/// set through the context, say.
pub trait Service: 'static {
    /// Answer one request. `cx` is the connection's loop context: timers
    /// ([`Context::set_timeout`]), other connections, loop state.
    fn call(&mut self, req: &mut Request, res: Response, cx: &mut Context<'_>);
}

impl<F> Service for F
where
    F: FnMut(&mut Request, Response) + 'static,
{
    fn call(&mut self, req: &mut Request, res: Response, _cx: &mut Context<'_>) {
        self(req, res)
    }
}

/// A [`Service`] from a closure that also takes the loop's [`Context`]; built by
/// [`create_server_cx`].
#[derive(Clone)]
pub struct WithContext<F>(pub F);

impl<F> Service for WithContext<F>
where
    F: FnMut(&mut Request, Response, &mut Context<'_>) + 'static,
{
    fn call(&mut self, req: &mut Request, res: Response, cx: &mut Context<'_>) {
        (self.0)(req, res, cx)
    }
}

/// [`create_server`] for a handler that also gets the loop's [`Context`], to set
/// timers, reach other connections or loop state:
///
/// ```no_run
/// use std::time::Duration;
/// jaxl_http::create_server_cx(|_req, res, cx| {
///     // Answer after 100 ms, from a timer: the response handle moves into it.
///     cx.set_timeout(Duration::from_millis(100), move |_| res.end("later\n"));
/// })
/// .listen("127.0.0.1:8080")?
/// .run()
/// # ; Ok::<(), std::io::Error>(())
/// ```
pub fn create_server_cx<F>(handler: F) -> Server<WithContext<F>>
where
    F: FnMut(&mut Request, Response, &mut Context<'_>) + 'static,
{
    Server::new(WithContext(handler))
}

/// Create an HTTP server answering every request with `service`, node-style:
///
/// ```no_run
/// jaxl_http::create_server(|_req, res| {
///     res.write_head(200, &[("Content-Type", "text/plain")]);
///     res.end("Hello World\n");
/// })
/// .listen("127.0.0.1:8080")?
/// .run()
/// # ; Ok::<(), std::io::Error>(())
/// ```
///
/// For a service that is not a closure (a [`Routes`](crate::Routes) table, a type
/// of your own), use [`Server::new`].
pub fn create_server<F>(handler: F) -> Server<F>
where
    F: FnMut(&mut Request, Response) + 'static,
{
    Server::new(handler)
}

impl<S: Service> Server<S> {
    /// A server answering every request with `service`. Same as [`create_server`]
    /// for closures; this one takes any [`Service`].
    pub fn new(service: S) -> Server<S> {
        Server {
            service: Some(service),
            config: Config::default(),
            loop_config: None,
            ev: None,
            attached: None,
            specs: Vec::new(),
            threads: 1,
            worker: None,
        }
    }
}

/// One listening address, kept to replay it on worker loops.
#[derive(Clone)]
struct Spec {
    addr: SocketAddr,
    #[cfg(feature = "tls")]
    tls: Option<Arc<jaxl_core::tls::ServerConfig>>,
}

type Worker = Arc<dyn Fn(&mut Loop, &[Spec], &Config) -> io::Result<()> + Send + Sync>;

/// A server being set up (configure, then listen) and run.
///
/// Built by [`create_server`]. Call [`config`](Self::config) and
/// [`threads`](Self::threads) before the first `listen`.
pub struct Server<S: Service> {
    service: Option<S>,
    config: Config,
    loop_config: Option<LoopConfig>,
    ev: Option<Loop>,
    attached: Option<(Rc<LoopShared>, Rc<RefCell<S>>)>,
    specs: Vec<Spec>,
    threads: usize,
    worker: Option<Worker>,
}

impl<S: Service> Server<S> {
    /// Use these limits and timeouts instead of [`Config::default`]. Takes effect
    /// for listeners added after this call.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Settings of the loop(s) this server creates (not used with
    /// [`attach`](Self::attach), where the loop exists already). Default:
    /// [`LoopConfig::default`] with its shutdown bound set to
    /// [`Config::shutdown_timeout`].
    pub fn loop_config(mut self, config: LoopConfig) -> Self {
        self.loop_config = Some(config);
        self
    }

    /// Run on `n` loops, one thread each, all listening on the same addresses with
    /// `SO_REUSEPORT` so the kernel spreads connections between them (`n` = number
    /// of cores is the usual choice). Each loop gets its own clone of the service;
    /// for a service that is not `Send` (a [`Routes`](crate::Routes) table), use
    /// [`threads_with`](Self::threads_with). Call before `listen`.
    pub fn threads(mut self, n: usize) -> Self
    where
        S: Clone + Send,
    {
        self.threads = n.max(1);
        if let Some(service) = &self.service {
            let proto = Mutex::new(service.clone());
            self.worker = Some(Arc::new(
                move |ev: &mut Loop, specs: &[Spec], config: &Config| {
                    let service = proto
                        .lock()
                        .map_err(|_| io::Error::other("service prototype poisoned"))?
                        .clone();
                    let (shared, service) = new_shared(service, config);
                    for spec in specs {
                        listen_spec(ev, spec, &shared, &service, true)?;
                    }
                    Ok(())
                },
            ));
        }
        self
    }

    /// Run on `n` loops like [`threads`](Self::threads), for a service that is not
    /// `Send` (a [`Routes`](crate::Routes) table, handlers holding `Rc` state):
    /// every other loop builds its own with `make`, on its own thread. The service
    /// given to [`Server::new`] serves the first loop.
    ///
    /// ```no_run
    /// use jaxl_http::{Routes, Server};
    /// fn routes() -> Routes {
    ///     Routes::new().get("/", |_req, res| res.end("hi\n"))
    /// }
    /// Server::new(routes())
    ///     .threads_with(2, routes)
    ///     .listen("127.0.0.1:8080")?
    ///     .run()
    /// # ; Ok::<(), std::io::Error>(())
    /// ```
    pub fn threads_with<F>(mut self, n: usize, make: F) -> Self
    where
        F: Fn() -> S + Send + Sync + 'static,
    {
        self.threads = n.max(1);
        self.worker = Some(Arc::new(
            move |ev: &mut Loop, specs: &[Spec], config: &Config| {
                let (shared, service) = new_shared(make(), config);
                for spec in specs {
                    listen_spec(ev, spec, &shared, &service, true)?;
                }
                Ok(())
            },
        ));
        self
    }

    fn ensure_loop(&mut self) -> io::Result<()> {
        if self.ev.is_none() {
            let mut lc = self.loop_config.clone().unwrap_or_else(|| {
                let mut lc = LoopConfig::default();
                lc.shutdown_timeout = self.config.shutdown_timeout;
                lc
            });
            if self.loop_config.is_none() {
                lc.high_water = lc.high_water.max(self.config.high_water);
            }
            self.ev = Some(Loop::with_config(lc)?);
        }
        if self.attached.is_none() {
            let service = self
                .service
                .take()
                .ok_or_else(|| io::Error::other("server service already moved"))?;
            self.attached = Some(new_shared(service, &self.config));
        }
        Ok(())
    }

    fn listen_inner(mut self, addr: SocketAddr, spec_tls: Option<TlsConfig>) -> io::Result<Self> {
        self.ensure_loop()?;
        let reuse = self.threads > 1;
        let (Some(ev), Some((shared, service))) = (self.ev.as_mut(), self.attached.as_ref()) else {
            return Err(io::Error::other("server loop missing"));
        };
        #[cfg(feature = "tls")]
        let spec = Spec {
            addr,
            tls: spec_tls,
        };
        #[cfg(not(feature = "tls"))]
        let spec = {
            let _ = spec_tls;
            Spec { addr }
        };
        let bound = listen_spec(ev, &spec, shared, service, reuse)?;
        self.specs.push(Spec {
            addr: bound,
            ..spec
        });
        Ok(self)
    }

    /// Listen on a TCP address (`"127.0.0.1:8080"`, `"[::]:80"`, port 0 for any free
    /// port: see [`local_addr`](Self::local_addr)). Fails if the address does not
    /// resolve or cannot be bound, or the loop cannot be created.
    pub fn listen(self, addr: impl ToSocketAddrs) -> io::Result<Self> {
        let addr = resolve(addr)?;
        self.listen_inner(addr, None)
    }

    /// Listen for HTTPS on a TCP address with this rustls configuration (see
    /// [`jaxl_core::tls::server_config_from_pem`]). Same API and failures as
    /// [`listen`](Self::listen); handshake failures close that connection only.
    #[cfg(feature = "tls")]
    pub fn listen_tls(
        self,
        addr: impl ToSocketAddrs,
        tls: Arc<jaxl_core::tls::ServerConfig>,
    ) -> io::Result<Self> {
        let addr = resolve(addr)?;
        self.listen_inner(addr, Some(tls))
    }

    /// The first bound address (with the real port when port 0 was asked).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.specs.first().map(|s| s.addr)
    }

    /// Every bound address, in `listen` order.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.specs.iter().map(|s| s.addr).collect()
    }

    /// A `Send` handle to this server's (first) loop: [`Handle::stop`] shuts it down
    /// gracefully from another thread. `None` before `listen`.
    pub fn handle(&self) -> Option<Handle> {
        self.ev.as_ref().map(Loop::handle)
    }

    /// Run until stopped (Ctrl-C, SIGTERM, or [`Handle::stop`]): stop accepting,
    /// let in-flight requests finish within [`Config::shutdown_timeout`], close idle
    /// connections. With [`threads`](Self::threads), the other loops run on their own
    /// threads and this returns once all have stopped. Fails if `listen` was never
    /// called or polling fails.
    pub fn run(mut self) -> io::Result<()> {
        let mut ev = self
            .ev
            .take()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "call listen before run"))?;
        let mut workers = Vec::new();
        let mut worker_handles = Vec::new();
        if self.threads > 1 {
            if let Some(worker) = self.worker.clone() {
                for i in 1..self.threads {
                    let worker = worker.clone();
                    let specs = self.specs.clone();
                    let config = self.config.clone();
                    let lc = ev.config().clone();
                    let main = ev.handle();
                    let (tx, rx) = std::sync::mpsc::channel();
                    workers.push(
                        std::thread::Builder::new()
                            .name(format!("jaxl-http-{i}"))
                            .spawn(move || -> io::Result<()> {
                                let run = || -> io::Result<()> {
                                    let mut ev = Loop::with_config(lc)?;
                                    let _ = tx.send(ev.handle());
                                    worker(&mut ev, &specs, &config)?;
                                    ev.run()
                                };
                                let r = run();
                                if let Err(e) = &r {
                                    log::error!("http worker loop failed: {e}");
                                    let _ = main.stop();
                                }
                                r
                            })?,
                    );
                    if let Ok(h) = rx.recv() {
                        worker_handles.push(h);
                    }
                }
            }
        }
        let r = ev.run();
        // The first loop stopped (signal, handle, error): stop the others too.
        for h in &worker_handles {
            let _ = h.stop();
        }
        let mut first = r;
        for w in workers {
            let wr = w
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("worker loop panicked")));
            if first.is_ok() {
                first = wr;
            }
        }
        first
    }

    /// Add this server to an existing loop, sharing it with other protocols, and
    /// listen on `addr`. Returns the bound address. The loop's own settings apply;
    /// run the loop yourself. Fails as [`listen`](Self::listen).
    pub fn attach(mut self, ev: &mut Loop, addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
        let addr = resolve(addr)?;
        let service = self
            .service
            .take()
            .ok_or_else(|| io::Error::other("server service already moved"))?;
        let (shared, service) = new_shared(service, &self.config);
        #[cfg(feature = "tls")]
        let spec = Spec { addr, tls: None };
        #[cfg(not(feature = "tls"))]
        let spec = Spec { addr };
        listen_spec(ev, &spec, &shared, &service, false)
    }

    /// [`attach`](Self::attach) for HTTPS.
    #[cfg(feature = "tls")]
    pub fn attach_tls(
        mut self,
        ev: &mut Loop,
        addr: impl ToSocketAddrs,
        tls: Arc<jaxl_core::tls::ServerConfig>,
    ) -> io::Result<SocketAddr> {
        let addr = resolve(addr)?;
        let service = self
            .service
            .take()
            .ok_or_else(|| io::Error::other("server service already moved"))?;
        let (shared, service) = new_shared(service, &self.config);
        let spec = Spec {
            addr,
            tls: Some(tls),
        };
        listen_spec(ev, &spec, &shared, &service, false)
    }
}

#[cfg(feature = "tls")]
type TlsConfig = Arc<jaxl_core::tls::ServerConfig>;
#[cfg(not(feature = "tls"))]
type TlsConfig = std::convert::Infallible;

fn resolve(addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "address resolved to nothing"))
}

fn new_shared<S: Service>(service: S, config: &Config) -> (Rc<LoopShared>, Rc<RefCell<S>>) {
    (
        Rc::new(LoopShared::new(config.clone())),
        Rc::new(RefCell::new(service)),
    )
}

fn listen_spec<S: Service>(
    ev: &mut Loop,
    spec: &Spec,
    shared: &Rc<LoopShared>,
    service: &Rc<RefCell<S>>,
    reuse_port: bool,
) -> io::Result<SocketAddr> {
    #[allow(unused_mut)]
    let mut opts = ListenOptions::default()
        .reuse_port(reuse_port)
        .max_connections(shared.config.max_connections);
    #[cfg(feature = "tls")]
    if let Some(tls) = &spec.tls {
        opts = opts.tls(tls.clone());
    }
    let shared = Rc::clone(shared);
    let service = Rc::clone(service);
    let id = ev.listen_tcp_with(spec.addr, &opts, move |peer: &Peer| {
        HttpConn::new(Rc::clone(&shared), Rc::clone(&service), peer.tcp_addr())
    })?;
    ev.local_addr(id)
        .ok_or_else(|| io::Error::other("listener has no local address"))
}
