//! The client against a scripted server replaying a Prosody-like session: STARTTLS,
//! SCRAM (verified for real), bind, roster, presence, messages, iq in both directions,
//! and the end of the stream. Runs without any XMPP server installed.

mod client_util;

use client_util::*;
use jaxl_xmpp::client::{AuthFailure, ClientBuilder, DisconnectReason, IqError, TlsMode};
use jaxl_xmpp::sasl::{ScramHash, StoredCredentials};
use jaxl_xmpp::stanza::{MessageType, PresenceType};
use jaxl_xmpp::{ns, Element, Iq, Jid};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";

fn header(id: &str) -> String {
    format!("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='{id}' from='localhost' version='1.0' xml:lang='en'>")
}

fn tls_features() -> String {
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>".into()
}

fn sasl_features(mechs: &[&str]) -> String {
    let m: String = mechs
        .iter()
        .map(|m| format!("<mechanism>{m}</mechanism>"))
        .collect();
    format!("<stream:features><mechanisms xmlns='{SASL}'>{m}</mechanisms><register xmlns='http://jabber.org/features/iq-register'/></stream:features>")
}

fn bind_features() -> String {
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>".into()
}

/// Everything up to the client's initial presence, as Prosody 0.12 does it.
fn login(hash: ScramHash, creds: StoredCredentials) -> Vec<Step> {
    vec![
        Step::Expect("<stream:stream"),
        send(&header("s1")),
        send(&tls_features()),
        Step::Expect("<starttls"),
        send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
        Step::StartTls,
        Step::Expect("<stream:stream"),
        send(&header("s2")),
        send(&sasl_features(&["SCRAM-SHA-1", "PLAIN"])),
        Step::Scram(hash, creds),
        Step::Expect("<stream:stream"),
        send(&header("s3")),
        send(&bind_features()),
        Step::Expect("id='bind1'"),
        send("<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@localhost/test</jid></bind></iq>"),
        Step::Expect("id='roster1'"),
        send("<iq type='result' id='roster1' to='alice@localhost/test'><query xmlns='jabber:iq:roster' ver='1'>\
              <item jid='bob@localhost' subscription='both' name='Bob'><group>Friends</group></item>\
              <item jid='carol@localhost' subscription='to'/></query></iq>"),
        Step::Expect("<presence"),
    ]
}

