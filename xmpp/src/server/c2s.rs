//! [`C2s`]: the handler of one client connection — stream negotiation as the
//! receiving entity (RFC 6120 §4–7), then the stanzas of a bound resource.

use super::auth::{mechanisms, Sasl, Step};
use super::limits::RateLimit;
use super::routing::route;
use super::state::{ServerState, Session};
use super::util::{random_id, send_client};
use super::{iq, presence, register, roster};
use crate::stanza::{stream_error, ErrorType};
use crate::xml::{Config, StreamEvent, StreamReader, STREAM_END};
use crate::{ns, Element, Jid, StreamHeader};
use jaxl_core::{Close, Context, Handler, Peer, TimerId};
use std::rc::Rc;

/// Where the stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting for the (first or restarted) stream header.
    Header,
    /// Header answered, features sent: negotiating or exchanging stanzas.
    Open,
}

/// One client connection of a [`Server`](super::Server).
pub(crate) struct C2s {
    /// The served domain (for stream errors sent while the shared state is busy).
    domain: Rc<str>,
    reader: StreamReader,
    stage: Stage,
    header_sent: bool,
    tls: bool,
    loopback: bool,
    sasl: Sasl,
    /// The authenticated user (local part).
    user: Option<String>,
    /// The bound full JID.
    jid: Option<Jid>,
    auth_timer: Option<TimerId>,
    rate: RateLimit,
    closing: bool,
}

impl C2s {
    pub(crate) fn new(
        domain: Rc<str>,
        peer: &Peer,
        max_stanza_bytes: usize,
        rate: RateLimit,
    ) -> C2s {
        let config = Config {
            max_stanza_bytes,
            ..Config::default()
        };
        C2s {
            domain,
            reader: StreamReader::new(config),
            stage: Stage::Header,
            header_sent: false,
            tls: false,
            loopback: peer.tcp_addr().is_some_and(|a| a.ip().is_loopback())
                || matches!(peer, Peer::Unix(_)),
            sasl: Sasl::Idle,
            user: None,
            jid: None,
            auth_timer: None,
            rate,
            closing: false,
        }
    }

    /// Sends a stream error, closes the stream and the connection (RFC 6120 §4.9.1.1).
    fn fail(&mut self, cx: &Context<'_>, condition: &str, text: Option<&str>) {
        if self.closing {
            return;
        }
        if !self.header_sent {
            let h = StreamHeader::new(ns::CLIENT)
                .with_from(&*self.domain)
                .with_id(random_id());
            cx.write_owned(h.to_bytes());
        }
        log::debug!("connection {}: stream error {condition}", cx.id());
        let mut out = stream_error(condition, text);
        out.extend_from_slice(STREAM_END.as_bytes());
        cx.write_owned(out);
        cx.close();
        self.closing = true;
    }

    fn send(&self, cx: &Context<'_>, el: &Element) {
        send_client(cx, cx.id(), el);
    }

    fn header(&mut self, st: &ServerState, cx: &Context<'_>, h: StreamHeader) {
        let domain = st.config.domain.clone();
        let resp = h.response(random_id());
        let mut resp = resp.with_from(domain.clone());
        resp.default_ns = ns::CLIENT.to_owned();
        cx.write_owned(resp.to_bytes());
        self.header_sent = true;
        if h.default_ns != ns::CLIENT {
            return self.fail(cx, "invalid-namespace", None);
        }
        if h.to
            .as_deref()
            .map(|t| Jid::new(t).map(|j| j.as_str() == domain))
            != Some(Ok(true))
        {
            return self.fail(cx, "host-unknown", None);
        }
        if !h.version.as_deref().is_some_and(|v| v.starts_with("1.")) {
            return self.fail(cx, "unsupported-version", None);
        }
        self.stage = Stage::Open;
        let features = self.features(st);
        let Some(features) = features else {
            return self.fail(
                cx,
                "policy-violation",
                Some("TLS is required and not configured"),
            );
        };
        self.send(cx, &features);
    }

    fn tls_available(st: &ServerState) -> bool {
        #[cfg(feature = "tls")]
        {
            st.config.tls.is_some()
        }
        #[cfg(not(feature = "tls"))]
        {
            let _ = st;
            false
        }
    }

