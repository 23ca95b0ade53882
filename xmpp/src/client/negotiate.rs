//! Stream negotiation: STARTTLS, in-band registration, SASL, binding, legacy session
//! (RFC 6120 §5–7, XEP-0077, RFC 3921 §3) and the component handshake (XEP-0114).

use super::connection::{fire, Inner};
use super::state::{Kind, Phase};
use super::{dispatch, session, xep, AuthFailure, DisconnectReason, TlsMode};
use crate::sasl::{self, Credentials, SaslClient};
use crate::stanza::IqType;
use crate::xml::StreamHeader;
use crate::{ns, Element, Iq, Jid};
use jaxl_core::Context;

const REGISTER_ID: &str = "reg1";
const BIND_ID: &str = "bind1";
const SESSION_ID: &str = "sess1";
pub(crate) const ROSTER_ID: &str = "roster1";
const PING_PREFIX: &str = "ka";

/// Opens (or restarts) our stream.
pub(crate) fn send_header(st: &super::state::State, cx: &Context<'_>) {
    let mut h = StreamHeader::new(st.stream_ns).with_to(st.config.jid.domain());
    if st.is_component() {
        h.version = None;
    } else if st.authenticated && st.config.jid.node().is_some() {
        // RFC 6120 §4.7.1: `from` once the stream is protected (not for ANONYMOUS).
        h = h.with_from(st.config.jid.bare().as_str());
    }
    cx.write_to(st.conn, &h.to_bytes());
}

/// The peer's stream header.
pub(crate) fn on_header(inner: &mut Inner, cx: &mut Context<'_>, h: StreamHeader) {
    let st = &mut inner.st;
    if h.default_ns != st.stream_ns {
        st.fail(
            cx,
            "invalid-namespace",
            None,
            DisconnectReason::Protocol(format!("stream namespace {}", h.default_ns)),
        );
        return;
    }
    st.stream_id = h.id.clone();
    if let Kind::Component { secret } = &st.kind {
        let Some(id) = h.id.as_deref() else {
            st.fail(
                cx,
                "invalid-id",
                None,
                DisconnectReason::Protocol("component stream without id".into()),
            );
            return;
        };
        let digest = crate::component::handshake_digest(id, secret);
        let el = Element::builder("handshake", ns::COMPONENT)
            .text(digest)
            .build();
        let mut out = Vec::new();
        el.write_to_in_ns(&mut out, ns::COMPONENT);
        cx.write_to(st.conn, &out);
        st.phase = Phase::Handshake;
    }
}

/// A stream-level element or stanza.
pub(crate) fn on_element(inner: &mut Inner, cx: &mut Context<'_>, el: Element) {
    if el.is("error", ns::STREAM) {
        let condition = el
            .children()
            .find(|c| c.ns() == ns::STREAMS && c.name() != "text")
            .map_or("undefined-condition", |c| c.name())
            .to_owned();
        let text = el.get_child("text", ns::STREAMS).map(|t| t.text());
        log::warn!(
            "{}: stream error {condition} {}",
            inner.st.jid,
            text.as_deref().unwrap_or("")
        );
        let reason = if inner.st.phase == Phase::Handshake {
            DisconnectReason::HandshakeFailed(condition)
        } else {
            DisconnectReason::StreamError { condition, text }
        };
        inner.st.close(cx, reason);
        return;
    }
    match inner.st.phase {
        Phase::Features if el.is("features", ns::STREAM) => features(inner, cx, el),
        Phase::StartTls => starttls_answer(inner, cx, &el),
        Phase::Authenticating => sasl_step(inner, cx, &el),
        Phase::Registering | Phase::Binding | Phase::Session => iq_step(inner, cx, el),
        Phase::Handshake if el.is("handshake", ns::COMPONENT) => go_online(inner, cx),
        Phase::FetchingRoster | Phase::Online => dispatch::stanza(inner, cx, el),
        Phase::Connecting | Phase::Closing => {}
        _ => {
            let what = format!("unexpected <{}/> during negotiation", el.name());
            inner.st.fail(
                cx,
                "unsupported-stanza-type",
                None,
                DisconnectReason::Protocol(what),
            );
        }
    }
}

fn features(inner: &mut Inner, cx: &mut Context<'_>, el: Element) {
    fire!(inner, cx, features, &el);
    let st = &mut inner.st;
    if st.phase == Phase::Closing {
        return;
    }
    if !st.tls_active {
        if el.has_child("starttls", ns::TLS) {
            cx.write_to(
                st.conn,
                b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
            );
            st.phase = Phase::StartTls;
            return;
        }
        if st.config.tls != TlsMode::Optional {
            st.close(cx, DisconnectReason::TlsRequired);
            return;
        }
        log::warn!(
            "{}: server offers no STARTTLS; continuing IN THE CLEAR (TlsMode::Optional)",
            st.jid
        );
    }
    if !st.authenticated {
        st.features = Some(el);
        if st.config.register && !st.registered {
            let username = st.config.jid.node().unwrap_or("").to_owned();
            let mut iq = Iq::set(
                REGISTER_ID,
                xep::register_query(&username, &st.config.password),
            );
            iq.set_to(Some(&st.config.jid.domain_jid()));
            st.send(cx, iq.as_element());
            st.phase = Phase::Registering;
            return;
        }
        start_auth(inner, cx);
        return;
    }
    if !el.has_child("bind", ns::BIND) {
        st.close(
            cx,
            DisconnectReason::BindFailed("server offers no resource binding".into()),
        );
        return;
    }
    st.session_required = el
        .get_child("session", ns::SESSION)
        .is_some_and(|s| !s.has_child("optional", ns::SESSION));
    let mut bind = Element::new("bind", ns::BIND);
    if let Some(r) = st.config.jid.resource() {
        bind.append_child(Element::builder("resource", ns::BIND).text(r).build());
    }
    st.send(cx, Iq::set(BIND_ID, bind).as_element());
    st.phase = Phase::Binding;
}