#[test]
fn full_session_against_transcript() {
    let pki = pki();
    let creds = StoredCredentials::derive_with(ScramHash::Sha1, "alice-pw", b"saltsalt", 4096);
    let mut steps = login(ScramHash::Sha1, creds);
    steps.extend([
        // The client asks our server's version in on_online.
        Step::Expect("jabber:iq:version"),
        send("<iq type='result' id='jx1' from='localhost' to='alice@localhost/test'><query xmlns='jabber:iq:version'><name>Prosody</name><version>0.12</version></query></iq>"),
        // Answered once: a second answer with the same id finds no callback.
        send("<iq type='result' id='jx1' from='localhost' to='alice@localhost/test'><query xmlns='jabber:iq:version'><name>Again</name></query></iq>"),
        // A spoofed answer to the request the client sends to dave is ignored.
        Step::Expect("dave@localhost"),
        send("<iq type='result' id='jx2' from='mallory@localhost/x'/>"),
        send("<presence from='bob@localhost/phone'><show>away</show><status>walking</status><priority>5</priority></presence>"),
        send("<message from='bob@localhost/phone' to='alice@localhost/test' type='chat' id='m1'><body>hi</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>"),
        Step::Expect("echo: hi"),
        send("<iq type='set' id='push1' to='alice@localhost/test'><query xmlns='jabber:iq:roster'><item jid='carol@localhost' subscription='remove'/></query></iq>"),
        Step::Expect("push1"),
        send("<iq type='get' id='p1' from='localhost' to='alice@localhost/test'><ping xmlns='urn:xmpp:ping'/></iq>"),
        Step::Expect("p1"),
        send("<iq type='get' id='u1' from='bob@localhost/phone' to='alice@localhost/test'><query xmlns='jabber:iq:last'/></iq>"),
        Step::Expect("service-unavailable"),
        send("<iq type='get' id='d1' from='bob@localhost/phone' to='alice@localhost/test'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
        Step::Expect("urn:xmpp:ping"),
        send("<message from='room@conference.localhost/bob' type='groupchat'><body>in the room</body><delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z' from='room@conference.localhost'/></message>"),
        send("<message from='localhost' type='headline'><body>news</body></message>"),
        send("<message from='bob@localhost'><body>normal one</body></message>"),
        send("<presence from='bob@localhost/phone' type='unavailable'/>"),
        // The client reports the timeout of its request to dave by a message.
        Step::Expect("dave timed out"),
        send("</stream:stream>"),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ]);

    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (tls, s2) = (pki.server(), seen.clone());
    let mut steps = Some(steps);
    let l = ev
        .listen_tcp("127.0.0.1:0", move |_| {
            Scripted::new(
                steps.take().unwrap_or_default(),
                Some(tls.clone()),
                s2.clone(),
            )
        })
        .unwrap();
    let addr = ev.local_addr(l).unwrap();

    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let ev_log = |log: &Rc<RefCell<Vec<String>>>| {
        let log = log.clone();
        move |s: String| log.borrow_mut().push(s)
    };
    let (l1, l2, l3, l4, l5, l6, l7, l8, l9, l10) = (
        ev_log(&log),
        ev_log(&log),
        ev_log(&log),
        ev_log(&log),
        ev_log(&log),
        ev_log(&log),
        ev_log(&log),
        ev_log(&log),
        ev_log(&log),
        ev_log(&log),
    );
    let config = client_config("alice@localhost/test", "alice-pw", addr, &pki.ca_pem);
    let client = ClientBuilder::new(config)
        .on_connect(move |_| l1("connect".into()))
        .on_auth_success(move |s| {
            assert!(s.is_tls());
            l2("auth".into())
        })
        .on_online(move |s| {
            assert_eq!(
                s.handle().with_roster(|r| r.len()),
                2,
                "handles see the roster"
            );
            l3(format!("online {} roster={}", s.jid(), s.roster().len()));
            let l3b = l3.clone();
            s.version(&Jid::new("localhost").unwrap(), move |_, r| {
                let iq = r.unwrap();
                l3b(format!(
                    "version {}",
                    iq.payload()
                        .unwrap()
                        .get_child("name", ns::VERSION)
                        .unwrap()
                        .text()
                ));
            });
            let l3c = l3.clone();
            let iq = Iq::get("", Element::new("query", ns::DISCO_INFO));
            let mut iq = iq;
            iq.set_to(Some(&Jid::new("dave@localhost").unwrap()));
            s.send_iq_timeout(iq, Duration::from_millis(100), move |s, r| {
                l3c(format!("dave {:?}", r.err()));
                s.send_chat(&Jid::new("bob@localhost").unwrap(), "dave timed out");
            });
        })
        .on_roster_update(move |_, items| {
            l4(format!(
                "roster {}",
                items
                    .iter()
                    .map(|i| format!("{}:{}", i.jid, i.subscription.as_str()))
                    .collect::<Vec<_>>()
                    .join(",")
            ))
        })
        .on_presence(move |s, p| {
            let bob = Jid::new("bob@localhost").unwrap();
            let view: Vec<String> = s
                .roster()
                .presence_of(&bob)
                .map(|(r, p)| format!("{r}/{:?}/{}", p.show, p.priority))
                .collect();
            l5(format!(
                "presence {:?} {:?}",
                p.type_() == PresenceType::Available,
                view
            ))
        })
        .on_chat_message(move |s, m| {
            l6(format!(
                "chat {} {:?}",
                m.body().unwrap(),
                jaxl_xmpp::client::ChatState::from_stanza(m.as_element())
            ));
            s.reply(m, &format!("echo: {}", m.body().unwrap()));
        })
        .on_groupchat_message(move |_, m| {
            l7(format!(
                "groupchat {} {:?}",
                m.body().unwrap(),
                jaxl_xmpp::client::Delay::from_stanza(m.as_element()).map(|d| d.stamp)
            ))
        })
        .on_headline_message(move |_, m| l8(format!("headline {}", m.body().unwrap())))
        .on_normal_message(move |_, m| {
            l9(format!(
                "normal {} {}",
                m.body().unwrap(),
                m.type_() == MessageType::Normal
            ))
        })
        .on_disconnect(move |s, r| {
            l10(format!("disconnect {r:?}"));
            s.cx().stop();
        })
        .build();
    client.connect(&mut ev).unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "timed out; log: {:#?}", log.borrow());
    let log = log.borrow();
    let want = [
        "connect",
        "auth",
        "roster bob@localhost:both,carol@localhost:to",
        "online alice@localhost/test roster=2",
        "version Prosody",
        "presence true [\"phone/Some(Away)/5\"]",
        "chat hi Some(Active)",
        "roster carol@localhost:remove",
        "dave Some(Timeout)",
        "groupchat in the room Some(\"2024-01-01T00:00:00Z\")",
        "headline news",
        "normal normal one true",
        "presence false []",
        "disconnect ClosedByServer",
    ];
    let mut got: Vec<&str> = log.iter().map(String::as_str).collect();
    // The timeout's place depends on timing; check it is there, then the order of the rest.
    let dave = got
        .iter()
        .position(|l| l.starts_with("dave"))
        .expect("iq timeout reported");
    assert_eq!(got.remove(dave), "dave Some(Timeout)");
    let want: Vec<&str> = want
        .into_iter()
        .filter(|w| !w.starts_with("dave"))
        .collect();
    assert_eq!(got, want);
    let seen = String::from_utf8_lossy(&seen.borrow()).into_owned();
    assert!(
        seen.contains("<iq type='result' id='push1'"),
        "roster push answered: {seen}"
    );
    assert!(
        seen.contains("<iq type='result' id='p1' to='localhost'"),
        "ping answered"
    );
    assert!(seen.contains("id='u1' to='bob@localhost/phone' from='alice@localhost/test'><query xmlns='jabber:iq:last'/><error type='cancel'><service-unavailable"), "unknown get refused: {seen}");
    assert!(
        seen.contains("http://jabber.org/protocol/caps"),
        "caps in presence"
    );
    assert!(
        !seen.contains("<auth mechanism='PLAIN'"),
        "SCRAM preferred over PLAIN"
    );
    drop(got);
    let _ = IqError::Timeout;
}

