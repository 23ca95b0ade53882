//! The component side of XEP-0114 against a scripted server: handshake, stanzas in
//! `jabber:component:accept`, replies stamped with the component's address; and a
//! refused handshake. Also in-band registration (XEP-0077) before SASL.

mod client_util;

use client_util::*;
use jaxl_xmpp::client::{ClientBuilder, DisconnectReason, TlsMode};
use jaxl_xmpp::component::ComponentConfig;
use jaxl_xmpp::Jid;
use std::cell::RefCell;
use std::rc::Rc;

const COMPONENT_HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='c1' from='echo.localhost'>";

fn run_component(steps: Vec<Step>) -> (Vec<String>, String) {
    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s2 = seen.clone();
    let mut steps = Some(steps);
    let l = ev
        .listen_tcp("127.0.0.1:0", move |_| {
            Scripted::new(steps.take().unwrap_or_default(), None, s2.clone())
        })
        .unwrap();
    let addr = ev.local_addr(l).unwrap();
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let (a, b, c) = (log.clone(), log.clone(), log.clone());
    let mut cfg = ComponentConfig::new(
        Jid::new("echo.localhost").unwrap(),
        "s3cret",
        "127.0.0.1",
        addr.port(),
    );
    cfg.reconnect = jaxl_xmpp::client::Reconnect::never();
    cfg.builder()
        .on_online(move |s| a.borrow_mut().push(format!("online {}", s.jid())))
        .on_message(move |s, m| {
            b.borrow_mut().push(format!(
                "message {} to {}",
                m.body().unwrap_or_default(),
                m.to().unwrap_or("")
            ));
            s.reply(m, "pong");
        })
        .on_disconnect(move |s, r| {
            c.borrow_mut().push(format!("{r:?}"));
            s.cx().stop();
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "timed out: {:?}", log.borrow());
    let out = log.borrow().clone();
    let seen = String::from_utf8_lossy(&seen.borrow()).into_owned();
    (out, seen)
}

#[test]
fn component_handshake_and_echo() {
    let steps = vec![
        Step::Expect("xmlns='jabber:component:accept'"),
        Step::Expect("to='echo.localhost'>"),
        send(COMPONENT_HEADER),
        Step::Expect("<handshake>a0a499774085314c2187bcb637fb7056a34b35df</handshake>"),
        send("<handshake/>"),
        send("<message from='carol@localhost/r' to='bot@echo.localhost' type='chat'><body>ping</body></message>"),
        Step::Expect("pong"),
        send("</stream:stream>"),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ];
    let (log, seen) = run_component(steps);
    assert_eq!(
        log,
        [
            "online echo.localhost",
            "message ping to bot@echo.localhost",
            "ClosedByServer"
        ]
    );
    assert!(seen.contains("<message type='chat' to='carol@localhost/r' from='echo.localhost'><body>pong</body></message>"), "{seen}");
}

#[test]
fn refused_handshake_is_reported() {
    let steps = vec![
        Step::Expect("to='echo.localhost'>"),
        send(COMPONENT_HEADER),
        Step::Expect("</handshake>"),
        send("<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ];
    let (log, _) = run_component(steps);
    assert_eq!(log, ["HandshakeFailed(\"not-authorized\")"]);
    assert!(!DisconnectReason::HandshakeFailed("not-authorized".into()).is_retryable());
}

#[test]
fn in_band_registration_before_sasl() {
    const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='r1' from='localhost' version='1.0'>";
    let steps = vec![
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms><register xmlns='http://jabber.org/features/iq-register'/></stream:features>"),
        Step::Expect("<username>newbie</username><password>pw</password></query></iq>"),
        send("<iq type='error' id='reg1'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ];
    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut steps = Some(steps);
    let l = ev
        .listen_tcp("127.0.0.1:0", move |_| {
            Scripted::new(steps.take().unwrap_or_default(), None, seen.clone())
        })
        .unwrap();
    let addr = ev.local_addr(l).unwrap();
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let a = log.clone();
    let mut config = client_config("newbie@localhost", "pw", addr, "");
    config.tls = TlsMode::Optional;
    config.register = true;
    ClientBuilder::new(config)
        .on_disconnect(move |s, r| {
            a.borrow_mut().push(format!("{r:?}"));
            s.cx().stop();
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow());
    assert_eq!(*log.borrow(), ["RegistrationFailed(\"conflict\")"]);
}
