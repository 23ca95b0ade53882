//! A server sending bad input gets the right stream error and a clean disconnect, with
//! the reason reported; and a client whose connection drops reconnects with backoff.

mod client_util;

use client_util::*;
use jaxl_core::{Context, Handler};
use jaxl_xmpp::client::{ClientBuilder, DisconnectReason, Reconnect, TlsMode};
use jaxl_xmpp::xml::XmlError;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='h1' from='localhost' version='1.0'>";

/// Plays `steps` (after the client's header) and returns the disconnect reason and
/// what the client sent.
fn disconnect_reason(steps: Vec<Step>, max_stanza: Option<usize>) -> (DisconnectReason, String) {
    disconnect_reason_then(steps, max_stanza, false)
}

/// As [`disconnect_reason`]; with `server_stops`, the script stops the loop once it has
/// read the client's stream end, so everything the client sent is seen.
fn disconnect_reason_then(
    steps: Vec<Step>,
    max_stanza: Option<usize>,
    server_stops: bool,
) -> (DisconnectReason, String) {
    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s2 = seen.clone();
    let mut all = vec![Step::Expect("<stream:stream"), send(HEADER)];
    all.extend(steps);
    let mut all = Some(all);
    let l = ev
        .listen_tcp("127.0.0.1:0", move |_| {
            Scripted::new(all.take().unwrap_or_default(), None, s2.clone())
        })
        .unwrap();
    let addr = ev.local_addr(l).unwrap();
    let reason = Rc::new(RefCell::new(None));
    let r2 = reason.clone();
    let mut config = client_config("alice@localhost", "pw", addr, "");
    config.tls = TlsMode::Optional;
    if let Some(m) = max_stanza {
        config.stream.max_stanza_bytes = m;
    }
    ClientBuilder::new(config)
        .on_disconnect(move |s, r| {
            *r2.borrow_mut() = Some(r.clone());
            if !server_stops {
                s.cx().stop();
            }
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "timed out");
    let r = reason.borrow_mut().take().expect("on_disconnect called");
    let seen = String::from_utf8_lossy(&seen.borrow()).into_owned();
    (r, seen)
}

#[test]
fn garbage_gets_a_stream_error() {
    let (r, seen) = disconnect_reason_then(
        vec![
            send("<stream:features><a></b></stream:features>"),
            Step::Expect("</stream:stream>"),
            Step::Stop,
        ],
        None,
        true,
    );
    assert_eq!(r, DisconnectReason::BadInput(XmlError::MismatchedEndTag));
    assert!(
        seen.contains(
            "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        ),
        "{seen}"
    );
    assert!(seen.ends_with("</stream:stream>"), "{seen}");
}

#[test]
fn doctype_is_refused() {
    let (r, seen) = disconnect_reason_then(
        vec![
            send("<!DOCTYPE foo [<!ENTITY x 'y'>]><message/>"),
            Step::Expect("</stream:stream>"),
            Step::Stop,
        ],
        None,
        true,
    );
    assert!(
        matches!(r, DisconnectReason::BadInput(XmlError::Doctype)),
        "{r:?}"
    );
    assert!(seen.contains("restricted-xml"), "{seen}");
}

#[test]
fn unbounded_stanza_is_cut_off() {
    let big = format!("<message><body>{}", "x".repeat(64 * 1024));
    let (r, seen) = disconnect_reason_then(
        vec![send(&big), Step::Expect("</stream:stream>"), Step::Stop],
        Some(16 * 1024),
        true,
    );
    assert_eq!(r, DisconnectReason::BadInput(XmlError::StanzaTooLarge));
    assert!(seen.contains("policy-violation"), "{seen}");
}

#[test]
fn invalid_utf8_is_refused() {
    // Raw invalid bytes cannot live in a String step: a handler writes them.
    struct Bad;
    impl Handler for Bad {
        fn on_data(&mut self, cx: &mut Context<'_>) {
            if cx.take_input().windows(14).any(|w| w == b"<stream:stream") {
                cx.write(HEADER.as_bytes());
                cx.write(b"<message><body>\xff\xfe</body></message>");
            }
        }
    }
    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let l = ev.listen_tcp("127.0.0.1:0", |_| Bad).unwrap();
    let addr = ev.local_addr(l).unwrap();
    let reason = Rc::new(RefCell::new(None));
    let r2 = reason.clone();
    let mut config = client_config("alice@localhost", "pw", addr, "");
    config.tls = TlsMode::Optional;
    ClientBuilder::new(config)
        .on_disconnect(move |s, r| {
            *r2.borrow_mut() = Some(r.clone());
            s.cx().stop();
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow());
    assert_eq!(
        reason.borrow().clone(),
        Some(DisconnectReason::BadInput(XmlError::InvalidUtf8))
    );
}

#[test]
fn close_mid_stanza_is_reported() {
    let (r, _) = disconnect_reason(
        vec![
            send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mecha"),
            Step::Close,
        ],
        None,
    );
    assert_eq!(r, DisconnectReason::ClosedMidStanza);
}

#[test]
fn unexpected_element_during_negotiation() {
    let (r, seen) = disconnect_reason_then(
        vec![
            send("<message from='x@y'><body>too early</body></message>"),
            Step::Expect("</stream:stream>"),
            Step::Stop,
        ],
        None,
        true,
    );
    assert!(matches!(r, DisconnectReason::Protocol(_)), "{r:?}");
    assert!(seen.contains("unsupported-stanza-type"), "{seen}");
}

#[test]
fn reconnects_with_backoff_after_the_server_drops() {
    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let seen = Rc::new(RefCell::new(Vec::new()));
    // Connections 1 and 2 are dropped after the header; the third stays.
    let mut n = 0;
    let l = ev
        .listen_tcp("127.0.0.1:0", move |_| {
            n += 1;
            let steps = if n < 3 {
                vec![Step::Expect("<stream:stream"), send(HEADER), Step::Close]
            } else {
                vec![Step::Expect("<stream:stream"), send(HEADER)]
            };
            Scripted::new(steps, None, seen.clone())
        })
        .unwrap();
    let addr = ev.local_addr(l).unwrap();
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let (a, b) = (log.clone(), log.clone());
    let mut config = client_config("alice@localhost", "pw", addr, "");
    config.tls = TlsMode::Optional;
    config.reconnect = Reconnect {
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        ..Reconnect::default()
    };
    ClientBuilder::new(config)
        .on_connect(move |s| {
            a.borrow_mut().push("connect".into());
            if a.borrow().len() == 5 {
                s.cx().stop();
            }
        })
        .on_disconnect(move |_, r| b.borrow_mut().push(format!("{r:?}")))
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "{:?}", log.borrow());
    // The loop's stop then closes the third connection locally.
    assert_eq!(
        *log.borrow(),
        [
            "connect",
            "ClosedByServer",
            "connect",
            "ClosedByServer",
            "connect",
            "Local"
        ]
    );
    assert_eq!(Reconnect::default().delay(1), Duration::from_secs(1));
    assert_eq!(Reconnect::default().delay(3), Duration::from_secs(4));
    assert_eq!(Reconnect::default().delay(30), Duration::from_secs(60));
}