fn run_to_disconnect(
    steps: Vec<Step>,
    tls_mode: TlsMode,
    with_tls: bool,
    password: &str,
) -> (Vec<String>, String) {
    let pki = pki();
    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (tls, s2) = (with_tls.then(|| pki.server()), seen.clone());
    let mut steps = Some(steps);
    let l = ev
        .listen_tcp("127.0.0.1:0", move |_| {
            Scripted::new(steps.take().unwrap_or_default(), tls.clone(), s2.clone())
        })
        .unwrap();
    let addr = ev.local_addr(l).unwrap();
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let (a, b) = (log.clone(), log.clone());
    let mut config = client_config("alice@localhost", password, addr, &pki.ca_pem);
    config.tls = tls_mode;
    let client = ClientBuilder::new(config)
        .on_auth_failure(move |_, f| a.borrow_mut().push(format!("auth failure {f:?}")))
        .on_disconnect(move |s, r| {
            b.borrow_mut().push(format!("disconnect {r:?}"));
            s.cx().stop();
        })
        .build();
    client.connect(&mut ev).unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "timed out: {:?}", log.borrow());
    let out = log.borrow().clone();
    let seen = String::from_utf8_lossy(&seen.borrow()).into_owned();
    (out, seen)
}

#[test]
fn plain_inside_tls_is_the_recorded_exchange() {
    let steps = vec![
        Step::Expect("<stream:stream"),
        send(&header("s1")),
        send(&tls_features()),
        Step::Expect("<starttls"),
        send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
        Step::StartTls,
        Step::Expect("<stream:stream"),
        send(&header("s2")),
        send(&sasl_features(&["PLAIN"])),
        // base64("\0alice\0wrong")
        Step::Expect("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHdyb25n</auth>"),
        send("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text xml:lang='en'>Unable to authorize you with the authentication credentials you've sent.</text></failure>"),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ];
    let (log, _) = run_to_disconnect(steps, TlsMode::Required, true, "wrong");
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(
        log[0].starts_with(
            "auth failure Server { condition: \"not-authorized\", text: Some(\"Unable"
        ),
        "{log:?}"
    );
    assert!(
        log[1].starts_with("disconnect AuthFailed(Server { condition: \"not-authorized\""),
        "{log:?}"
    );
}