    /// Whether this stream may authenticate as it is.
    fn may_auth(&self, st: &ServerState) -> bool {
        self.tls || (self.loopback && st.config.allow_plaintext_loopback)
    }

    fn features(&self, st: &ServerState) -> Option<Element> {
        let mut f = Element::new("features", ns::STREAM);
        let limits = Element::builder("limits", "urn:xmpp:stream-limits:0")
            .append(
                Element::builder("max-bytes", "urn:xmpp:stream-limits:0")
                    .text(st.config.max_stanza_bytes.to_string())
                    .build(),
            )
            .build();
        if self.user.is_some() {
            f.append_child(Element::new("bind", ns::BIND));
            f.append_child(
                Element::builder("session", ns::SESSION)
                    .append(Element::new("optional", ns::SESSION))
                    .build(),
            );
            f.append_child(limits);
            return Some(f);
        }
        if !self.tls && Self::tls_available(st) {
            let mut tls = Element::new("starttls", ns::TLS);
            if !self.may_auth(st) {
                tls.append_child(Element::new("required", ns::TLS));
            }
            f.append_child(tls);
        }
        if self.may_auth(st) {
            f.append_child(mechanisms(self.tls));
            if st.config.allow_registration {
                f.append_child(Element::new("register", ns::REGISTER_FEATURE));
            }
        } else if !Self::tls_available(st) {
            return None;
        }
        f.append_child(limits);
        Some(f)
    }

    fn starttls(&mut self, st: &ServerState, cx: &mut Context<'_>) {
        #[cfg(feature = "tls")]
        if let (false, Some(config)) = (self.tls, st.config.tls.clone()) {
            self.send(cx, &Element::new("proceed", ns::TLS));
            if cx.start_tls_server(config).is_ok() {
                self.tls = true;
                self.restart();
                return;
            }
        }
        let _ = st;
        self.send(cx, &Element::new("failure", ns::TLS));
        cx.write(STREAM_END.as_bytes());
        cx.close();
        self.closing = true;
    }

    /// A stream restart (after TLS or SASL): new header expected, old bytes dropped.
    fn restart(&mut self) {
        self.reader.reset();
        self.stage = Stage::Header;
        self.header_sent = false;
    }

    fn element(&mut self, st: &mut ServerState, cx: &mut Context<'_>, el: Element) {
        if self.user.is_none() {
            return self.before_auth(st, cx, el);
        }
        let Some(jid) = self.jid.clone() else {
            return self.before_bind(st, cx, el);
        };
        if el.ns() != ns::CLIENT || !matches!(el.name(), "message" | "presence" | "iq") {
            return self.fail(cx, "unsupported-stanza-type", None);
        }
        self.stanza(st, cx, el, &jid);
    }

    fn before_auth(&mut self, st: &mut ServerState, cx: &mut Context<'_>, el: Element) {
        if el.is("starttls", ns::TLS) && !self.tls {
            return self.starttls(st, cx);
        }
        if !self.may_auth(st) {
            return self.fail(cx, "policy-violation", Some("STARTTLS first"));
        }
        if el.ns() == ns::SASL && matches!(el.name(), "auth" | "response" | "abort") {
            match self.sasl.step(st, &el, self.tls) {
                Step::Continue(reply) | Step::Failure(reply) => self.send(cx, &reply),
                Step::Success(user, reply) => {
                    log::info!("connection {}: authenticated as {user}", cx.id());
                    self.send(cx, &reply);
                    self.user = Some(user);
                    if let Some(t) = self.auth_timer.take() {
                        cx.cancel_timer(t);
                    }
                    self.restart();
                }
            }
            return;
        }
        if el.is("iq", ns::CLIENT) && el.has_child("query", ns::REGISTER) {
            let reply = register::before_auth(st, &el);
            return self.send(cx, &reply);
        }
        self.fail(cx, "not-authorized", None)
    }

