use super::iq::PendingIqs;
use super::*;
use crate::{Jid, Presence};

fn jid(s: &str) -> Jid {
    Jid::new(s).unwrap()
}

fn presence(xml: &str) -> Presence {
    Presence::try_from(crate::Element::parse(xml).unwrap()).unwrap()
}

#[test]
fn roster_items_and_pushes() {
    let mut r = Roster::new();
    let el = crate::Element::parse("<item xmlns='jabber:iq:roster' jid='Bob@Example.com/x' name='Bob' subscription='both' ask='subscribe'><group>A</group><group>B</group></item>").unwrap();
    let item = RosterItem::from_element(&el).unwrap();
    assert_eq!(item.jid.as_str(), "bob@example.com");
    assert_eq!(
        (item.subscription, item.pending_out, item.groups.len()),
        (Subscription::Both, true, 2)
    );
    r.replace(vec![item.clone()]);
    assert_eq!(
        r.get(&jid("bob@example.com/phone"))
            .unwrap()
            .name
            .as_deref(),
        Some("Bob")
    );
    let mut removed = item.clone();
    removed.subscription = Subscription::Remove;
    r.apply(removed);
    assert!(r.is_empty());
    for bad in [
        "<item xmlns='jabber:iq:roster'/>",
        "<item xmlns='jabber:iq:roster' jid='@@'/>",
    ] {
        assert!(
            RosterItem::from_element(&crate::Element::parse(bad).unwrap()).is_none(),
            "{bad}"
        );
    }
    let round = RosterItem::from_element(&item.to_element()).unwrap();
    assert_eq!(
        (round.jid, round.name, round.groups),
        (item.jid, item.name, item.groups)
    );
}

#[test]
fn presence_view_per_resource() {
    let mut r = Roster::new();
    let bob = jid("bob@example.com");
    r.update_presence(
        &jid("bob@example.com/phone"),
        &presence(
            "<presence xmlns='jabber:client'><show>dnd</show><priority>3</priority></presence>",
        ),
    );
    r.update_presence(
        &jid("bob@example.com/pc"),
        &presence("<presence xmlns='jabber:client'/>"),
    );
    let view: Vec<_> = r
        .presence_of(&bob)
        .map(|(res, p)| (res.to_owned(), p.priority))
        .collect();
    assert_eq!(view, [("pc".to_owned(), 0), ("phone".to_owned(), 3)]);
    r.update_presence(
        &jid("bob@example.com/pc"),
        &presence("<presence xmlns='jabber:client' type='unavailable'/>"),
    );
    assert_eq!(r.presence_of(&bob).count(), 1);
    r.update_presence(
        &bob,
        &presence("<presence xmlns='jabber:client' type='unavailable'/>"),
    );
    assert!(!r.is_online(&bob));
    // A flood of invented resources is capped.
    for i in 0..1000 {
        r.update_presence(
            &jid(&format!("bob@example.com/r{i}")),
            &presence("<presence xmlns='jabber:client'/>"),
        );
    }
    assert_eq!(r.presence_of(&bob).count(), 64);
}

#[test]
fn iq_answers_must_come_from_who_was_asked() {
    let me = jid("alice@example.com/r");
    let mut p = PendingIqs::default();
    let cb = || -> IqCallback { Box::new(|_, _| {}) };
    p.insert("1".into(), Some(jid("bob@example.com/x")), None, cb());
    assert!(p
        .take_answer("1", Some(&jid("mallory@example.com/x")), &me)
        .is_none());
    assert!(p.take_answer("1", None, &me).is_none());
    assert!(p
        .take_answer("1", Some(&jid("bob@example.com/x")), &me)
        .is_some());
    assert!(
        p.take_answer("1", Some(&jid("bob@example.com/x")), &me)
            .is_none(),
        "removed once answered"
    );
    p.insert("2".into(), None, None, cb());
    assert!(
        p.take_answer("2", Some(&jid("example.com")), &me).is_some(),
        "our server answers for us"
    );
    p.insert("3".into(), None, None, cb());
    assert!(p
        .take_answer("3", Some(&jid("bob@example.com")), &me)
        .is_none());
    assert!(p
        .take_answer("3", Some(&jid("alice@example.com")), &me)
        .is_some());
}

#[test]
fn reconnect_backoff() {
    let r = Reconnect::default();
    let secs: Vec<u64> = (1..=8).map(|n| r.delay(n).as_secs()).collect();
    assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
    assert_eq!(r.delay(u32::MAX).as_secs(), 60);
    assert!(!Reconnect::never().enabled);
}

#[test]
fn xep_helpers() {
    let m = crate::Element::parse("<message xmlns='jabber:client'><composing xmlns='http://jabber.org/protocol/chatstates'/><delay xmlns='urn:xmpp:delay' stamp='2002-09-10T23:08:25Z' from='capulet.com'>Offline</delay></message>").unwrap();
    assert_eq!(ChatState::from_stanza(&m), Some(ChatState::Composing));
    let d = Delay::from_stanza(&m).unwrap();
    assert_eq!(
        (d.stamp.as_str(), d.from.as_deref(), d.reason.as_deref()),
        ("2002-09-10T23:08:25Z", Some("capulet.com"), Some("Offline"))
    );
    let p = xep::muc_join_presence(
        &jid("room@muc.example.com"),
        "nick",
        &MucJoin {
            password: Some("pw".into()),
            max_stanzas: Some(0),
            seconds: None,
        },
    )
    .unwrap();
    assert_eq!(
        p.to_string(),
        "<presence xmlns='jabber:client' to='room@muc.example.com/nick'><x xmlns='http://jabber.org/protocol/muc'><password>pw</password><history maxstanzas='0'/></x></presence>"
    );
    assert!(xep::muc_join_presence(&jid("room@muc.example.com"), "", &MucJoin::default()).is_err());
    let info = xep::disco_info_result("jaxl", Some("node#ver"));
    assert_eq!(xep::disco_features(&info).len(), xep::FEATURES.len());
    let mut sorted = xep::FEATURES.to_vec();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        xep::FEATURES,
        "XEP-0115 hashes features in sorted order"
    );
    assert_eq!(xep::caps_ver("jaxl"), xep::caps_ver("jaxl"));
    let err = DisconnectReason::AuthFailed(AuthFailure::Server {
        condition: "not-authorized".into(),
        text: None,
    });
    assert!(!err.is_retryable());
    assert_eq!(err.to_string(), "authentication failed: not-authorized");
}
