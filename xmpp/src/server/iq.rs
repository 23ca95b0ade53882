//! Iqs the server answers itself: to its domain (disco, version, ping, registration)
//! and to an account's bare JID on the account's behalf (vCard, disco).

use super::routing::{bounce, route};
use super::state::ServerState;
use crate::stanza::ErrorType;
use crate::{ns, Element, Jid};
use jaxl_core::Context;

/// Features the server's disco#info lists.
const FEATURES: &[&str] = &[
    ns::DISCO_INFO,
    ns::DISCO_ITEMS,
    ns::VERSION,
    ns::PING,
    ns::VCARD,
    "msgoffline",
    ns::ROSTER,
];

/// The `type='result'` reply to `iq` (addresses swapped).
pub(crate) fn result(iq: &Element, payload: Option<Element>) -> Element {
    let mut b = Element::builder("iq", ns::CLIENT)
        .attr("type", "result")
        .attr("id", iq.attr("id").unwrap_or_default());
    if let Some(f) = iq.attr("from") {
        b = b.attr("to", f);
    }
    if let Some(t) = iq.attr("to") {
        b = b.attr("from", t);
    }
    if let Some(p) = payload {
        b = b.append(p);
    }
    b.build()
}

/// Sends `reply` back to the sender of the iq (`from`).
fn reply(st: &mut ServerState, cx: &Context<'_>, from: &Jid, reply: Element) {
    let me = reply
        .attr("from")
        .and_then(|f| Jid::new(f).ok())
        .or_else(|| st.domain_jid());
    if let Some(me) = me {
        route(st, cx, reply, &me, from);
    }
}

/// A stanza addressed to the server's domain (or `domain/resource`).
pub(crate) fn to_server(
    st: &mut ServerState,
    cx: &Context<'_>,
    el: Element,
    from: &Jid,
    _to: &Jid,
) {
    if el.name() != "iq" {
        // Messages and presence to the server itself: nothing to do with them.
        return;
    }
    let get = el.attr("type") == Some("get");
    let Some(payload) = el
        .first_child()
        .filter(|_| matches!(el.attr("type"), Some("get" | "set")))
    else {
        return;
    };
    let answer = match (payload.ns(), payload.name(), get) {
        (ns::PING, "ping", true) => Some(result(&el, None)),
        (ns::VERSION, "query", true) => Some(result(
            &el,
            Some(
                Element::builder("query", ns::VERSION)
                    .append(Element::builder("name", ns::VERSION).text("jaxl").build())
                    .append(
                        Element::builder("version", ns::VERSION)
                            .text(env!("CARGO_PKG_VERSION"))
                            .build(),
                    )
                    .build(),
            ),
        )),
        (ns::DISCO_INFO, "query", true) if payload.attr("node").is_none() => {
            let mut q = Element::builder("query", ns::DISCO_INFO).append(
                Element::builder("identity", ns::DISCO_INFO)
                    .attr("category", "server")
                    .attr("type", "im")
                    .attr("name", "jaxl")
                    .build(),
            );
            for f in FEATURES {
                q = q.append(
                    Element::builder("feature", ns::DISCO_INFO)
                        .attr("var", *f)
                        .build(),
                );
            }
            if st.config.allow_registration {
                q = q.append(
                    Element::builder("feature", ns::DISCO_INFO)
                        .attr("var", ns::REGISTER)
                        .build(),
                );
            }
            Some(result(&el, Some(q.build())))
        }
        (ns::DISCO_ITEMS, "query", true) if payload.attr("node").is_none() => {
            let mut domains: Vec<&String> = st.components.keys().collect();
            domains.sort();
            let q = Element::builder("query", ns::DISCO_ITEMS).append_all(domains.into_iter().map(
                |d| {
                    Element::builder("item", ns::DISCO_ITEMS)
                        .attr("jid", d.clone())
                        .build()
                },
            ));
            Some(result(&el, Some(q.build())))
        }
        (ns::REGISTER, "query", _) => {
            // Registration of an account already logged in: password change or removal.
            from.node()
                .map(str::to_owned)
                .map(|user| super::register::for_account(st, cx, &el, &user))
        }
        _ => None,
    };
    match answer {
        Some(a) => reply(st, cx, from, a),
        None => bounce(st, cx, &el, ErrorType::Cancel, "service-unavailable"),
    }
}

/// An iq to a local account's bare JID, answered by the server on its behalf
/// (RFC 6121 §8.5.2.1.3 / RFC 6120 §10.5.3.1).
pub(crate) fn to_account(
    st: &mut ServerState,
    cx: &Context<'_>,
    el: Element,
    from: &Jid,
    user: &str,
) {
    if !matches!(el.attr("type"), Some("get" | "set")) {
        return;
    }
    let own = from.node() == Some(user) && st.is_local(from);
    let Some(payload) = el.first_child() else {
        return bounce(st, cx, &el, ErrorType::Modify, "bad-request");
    };
    let get = el.attr("type") == Some("get");
    let answer = match (payload.ns(), payload.name()) {
        (ns::VCARD, "vCard") if get => match st.store.vcard(user) {
            Ok(Some(xml)) => match Element::parse(&xml) {
                Ok(v) => Ok(result(&el, Some(v))),
                Err(_) => Ok(result(&el, Some(Element::new("vCard", ns::VCARD)))),
            },
            Ok(None) => Ok(result(&el, Some(Element::new("vCard", ns::VCARD)))),
            Err(e) => Err(e),
        },
        (ns::VCARD, "vCard") if own => {
            let text = payload.to_string();
            st.store.set_vcard(user, &text).map(|()| result(&el, None))
        }
        (ns::VCARD, "vCard") => return bounce(st, cx, &el, ErrorType::Auth, "forbidden"),
        (ns::PING, "ping") if get && own => Ok(result(&el, None)),
        (ns::DISCO_INFO, "query") if get => Ok(result(
            &el,
            Some(
                Element::builder("query", ns::DISCO_INFO)
                    .append(
                        Element::builder("identity", ns::DISCO_INFO)
                            .attr("category", "account")
                            .attr("type", "registered")
                            .build(),
                    )
                    .append(
                        Element::builder("feature", ns::DISCO_INFO)
                            .attr("var", ns::DISCO_INFO)
                            .build(),
                    )
                    .append(
                        Element::builder("feature", ns::DISCO_INFO)
                            .attr("var", ns::VCARD)
                            .build(),
                    )
                    .build(),
            ),
        )),
        _ => return bounce(st, cx, &el, ErrorType::Cancel, "service-unavailable"),
    };
    match answer {
        Ok(a) => reply(st, cx, from, a),
        Err(e) => {
            log::error!("store failed answering an iq for {user}: {e}");
            bounce(st, cx, &el, ErrorType::Wait, "internal-server-error");
        }
    }
}
