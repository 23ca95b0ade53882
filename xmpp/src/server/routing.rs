//! Delivery of stanzas whose `from` is already stamped (RFC 6121 §8): to local users'
//! resources, to components, to the offline store, or back as an error.

use super::state::ServerState;
use super::util::{send_client, send_component, utc_now};
use super::{iq, presence, roster};
use crate::stanza::{ErrorType, MessageType};
use crate::{ns, Element, Jid};
use jaxl_core::Context;

/// Routes a stanza from `from` to `to` (both already validated; `from` stamped on
/// the element). Never fails: what cannot be delivered is bounced or dropped as RFC
/// 6121 §8 says.
pub(crate) fn route(st: &mut ServerState, cx: &Context<'_>, el: Element, from: &Jid, to: &Jid) {
    if st.is_local(to) {
        match to.node() {
            None => iq::to_server(st, cx, el, from, to),
            Some(user) => {
                let user = user.to_owned();
                deliver_local(st, cx, el, from, to, &user);
            }
        }
    } else if let Some(&conn) = st.components.get(to.domain()) {
        send_component(cx, conn, &el);
    } else {
        // No server-to-server links: a remote domain cannot be reached.
        bounce(st, cx, &el, ErrorType::Cancel, "remote-server-not-found");
    }
}

/// Sends the error reply for a stanza back to its sender, unless the stanza is an
/// error itself (RFC 6120 §8.3.1) or a presence (whose errors are not worth a loop).
pub(crate) fn bounce(
    st: &mut ServerState,
    cx: &Context<'_>,
    el: &Element,
    type_: ErrorType,
    condition: &str,
) {
    if el.attr("type") == Some("error") || el.name() == "presence" {
        return;
    }
    if el.name() == "iq" && !matches!(el.attr("type"), Some("get" | "set")) {
        return;
    }
    let reply = el.error_reply(type_, condition, None);
    let from = reply
        .attr("from")
        .and_then(|f| Jid::new(f).ok())
        .or_else(|| st.domain_jid());
    let (Some(to), Some(from)) = (reply.attr("to").and_then(|t| Jid::new(t).ok()), from) else {
        return;
    };
    route(st, cx, reply, &from, &to);
}

/// Delivers a stanza to a local account `user` (`to` is bare or full).
fn deliver_local(
    st: &mut ServerState,
    cx: &Context<'_>,
    el: Element,
    from: &Jid,
    to: &Jid,
    user: &str,
) {
    if !st.user_exists(user) {
        // RFC 6121 §8.5.1: no such account.
        match el.name() {
            "presence" => {}
            _ => bounce(st, cx, &el, ErrorType::Cancel, "service-unavailable"),
        }
        return;
    }
    match el.name() {
        "message" => message(st, cx, el, to, user),
        "presence" => {
            let kind = el.attr("type").unwrap_or("");
            match kind {
                "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed" => {
                    roster::inbound_subscription(st, cx, el, &from.bare(), user)
                }
                "probe" => presence::answer_probe(st, cx, &from.bare(), from, user),
                _ => match to.resource() {
                    Some(r) => {
                        if let Some(s) = st.session(user, r) {
                            send_client(cx, s.conn, &el);
                        }
                    }
                    None => {
                        for s in st.sessions_of(user).iter().filter(|s| s.available()) {
                            send_client(cx, s.conn, &el);
                        }
                    }
                },
            }
        }
        _ => match to.resource() {
            Some(r) => match st.session(user, r) {
                Some(s) => {
                    send_client(cx, s.conn, &el);
                }
                None => bounce(st, cx, &el, ErrorType::Cancel, "service-unavailable"),
            },
            None => iq::to_account(st, cx, el, from, user),
        },
    }
}

/// RFC 6121 §8.5.2 (bare) and §8.5.3 (full JID) for messages.
fn message(st: &mut ServerState, cx: &Context<'_>, el: Element, to: &Jid, user: &str) {
    let type_ = MessageType::from_attr(el.attr("type"));
    if let Some(r) = to.resource() {
        if let Some(s) = st.session(user, r) {
            send_client(cx, s.conn, &el);
            return;
        }
        match type_ {
            MessageType::Normal | MessageType::Chat => {}
            MessageType::Groupchat => {
                return bounce(st, cx, &el, ErrorType::Cancel, "service-unavailable")
            }
            _ => return,
        }
    }
    let sessions = st.sessions_of(user);
    let best = sessions
        .iter()
        .filter(|s| s.available() && s.priority >= 0)
        .map(|s| s.priority)
        .max();
    match type_ {
        MessageType::Error => {}
        MessageType::Groupchat => bounce(st, cx, &el, ErrorType::Cancel, "service-unavailable"),
        MessageType::Headline => {
            for s in sessions.iter().filter(|s| s.available() && s.priority >= 0) {
                send_client(cx, s.conn, &el);
            }
        }
        MessageType::Normal | MessageType::Chat => match best {
            Some(p) => {
                for s in sessions.iter().filter(|s| s.available() && s.priority == p) {
                    send_client(cx, s.conn, &el);
                }
            }
            None => store_offline(st, cx, el, user),
        },
    }
}

/// XEP-0160: keeps a message for later, stamped with XEP-0203 delay. The store call
/// returns after the message is durable.
fn store_offline(st: &mut ServerState, cx: &Context<'_>, mut el: Element, user: &str) {
    if el.get_child("body", ns::CLIENT).is_none() && el.children().all(|c| c.ns() == ns::CLIENT) {
        return; // nothing a user would miss (RFC 6121 §8.5.2.2.1: MAY drop)
    }
    el.append_child(
        Element::builder("delay", ns::DELAY)
            .attr("from", st.config.domain.clone())
            .attr("stamp", utc_now())
            .text("Offline Storage")
            .build(),
    );
    let text = String::from_utf8(super::util::client_bytes(&el)).unwrap_or_default();
    let limit = st.config.max_offline;
    match st.store.push_offline(user, &text, limit) {
        Ok(true) => {}
        Ok(false) => bounce(st, cx, &el, ErrorType::Cancel, "service-unavailable"),
        Err(e) => {
            log::error!("offline message for {user} not stored: {e}");
            bounce(st, cx, &el, ErrorType::Wait, "internal-server-error");
        }
    }
}