    fn before_bind(&mut self, st: &mut ServerState, cx: &mut Context<'_>, el: Element) {
        let Some(user) = self.user.clone() else {
            return;
        };
        if !el.is("iq", ns::CLIENT) {
            return self.fail(cx, "not-authorized", Some("bind a resource first"));
        }
        if el.attr("type") != Some("set") {
            return self.send(
                cx,
                &el.error_reply(ErrorType::Cancel, "service-unavailable", None),
            );
        }
        if el.has_child("session", ns::SESSION) {
            return self.send(cx, &iq::result(&el, None));
        }
        let Some(bind) = el.get_child("bind", ns::BIND) else {
            return self.send(
                cx,
                &el.error_reply(ErrorType::Cancel, "service-unavailable", None),
            );
        };
        let requested = bind
            .get_child("resource", ns::BIND)
            .map(Element::text)
            .filter(|r| !r.trim().is_empty());
        let Ok(bare) = Jid::from_parts(Some(&user), &st.config.domain, None) else {
            return;
        };
        let resource = requested.unwrap_or_else(random_id);
        let Ok(full) = bare.with_resource(&resource) else {
            return self.send(cx, &el.error_reply(ErrorType::Modify, "bad-request", None));
        };
        let resource = full.resource().unwrap_or_default().to_owned();
        // Conflict (RFC 6120 §7.7.2.2): the newer session wins; the older is closed.
        if let Some(old) = st.session(&user, &resource).map(|s| s.conn) {
            let mut out = stream_error("conflict", Some("replaced by a new session"));
            out.extend_from_slice(STREAM_END.as_bytes());
            cx.write_owned_to(old, out);
            cx.close_conn(old);
            end_session(st, cx, &user, &full, old);
        }
        if st.sessions_of(&user).len() >= st.config.max_resources {
            return self.send(
                cx,
                &el.error_reply(ErrorType::Wait, "resource-constraint", None),
            );
        }
        // Most users have one resource: room for exactly one (a Vec's first push would
        // make room for four, some 500 bytes per idle session).
        let sessions = st.sessions.entry(user.clone()).or_default();
        sessions.reserve_exact(1);
        sessions.push(Session {
            resource,
            conn: cx.id(),
            presence: None,
            priority: 0,
            interested: false,
            directed: Vec::new(),
        });
        log::info!("connection {}: bound {full}", cx.id());
        let payload = Element::builder("bind", ns::BIND)
            .append(
                Element::builder("jid", ns::BIND)
                    .text(full.as_str())
                    .build(),
            )
            .build();
        self.jid = Some(full);
        self.send(cx, &iq::result(&el, Some(payload)));
    }

    /// A stanza of a bound resource: `from` stamped, then handled or routed.
    fn stanza(&mut self, st: &mut ServerState, cx: &mut Context<'_>, mut el: Element, me: &Jid) {
        let Some(user) = me.node().map(str::to_owned) else {
            return;
        };
        el.set_attr("from", me.as_str());
        let to = match el.attr("to").map(Jid::new) {
            None => None,
            Some(Ok(j)) => Some(j),
            Some(Err(_)) => return bounce_self(cx, &el, "jid-malformed"),
        };
        let own_bare = to
            .as_ref()
            .is_some_and(|t| t.is_bare() && t.node() == Some(user.as_str()) && st.is_local(t));
        match el.name() {
            "presence" => {
                let kind = el.attr("type").unwrap_or("");
                match (&to, kind) {
                    (_, "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed") => {
                        if let Some(to) = &to {
                            roster::outbound_subscription(st, cx, &user, el, to);
                        }
                    }
                    (_, "probe" | "error") => {}
                    (None, _) => presence::broadcast(st, cx, &user, me, el),
                    (Some(_), _) if own_bare => presence::broadcast(st, cx, &user, me, el),
                    (Some(to), _) => presence::directed(st, cx, &user, me, el, to),
                }
            }
            "iq" if to.is_none() || own_bare => {
                if el.has_child("query", ns::ROSTER) {
                    roster::handle_iq(st, cx, &user, me, &el);
                } else if el.has_child("session", ns::SESSION) && el.attr("type") == Some("set") {
                    self.send(cx, &iq::result(&el, None));
                } else if el.has_child("bind", ns::BIND) {
                    self.send(cx, &el.error_reply(ErrorType::Cancel, "not-allowed", None));
                } else if el.has_child("query", ns::REGISTER) {
                    let reply = register::for_account(st, cx, &el, &user);
                    self.send(cx, &reply);
                } else {
                    iq::to_account(st, cx, el, me, &user);
                }
            }
            _ => match to {
                Some(to) => route(st, cx, el, me, &to),
                // A message without `to` is for the sender's own account (RFC 6120 §10.3.1).
                None => {
                    let bare = me.bare();
                    el.set_attr("to", bare.as_str());
                    route(st, cx, el, me, &bare);
                }
            },
        }
    }
}

