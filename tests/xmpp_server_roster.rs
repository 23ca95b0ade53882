//! Rosters and the subscription handshake (RFC 6121 §2–4) end to end, with
//! presence broadcast and unavailable presence.

mod xmpp_server_support;

use jaxl_xmpp::{ns, Element};
use xmpp_server_support::{start, Client, Opts, TempDir};

fn roster_items(iq: &Element) -> Vec<(String, String, Option<String>)> {
    iq.get_child("query", ns::ROSTER)
        .map(|q| {
            q.children()
                .map(|i| {
                    (
                        i.attr("jid").unwrap_or_default().to_owned(),
                        i.attr("subscription").unwrap_or_default().to_owned(),
                        i.attr("ask").map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_push(el: &Element) -> bool {
    el.name() == "iq" && el.attr("type") == Some("set") && el.has_child("query", ns::ROSTER)
}

fn presence_of(kind: Option<&'static str>, from: &'static str) -> impl Fn(&Element) -> bool {
    move |e| {
        e.name() == "presence"
            && e.attr("type") == kind
            && e.attr("from").is_some_and(|f| f.starts_with(from))
    }
}

#[test]
fn roster_set_get_remove() {
    let dir = TempDir::new("roster-crud");
    let server = start(Opts::new(&dir.0));
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    let r = alice.iq(
        "r0",
        "<iq type='get' id='r0'><query xmlns='jabber:iq:roster'/></iq>",
    );
    assert!(roster_items(&r).is_empty());
    alice.send("<iq type='set' id='r1'><query xmlns='jabber:iq:roster'><item jid='carol@localhost' name='Carol'><group>Friends</group></item></query></iq>");
    let push = alice.wait_for(is_push);
    assert_eq!(
        roster_items(&push),
        [("carol@localhost".to_owned(), "none".to_owned(), None)]
    );
    alice.send(&format!(
        "<iq type='result' id='{}'/>",
        push.attr("id").unwrap()
    ));
    alice.wait_for(|e| e.attr("id") == Some("r1"));
    let r = alice.iq(
        "r2",
        "<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>",
    );
    let item = r
        .get_child("query", ns::ROSTER)
        .and_then(|q| q.first_child())
        .unwrap()
        .clone();
    assert_eq!(item.attr("name"), Some("Carol"));
    assert_eq!(
        item.get_child("group", ns::ROSTER)
            .map(Element::text)
            .as_deref(),
        Some("Friends")
    );
    let bad = alice.iq("r3", "<iq type='set' id='r3'><query xmlns='jabber:iq:roster'><item jid='a@localhost'/><item jid='b@localhost'/></query></iq>");
    assert_eq!(bad.attr("type"), Some("error"));
    alice.send("<iq type='set' id='r4'><query xmlns='jabber:iq:roster'><item jid='carol@localhost' subscription='remove'/></query></iq>");
    let push = alice.wait_for(is_push);
    assert_eq!(roster_items(&push)[0].1, "remove");
    alice.wait_for(|e| e.attr("id") == Some("r4"));
    let r = alice.iq(
        "r5",
        "<iq type='get' id='r5'><query xmlns='jabber:iq:roster'/></iq>",
    );
    assert!(roster_items(&r).is_empty());
    server.stop();
}

#[test]
fn subscription_handshake_and_presence() {
    let dir = TempDir::new("roster-sub");
    let server = start(Opts::new(&dir.0));
    let mut alice = Client::login(server.addr, "alice", "wonderland", Some("a"));
    let mut bob = Client::login(server.addr, "bob", "builder", Some("b"));
    alice.iq(
        "g",
        "<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>",
    );
    bob.iq(
        "g",
        "<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>",
    );
    alice.available();
    bob.available();

    // Alice asks; her roster shows "none + pending out".
    alice.send("<presence to='bob@localhost' type='subscribe'/>");
    let push = alice.wait_for(is_push);
    assert_eq!(
        roster_items(&push),
        [(
            "bob@localhost".to_owned(),
            "none".to_owned(),
            Some("subscribe".to_owned())
        )]
    );
    // Bob gets the request from Alice's bare JID.
    let req = bob.wait_for(presence_of(Some("subscribe"), "alice@localhost"));
    assert_eq!(req.attr("from"), Some("alice@localhost"));
    // Bob approves: his roster gets "from"; Alice's "to"; Alice sees Bob's presence.
    bob.send("<presence to='alice@localhost' type='subscribed'/>");
    let push = bob.wait_for(is_push);
    assert_eq!(
        roster_items(&push),
        [("alice@localhost".to_owned(), "from".to_owned(), None)]
    );
    let push = alice.wait_for(is_push);
    assert_eq!(
        roster_items(&push),
        [("bob@localhost".to_owned(), "to".to_owned(), None)]
    );
    alice.wait_for(presence_of(Some("subscribed"), "bob@localhost"));
    let p = alice.wait_for(presence_of(None, "bob@localhost/b"));
    assert!(p
        .attr("to")
        .is_some_and(|t| t.starts_with("alice@localhost")));

    // Bob's presence updates now reach Alice; Alice's do not reach Bob (no "from").
    bob.send("<presence><show>away</show></presence>");
    let p = alice.wait_for(presence_of(None, "bob@localhost/b"));
    assert_eq!(
        p.get_child("show", ns::CLIENT)
            .map(Element::text)
            .as_deref(),
        Some("away"),
        "no duplicate before the update"
    );

    // The other way round: both.
    bob.send("<presence to='alice@localhost' type='subscribe'/>");
    alice.wait_for(presence_of(Some("subscribe"), "bob@localhost"));
    alice.send("<presence to='bob@localhost' type='subscribed'/>");
    let push = alice.wait_for(is_push);
    assert_eq!(roster_items(&push)[0].1, "both");
    bob.wait_for(|e| is_push(e) && roster_items(e)[0].1 == "both");

    // Alice's status now reaches Bob, and her going offline too.
    alice.send("<presence><status>busy</status></presence>");
    let with_status = presence_of(None, "alice@localhost/a");
    bob.wait_for(|e| {
        with_status(e)
            && e.get_child("status", ns::CLIENT)
                .map(Element::text)
                .as_deref()
                == Some("busy")
    });
    drop(alice);
    bob.wait_for(presence_of(Some("unavailable"), "alice@localhost/a"));

    // A new session of Alice gets Bob's presence from the probe at login.
    let mut alice = Client::login(server.addr, "alice", "wonderland", Some("a2"));
    alice.send("<presence/>");
    alice.wait_for(presence_of(None, "bob@localhost/b"));
    bob.wait_for(presence_of(None, "alice@localhost/a2"));

    // Unsubscribe: Bob stops seeing Alice.
    bob.send("<presence to='alice@localhost' type='unsubscribe'/>");
    let push = bob.wait_for(is_push);
    assert_eq!(roster_items(&push)[0].1, "from");
    server.stop();
}

#[test]
fn pending_request_is_delivered_at_login() {
    let dir = TempDir::new("roster-pending");
    let server = start(Opts::new(&dir.0));
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    alice.iq(
        "g",
        "<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>",
    );
    alice.send("<presence to='bob@localhost' type='subscribe'/>");
    alice.wait_for(is_push);
    let mut bob = Client::login(server.addr, "bob", "builder", None);
    // Bob's roster does not list Alice before he answers.
    let r = bob.iq(
        "g",
        "<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>",
    );
    assert!(roster_items(&r).is_empty(), "{r}");
    bob.send("<presence/>");
    bob.wait_for(presence_of(Some("subscribe"), "alice@localhost"));
    server.stop();
}

#[test]
fn directed_presence_then_unavailable() {
    let dir = TempDir::new("roster-directed");
    let server = start(Opts::new(&dir.0));
    let mut alice = Client::login(server.addr, "alice", "wonderland", Some("a"));
    let mut bob = Client::login(server.addr, "bob", "builder", Some("b"));
    bob.available();
    alice.available();
    alice.send("<presence to='bob@localhost/b'/>");
    bob.wait_for(presence_of(None, "alice@localhost/a"));
    alice.send("<presence type='unavailable'/>");
    bob.wait_for(presence_of(Some("unavailable"), "alice@localhost/a"));
    server.stop();
}
