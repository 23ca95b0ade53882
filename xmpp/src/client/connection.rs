//! [`Client`]: the connection handler that drives a stream and calls the callbacks.

use super::callbacks::Callbacks;
use super::srv::{self, Plan};
use super::state::{Kind, Phase, State};
use super::{negotiate, ClientConfig, ClientError, ClientHandle, DisconnectReason, Session};
use crate::xml::StreamEvent;
use jaxl_core::{Close, ConnId, Context, Handler, Loop, TimerId};

/// Calls every callback of one event with a fresh [`Session`].
macro_rules! fire {
    ($inner:expr, $cx:expr, $field:ident) => {{
        let inner = &mut *$inner;
        for f in inner.cb.$field.iter_mut() {
            f(&mut $crate::client::Session::new(&mut inner.st, $cx));
        }
    }};
    ($inner:expr, $cx:expr, $field:ident, $arg:expr) => {{
        let inner = &mut *$inner;
        for f in inner.cb.$field.iter_mut() {
            f(&mut $crate::client::Session::new(&mut inner.st, $cx), $arg);
        }
    }};
}
pub(crate) use fire;

/// The client's state and callbacks; moved from one connection to the next.
pub(crate) struct Inner {
    pub(crate) st: State,
    pub(crate) cb: Callbacks,
}

/// An XMPP client (or component): a [`Handler`] for one connection at a time that
/// negotiates the stream, keeps it alive, dispatches stanzas to the callbacks registered
/// on its [`ClientBuilder`](super::ClientBuilder), and reconnects with backoff.
///
/// Start it with [`connect`](Client::connect) on a [`Loop`] (any number of clients can
/// share one loop), or run one alone with [`run_client`](super::run_client).
pub struct Client {
    inner: Option<Box<Inner>>,
}

impl Client {
    pub(crate) fn from_parts(config: ClientConfig, cb: Callbacks) -> Client {
        Client::with_kind(config, cb, Kind::Client)
    }

    pub(crate) fn with_kind(config: ClientConfig, cb: Callbacks, kind: Kind) -> Client {
        Client {
            inner: Some(Box::new(Inner {
                st: State::new(config, kind),
                cb,
            })),
        }
    }

    /// A handle through which other code of the loop can send through this client.
    pub fn handle(&self) -> Option<ClientHandle> {
        self.inner
            .as_ref()
            .map(|i| ClientHandle(i.st.outbox.clone()))
    }

    /// Starts connecting in `ev` (the loop then drives the client) and returns the id
    /// of the first connection, or [`ConnId::NONE`] when a DNS SRV lookup must run
    /// first (no [`host`](ClientConfig::host) configured): the connection is then
    /// opened when its answer comes back to the loop.
    ///
    /// Fails with [`ClientError::Tls`] when the TLS configuration cannot be built (CA
    /// file unreadable or holding no certificate, no system roots).
    pub fn connect(self, ev: &mut Loop) -> Result<ConnId, ClientError> {
        ev.enter(|cx| self.connect_in(cx))
    }

    /// As [`connect`](Self::connect), from inside a callback of the loop.
    pub fn connect_in(mut self, cx: &Context<'_>) -> Result<ConnId, ClientError> {
        let Some(mut inner) = self.inner.take() else {
            return Err(ClientError::Io(std::io::Error::other(
                "client already started",
            )));
        };
        #[cfg(feature = "tls")]
        if !inner.st.is_component() {
            inner.st.tls_config = Some(tls_config(&inner.st.config).map_err(ClientError::Tls)?);
        }
        Ok(start(cx, inner))
    }
}

#[cfg(feature = "tls")]
fn tls_config(c: &ClientConfig) -> std::io::Result<std::sync::Arc<jaxl_core::tls::ClientConfig>> {
    use super::TlsVerify;
    use jaxl_core::tls;
    match &c.verify {
        TlsVerify::System => tls::client_config(&tls::Roots::system()),
        TlsVerify::CaFile(p) => tls::client_config(&tls::Roots::system().with_ca_file(p)?),
        TlsVerify::CaPem(pem) => tls::client_config(&tls::Roots::system().with_ca_pem(pem)),
        TlsVerify::DangerousNoVerification => {
            Ok(tls::dangerous_client_config_without_verification())
        }
    }
}

