//! Rosters (RFC 6121 §2) and the subscription state machine (RFC 6121 §3, the
//! tables of Appendix A): roster get/set/push, outbound and inbound
//! subscribe/subscribed/unsubscribe/unsubscribed.

use super::presence;
use super::routing::route;
use super::state::ServerState;
use super::util::{random_id, send_client};
use crate::stanza::ErrorType;
use crate::store::{RosterItem, Subscription};
use crate::{ns, Element, Jid};
use jaxl_core::Context;

/// The `<item/>` of a roster result or push.
fn item_element(item: &RosterItem) -> Element {
    let mut b = Element::builder("item", ns::ROSTER)
        .attr("jid", item.jid.as_str())
        .attr("subscription", item.subscription.as_str());
    if let Some(n) = &item.name {
        b = b.attr("name", n.clone());
    }
    if item.ask {
        b = b.attr("ask", "subscribe");
    }
    for g in &item.groups {
        b = b.append(Element::builder("group", ns::ROSTER).text(g).build());
    }
    b.build()
}

/// Sends a roster push for `item` (or its removal) to every resource of `user` that
/// asked for the roster (RFC 6121 §2.1.6).
fn push(st: &ServerState, cx: &Context<'_>, user: &str, item: &RosterItem, removed: bool) {
    let mut el = item_element(item);
    if removed {
        el.set_attr("subscription", "remove");
        el.remove_attr("ask");
    }
    let Ok(bare) = Jid::from_parts(Some(user), &st.config.domain, None) else {
        return;
    };
    for s in st.sessions_of(user).iter().filter(|s| s.interested) {
        let Ok(full) = bare.with_resource(&s.resource) else {
            continue;
        };
        let iq = Element::builder("iq", ns::CLIENT)
            .attr("type", "set")
            .attr("id", random_id())
            .attr("to", full.as_str())
            .append(
                Element::builder("query", ns::ROSTER)
                    .append(el.clone())
                    .build(),
            )
            .build();
        send_client(cx, s.conn, &iq);
    }
}

/// Stores an item and pushes it; a store failure is logged and reported as false.
fn save(st: &mut ServerState, cx: &Context<'_>, user: &str, item: &RosterItem) -> bool {
    let visible = item.listed;
    // An unlisted item that no longer holds state is forgotten.
    let result = if !item.listed
        && !item.pending_in
        && !item.approved
        && item.subscription == Subscription::None
        && !item.ask
    {
        st.store.remove_roster_item(user, &item.jid).map(|_| ())
    } else {
        st.store.put_roster_item(user, item)
    };
    if let Err(e) = result {
        log::error!("roster of {user} not saved: {e}");
        return false;
    }
    if visible {
        push(st, cx, user, item, false);
    }
    true
}