fn auth_failed(inner: &mut Inner, cx: &mut Context<'_>, failure: AuthFailure) {
    log::warn!("{}: authentication failed: {failure}", inner.st.jid);
    fire!(inner, cx, auth_failure, &failure);
    inner.st.close(cx, DisconnectReason::AuthFailed(failure));
}

fn start_auth(inner: &mut Inner, cx: &mut Context<'_>) {
    let st = &mut inner.st;
    let offered: Vec<String> = st
        .features
        .as_ref()
        .and_then(|f| f.get_child("mechanisms", ns::SASL))
        .map(|m| {
            m.children()
                .filter(|c| c.is("mechanism", ns::SASL))
                .map(|c| c.text().trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let chosen = sasl::choose(
        offered.iter().map(String::as_str),
        &st.config.mechanisms,
        st.tls_active,
        !st.config.password.is_empty(),
    );
    let Some(mech) = chosen else {
        auth_failed(inner, cx, AuthFailure::NoMechanism(offered));
        return;
    };
    let creds = Credentials::new(
        st.config.jid.node().unwrap_or(""),
        st.config.password.clone(),
    );
    let mut client = SaslClient::new(mech, creds);
    match client.initial_response() {
        Ok(initial) => {
            let el = Element::builder("auth", ns::SASL)
                .attr("mechanism", mech.name())
                .text(sasl::encode_payload(&initial.unwrap_or_default()))
                .build();
            log::debug!("{}: authenticating with {mech}", st.jid);
            st.send(cx, &el);
            st.sasl = Some(client);
            st.phase = Phase::Authenticating;
        }
        Err(e) => auth_failed(inner, cx, AuthFailure::Sasl(e)),
    }
}

fn sasl_step(inner: &mut Inner, cx: &mut Context<'_>, el: &Element) {
    let st = &mut inner.st;
    if el.ns() != ns::SASL {
        st.fail(
            cx,
            "not-authorized",
            None,
            DisconnectReason::Protocol(format!("<{}/> before authentication", el.name())),
        );
        return;
    }
    let Some(client) = st.sasl.as_mut() else {
        return;
    };
    match el.name() {
        "challenge" => {
            let answer = sasl::decode_payload(&el.text()).and_then(|c| client.challenge(&c));
            match answer {
                Ok(resp) => {
                    let r = Element::builder("response", ns::SASL)
                        .text(sasl::encode_payload(&resp))
                        .build();
                    st.send(cx, &r);
                }
                Err(e) => {
                    cx.write_to(
                        st.conn,
                        b"<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
                    );
                    auth_failed(inner, cx, AuthFailure::Sasl(e));
                }
            }
        }
        "success" => match sasl::decode_payload(&el.text()).and_then(|d| client.success(&d)) {
            Ok(()) => {
                st.authenticated = true;
                st.sasl = None;
                st.reader.reset();
                st.phase = Phase::Features;
                send_header(st, cx);
                log::debug!("{}: authenticated", st.jid);
                fire!(inner, cx, auth_success);
            }
            Err(e) => auth_failed(inner, cx, AuthFailure::Sasl(e)),
        },
        "failure" => {
            let condition = el
                .children()
                .find(|c| c.name() != "text")
                .map_or("not-authorized", |c| c.name())
                .to_owned();
            let text = el.get_child("text", ns::SASL).map(|t| t.text());
            auth_failed(inner, cx, AuthFailure::Server { condition, text });
        }
        other => {
            let what = format!("unexpected <{other}/> during SASL");
            st.fail(
                cx,
                "unsupported-stanza-type",
                None,
                DisconnectReason::Protocol(what),
            );
        }
    }
}

fn starttls_answer(inner: &mut Inner, cx: &mut Context<'_>, el: &Element) {
    let st = &mut inner.st;
    if !el.is("proceed", ns::TLS) {
        st.close(cx, DisconnectReason::Tls("server refused STARTTLS".into()));
        return;
    }
    #[cfg(feature = "tls")]
    {
        let Some(tls) = st.tls_config.clone() else {
            st.close(cx, DisconnectReason::Tls("no TLS configuration".into()));
            return;
        };
        let domain = st.config.jid.domain().to_owned();
        if let Err(e) = cx.start_tls_client(tls, &domain) {
            st.close(cx, DisconnectReason::Tls(e.to_string()));
            return;
        }
        st.tls_active = true;
        st.reader.reset();
        st.phase = Phase::Features;
        send_header(st, cx);
    }
    #[cfg(not(feature = "tls"))]
    st.close(
        cx,
        DisconnectReason::Tls("built without the tls feature".into()),
    );
}

fn stanza_condition(el: &Element) -> String {
    el.stanza_error().map_or_else(
        || "undefined-condition".to_owned(),
        |e| e.condition.to_string(),
    )
}

fn iq_step(inner: &mut Inner, cx: &mut Context<'_>, el: Element) {
    let st = &mut inner.st;
    let (id, t) = (
        el.attr("id").unwrap_or(""),
        el.attr("type").and_then(IqType::parse),
    );
    if !el.is("iq", ns::CLIENT) || !matches!(t, Some(IqType::Result | IqType::Error)) {
        log::debug!("{}: ignoring <{}/> during negotiation", st.jid, el.name());
        return;
    }
    let ok = t == Some(IqType::Result);
    match (st.phase, id) {
        (Phase::Registering, REGISTER_ID) => {
            if ok {
                log::info!("{}: account registered", st.config.jid);
                st.registered = true;
                start_auth(inner, cx);
            } else {
                st.close(
                    cx,
                    DisconnectReason::RegistrationFailed(stanza_condition(&el)),
                );
            }
        }
        (Phase::Binding, BIND_ID) => {
            if !ok {
                st.close(cx, DisconnectReason::BindFailed(stanza_condition(&el)));
                return;
            }
            let bound = el
                .get_child("bind", ns::BIND)
                .and_then(|b| b.get_child("jid", ns::BIND))
                .map(|j| j.text());
            match bound.as_deref().map(str::trim).map(Jid::new) {
                Some(Ok(j)) if j.is_full() => st.jid = j,
                _ => {
                    st.close(
                        cx,
                        DisconnectReason::BindFailed("server bound no valid full JID".into()),
                    );
                    return;
                }
            }
            if st.session_required {
                st.send(
                    cx,
                    Iq::set(SESSION_ID, Element::new("session", ns::SESSION)).as_element(),
                );
                st.phase = Phase::Session;
            } else {
                go_online(inner, cx);
            }
        }
        (Phase::Session, SESSION_ID) => {
            if ok {
                go_online(inner, cx);
            } else {
                st.close(cx, DisconnectReason::BindFailed(stanza_condition(&el)));
            }
        }
        _ => log::debug!("{}: ignoring iq {id} during negotiation", st.jid),
    }
}

/// Bound (or handshaken): fetch the roster first if configured, else be online.
fn go_online(inner: &mut Inner, cx: &mut Context<'_>) {
    let st = &mut inner.st;
    if !st.is_component() && st.config.fetch_roster {
        st.send(
            cx,
            Iq::get(ROSTER_ID, Element::new("query", ns::ROSTER)).as_element(),
        );
        st.phase = Phase::FetchingRoster;
        return;
    }
    finish_online(inner, cx);
}

/// Ready: initial presence, keep-alive, `on_online`, queued stanzas.
pub(crate) fn finish_online(inner: &mut Inner, cx: &mut Context<'_>) {
    let st = &mut inner.st;
    st.phase = Phase::Online;
    st.attempts = 0;
    cx.set_quick_ack(false);
    {
        let mut o = st.outbox.borrow_mut();
        o.online = true;
        o.jid = Some(st.jid.clone());
    }
    if !st.is_component() && st.config.initial_presence {
        let p = session::own_presence(st);
        st.send(cx, p.as_element());
    }
    if let Some(every) = st.config.ping_interval {
        st.keepalive = Some(cx.set_repeating_timer(every));
    }
    log::info!("{}: online", st.jid);
    fire!(inner, cx, online);
    if inner.st.phase == Phase::Online {
        let queued = std::mem::take(&mut inner.st.outbox.borrow_mut().queue);
        for el in queued {
            super::Session::new(&mut inner.st, cx).send(el);
        }
    }
}

/// The keep-alive timer: a ping to the server (a space for a component, whose server
/// may not answer pings); an unanswered ping means the stream is dead.
pub(crate) fn keepalive(inner: &mut Inner, cx: &mut Context<'_>) {
    let st = &mut inner.st;
    if st.phase != Phase::Online {
        return;
    }
    if st.is_component() {
        cx.write_to(st.conn, b" ");
        return;
    }
    if st.ping_outstanding {
        return;
    }
    st.ping_outstanding = true;
    let mut iq = Iq::get(
        &format!("{PING_PREFIX}{}", st.next_id),
        Element::new("ping", ns::PING),
    );
    st.next_id += 1;
    iq.set_to(Some(&st.jid.domain_jid()));
    super::Session::new(st, cx).send_iq(iq, |s, r| {
        s.st.ping_outstanding = false;
        if r == Err(super::IqError::Timeout) {
            log::warn!("{}: keep-alive ping unanswered: stream dead", s.st.jid);
            s.st.reason = Some(DisconnectReason::PingTimeout);
            let conn = s.st.conn;
            s.cx.abort_conn(conn);
        }
    });
}
