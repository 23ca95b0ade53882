//! The XMPP client against a real Prosody (`scripts/prosody-up.sh`; point
//! `JAXL_PROSODY_ENV` at its env file). Without it every test says SKIPPED and returns.

mod xmpp_client_util;

use jaxl::xmpp::client::{ClientBuilder, DisconnectReason, MucJoin, Subscription};
use jaxl::xmpp::component::ComponentConfig;
use jaxl::xmpp::sasl::Mechanism;
use jaxl::xmpp::stanza::{PresenceType, StanzaError};
use jaxl::xmpp::{ns, Element, Jid};
use std::cell::RefCell;
use std::rc::Rc;
use xmpp_client_util::*;

#[test]
fn login_with_each_offered_mechanism() {
    let Some(p) = Prosody::from_env("login_with_each_offered_mechanism") else {
        return;
    };
    // First learn what the server offers inside TLS.
    let (mut ev, timed_out) = new_loop();
    let offered: Rc<RefCell<Vec<String>>> = Rc::default();
    let o = offered.clone();
    ClientBuilder::new(p.config("alice", "probe"))
        .on_stream_features(move |_, f| {
            if let Some(m) = f.get_child("mechanisms", ns::SASL) {
                *o.borrow_mut() = m.children().map(|c| c.text()).collect();
            }
        })
        .on_online(|s| s.disconnect())
        .on_disconnect(|s, _| s.cx().stop())
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow());
    let offered = offered.borrow().clone();
    let ours: Vec<Mechanism> = offered
        .iter()
        .filter_map(|m| Mechanism::from_name(m))
        .filter(|m| *m != Mechanism::Anonymous)
        .collect();
    eprintln!("Prosody offers {offered:?}; logging in with {ours:?}");
    assert!(
        ours.contains(&Mechanism::ScramSha1) && ours.contains(&Mechanism::Plain),
        "{offered:?}"
    );

    // Then log in once per mechanism, all clients in one loop.
    let (mut ev, timed_out) = new_loop();
    let log = Log::default();
    let left = Rc::new(RefCell::new(ours.len()));
    for m in &ours {
        let mut c = p.config("alice", &format!("mech-{}", m.name()));
        c.mechanisms = vec![*m];
        let (l1, l2, left) = (log.clone(), log.clone(), left.clone());
        let name = m.name();
        ClientBuilder::new(c)
            .on_online(move |s| {
                l1.push(format!("{name} online"));
                s.disconnect();
            })
            .on_auth_failure(move |_, f| l2.push(format!("{name} failed {f}")))
            .on_disconnect(move |s, _| {
                *left.borrow_mut() -= 1;
                if *left.borrow() == 0 {
                    s.cx().stop();
                }
            })
            .build()
            .connect(&mut ev)
            .unwrap();
    }
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "{:?}", log.all());
    for m in &ours {
        assert!(log.has(&format!("{} online", m.name())), "{:?}", log.all());
    }
}

#[test]
fn wrong_password_reports_not_authorized() {
    let Some(p) = Prosody::from_env("wrong_password_reports_not_authorized") else {
        return;
    };
    let (mut ev, timed_out) = new_loop();
    let log = Log::default();
    let l = log.clone();
    ClientBuilder::new(p.config_with("alice", "not-the-password", "wrong"))
        .on_disconnect(move |s, r| {
            l.push(format!("{r}"));
            assert!(matches!(r, DisconnectReason::AuthFailed(_)));
            s.cx().stop();
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow());
    let all = log.all();
    assert!(
        all.len() == 1 && all[0].starts_with("authentication failed: not-authorized"),
        "{all:?}"
    );
}

#[test]
fn message_round_trip_between_two_clients_in_one_loop() {
    let Some(p) = Prosody::from_env("message_round_trip_between_two_clients_in_one_loop") else {
        return;
    };
    let (mut ev, timed_out) = new_loop();
    let log = Log::default();
    let bob_jid: Rc<RefCell<Option<Jid>>> = Rc::default();

    // Bob echoes chat messages, upper-cased.
    let (b1, l1) = (bob_jid.clone(), log.clone());
    let bob = ClientBuilder::new(p.config("bob", "rt"))
        .on_online(move |s| {
            *b1.borrow_mut() = Some(s.jid().clone());
        })
        .on_chat_message(move |s, m| {
            let body = m.body().unwrap_or_default();
            l1.push(format!("bob got {body}"));
            s.reply(m, &body.to_uppercase());
        })
        .build();
    bob.connect(&mut ev).unwrap();

    let (b2, l2, l3) = (bob_jid.clone(), log.clone(), log.clone());
    let alice = ClientBuilder::new(p.config("alice", "rt"))
        .on_online(move |s| {
            // Bob may not be online yet: poll his JID on a timer (no sleeps).
            let b2 = b2.clone();
            let handle = s.handle();
            s.cx()
                .set_interval(std::time::Duration::from_millis(20), move |_| {
                    if let Some(bob) = b2.borrow_mut().take() {
                        let mut m = jaxl::xmpp::Message::chat(&bob, "ping from alice");
                        m.set_id("rt1");
                        handle.send(m);
                    }
                });
            l2.push("alice online");
        })
        .on_chat_message(move |s, m| {
            l3.push(format!("alice got {}", m.body().unwrap_or_default()));
            s.cx().stop();
        })
        .build();
    alice.connect(&mut ev).unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "{:?}", log.all());
    let all = log.all();
    assert!(
        all.contains(&"bob got ping from alice".to_owned()),
        "{all:?}"
    );
    assert!(
        all.contains(&"alice got PING FROM ALICE".to_owned()),
        "{all:?}"
    );
}

