//! Our client (`jaxl_xmpp::client`) against our server, over STARTTLS with a test CA:
//! each SASL mechanism, a wrong password, a subscription handshake and a chat round
//! trip. The server runs on its own loop thread; the clients share one loop here that
//! stops itself after a deadline.

mod xmpp_server_support;

use jaxl_core::{Loop, LoopConfig};
use jaxl_xmpp::client::{AuthFailure, ClientBuilder, ClientConfig, Reconnect, TlsVerify};
use jaxl_xmpp::sasl::Mechanism;
use jaxl_xmpp::Jid;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use xmpp_server_support::{pki, start, Opts, TempDir};

const DEADLINE: Duration = Duration::from_secs(15);

type Log = Rc<RefCell<Vec<String>>>;

fn config(addr: std::net::SocketAddr, ca: &str, jid: &str, password: &str) -> ClientConfig {
    let mut c = ClientConfig::new(Jid::new(jid).unwrap(), password);
    c.host = Some(addr.ip().to_string());
    c.port = addr.port();
    c.verify = TlsVerify::CaPem(ca.as_bytes().to_vec());
    c.reconnect = Reconnect::never();
    c.ping_interval = None;
    c
}

fn new_loop() -> Loop {
    let mut lc = LoopConfig::default();
    lc.handle_signals = false;
    let mut ev = Loop::with_config(lc).unwrap();
    ev.enter(|cx| {
        cx.set_timeout(DEADLINE, |cx| cx.stop());
    });
    ev
}

fn tls_server(
    tag: &str,
) -> (
    TempDir,
    xmpp_server_support::Pki,
    xmpp_server_support::TestServer,
) {
    let dir = TempDir::new(tag);
    let pki = pki();
    let mut opts = Opts::new(&dir.0);
    opts.tls = Some((pki.cert_pem.clone(), pki.key_pem.clone()));
    opts.plaintext_loopback = false;
    opts.users.push(("carol", "cheshire"));
    let server = start(opts);
    (dir, pki, server)
}

#[test]
fn login_with_each_mechanism_and_a_wrong_password() {
    let (_dir, pki, server) = tls_server("client-login");
    let log: Log = Rc::default();
    let mut ev = new_loop();
    let cases = [
        ("alice@localhost/a", "wonderland", Mechanism::ScramSha256),
        ("bob@localhost/b", "builder", Mechanism::ScramSha1),
        ("carol@localhost/c", "cheshire", Mechanism::Plain),
        (
            "alice@localhost/wrong",
            "not-her-password",
            Mechanism::ScramSha256,
        ),
    ];
    for (jid, pw, mech) in cases {
        let mut c = config(server.addr, &pki.ca_pem, jid, pw);
        c.mechanisms = vec![mech];
        let (l1, l2) = (log.clone(), log.clone());
        let client = ClientBuilder::new(c)
            .on_online(move |s| {
                let tls = s.is_tls();
                l1.borrow_mut()
                    .push(format!("online {} tls={tls}", s.jid()));
                if l1.borrow().len() == 4 {
                    s.cx().stop();
                }
            })
            .on_auth_failure(move |s, f| {
                let cond = match f {
                    AuthFailure::Server { condition, .. } => condition.clone(),
                    other => format!("{other}"),
                };
                l2.borrow_mut().push(format!("failed {cond}"));
                if l2.borrow().len() == 4 {
                    s.cx().stop();
                }
            })
            .build();
        client.connect(&mut ev).unwrap();
    }
    ev.run().unwrap();
    let mut got = log.borrow().clone();
    got.sort();
    assert_eq!(
        got,
        [
            "failed not-authorized",
            "online alice@localhost/a tls=true",
            "online bob@localhost/b tls=true",
            "online carol@localhost/c tls=true",
        ]
    );
    server.stop();
}

#[test]
fn subscription_and_chat_round_trip() {
    let (_dir, pki, server) = tls_server("client-chat");
    let log: Log = Rc::default();
    let mut ev = new_loop();

    let mut bob_cfg = config(server.addr, &pki.ca_pem, "bob@localhost/b", "builder");
    bob_cfg.auto_accept_subscriptions = true;
    let bl = log.clone();
    let bob = ClientBuilder::new(bob_cfg)
        .on_chat_message(move |s, msg| {
            bl.borrow_mut()
                .push(format!("bob got {:?} from {:?}", msg.body(), msg.from()));
            s.reply(msg, "hello alice");
        })
        .build();
    bob.connect(&mut ev).unwrap();

    let alice_cfg = config(server.addr, &pki.ca_pem, "alice@localhost/a", "wonderland");
    let (al1, al2) = (log.clone(), log.clone());
    let alice = ClientBuilder::new(alice_cfg)
        .on_online(|s| {
            s.subscribe(&Jid::new("bob@localhost").unwrap());
        })
        .on_presence(move |s, p| {
            // Bob's available presence reaches Alice once he accepted: now chat.
            if p.from().is_some_and(|f| f.starts_with("bob@localhost/"))
                && p.as_element().attr("type").is_none()
            {
                let first = !al1.borrow().iter().any(|l| l == "alice saw bob online");
                if first {
                    al1.borrow_mut().push("alice saw bob online".into());
                    s.send_chat(&Jid::new("bob@localhost").unwrap(), "hello bob");
                }
            }
        })
        .on_chat_message(move |s, msg| {
            al2.borrow_mut()
                .push(format!("alice got {:?} from {:?}", msg.body(), msg.from()));
            s.cx().stop();
        })
        .build();
    alice.connect(&mut ev).unwrap();
    ev.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "alice saw bob online",
            "bob got Some(\"hello bob\") from Some(\"alice@localhost/a\")",
            "alice got Some(\"hello alice\") from Some(\"bob@localhost/b\")",
        ]
    );
    server.stop();
}
