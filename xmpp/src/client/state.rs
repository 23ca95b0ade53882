//! What a client remembers across its connections.

use super::handle::Outbox;
use super::iq::PendingIqs;
use super::srv::Target;
use super::{ClientConfig, DisconnectReason, Roster};
use crate::sasl::SaslClient;
use crate::xml::StreamReader;
use crate::{Element, Jid};
use jaxl_core::{ConnId, Context, TimerId};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// Where the stream is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// The connection is being made.
    Connecting,
    /// Waiting for the header and features of a (re)started stream.
    Features,
    /// Sent `<starttls/>`.
    StartTls,
    /// Sent the in-band registration.
    Registering,
    /// SASL in progress.
    Authenticating,
    /// Sent the bind request.
    Binding,
    /// Sent the legacy session request.
    Session,
    /// Sent the component handshake.
    Handshake,
    /// Bound; fetching the roster before going online.
    FetchingRoster,
    /// Ready.
    Online,
    /// Closing (stream error sent, or `</stream:stream>`).
    Closing,
}

/// A client or a component: they differ in negotiation only.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Client,
    Component { secret: String },
}

/// What a client keeps between callbacks (and, moved, between connections).
pub(crate) struct State {
    pub(crate) config: ClientConfig,
    pub(crate) kind: Kind,
    /// The stream's default namespace (`jabber:client`, `jabber:component:accept`).
    pub(crate) stream_ns: &'static str,
    #[cfg(feature = "tls")]
    pub(crate) tls_config: Option<std::sync::Arc<jaxl_core::tls::ClientConfig>>,
    pub(crate) reader: StreamReader,
    pub(crate) phase: Phase,
    pub(crate) conn: ConnId,
    /// The bound JID (the configured one until bound).
    pub(crate) jid: Jid,
    pub(crate) tls_active: bool,
    pub(crate) authenticated: bool,
    pub(crate) registered: bool,
    pub(crate) session_required: bool,
    pub(crate) sasl: Option<SaslClient>,
    pub(crate) features: Option<Element>,
    pub(crate) stream_id: Option<String>,
    /// Shared with [`ClientHandle`](super::ClientHandle)s, which read it.
    pub(crate) roster: Rc<RefCell<Roster>>,
    pub(crate) pending: PendingIqs,
    pub(crate) next_id: u64,
    pub(crate) reason: Option<DisconnectReason>,
    pub(crate) local_close: bool,
    pub(crate) attempts: u32,
    /// The places still to try in this connection attempt (SRV targets), in order.
    pub(crate) targets: VecDeque<Target>,
    pub(crate) keepalive: Option<TimerId>,
    pub(crate) ping_outstanding: bool,
    pub(crate) outbox: Rc<RefCell<Outbox>>,
    pub(crate) show: Option<crate::stanza::Show>,
    pub(crate) status: Option<String>,
}

impl State {
    pub(crate) fn new(config: ClientConfig, kind: Kind) -> State {
        let stream_ns = match kind {
            Kind::Client => crate::ns::CLIENT,
            Kind::Component { .. } => crate::ns::COMPONENT,
        };
        let roster = Rc::new(RefCell::new(Roster::new()));
        let outbox = Outbox {
            roster: roster.clone(),
            ..Outbox::default()
        };
        State {
            reader: StreamReader::new(config.stream.clone()),
            jid: config.jid.clone(),
            config,
            kind,
            stream_ns,
            #[cfg(feature = "tls")]
            tls_config: None,
            phase: Phase::Connecting,
            conn: ConnId::NONE,
            tls_active: false,
            authenticated: false,
            registered: false,
            session_required: false,
            sasl: None,
            features: None,
            stream_id: None,
            roster,
            pending: PendingIqs::default(),
            next_id: 0,
            reason: None,
            local_close: false,
            attempts: 0,
            targets: VecDeque::new(),
            keepalive: None,
            ping_outstanding: false,
            outbox: Rc::new(RefCell::new(outbox)),
            show: None,
            status: None,
        }
    }

    /// Resets what belongs to one connection before the next.
    pub(crate) fn reset_for_connection(&mut self) {
        self.reader = StreamReader::new(self.config.stream.clone());
        self.phase = Phase::Connecting;
        self.tls_active = false;
        self.authenticated = false;
        self.session_required = false;
        self.sasl = None;
        self.features = None;
        self.stream_id = None;
        self.reason = None;
        self.keepalive = None;
        self.ping_outstanding = false;
        self.jid = self.config.jid.clone();
    }

    /// The roster, to change it. `None` (and a log line) in the impossible case that a
    /// caller still holds a [`Session::roster`](super::Session::roster) borrow.
    pub(crate) fn roster_mut(&self) -> Option<std::cell::RefMut<'_, Roster>> {
        let r = self.roster.try_borrow_mut().ok();
        if r.is_none() {
            log::error!("{}: roster busy; update dropped", self.jid);
        }
        r
    }

    pub(crate) fn is_component(&self) -> bool {
        matches!(self.kind, Kind::Component { .. })
    }

    pub(crate) fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("jx{}", self.next_id)
    }

    /// Writes an element on the stream. False if the connection is gone.
    pub(crate) fn send(&self, cx: &Context<'_>, el: &Element) -> bool {
        let mut out = Vec::with_capacity(256);
        el.write_to_in_ns(&mut out, crate::ns::CLIENT);
        cx.write_to(self.conn, &out)
    }

    /// Sends a stream error and the stream end, and closes after flushing.
    pub(crate) fn fail(
        &mut self,
        cx: &Context<'_>,
        condition: &str,
        text: Option<&str>,
        reason: DisconnectReason,
    ) {
        if self.phase != Phase::Closing {
            cx.write_to(self.conn, &crate::stanza::stream_error(condition, text));
            cx.write_to(self.conn, crate::xml::STREAM_END.as_bytes());
        }
        self.close(cx, reason);
    }

    /// Ends the stream (`</stream:stream>`) and closes after flushing.
    pub(crate) fn close(&mut self, cx: &Context<'_>, reason: DisconnectReason) {
        if self.phase != Phase::Closing {
            cx.write_to(self.conn, crate::xml::STREAM_END.as_bytes());
            self.phase = Phase::Closing;
        }
        self.reason.get_or_insert(reason);
        cx.close_with(self.conn, jaxl_core::Close::Local);
    }
}