#[test]
fn registration_roster_push_and_subscription_handshake() {
    let Some(p) = Prosody::from_env("registration_roster_push_and_subscription_handshake") else {
        return;
    };
    let (mut ev, timed_out) = new_loop();
    let log = Log::default();
    let (u1, u2) = (unique("sub1-"), unique("sub2-"));
    let u2_jid = Jid::new(&format!("{u2}@{}", p.domain())).unwrap();

    // u2 accepts every subscription.
    let mut c2 = p.config_with(&u2, "pw2", "r");
    c2.register = true;
    c2.auto_accept_subscriptions = true;
    let l = log.clone();
    let started: Rc<RefCell<bool>> = Rc::default();
    let st2 = started.clone();
    ClientBuilder::new(c2)
        .on_online(move |_| {
            *st2.borrow_mut() = true;
            l.push("u2 online");
        })
        .build()
        .connect(&mut ev)
        .unwrap();

    // u1 adds u2 to its roster and subscribes once u2 is online.
    let mut c1 = p.config_with(&u1, "pw1", "r");
    c1.register = true;
    let (l1, l2, target, target2) = (log.clone(), log.clone(), u2_jid.clone(), u2_jid.clone());
    ClientBuilder::new(c1)
        .on_online(move |s| {
            let target = target.clone();
            let started = started.clone();
            let h = s.handle();
            let mut done = false;
            s.cx()
                .set_interval(std::time::Duration::from_millis(20), move |_| {
                    if !done && *started.borrow() {
                        done = true;
                        let q = Element::builder("query", ns::ROSTER)
                            .append(
                                Element::builder("item", ns::ROSTER)
                                    .attr("jid", target.as_str())
                                    .attr("name", "Two")
                                    .build(),
                            )
                            .build();
                        h.send(jaxl::xmpp::Iq::set("add1", q));
                        h.send(jaxl::xmpp::Presence::subscribe(&target));
                    }
                });
        })
        .on_roster_update(move |_, items| {
            for i in items {
                l1.push(format!(
                    "push {} {}",
                    i.name.as_deref().unwrap_or("-"),
                    i.subscription.as_str()
                ));
            }
        })
        .on_presence(move |s, pr| {
            let from = pr.from_jid().and_then(Result::ok).map(|j| j.bare());
            if from.as_ref() == Some(&target2) && pr.type_() == PresenceType::Available {
                let sub = s.roster().get(&target2).map(|i| i.subscription);
                l2.push(format!("u2 available, subscription {:?}", sub));
                assert!(s.roster().is_online(&target2));
                // Clean up: both accounts are removed (the server then closes their streams).
                s.unregister(|s, r| {
                    assert!(r.is_ok(), "{r:?}");
                    s.cx().stop();
                });
            }
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "{:?}", log.all());
    let all = log.all();
    assert!(all.contains(&"u2 online".to_owned()), "{all:?}");
    assert!(
        all.contains(&"push Two none".to_owned()),
        "roster push of the new item: {all:?}"
    );
    assert!(
        all.iter()
            .any(|l| l == "push Two to" || l == "push Two both"),
        "subscription approved by push: {all:?}"
    );
    assert!(
        all.iter()
            .any(|l| l.starts_with("u2 available, subscription Some(")),
        "{all:?}"
    );
    let _ = Subscription::To;
}

#[test]
fn in_band_registration_then_login_then_removal() {
    let Some(p) = Prosody::from_env("in_band_registration_then_login_then_removal") else {
        return;
    };
    let user = unique("ibr-");
    let (mut ev, timed_out) = new_loop();
    let log = Log::default();
    let mut c = p.config_with(&user, "ibr-pw", "r");
    c.register = true;
    let l = log.clone();
    ClientBuilder::new(c)
        .on_online(move |s| {
            l.push(format!("registered and online as {}", s.jid().bare()));
            s.disconnect();
        })
        .on_disconnect(|s, _| s.cx().stop())
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow());
    assert_eq!(
        log.all(),
        [format!("registered and online as {user}@{}", p.domain())]
    );

    // Registering again is refused with `conflict`; logging in works, then the account goes.
    let (mut ev, timed_out) = new_loop();
    let mut again = p.config_with(&user, "ibr-pw", "r2");
    again.register = true;
    let l = log.clone();
    ClientBuilder::new(again)
        .on_disconnect(move |s, r| {
            l.push(format!("{r:?}"));
            s.cx().stop();
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow());
    assert_eq!(
        log.all().last().unwrap(),
        "RegistrationFailed(\"conflict\")"
    );

    let (mut ev, timed_out) = new_loop();
    let l = log.clone();
    ClientBuilder::new(p.config_with(&user, "ibr-pw", "r3"))
        .on_online(move |s| {
            let l = l.clone();
            s.unregister(move |s, r| {
                l.push(format!("removed {}", r.is_ok()));
                s.cx().stop();
            });
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow());
    assert_eq!(log.all().last().unwrap(), "removed true");
}

#[test]
fn muc_join_and_groupchat() {
    let Some(p) = Prosody::from_env("muc_join_and_groupchat") else {
        return;
    };
    let room = Jid::new(&format!("{}@{}", unique("room"), p.var("XMPP_MUC_DOMAIN"))).unwrap();
    let (mut ev, timed_out) = new_loop();
    let log = Log::default();
    let room_ready: Rc<RefCell<bool>> = Rc::default();

    // Alice creates the room (an instant room: accepts the default configuration).
    let (r1, ready1, l1) = (room.clone(), room_ready.clone(), log.clone());
    let r1b = room.clone();
    ClientBuilder::new(p.config("alice", "muc"))
        .on_online(move |s| {
            s.muc_join(
                &r1,
                "alice",
                &MucJoin {
                    max_stanzas: Some(0),
                    ..MucJoin::default()
                },
            );
        })
        .on_presence(move |s, pr| {
            let codes = jaxl::xmpp::client::xep::muc_status_codes(pr.as_element());
            if pr
                .from_jid()
                .and_then(Result::ok)
                .is_some_and(|f| f.bare() == r1b)
                && codes.contains(&110)
            {
                if codes.contains(&201) {
                    let form = Element::builder("query", ns::MUC_OWNER)
                        .append(
                            Element::builder("x", ns::DATA_FORMS)
                                .attr("type", "submit")
                                .build(),
                        )
                        .build();
                    let ready = ready1.clone();
                    s.iq_set(Some(&r1b), form, move |_, r| {
                        assert!(r.is_ok(), "instant room: {r:?}");
                        *ready.borrow_mut() = true;
                    });
                } else {
                    *ready1.borrow_mut() = true;
                }
            }
        })
        .on_groupchat_message(move |s, m| {
            if m.body().as_deref() == Some("hello room") {
                l1.push(format!(
                    "alice saw {} from {}",
                    m.body().unwrap(),
                    m.from().unwrap_or("")
                ));
                s.cx().stop();
            }
        })
        .build()
        .connect(&mut ev)
        .unwrap();

    // Bob joins once the room is unlocked, and talks when he sees himself in it.
    let (r2, r3, l2) = (room.clone(), room.clone(), log.clone());
    ClientBuilder::new(p.config("bob", "muc"))
        .on_online(move |s| {
            let (ready, room, h) = (room_ready.clone(), r2.clone(), s.handle());
            let mut joined = false;
            s.cx()
                .set_interval(std::time::Duration::from_millis(20), move |_| {
                    if !joined && *ready.borrow() {
                        joined = true;
                        if let Ok(p) = jaxl::xmpp::client::xep::muc_join_presence(
                            &room,
                            "bob",
                            &MucJoin::default(),
                        ) {
                            h.send(p);
                        }
                    }
                });
        })
        .on_presence(move |s, pr| {
            if jaxl::xmpp::client::xep::muc_status_codes(pr.as_element()).contains(&110) {
                l2.push("bob in room");
                s.muc_send(&r3, "hello room");
            }
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "{:?}", log.all());
    assert_eq!(
        log.all(),
        [
            "bob in room".to_owned(),
            format!("alice saw hello room from {room}/bob")
        ]
    );
}

#[test]
fn component_exchanges_messages_with_a_client() {
    let Some(p) = Prosody::from_env("component_exchanges_messages_with_a_client") else {
        return;
    };
    let (mut ev, timed_out) = new_loop();
    let log = Log::default();
    let comp_jid = Jid::new(p.var("XMPP_COMPONENT_DOMAIN")).unwrap();
    let comp_online: Rc<RefCell<bool>> = Rc::default();
    let mut cc = ComponentConfig::new(
        comp_jid.clone(),
        p.var("XMPP_COMPONENT_SECRET"),
        "127.0.0.1",
        p.var("XMPP_COMPONENT_PORT").parse().unwrap(),
    );
    cc.reconnect = jaxl::xmpp::client::Reconnect::never();
    let (l1, on1) = (log.clone(), comp_online.clone());
    cc.builder()
        .on_online(move |_| *on1.borrow_mut() = true)
        .on_message(move |s, m| {
            let body = m.body().unwrap_or_default();
            l1.push(format!(
                "component got {body} from {}",
                m.from()
                    .and_then(|f| Jid::new(f).ok())
                    .map(|j| j.bare().to_string())
                    .unwrap_or_default()
            ));
            s.reply(m, &format!("echo: {body}"));
        })
        .with(|b| {
            b.on_iq("query", ns::VERSION, |s, iq| {
                let r = iq.result_reply(Some(jaxl::xmpp::client::xep::version_result(
                    "jaxl-component",
                    "1",
                )));
                s.send(r);
                true
            })
        })
        .build()
        .connect(&mut ev)
        .unwrap();

    let (l2, c2) = (log.clone(), comp_jid.clone());
    ClientBuilder::new(p.config("carol", "comp"))
        .on_online(move |s| {
            let (on, to, h) = (comp_online.clone(), c2.clone(), s.handle());
            let mut sent = false;
            s.cx()
                .set_interval(std::time::Duration::from_millis(20), move |_| {
                    if !sent && *on.borrow() {
                        sent = true;
                        h.send(jaxl::xmpp::Message::chat(&to, "hi component"));
                    }
                });
        })
        .on_chat_message(move |s, m| {
            l2.push(format!("carol got {}", m.body().unwrap_or_default()));
            let l3 = l2.clone();
            let to = Jid::new(m.from().unwrap_or("")).unwrap();
            s.version(&to, move |s, r| {
                let name = r.map(|iq| {
                    iq.payload()
                        .and_then(|q| q.get_child("name", ns::VERSION))
                        .map(|n| n.text())
                        .unwrap_or_default()
                });
                l3.push(format!("version {:?}", name.map_err(|e| e.to_string())));
                s.cx().stop();
            });
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "{:?}", log.all());
    assert_eq!(
        log.all(),
        [
            format!("component got hi component from carol@{}", p.domain()),
            "carol got echo: hi component".into(),
            "version Ok(\"jaxl-component\")".into()
        ]
    );
    let _: Option<StanzaError> = None;
}

#[test]
fn vcard_disco_and_ping_with_the_server() {
    let Some(p) = Prosody::from_env("vcard_disco_and_ping_with_the_server") else {
        return;
    };
    let user = unique("vc-");
    let (mut ev, timed_out) = new_loop();
    let log = Log::default();
    let mut c = p.config_with(&user, "vc-pw", "r");
    c.register = true;
    let (l, domain) = (log.clone(), Jid::new(p.domain()).unwrap());
    ClientBuilder::new(c)
        .on_online(move |s| {
            let (l1, l2, l3, d2) = (l.clone(), l.clone(), l.clone(), domain.clone());
            s.ping(&domain, move |_, r| l1.push(format!("ping {}", r.is_ok())));
            s.disco_info(&domain, move |_, r| {
                let features = r
                    .map(|iq| {
                        iq.payload()
                            .map(jaxl::xmpp::client::xep::disco_features)
                            .unwrap_or_default()
                    })
                    .unwrap_or_default();
                l2.push(format!(
                    "disco has ping {}",
                    features.iter().any(|f| f == ns::PING)
                ));
            });
            let card = jaxl::xmpp::client::xep::vcard(&[("FN", "Jaxl Bot"), ("NICKNAME", "jaxl")]);
            s.vcard_set(card, move |s, r| {
                assert!(r.is_ok(), "vcard set: {r:?}");
                let (l3, _d) = (l3.clone(), d2);
                s.vcard_get(None, move |s, r| {
                    let fname = r.ok().and_then(|iq| {
                        iq.payload()
                            .and_then(|v| v.get_child("FN", ns::VCARD))
                            .map(|f| f.text())
                    });
                    l3.push(format!("vcard FN {fname:?}"));
                    s.unregister(|s, _| s.cx().stop());
                });
            });
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "{:?}", log.all());
    assert_eq!(
        log.all(),
        [
            "ping true",
            "disco has ping true",
            "vcard FN Some(\"Jaxl Bot\")"
        ]
    );
}