/// Starts a connection attempt for `inner`: to the configured host at once, or after
/// a DNS SRV lookup on a helper thread (then returns [`ConnId::NONE`]).
fn start(cx: &Context<'_>, mut inner: Box<Inner>) -> ConnId {
    inner.st.reset_for_connection();
    // Re-read the CA on each reconnection: a restarted test server may have a new one.
    #[cfg(feature = "tls")]
    if inner.st.attempts > 0 && !inner.st.is_component() {
        match tls_config(&inner.st.config) {
            Ok(t) => inner.st.tls_config = Some(t),
            Err(e) => log::warn!(
                "{}: TLS configuration not reloaded ({e}); keeping the previous one",
                inner.st.config.jid
            ),
        }
    }
    let lookup = match srv::plan(&inner.st) {
        Ok(targets) => {
            inner.st.targets = targets;
            return connect_next(cx, inner);
        }
        Err(lookup) => lookup,
    };
    log::info!(
        "{}: looking up the DNS SRV records of {}",
        inner.st.config.jid,
        lookup.domain()
    );
    let job = lookup.clone();
    cx.run_blocking(
        srv::LOOKUP_LIMIT,
        move || job.run(),
        move |cx, plan| {
            if cx.is_stopping() {
                log::info!(
                    "{}: not connecting: the loop is stopping",
                    inner.st.config.jid
                );
                return;
            }
            let plan = plan.unwrap_or_else(|| {
                log::warn!(
                    "{}: the DNS lookup did not finish in {:?}; trying the domain",
                    inner.st.config.jid,
                    srv::LOOKUP_LIMIT
                );
                lookup.fallback()
            });
            match plan {
                Plan::Connect(targets) if !targets.is_empty() => {
                    inner.st.targets = targets;
                    connect_next(cx, inner);
                }
                Plan::Connect(_) => {
                    let why = "no address to connect to".to_owned();
                    ended(cx, inner, DisconnectReason::ConnectFailed(why));
                }
                Plan::NoService => {
                    let domain = lookup.domain().to_owned();
                    ended(cx, inner, DisconnectReason::NoService(domain));
                }
                Plan::Failed(why) => ended(cx, inner, DisconnectReason::ConnectFailed(why)),
            }
        },
    );
    ConnId::NONE
}

/// Connects to the next target of `inner` (there must be one).
fn connect_next(cx: &Context<'_>, mut inner: Box<Inner>) -> ConnId {
    inner.st.reset_for_connection();
    let Some(target) = inner.st.targets.pop_front() else {
        debug_assert!(false, "connect_next without a target");
        return ConnId::NONE;
    };
    log::info!("{}: connecting to {target}", inner.st.config.jid);
    let endpoint = target.endpoint();
    #[cfg(feature = "tls")]
    if target.direct_tls {
        if let Some(tls) = inner.st.tls_config.clone() {
            // RFC 6120 §13.7.2.1: the certificate must match the JID's domain, never
            // the SRV target (which came from unauthenticated DNS).
            let domain = inner.st.config.jid.domain().to_owned();
            inner.st.tls_active = true;
            return cx.connect_tls(endpoint, tls, &domain, Client { inner: Some(inner) });
        }
    }
    cx.connect(endpoint, Client { inner: Some(inner) })
}

/// Feeds the reader's events to the negotiation until it needs more bytes or the
/// stream closes.
fn process(inner: &mut Inner, cx: &mut Context<'_>) {
    loop {
        if inner.st.phase == Phase::Closing {
            return;
        }
        match inner.st.reader.next_event() {
            Ok(None) => return,
            Ok(Some(StreamEvent::Header(h))) => negotiate::on_header(inner, cx, h),
            Ok(Some(StreamEvent::Stanza(el))) => negotiate::on_element(inner, cx, el),
            Ok(Some(StreamEvent::End)) => {
                log::info!("{}: server ended the stream", inner.st.jid);
                inner.st.close(cx, DisconnectReason::ClosedByServer);
            }
            Err(e) => {
                log::warn!("{}: bad input from server: {}", inner.st.jid, e.message());
                inner.st.fail(
                    cx,
                    e.stream_error_condition(),
                    Some(e.message()),
                    DisconnectReason::BadInput(e),
                );
            }
        }
    }
}

/// Sends what other code queued through a [`ClientHandle`].
fn flush_outbox(inner: &mut Inner, cx: &mut Context<'_>) {
    let (queued, disconnect) = {
        let mut o = inner.st.outbox.borrow_mut();
        let q = if inner.st.phase == Phase::Online {
            std::mem::take(&mut o.queue)
        } else {
            Default::default()
        };
        (q, std::mem::take(&mut o.disconnect))
    };
    let mut s = Session::new(&mut inner.st, cx);
    for el in queued {
        s.send(el);
    }
    if disconnect {
        s.disconnect();
    }
}