/// Handles a `jabber:iq:roster` iq from a bound resource (`full`), `from` stamped.
pub(crate) fn handle_iq(
    st: &mut ServerState,
    cx: &Context<'_>,
    user: &str,
    full: &Jid,
    iq: &Element,
) {
    let Some(query) = iq.get_child("query", ns::ROSTER) else {
        return;
    };
    match iq.attr("type") {
        Some("get") => {
            let items = match st.store.roster(user) {
                Ok(items) => items,
                Err(e) => {
                    log::error!("roster of {user} unreadable: {e}");
                    return send_to_self(
                        st,
                        cx,
                        user,
                        full,
                        iq.error_reply(ErrorType::Wait, "internal-server-error", None),
                    );
                }
            };
            if let Some(s) = st.session_mut(user, full.resource().unwrap_or_default()) {
                s.interested = true;
            }
            let q = Element::builder("query", ns::ROSTER)
                .append_all(items.iter().filter(|i| i.listed).map(item_element))
                .build();
            let result = result_for(iq, Some(q));
            send_to_self(st, cx, user, full, result);
        }
        Some("set") => {
            let mut items = query.children().filter(|c| c.is("item", ns::ROSTER));
            let (Some(item), None) = (items.next(), items.next()) else {
                return send_to_self(
                    st,
                    cx,
                    user,
                    full,
                    iq.error_reply(ErrorType::Modify, "bad-request", None),
                );
            };
            let Some(Ok(contact)) = item.attr("jid").map(Jid::new) else {
                return send_to_self(
                    st,
                    cx,
                    user,
                    full,
                    iq.error_reply(ErrorType::Modify, "bad-request", None),
                );
            };
            let contact = contact.bare();
            if item.attr("subscription") == Some("remove") {
                remove(st, cx, user, full, &contact);
                let r = result_for(iq, None);
                return send_to_self(st, cx, user, full, r);
            }
            let existing = match st.store.roster_item(user, &contact) {
                Ok(e) => e,
                Err(_) => {
                    return send_to_self(
                        st,
                        cx,
                        user,
                        full,
                        iq.error_reply(ErrorType::Wait, "internal-server-error", None),
                    )
                }
            };
            let count = st
                .store
                .roster(user)
                .map_or(0, |r| r.iter().filter(|i| i.listed).count());
            if !existing.as_ref().is_some_and(|e| e.listed) && count >= st.config.max_roster_items {
                return send_to_self(
                    st,
                    cx,
                    user,
                    full,
                    iq.error_reply(ErrorType::Modify, "not-acceptable", Some("roster is full")),
                );
            }
            let mut groups: Vec<String> = Vec::new();
            for g in item.children().filter(|c| c.is("group", ns::ROSTER)) {
                let t = g.text();
                if t.is_empty() || groups.contains(&t) {
                    return send_to_self(
                        st,
                        cx,
                        user,
                        full,
                        iq.error_reply(ErrorType::Modify, "bad-request", None),
                    );
                }
                groups.push(t);
            }
            let mut it = existing.unwrap_or_else(|| RosterItem::new(contact.clone()));
            it.listed = true;
            it.name = item
                .attr("name")
                .filter(|n| !n.is_empty())
                .map(str::to_owned);
            it.groups = groups;
            let ok = save(st, cx, user, &it);
            let r = if ok {
                result_for(iq, None)
            } else {
                iq.error_reply(ErrorType::Wait, "internal-server-error", None)
            };
            send_to_self(st, cx, user, full, r);
        }
        _ => {}
    }
}

/// The `type='result'` answer to an iq from a client (`to` the client, `from` its
/// bare JID, as the server answers on behalf of the account).
fn result_for(iq: &Element, payload: Option<Element>) -> Element {
    let mut b = Element::builder("iq", ns::CLIENT)
        .attr("type", "result")
        .attr("id", iq.attr("id").unwrap_or_default());
    if let Some(f) = iq.attr("from") {
        b = b.attr("to", f);
    }
    if let Some(p) = payload {
        b = b.append(p);
    }
    b.build()
}

fn send_to_self(st: &ServerState, cx: &Context<'_>, user: &str, full: &Jid, el: Element) {
    if let Some(s) = st.session(user, full.resource().unwrap_or_default()) {
        send_client(cx, s.conn, &el);
    }
}

/// Roster remove (RFC 6121 §2.5): cancels both subscriptions, then forgets the item.
fn remove(st: &mut ServerState, cx: &Context<'_>, user: &str, _full: &Jid, contact: &Jid) {
    let Ok(Some(item)) = st.store.roster_item(user, contact) else {
        return;
    };
    let Ok(bare) = Jid::from_parts(Some(user), &st.config.domain, None) else {
        return;
    };
    if item.subscription.has_to() || item.ask {
        let p = sub_presence("unsubscribe", &bare, contact);
        route(st, cx, p, &bare, contact);
    }
    if item.subscription.has_from() || item.pending_in {
        let p = sub_presence("unsubscribed", &bare, contact);
        presence::send_current(st, cx, user, contact, true);
        route(st, cx, p, &bare, contact);
    }
    if let Err(e) = st.store.remove_roster_item(user, contact) {
        log::error!("roster item of {user} not removed: {e}");
        return;
    }
    if item.listed {
        push(st, cx, user, &item, true);
    }
}

fn sub_presence(type_: &str, from: &Jid, to: &Jid) -> Element {
    Element::builder("presence", ns::CLIENT)
        .attr("type", type_)
        .attr("from", from.as_str())
        .attr("to", to.as_str())
        .build()
}

