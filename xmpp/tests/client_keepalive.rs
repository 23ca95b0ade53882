//! Keep-alive pings (XEP-0199): answered pings keep the session, an unanswered one is a
//! dead stream. And direct TLS (XEP-0368) from the first byte.

mod client_util;

use client_util::*;
use jaxl_xmpp::client::{ClientBuilder, DisconnectReason, TlsMode};
use jaxl_xmpp::sasl::{ScramHash, StoredCredentials};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='k1' from='localhost' version='1.0'>";

/// Login without TLS (the client allows it) with SCRAM-SHA-256, up to initial presence.
fn login() -> Vec<Step> {
    vec![
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256</mechanism></mechanisms></stream:features>"),
        Step::Scram(ScramHash::Sha256, StoredCredentials::derive("pw", b"salt", 4096)),
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"),
        Step::Expect("id='bind1'"),
        send("<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@localhost/k</jid></bind></iq>"),
        Step::Expect("id='roster1'"),
        send("<iq type='result' id='roster1'><query xmlns='jabber:iq:roster'/></iq>"),
        Step::Expect("<presence"),
    ]
}

fn run(steps: Vec<Step>, direct_tls: bool) -> Vec<String> {
    let pki = pki();
    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut steps = Some(steps);
    let addr = if direct_tls {
        let l = ev
            .listen_tls("127.0.0.1:0", pki.server(), move |_| {
                Scripted::new(steps.take().unwrap_or_default(), None, seen.clone())
            })
            .unwrap();
        ev.local_addr(l).unwrap()
    } else {
        let l = ev
            .listen_tcp("127.0.0.1:0", move |_| {
                Scripted::new(steps.take().unwrap_or_default(), None, seen.clone())
            })
            .unwrap();
        ev.local_addr(l).unwrap()
    };
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let (a, b) = (log.clone(), log.clone());
    let mut config = client_config(
        "alice@localhost",
        "pw",
        addr,
        if direct_tls { &pki.ca_pem } else { "" },
    );
    config.tls = if direct_tls {
        TlsMode::Direct
    } else {
        TlsMode::Optional
    };
    config.ping_interval = Some(Duration::from_millis(30));
    config.iq_timeout = Duration::from_millis(200);
    ClientBuilder::new(config)
        .on_online(move |s| a.borrow_mut().push(format!("online tls={}", s.is_tls())))
        .on_disconnect(move |s, r| {
            b.borrow_mut().push(format!("{r:?}"));
            s.cx().stop();
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "timed out: {:?}", log.borrow());
    let out = log.borrow().clone();
    out
}

#[test]
fn unanswered_ping_means_a_dead_stream() {
    let mut steps = login();
    // Two pings answered, the third left alone.
    steps.extend([
        Step::ReplyToIq("urn:xmpp:ping"),
        Step::ReplyToIq("urn:xmpp:ping"),
        Step::Expect("urn:xmpp:ping"),
    ]);
    assert_eq!(run(steps, false), ["online tls=false", "PingTimeout"]);
    assert!(DisconnectReason::PingTimeout.is_retryable());
}

#[test]
fn direct_tls_from_the_first_byte() {
    let steps = vec![
        Step::Expect("<stream:stream"),
        send(HEADER),
        // PLAIN is acceptable: the stream is TLS from the start.
        send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"),
        Step::Expect("mechanism='PLAIN'>AGFsaWNlAHB3</auth>"),
        send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"),
        Step::Expect("id='bind1'"),
        send("<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@localhost/k</jid></bind></iq>"),
        Step::Expect("id='roster1'"),
        send("<iq type='result' id='roster1'><query xmlns='jabber:iq:roster'/></iq>"),
        Step::Expect("<presence"),
        send("<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"),
    ];
    assert_eq!(
        run(steps, true),
        [
            "online tls=true",
            "StreamError { condition: \"system-shutdown\", text: None }"
        ]
    );
}
