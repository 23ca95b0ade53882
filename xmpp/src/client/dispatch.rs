//! Stanzas of an established session: to the roster, the presence view, pending iq
//! callbacks, built-in responders and the user's callbacks.

use super::connection::{fire, Inner};
use super::negotiate::{finish_online, ROSTER_ID};
use super::state::Phase;
use super::{xep, IqError, RosterItem, Session, Subscription};
use crate::stanza::{ErrorType, IqType, PresenceType};
use crate::{ns, Element, Iq, Jid, Message, Presence};
use jaxl_core::Context;

/// The items of a roster result or push.
pub(crate) fn roster_items(iq: &Iq) -> Vec<RosterItem> {
    iq.payload()
        .filter(|q| q.is("query", ns::ROSTER))
        .map(|q| {
            q.children()
                .filter(|c| c.is("item", ns::ROSTER))
                .filter_map(RosterItem::from_element)
                .collect()
        })
        .unwrap_or_default()
}

/// One stanza after binding.
pub(crate) fn stanza(inner: &mut Inner, cx: &mut Context<'_>, mut el: Element) {
    if inner.st.is_component() {
        el.rewrite_ns(ns::COMPONENT, ns::CLIENT);
    }
    if el.ns() != ns::CLIENT {
        log::debug!("{}: ignoring <{}/> in {}", inner.st.jid, el.name(), el.ns());
        return;
    }
    {
        let Inner { st, cb } = inner;
        for (name, n, f) in cb.stanza.iter_mut() {
            if el.is(name, n) || el.has_child(name, n) {
                f(&mut Session::new(st, cx), &el);
            }
        }
    }
    match el.name() {
        "message" => match Message::try_from(el) {
            Ok(m) => message(inner, cx, m),
            Err(e) => log::debug!("invalid message: {}", e.message()),
        },
        "presence" => match Presence::try_from(el) {
            Ok(p) => presence(inner, cx, p),
            Err(e) => log::debug!("invalid presence: {}", e.message()),
        },
        "iq" => match Iq::try_from(el.clone()) {
            Ok(iq) => self::iq(inner, cx, iq),
            Err(e) => {
                // A get/set we cannot read still deserves an answer (RFC 6120 §8.3.3.1).
                if matches!(el.attr("type"), Some("get" | "set")) && el.attr("id").is_some() {
                    let reply = el.error_reply(ErrorType::Modify, "bad-request", Some(e.message()));
                    inner.st.send(cx, &reply);
                }
            }
        },
        other => log::debug!("{}: ignoring <{other}/>", inner.st.jid),
    }
}

fn message(inner: &mut Inner, cx: &mut Context<'_>, m: Message) {
    fire!(inner, cx, message, &m);
    let Inner { st, cb } = inner;
    for f in cb.for_message_type(m.type_()).iter_mut() {
        f(&mut Session::new(st, cx), &m);
    }
}

fn presence(inner: &mut Inner, cx: &mut Context<'_>, p: Presence) {
    let st = &mut inner.st;
    let from = match p.from_jid() {
        Some(Ok(j)) => j,
        _ => {
            log::debug!("{}: presence without a valid from", st.jid);
            return;
        }
    };
    match p.type_() {
        PresenceType::Available | PresenceType::Unavailable | PresenceType::Error => {
            if let Some(mut r) = st.roster_mut() {
                r.update_presence(&from, &p);
            }
        }
        PresenceType::Subscribe if st.config.auto_accept_subscriptions => {
            let mut s = Session::new(st, cx);
            s.accept_subscription(&from);
            let ours = s.roster().get(&from).map(|i| i.subscription);
            if !matches!(ours, Some(Subscription::To | Subscription::Both)) {
                s.subscribe(&from);
            }
        }
        _ => {}
    }
    fire!(inner, cx, presence, &p);
}

fn iq(inner: &mut Inner, cx: &mut Context<'_>, iq: Iq) {
    match iq.type_() {
        IqType::Result | IqType::Error => answer(inner, cx, iq),
        IqType::Get | IqType::Set => request(inner, cx, iq),
    }
}

fn answer(inner: &mut Inner, cx: &mut Context<'_>, iq: Iq) {
    let st = &mut inner.st;
    if st.phase == Phase::FetchingRoster && iq.id() == ROSTER_ID {
        let items = if iq.type_() == IqType::Result {
            roster_items(&iq)
        } else {
            Vec::new()
        };
        if iq.type_() == IqType::Error {
            log::warn!("{}: roster fetch refused", st.jid);
        }
        if let Some(mut r) = st.roster_mut() {
            r.replace(items.clone());
        }
        fire!(inner, cx, roster_update, &items);
        finish_online(inner, cx);
        return;
    }
    let from = iq.from().and_then(|f| Jid::new(f).ok());
    let Some((callback, timer)) = st.pending.take_answer(iq.id(), from.as_ref(), &st.jid) else {
        log::debug!("{}: unsolicited iq {} ignored", st.jid, iq.id());
        return;
    };
    if let Some(t) = timer {
        cx.cancel_timer(t);
    }
    let r = if iq.type_() == IqType::Result {
        Ok(iq)
    } else {
        Err(IqError::Error(iq.error()))
    };
    callback(&mut Session::new(st, cx), r);
}

fn request(inner: &mut Inner, cx: &mut Context<'_>, iq: Iq) {
    let Some((name, pns)) = iq
        .payload()
        .map(|p| (p.name().to_owned(), p.ns().to_owned()))
    else {
        let reply = iq.error_reply(ErrorType::Modify, "bad-request", None);
        inner.st.send(cx, &reply);
        return;
    };
    {
        let Inner { st, cb } = inner;
        for (n, ns_, f) in cb.iq.iter_mut() {
            if *n == name && *ns_ == pns && f(&mut Session::new(st, cx), &iq) {
                return;
            }
        }
    }
    let st = &mut inner.st;
    let get = iq.type_() == IqType::Get;
    let reply: Element = match (name.as_str(), pns.as_str(), get) {
        ("query", ns::ROSTER, false) => {
            let from_ok = match iq.from_jid() {
                None => true,
                Some(Ok(f)) => f == st.jid.bare() || f == st.jid,
                Some(Err(_)) => false,
            };
            if !from_ok {
                // RFC 6121 §2.1.6: a push not from our account is ignored (and refused).
                iq.error_reply(ErrorType::Cancel, "service-unavailable", None)
            } else {
                let items = roster_items(&iq);
                for i in &items {
                    if let Some(mut r) = st.roster_mut() {
                        r.apply(i.clone());
                    }
                }
                st.send(cx, iq.result_reply(None).as_element());
                fire!(inner, cx, roster_update, &items);
                return;
            }
        }
        ("ping", ns::PING, true) => iq.result_reply(None).into(),
        ("query", ns::DISCO_INFO, true) => {
            let node = iq.payload().and_then(|p| p.attr("node"));
            iq.result_reply(Some(xep::disco_info_result(&st.config.software_name, node)))
                .into()
        }
        ("query", ns::VERSION, true) => iq
            .result_reply(Some(xep::version_result(
                &st.config.software_name,
                &st.config.software_version,
            )))
            .into(),
        _ => iq.error_reply(ErrorType::Cancel, "service-unavailable", None),
    };
    st.send(cx, &reply);
}
