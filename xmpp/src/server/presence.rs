//! Presence (RFC 6121 §4): broadcast of a user's presence to the contacts subscribed
//! to it, probes, directed presence, and what an initial presence unlocks (offline
//! messages, pending subscription requests).

use super::routing::route;
use super::state::ServerState;
use super::util::{send_client, send_component};
use crate::{ns, Element, Jid};
use jaxl_core::Context;

/// Handles a presence a bound resource sent without `to` (or to its own bare JID):
/// an available or unavailable broadcast. `full` is the resource's JID; `el` has its
/// `from` stamped.
pub(crate) fn broadcast(
    st: &mut ServerState,
    cx: &Context<'_>,
    user: &str,
    full: &Jid,
    el: Element,
) {
    let Some(resource) = full.resource() else {
        return;
    };
    let unavailable = match el.attr("type") {
        None => false,
        Some("unavailable") => true,
        _ => return, // errors and the like are not broadcast
    };
    let priority = el
        .get_child("priority", ns::CLIENT)
        .and_then(|p| p.text().trim().parse::<i8>().ok())
        .unwrap_or(0);
    let Some(session) = st.session_mut(user, resource) else {
        return;
    };
    let initial = !unavailable && session.presence.is_none();
    let directed = if unavailable {
        std::mem::take(&mut session.directed)
    } else {
        Vec::new()
    };
    if unavailable {
        if session.presence.is_none() {
            return; // never available: nothing to retract
        }
        session.presence = None;
    } else {
        session.presence = Some(el.clone());
        session.priority = priority;
    }
    // To every contact with a subscription from the user (RFC 6121 §4.2.2, §4.4.2).
    let roster = match st.store.roster(user) {
        Ok(r) => r,
        Err(e) => {
            log::error!("roster of {user} unreadable: {e}");
            Vec::new()
        }
    };
    for item in roster.iter().filter(|i| i.subscription.has_from()) {
        let mut p = el.clone();
        p.set_attr("to", item.jid.as_str());
        route(st, cx, p, full, &item.jid);
    }
    for target in directed {
        if !roster
            .iter()
            .any(|i| i.subscription.has_from() && i.jid == target.bare())
        {
            let mut p = el.clone();
            p.set_attr("to", target.as_str());
            route(st, cx, p, full, &target);
        }
    }
    // To the user's own available resources (the sender included).
    for s in st
        .sessions_of(user)
        .iter()
        .filter(|s| s.available() || s.resource == resource)
    {
        let mut p = el.clone();
        p.set_attr("to", full.bare().as_str());
        send_client(cx, s.conn, &p);
    }
    if initial {
        after_initial(st, cx, user, full, &roster, priority);
    }
}

/// After an initial presence: probe the contacts the user is subscribed to, replay
/// pending subscription requests, deliver offline messages (XEP-0160 §3: only to a
/// resource of non-negative priority).
fn after_initial(
    st: &mut ServerState,
    cx: &Context<'_>,
    user: &str,
    full: &Jid,
    roster: &[crate::store::RosterItem],
    priority: i8,
) {
    let Some(conn) = st
        .session(user, full.resource().unwrap_or_default())
        .map(|s| s.conn)
    else {
        return;
    };
    for item in roster.iter().filter(|i| i.subscription.has_to()) {
        if st.is_local(&item.jid) {
            let Some(contact) = item.jid.node() else {
                continue;
            };
            for s in st.sessions_of(contact).iter() {
                if let Some(p) = &s.presence {
                    let mut p = p.clone();
                    p.set_attr("to", full.as_str());
                    send_client(cx, conn, &p);
                }
            }
        } else if let Some(&comp) = st.components.get(item.jid.domain()) {
            let probe = Element::builder("presence", ns::CLIENT)
                .attr("type", "probe")
                .attr("from", full.bare().as_str())
                .attr("to", item.jid.as_str())
                .build();
            send_component(cx, comp, &probe);
        }
    }
    for item in roster.iter().filter(|i| i.pending_in) {
        let req = Element::builder("presence", ns::CLIENT)
            .attr("type", "subscribe")
            .attr("from", item.jid.as_str())
            .attr("to", full.bare().as_str())
            .build();
        send_client(cx, conn, &req);
    }
    if priority >= 0 {
        match st.store.take_offline(user) {
            Ok(msgs) => {
                for m in msgs {
                    cx.write_owned_to(conn, m.into_bytes());
                }
            }
            Err(e) => log::error!("offline messages of {user} unreadable: {e}"),
        }
    }
}

/// Answers a probe from `prober` (bare) about local `user` (RFC 6121 §4.3.2): the
/// presence of each available resource if the prober is subscribed, else nothing.
pub(crate) fn answer_probe(
    st: &mut ServerState,
    cx: &Context<'_>,
    prober: &Jid,
    reply_to: &Jid,
    user: &str,
) {
    let Ok(contact) = Jid::from_parts(Some(user), &st.config.domain, None) else {
        return;
    };
    let subscribed =
        matches!(st.store.roster_item(user, prober), Ok(Some(i)) if i.subscription.has_from());
    if !subscribed {
        return;
    }
    let presences: Vec<(Jid, Element)> = st
        .sessions_of(user)
        .iter()
        .filter_map(|s| {
            Some((
                contact.with_resource(&s.resource).ok()?,
                s.presence.clone()?,
            ))
        })
        .collect();
    if presences.is_empty() {
        let p = Element::builder("presence", ns::CLIENT)
            .attr("type", "unavailable")
            .attr("from", contact.as_str())
            .attr("to", reply_to.as_str())
            .build();
        route(st, cx, p, &contact, reply_to);
    }
    for (from, mut p) in presences {
        p.set_attr("from", from.as_str());
        p.set_attr("to", reply_to.as_str());
        route(st, cx, p, &from, reply_to);
    }
}

/// Sends the current presence of every available resource of `user` to `to` (after
/// the user approved a subscription), or unavailable from each (after cancelling one).
pub(crate) fn send_current(
    st: &mut ServerState,
    cx: &Context<'_>,
    user: &str,
    to: &Jid,
    unavailable: bool,
) {
    let Ok(bare) = Jid::from_parts(Some(user), &st.config.domain, None) else {
        return;
    };
    let list: Vec<(Jid, Element)> = st
        .sessions_of(user)
        .iter()
        .filter_map(|s| Some((bare.with_resource(&s.resource).ok()?, s.presence.clone()?)))
        .collect();
    for (from, p) in list {
        let mut p = if unavailable {
            Element::builder("presence", ns::CLIENT)
                .attr("type", "unavailable")
                .build()
        } else {
            p
        };
        p.set_attr("from", from.as_str());
        p.set_attr("to", to.as_str());
        route(st, cx, p, &from, to);
    }
}

/// A resource sent available or unavailable presence to a specific JID (RFC 6121
/// §4.6): remember it so the target gets the unavailable presence later, and route.
pub(crate) fn directed(
    st: &mut ServerState,
    cx: &Context<'_>,
    user: &str,
    full: &Jid,
    el: Element,
    to: &Jid,
) {
    let unavailable = el.attr("type") == Some("unavailable");
    if let Some(s) = st.session_mut(user, full.resource().unwrap_or_default()) {
        s.directed.retain(|j| j != to);
        if !unavailable && s.directed.len() < 1000 {
            s.directed.push(to.clone());
        }
    }
    route(st, cx, el, full, to);
}