/// An error reply to a stanza of the current connection that could not be routed.
fn bounce_self(cx: &Context<'_>, el: &Element, condition: &str) {
    let answerable = match el.name() {
        "iq" => matches!(el.attr("type"), Some("get" | "set")),
        _ => el.attr("type") != Some("error"),
    };
    if !answerable {
        return;
    }
    let mut el = el.clone();
    el.remove_attr("to");
    let reply = el.error_reply(ErrorType::Modify, condition, None);
    send_client(cx, cx.id(), &reply);
}

/// Removes a session and, if it was available, tells everyone it is gone.
fn end_session(
    st: &mut ServerState,
    cx: &Context<'_>,
    user: &str,
    full: &Jid,
    conn: jaxl_core::ConnId,
) {
    let Some(resource) = full.resource() else {
        return;
    };
    let was = st
        .session(user, resource)
        .filter(|s| s.conn == conn)
        .map(|s| s.available());
    match was {
        None => return,
        Some(true) => {
            let p = Element::builder("presence", ns::CLIENT)
                .attr("type", "unavailable")
                .attr("from", full.as_str())
                .build();
            presence::broadcast(st, cx, user, full, p);
        }
        Some(false) => {}
    }
    if let Some(list) = st.sessions.get_mut(user) {
        list.retain(|s| !(s.resource == resource && s.conn == conn));
        if list.is_empty() {
            st.sessions.remove(user);
        }
    }
}

impl Handler for C2s {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        let timeout = cx.try_state::<ServerState>().map(|s| s.config.auth_timeout);
        if let Some(t) = timeout {
            self.auth_timer = Some(cx.set_timer(t));
        }
    }

    fn on_data(&mut self, cx: &mut Context<'_>) {
        let n = cx.input().len();
        if self.closing {
            cx.consume(n);
            return;
        }
        if !self.rate.feed(cx, &mut self.reader) {
            return;
        }
        let Some(mut st) = cx.try_state::<ServerState>() else {
            return self.fail(cx, "internal-server-error", None);
        };
        while !self.closing {
            match self.reader.next_event() {
                Ok(None) => break,
                Ok(Some(StreamEvent::Header(h))) => {
                    if self.stage != Stage::Header {
                        self.fail(cx, "invalid-xml", None);
                    } else {
                        self.header(&st, cx, h);
                    }
                }
                Ok(Some(StreamEvent::Stanza(el))) => {
                    if self.stage != Stage::Open {
                        self.fail(cx, "invalid-xml", None);
                    } else {
                        self.element(&mut st, cx, el);
                    }
                }
                Ok(Some(StreamEvent::End)) => {
                    if let (Some(user), Some(jid)) = (self.user.clone(), self.jid.take()) {
                        end_session(&mut st, cx, &user, &jid, cx.id());
                    }
                    cx.write(STREAM_END.as_bytes());
                    cx.close();
                    self.closing = true;
                }
                Err(e) => {
                    log::debug!("connection {}: {}", cx.id(), e.message());
                    self.fail(cx, e.stream_error_condition(), Some(e.message()));
                }
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        if Some(timer) == self.rate.timer {
            self.rate.timer = None;
            cx.resume_reading();
        } else if Some(timer) == self.auth_timer {
            self.auth_timer = None;
            if self.user.is_none() {
                self.fail(cx, "connection-timeout", Some("not authenticated in time"));
            }
        }
    }

    fn on_shutdown(&mut self, cx: &mut Context<'_>) {
        self.fail(cx, "system-shutdown", None);
    }

    fn on_close(&mut self, cx: &mut Context<'_>, reason: &Close) {
        log::debug!("connection {} closed: {reason}", cx.id());
        if let (Some(user), Some(jid)) = (self.user.clone(), self.jid.take()) {
            if let Some(mut st) = cx.try_state::<ServerState>() {
                end_session(&mut st, cx, &user, &jid, cx.id());
            }
        }
    }
}
