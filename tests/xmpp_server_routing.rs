//! Routing of the XMPP server (RFC 6121 §8): messages to bare and full JIDs, stamped
//! `from`, iq to full JIDs and to the server, errors, offline storage across a
//! restart.

mod xmpp_server_support;

use jaxl_xmpp::{ns, Element};
use xmpp_server_support::{start, Client, Got, Opts, TempDir};

fn body(el: &Element) -> String {
    el.get_child("body", ns::CLIENT)
        .map(Element::text)
        .unwrap_or_default()
}

fn is_message(el: &Element) -> bool {
    el.name() == "message"
}

fn error_condition(el: &Element) -> Option<String> {
    el.get_child("error", ns::CLIENT)
        .and_then(|e| e.children().find(|c| c.ns() == ns::STANZAS))
        .map(|c| c.name().to_owned())
}

#[test]
fn messages_to_full_and_bare_jids_with_stamped_from() {
    let dir = TempDir::new("route-msg");
    let server = start(Opts::new(&dir.0));
    let mut alice = Client::login(server.addr, "alice", "wonderland", Some("home"));
    let mut bob = Client::login(server.addr, "bob", "builder", Some("desk"));
    alice.available();
    bob.available();

    // Full JID, with a forged `from`: the server stamps the real one.
    alice.send("<message to='bob@localhost/desk' from='mallory@localhost/x' type='chat'><body>to full</body></message>");
    let m = bob.wait_for(is_message);
    assert_eq!(m.attr("from"), Some("alice@localhost/home"));
    assert_eq!(body(&m), "to full");

    // Bare JID: to the available resource.
    alice.send("<message to='bob@localhost' type='chat'><body>to bare</body></message>");
    let m = bob.wait_for(is_message);
    assert_eq!(m.attr("from"), Some("alice@localhost/home"));
    assert_eq!(body(&m), "to bare");

    // And back.
    bob.send("<message to='alice@localhost' type='chat'><body>reply</body></message>");
    let m = alice.wait_for(is_message);
    assert_eq!(m.attr("from"), Some("bob@localhost/desk"));
    assert_eq!(body(&m), "reply");
    server.stop();
}