impl Handler for Client {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        let Some(inner) = self.inner.as_mut() else {
            return;
        };
        inner.st.conn = cx.id();
        inner.st.phase = Phase::Features;
        inner.st.outbox.borrow_mut().waker = Some(cx.waker());
        log::debug!("{}: connected", inner.st.config.jid);
        // Negotiation is a dozen request/response rounds; servers that leave Nagle on
        // (Prosody) would otherwise wait up to 40 ms for our delayed ACK between their
        // writes. Off again once online.
        cx.set_quick_ack(true);
        negotiate::send_header(&inner.st, cx);
        fire!(inner, cx, connect);
        if inner.st.outbox.borrow().disconnect {
            flush_outbox(inner, cx);
        }
    }

    fn on_data(&mut self, cx: &mut Context<'_>) {
        let Some(inner) = self.inner.as_mut() else {
            cx.take_input();
            return;
        };
        let n = {
            let input = cx.input();
            if inner.st.phase != Phase::Closing {
                inner.st.reader.feed(input);
            }
            input.len()
        };
        cx.consume(n);
        process(inner, cx);
    }

    fn on_eof(&mut self, cx: &mut Context<'_>) {
        if let Some(inner) = self.inner.as_mut() {
            let reason = if inner.st.reader.has_partial_data() && inner.st.phase != Phase::Closing {
                DisconnectReason::ClosedMidStanza
            } else {
                DisconnectReason::ClosedByServer
            };
            inner.st.reason.get_or_insert(reason);
        }
        cx.close();
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        let Some(inner) = self.inner.as_mut() else {
            return;
        };
        if inner.st.keepalive == Some(timer) {
            negotiate::keepalive(inner, cx);
        } else if let Some(cb) = inner.st.pending.take_timer(timer) {
            cb(
                &mut Session::new(&mut inner.st, cx),
                Err(super::IqError::Timeout),
            );
        }
    }

    fn on_wake(&mut self, cx: &mut Context<'_>) {
        if let Some(inner) = self.inner.as_mut() {
            flush_outbox(inner, cx);
        }
    }

    fn on_shutdown(&mut self, cx: &mut Context<'_>) {
        let Some(inner) = self.inner.as_mut() else {
            cx.close();
            return;
        };
        inner.st.local_close = true;
        Session::new(&mut inner.st, cx).disconnect();
    }

    fn on_close(&mut self, cx: &mut Context<'_>, close: &Close) {
        let Some(mut inner) = self.inner.take() else {
            return;
        };
        let reason = match (inner.st.reason.take(), close) {
            (Some(r), _) => r,
            (None, c) => DisconnectReason::from_close(c),
        };
        // RFC 6120 §3.2.1: a target that cannot be reached is followed by the next one;
        // the user hears of the failure only once none is left.
        if inner.st.phase == Phase::Connecting
            && !inner.st.targets.is_empty()
            && !inner.st.local_close
            && !inner.st.outbox.borrow().disconnect
            && !cx.is_stopping()
        {
            log::info!(
                "{}: could not connect ({reason}); trying the next target",
                inner.st.config.jid
            );
            cx.defer(move |cx| {
                connect_next(cx, inner);
            });
            return;
        }
        ended(cx, inner, reason);
    }
}

/// A connection, or the attempt to make one, is over: tell the callbacks, and schedule
/// a reconnection (which looks the servers up again) if the policy allows.
fn ended(cx: &mut Context<'_>, mut inner: Box<Inner>, reason: DisconnectReason) {
    let reached_stream = inner.st.phase != Phase::Connecting;
    {
        let mut o = inner.st.outbox.borrow_mut();
        o.online = false;
        o.waker = None;
    }
    if let Some(mut r) = inner.st.roster_mut() {
        r.clear_presence();
    }
    for cb in inner.st.pending.drain() {
        cb(
            &mut Session::new(&mut inner.st, cx),
            Err(super::IqError::Disconnected),
        );
    }
    inner.st.phase = Phase::Closing;
    if reached_stream {
        log::info!("{}: disconnected: {reason}", inner.st.jid);
        fire!(inner, cx, disconnect, &reason);
    } else {
        log::warn!("{}: could not connect: {reason}", inner.st.config.jid);
        fire!(inner, cx, connect_error, &reason);
    }
    let policy = inner.st.config.reconnect.clone();
    let retry = policy.enabled
        && !inner.st.local_close
        && !inner.st.outbox.borrow().disconnect
        && reason.is_retryable()
        && !cx.is_stopping()
        && policy.max_attempts.map_or(true, |m| inner.st.attempts < m);
    if retry {
        inner.st.attempts += 1;
        let delay = policy.delay(inner.st.attempts);
        log::info!(
            "{}: reconnecting in {delay:?} (attempt {})",
            inner.st.config.jid,
            inner.st.attempts
        );
        cx.set_timeout(delay, move |cx| {
            start(cx, inner);
        });
    }
}