/// A subscription presence sent by local `user` to `contact` (RFC 6121 §3, the
/// user's server side). Updates the user's roster, pushes it, routes the stanza from
/// the user's bare JID.
pub(crate) fn outbound_subscription(
    st: &mut ServerState,
    cx: &Context<'_>,
    user: &str,
    el: Element,
    contact: &Jid,
) {
    let Ok(bare) = Jid::from_parts(Some(user), &st.config.domain, None) else {
        return;
    };
    let contact = contact.bare();
    if contact == bare {
        return;
    }
    let kind = el.attr("type").unwrap_or_default().to_owned();
    let mut item = match st.store.roster_item(user, &contact) {
        Ok(Some(i)) => i,
        Ok(None) => {
            let mut i = RosterItem::new(contact.clone());
            i.listed = kind == "subscribe";
            i
        }
        Err(e) => return log::error!("roster of {user} unreadable: {e}"),
    };
    let forward = match kind.as_str() {
        "subscribe" => {
            item.listed = true;
            if !item.subscription.has_to() {
                item.ask = true;
            }
            true
        }
        "subscribed" => {
            if item.subscription.has_from() {
                false
            } else if item.pending_in {
                // Approving adds the contact to the roster (RFC 6121 §3.1.5).
                item.subscription = item.subscription.with_from(true);
                item.pending_in = false;
                item.listed = true;
                true
            } else {
                item.approved = true; // pre-approval (RFC 6121 §3.4)
                false
            }
        }
        "unsubscribe" => {
            let had = item.subscription.has_to() || item.ask;
            item.subscription = item.subscription.with_to(false);
            item.ask = false;
            had
        }
        "unsubscribed" => {
            let had = item.subscription.has_from() || item.pending_in || item.approved;
            item.subscription = item.subscription.with_from(false);
            item.pending_in = false;
            item.approved = false;
            had
        }
        _ => return,
    };
    if !save(st, cx, user, &item) {
        return;
    }
    if !forward {
        return;
    }
    let mut out = sub_presence(&kind, &bare, &contact);
    if let Some(status) = el.get_child("status", ns::CLIENT) {
        out.append_child(status.clone());
    }
    route(st, cx, out, &bare, &contact);
    match kind.as_str() {
        "subscribed" => presence::send_current(st, cx, user, &contact, false),
        "unsubscribed" => presence::send_current(st, cx, user, &contact, true),
        _ => {}
    }
}

/// A subscription presence from `contact` (bare) arriving for local `user` (RFC 6121
/// §3, the contact's server side).
pub(crate) fn inbound_subscription(
    st: &mut ServerState,
    cx: &Context<'_>,
    el: Element,
    contact: &Jid,
    user: &str,
) {
    let kind = el.attr("type").unwrap_or_default().to_owned();
    let existing = match st.store.roster_item(user, contact) {
        Ok(i) => i,
        Err(e) => return log::error!("roster of {user} unreadable: {e}"),
    };
    let Ok(bare) = Jid::from_parts(Some(user), &st.config.domain, None) else {
        return;
    };
    let mut item = existing.clone().unwrap_or_else(|| {
        let mut i = RosterItem::new(contact.clone());
        i.listed = false;
        i
    });
    let deliver = match kind.as_str() {
        "subscribe" => {
            if item.subscription.has_from() {
                // Already subscribed: answer for the user (RFC 6121 §3.1.3).
                let p = sub_presence("subscribed", &bare, contact);
                route(st, cx, p, &bare, contact);
                return;
            }
            if item.approved {
                item.approved = false;
                item.subscription = item.subscription.with_from(true);
                save(st, cx, user, &item);
                let p = sub_presence("subscribed", &bare, contact);
                route(st, cx, p, &bare, contact);
                presence::send_current(st, cx, user, contact, false);
                return;
            }
            item.pending_in = true;
            true
        }
        "subscribed" => {
            if !item.ask {
                return;
            }
            item.ask = false;
            item.subscription = item.subscription.with_to(true);
            true
        }
        "unsubscribe" => {
            if !item.subscription.has_from() && !item.pending_in {
                return;
            }
            item.subscription = item.subscription.with_from(false);
            item.pending_in = false;
            true
        }
        "unsubscribed" => {
            if !item.subscription.has_to() && !item.ask {
                return;
            }
            item.subscription = item.subscription.with_to(false);
            item.ask = false;
            true
        }
        _ => return,
    };
    if existing.as_ref() != Some(&item) && !save(st, cx, user, &item) {
        return;
    }
    if deliver {
        let mut out = sub_presence(&kind, contact, &bare);
        for c in el.children() {
            out.append_child(c.clone());
        }
        for s in st.sessions_of(user).iter().filter(|s| s.available()) {
            send_client(cx, s.conn, &out);
        }
    }
}