#[test]
fn scram_with_wrong_password_is_refused() {
    let creds = StoredCredentials::derive_with(ScramHash::Sha1, "right", b"salt", 4096);
    let steps = login(ScramHash::Sha1, creds);
    let (log, _) = run_to_disconnect(steps[..10].to_vec(), TlsMode::Required, true, "wrong");
    assert_eq!(
        log[0],
        "auth failure Server { condition: \"not-authorized\", text: None }"
    );
}

#[test]
fn no_starttls_offered_means_no_login() {
    let steps = vec![
        Step::Expect("<stream:stream"),
        send(&header("s1")),
        send(&sasl_features(&["PLAIN", "SCRAM-SHA-1"])),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ];
    let (log, seen) = run_to_disconnect(steps, TlsMode::Required, false, "pw");
    assert_eq!(log, ["disconnect TlsRequired"]);
    assert!(!seen.contains("<auth"), "no credentials sent in the clear");
}

#[test]
fn plain_is_never_used_in_the_clear() {
    let steps = vec![
        Step::Expect("<stream:stream"),
        send(&header("s1")),
        send(&sasl_features(&["PLAIN"])),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ];
    let (log, seen) = run_to_disconnect(steps, TlsMode::Optional, false, "pw");
    assert_eq!(log[0], "auth failure NoMechanism([\"PLAIN\"])");
    assert!(!seen.contains("<auth"));
    let _ = AuthFailure::NoMechanism(vec![]);
}

#[test]
fn scram_sha1_without_tls_when_allowed() {
    let creds = StoredCredentials::derive_with(ScramHash::Sha256, "pw", b"salt", 4096);
    let steps = vec![
        Step::Expect("<stream:stream"),
        send(&header("s1")),
        send(&sasl_features(&["SCRAM-SHA-256", "PLAIN"])),
        Step::Scram(ScramHash::Sha256, creds),
        Step::Expect("<stream:stream"),
        send(&header("s3")),
        // Prosody's legacy session, required: the client must do it.
        send("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>"),
        Step::Expect("id='bind1'"),
        send("<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@localhost/x1</jid></bind></iq>"),
        Step::Expect("id='sess1'"),
        send("<iq type='result' id='sess1'/>"),
        Step::Expect("id='roster1'"),
        send("<iq type='error' id='roster1'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
        Step::Expect("<presence"),
        send("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text></stream:error></stream:stream>"),
        Step::Expect("</stream:stream>"),
        Step::Close,
    ];
    let (log, _) = run_to_disconnect(steps, TlsMode::Optional, false, "pw");
    assert_eq!(log, ["disconnect StreamError { condition: \"conflict\", text: Some(\"Replaced by new connection\") }"]);
    assert!(!DisconnectReason::StreamError {
        condition: "conflict".into(),
        text: None
    }
    .is_retryable());
}
