//! SASL in the client's flow: a SCRAM server that cannot prove it knows the password is
//! refused even though it says `<success/>`; ANONYMOUS logs in without an account.

mod client_util;

use client_util::*;
use jaxl_xmpp::client::{AuthFailure, ClientBuilder, TlsMode};
use jaxl_xmpp::sasl::{Mechanism, SaslError, ScramHash, StoredCredentials};
use std::cell::RefCell;
use std::rc::Rc;

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='a1' from='localhost' version='1.0'>";

fn run(
    steps: Vec<Step>,
    forge: bool,
    jid: &str,
    password: &str,
    mechs: Vec<Mechanism>,
) -> Vec<String> {
    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut steps = Some(steps);
    let l = ev
        .listen_tcp("127.0.0.1:0", move |_| {
            let mut s = Scripted::new(steps.take().unwrap_or_default(), None, seen.clone());
            s.forge_signature = forge;
            s
        })
        .unwrap();
    let addr = ev.local_addr(l).unwrap();
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let (a, b, c, d) = (log.clone(), log.clone(), log.clone(), log.clone());
    let mut config = client_config(jid, password, addr, "");
    config.tls = TlsMode::Optional;
    config.mechanisms = mechs;
    config.fetch_roster = false;
    ClientBuilder::new(config)
        .on_auth_success(move |_| a.borrow_mut().push("auth success".into()))
        .on_auth_failure(move |_, f| b.borrow_mut().push(format!("auth failure {f:?}")))
        .on_online(move |s| {
            c.borrow_mut().push(format!("online {}", s.jid()));
            s.disconnect();
        })
        .on_disconnect(move |s, r| {
            d.borrow_mut().push(format!("{r:?}"));
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
fn forged_scram_success_is_refused() {
    let steps = vec![
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"),
        Step::Scram(ScramHash::Sha1, StoredCredentials::derive_with(ScramHash::Sha1, "pw", b"salt", 4096)),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ];
    let log = run(
        steps,
        true,
        "alice@localhost",
        "pw",
        Mechanism::PREFERENCE.to_vec(),
    );
    let failure = AuthFailure::Sasl(SaslError::ServerSignatureMismatch);
    assert_eq!(
        log,
        [
            format!("auth failure {failure:?}"),
            format!("AuthFailed({failure:?})")
        ]
    );
}

#[test]
fn anonymous_login() {
    let steps = vec![
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>"),
        Step::Expect("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'>=</auth>"),
        send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"),
        Step::Expect("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"),
        send("<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>f81d4fae@anon.localhost/r1</jid></bind></iq>"),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ];
    let log = run(
        steps,
        false,
        "anon.localhost",
        "",
        vec![Mechanism::Anonymous],
    );
    assert_eq!(
        log,
        ["auth success", "online f81d4fae@anon.localhost/r1", "Local"]
    );
}