#[test]
fn bare_jid_goes_to_highest_priority() {
    let dir = TempDir::new("route-prio");
    let server = start(Opts::new(&dir.0));
    let mut low = Client::login(server.addr, "bob", "builder", Some("low"));
    let mut high = Client::login(server.addr, "bob", "builder", Some("high"));
    low.send("<presence><priority>1</priority></presence>");
    low.wait_for(|e| e.name() == "presence" && e.attr("from") == Some("bob@localhost/low"));
    high.send("<presence><priority>5</priority></presence>");
    high.wait_for(|e| e.name() == "presence" && e.attr("from") == Some("bob@localhost/high"));
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    alice.send("<message to='bob@localhost' type='chat'><body>one</body></message>");
    assert_eq!(body(&high.wait_for(is_message)), "one");
    // `low` got nothing: the ping answer is the next thing it sees.
    let pong = low.iq(
        "p1",
        "<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    assert_eq!(pong.attr("type"), Some("result"));
    assert_eq!(pong.attr("from"), Some("localhost"));
    server.stop();
}

#[test]
fn iq_routing_and_errors() {
    let dir = TempDir::new("route-iq");
    let server = start(Opts::new(&dir.0));
    let mut alice = Client::login(server.addr, "alice", "wonderland", Some("a"));
    let mut bob = Client::login(server.addr, "bob", "builder", Some("b"));

    // iq to a full JID is routed; the answer comes back.
    alice.send(
        "<iq type='get' id='v1' to='bob@localhost/b'><query xmlns='jabber:iq:version'/></iq>",
    );
    let req = bob.wait_for(|e| e.name() == "iq");
    assert_eq!(req.attr("from"), Some("alice@localhost/a"));
    bob.send("<iq type='result' id='v1' to='alice@localhost/a'><query xmlns='jabber:iq:version'><name>bot</name></query></iq>");
    let res = alice.wait_for(|e| e.attr("id") == Some("v1"));
    assert_eq!(res.attr("from"), Some("bob@localhost/b"));
    assert_eq!(res.attr("type"), Some("result"));

    // To a resource that does not exist: service-unavailable.
    let e = alice.iq(
        "v2",
        "<iq type='get' id='v2' to='bob@localhost/nowhere'><query xmlns='jabber:iq:version'/></iq>",
    );
    assert_eq!(error_condition(&e).as_deref(), Some("service-unavailable"));
    // To an account that does not exist: a message bounces.
    alice.send("<message to='nobody@localhost' id='m1'><body>x</body></message>");
    let e = alice.wait_for(|e| e.name() == "message");
    assert_eq!(e.attr("type"), Some("error"));
    assert_eq!(error_condition(&e).as_deref(), Some("service-unavailable"));
    // A malformed address.
    let e = alice.iq(
        "bad",
        "<iq type='get' id='bad' to='a@b@c'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    assert_eq!(error_condition(&e).as_deref(), Some("jid-malformed"));
    // To another server: there is no federation.
    let e = alice.iq(
        "v3",
        "<iq type='get' id='v3' to='someone@elsewhere.example'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    assert_eq!(
        error_condition(&e).as_deref(),
        Some("remote-server-not-found")
    );
    // The server answers its own iqs.
    let v = alice.iq(
        "v4",
        "<iq type='get' id='v4' to='localhost'><query xmlns='jabber:iq:version'/></iq>",
    );
    assert_eq!(
        v.get_child("query", ns::VERSION)
            .and_then(|q| q.get_child("name", ns::VERSION))
            .map(Element::text)
            .as_deref(),
        Some("jaxl")
    );
    let d = alice.iq("d1", "<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    let q = d.get_child("query", ns::DISCO_INFO).unwrap();
    assert!(q.children().any(|f| f.attr("var") == Some(ns::PING)), "{d}");
    let x = alice.iq(
        "u1",
        "<iq type='get' id='u1' to='localhost'><unknown xmlns='urn:example'/></iq>",
    );
    assert_eq!(error_condition(&x).as_deref(), Some("service-unavailable"));
    server.stop();
}

#[test]
fn vcard_set_and_get() {
    let dir = TempDir::new("route-vcard");
    let server = start(Opts::new(&dir.0));
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    let r = alice.iq(
        "s1",
        "<iq type='set' id='s1'><vCard xmlns='vcard-temp'><FN>Alice</FN></vCard></iq>",
    );
    assert_eq!(r.attr("type"), Some("result"), "{r}");
    let mut bob = Client::login(server.addr, "bob", "builder", None);
    let r = bob.iq(
        "g1",
        "<iq type='get' id='g1' to='alice@localhost'><vCard xmlns='vcard-temp'/></iq>",
    );
    let fn_ = r
        .get_child("vCard", ns::VCARD)
        .and_then(|v| v.get_child("FN", ns::VCARD))
        .map(Element::text);
    assert_eq!(fn_.as_deref(), Some("Alice"), "{r}");
    let r = bob.iq("s2", "<iq type='set' id='s2' to='alice@localhost'><vCard xmlns='vcard-temp'><FN>Not Alice</FN></vCard></iq>");
    assert_eq!(error_condition(&r).as_deref(), Some("forbidden"));
    server.stop();
}

#[test]
fn offline_messages_survive_a_restart() {
    let dir = TempDir::new("route-offline");
    let server = start(Opts::new(&dir.0));
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    alice.send("<message to='bob@localhost' type='chat'><body>while you were out</body></message>");
    alice.send("<message to='bob@localhost/gone' type='chat'><body>second</body></message>");
    // A round trip: once it returns, both messages were handled (and committed).
    alice.iq(
        "p",
        "<iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    drop(alice);
    server.stop();

    let mut opts = Opts::new(&dir.0);
    opts.users.clear(); // accounts come from the store
    let server = start(opts);
    let mut bob = Client::login(server.addr, "bob", "builder", None);
    bob.send("<presence/>");
    let m1 = bob.wait_for(is_message);
    let m2 = bob.wait_for(is_message);
    assert_eq!(
        (body(&m1).as_str(), body(&m2).as_str()),
        ("while you were out", "second")
    );
    assert!(m1.attr("from").unwrap().starts_with("alice@localhost/"));
    assert!(m1.get_child("delay", ns::DELAY).is_some(), "{m1}");
    // Delivered once only.
    drop(bob);
    let mut bob = Client::login(server.addr, "bob", "builder", None);
    bob.send("<presence/><iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
    loop {
        let el = bob.element();
        assert!(!is_message(&el), "delivered twice: {el}");
        if el.attr("id") == Some("p") {
            break;
        }
    }
    server.stop();
}

#[test]
fn closing_the_stream() {
    let dir = TempDir::new("route-close");
    let server = start(Opts::new(&dir.0));
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    alice.send("</stream:stream>");
    assert!(matches!(alice.next(), Got::Closed));
    server.stop();
}
