use super::*;
use crate::jid::Jid;

fn el(s: &str) -> Element {
    Element::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn jid(s: &str) -> Jid {
    Jid::new(s).unwrap()
}

#[test]
fn message_accessors() {
    let m = Message::try_from(el(
        "<message xmlns='jabber:client' to='juliet@example.com' from='romeo@example.net/orchard' \
         type='chat' id='m1' xml:lang='en'><subject>S</subject><body>Hi</body><body xml:lang='fr'>Salut</body>\
         <thread>t1</thread></message>",
    ))
    .unwrap();
    assert_eq!(m.type_(), MessageType::Chat);
    assert_eq!(m.to(), Some("juliet@example.com"));
    assert_eq!(m.from_jid(), Some(Ok(jid("romeo@example.net/orchard"))));
    assert_eq!(m.id(), Some("m1"));
    assert_eq!(m.lang(), Some("en"));
    assert_eq!(m.body().as_deref(), Some("Hi"));
    assert_eq!(m.subject().as_deref(), Some("S"));
    assert_eq!(m.thread().as_deref(), Some("t1"));
    assert_eq!(m.error(), None);
}

#[test]
fn message_types() {
    let table = [
        (None, MessageType::Normal),
        (Some("chat"), MessageType::Chat),
        (Some("groupchat"), MessageType::Groupchat),
        (Some("headline"), MessageType::Headline),
        (Some("normal"), MessageType::Normal),
        (Some("error"), MessageType::Error),
        (Some("bogus"), MessageType::Normal),
    ];
    for (attr, want) in table {
        assert_eq!(MessageType::from_attr(attr), want);
        if let Some(a) = attr.filter(|a| *a != "bogus") {
            assert_eq!(want.as_str(), a);
        }
    }
}

#[test]
fn message_build() {
    let mut m = Message::chat(&jid("juliet@example.com"), "one");
    m.set_id("x");
    m.set_body(Some("two"));
    m.set_subject(Some("s"));
    m.set_thread(Some("t"));
    m.set_from(Some(&jid("romeo@example.net")));
    assert_eq!(
        m.to_string(),
        "<message xmlns='jabber:client' type='chat' to='juliet@example.com' id='x' from='romeo@example.net'>\
         <body>two</body><subject>s</subject><thread>t</thread></message>"
    );
    m.set_subject(None);
    m.set_thread(None);
    m.set_to(None);
    m.set_type(MessageType::Headline);
    m.element_mut().set_attr("extra", "1");
    let e: Element = m.into();
    assert_eq!(
        e.to_string(),
        "<message xmlns='jabber:client' type='headline' id='x' from='romeo@example.net' extra='1'>\
         <body>two</body></message>"
    );
    assert_eq!(
        Message::try_from(Element::new("presence", ns::CLIENT)),
        Err(InvalidStanza::WrongElement)
    );
    assert_eq!(
        Message::try_from(Element::new("message", "urn:other")),
        Err(InvalidStanza::WrongElement)
    );
    assert!(Message::try_from(Element::new("message", ns::SERVER)).is_ok());
    assert!(Message::try_from(Element::new("message", ns::COMPONENT)).is_ok());
}

#[test]
fn presence() {
    let p = Presence::try_from(el(
        "<presence xmlns='jabber:client'><show>dnd</show><status>busy</status>\
         <priority>-5</priority></presence>",
    ))
    .unwrap();
    assert_eq!(p.type_(), PresenceType::Available);
    assert_eq!(p.show(), Some(Show::Dnd));
    assert_eq!(p.status().as_deref(), Some("busy"));
    assert_eq!(p.priority(), -5);

    let table = [
        (None, Some(PresenceType::Available)),
        (Some("unavailable"), Some(PresenceType::Unavailable)),
        (Some("subscribe"), Some(PresenceType::Subscribe)),
        (Some("subscribed"), Some(PresenceType::Subscribed)),
        (Some("unsubscribe"), Some(PresenceType::Unsubscribe)),
        (Some("unsubscribed"), Some(PresenceType::Unsubscribed)),
        (Some("probe"), Some(PresenceType::Probe)),
        (Some("error"), Some(PresenceType::Error)),
        (Some("available"), None),
    ];
    for (attr, want) in table {
        assert_eq!(PresenceType::from_attr(attr), want, "{attr:?}");
        if let Some(t) = want {
            assert_eq!(t.as_str(), attr);
            assert_eq!(Presence::new(t).type_(), t);
        }
    }
    assert_eq!(
        Presence::try_from(el("<presence xmlns='jabber:client' type='available'/>")),
        Err(InvalidStanza::UnknownType)
    );
    for (text, show) in [
        ("away", Show::Away),
        ("chat", Show::Chat),
        ("dnd", Show::Dnd),
        ("xa", Show::Xa),
    ] {
        assert_eq!(Show::parse(text), Some(show));
        assert_eq!(show.as_str(), text);
    }
    assert_eq!(Show::parse("busy"), None);

    for (text, prio) in [("1", 1), ("127", 127), ("-128", -128), ("128", 0), ("x", 0)] {
        let p = Presence::try_from(el(&format!(
            "<presence xmlns='jabber:client'><priority>{text}</priority></presence>"
        )))
        .unwrap();
        assert_eq!(p.priority(), prio, "{text}");
    }

    let mut p = Presence::available();
    p.set_show(Some(Show::Away));
    p.set_status(Some("out"));
    p.set_priority(10);
    p.set_id("p1");
    assert_eq!(
        p.to_string(),
        "<presence xmlns='jabber:client' id='p1'><show>away</show><status>out</status>\
         <priority>10</priority></presence>"
    );
    p.set_priority(0);
    p.set_show(None);
    assert_eq!(p.id(), Some("p1"));
    assert_eq!(
        p.to_string(),
        "<presence xmlns='jabber:client' id='p1'><status>out</status></presence>"
    );
    assert_eq!(
        Presence::unavailable().to_string(),
        "<presence xmlns='jabber:client' type='unavailable'/>"
    );
    let j = jid("juliet@example.com");
    for (p, t) in [
        (Presence::subscribe(&j), "subscribe"),
        (Presence::subscribed(&j), "subscribed"),
        (Presence::unsubscribe(&j), "unsubscribe"),
        (Presence::unsubscribed(&j), "unsubscribed"),
        (Presence::probe(&j), "probe"),
    ] {
        assert_eq!(p.to(), Some("juliet@example.com"));
        assert_eq!(p.as_element().attr("type"), Some(t));
    }
}

#[test]
fn iq() {
    let iq = Iq::get("q1", Element::new("query", ns::ROSTER));
    assert_eq!(iq.type_(), IqType::Get);
    assert!(iq.type_().is_request());
    assert_eq!(iq.id(), "q1");
    assert!(iq.payload().unwrap().is("query", ns::ROSTER));
    assert_eq!(
        iq.to_string(),
        "<iq xmlns='jabber:client' type='get' id='q1'><query xmlns='jabber:iq:roster'/></iq>"
    );
    let set = Iq::set("s1", Element::new("bind", ns::BIND));
    assert_eq!(set.type_(), IqType::Set);
    assert_eq!(Iq::result("r", None).payload(), None);

    let received = Iq::try_from(el(
        "<iq xmlns='jabber:client' type='get' id='v1' from='a@b/c' to='b'>\
         <query xmlns='jabber:iq:version'/></iq>",
    ))
    .unwrap();
    let mut reply = received.result_reply(Some(Element::new("query", ns::VERSION)));
    assert_eq!(reply.to(), Some("a@b/c"));
    assert_eq!(reply.from(), Some("b"));
    assert_eq!(reply.id(), "v1");
    assert_eq!(reply.type_(), IqType::Result);
    reply
        .payload_mut()
        .unwrap()
        .append_child(Element::new("name", ns::VERSION));
    assert!(reply.payload().unwrap().has_child("name", ns::VERSION));

    let bad: &[(&str, InvalidStanza)] = &[
        (
            "<iq xmlns='jabber:client' type='get'><a xmlns='x'/></iq>",
            InvalidStanza::MissingId,
        ),
        (
            "<iq xmlns='jabber:client' id='1'><a xmlns='x'/></iq>",
            InvalidStanza::MissingType,
        ),
        (
            "<iq xmlns='jabber:client' id='1' type='fetch'><a xmlns='x'/></iq>",
            InvalidStanza::UnknownType,
        ),
        (
            "<iq xmlns='jabber:client' id='1' type='get'/>",
            InvalidStanza::WrongPayloadCount,
        ),
        (
            "<iq xmlns='jabber:client' id='1' type='set'><a xmlns='x'/><b xmlns='x'/></iq>",
            InvalidStanza::WrongPayloadCount,
        ),
        (
            "<iq xmlns='jabber:client' id='1' type='result'><a xmlns='x'/><b xmlns='x'/></iq>",
            InvalidStanza::WrongPayloadCount,
        ),
        (
            "<message xmlns='jabber:client' id='1' type='get'/>",
            InvalidStanza::WrongElement,
        ),
    ];
    for &(input, want) in bad {
        assert_eq!(Iq::try_from(el(input)), Err(want), "{input}");
        assert_eq!(want.stanza_error_condition(), "bad-request");
        assert!(!want.to_string().is_empty());
    }
    for t in [IqType::Get, IqType::Set, IqType::Result, IqType::Error] {
        assert_eq!(IqType::parse(t.as_str()), Some(t));
    }
}

#[test]
fn error_reply() {
    let iq = el(
        "<iq xmlns='jabber:client' type='set' id='x1' from='a@b/c' to='b' xml:lang='en'>\
         <query xmlns='jabber:iq:private'><item/></query></iq>",
    );
    let reply = iq.error_reply(ErrorType::Cancel, "service-unavailable", Some("no & way"));
    assert_eq!(
        reply.to_string(),
        "<iq xmlns='jabber:client' type='error' id='x1' xml:lang='en' to='a@b/c' from='b'>\
         <query xmlns='jabber:iq:private'><item/></query>\
         <error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
         <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no &amp; way</text></error></iq>"
    );
    let parsed = reply.stanza_error().unwrap();
    assert_eq!(
        parsed,
        StanzaError {
            type_: ErrorType::Cancel,
            condition: "service-unavailable".to_owned(),
            text: Some("no & way".to_owned()),
        }
    );
    let iq = Iq::try_from(reply).unwrap();
    assert_eq!(iq.type_(), IqType::Error);
    assert!(iq.payload().unwrap().is("query", ns::PRIVATE));
    assert_eq!(
        iq.error().map(|e| e.condition),
        Some("service-unavailable".to_owned())
    );

    // Messages keep their payload; an existing <error/> is not copied; a
    // bogus condition is replaced.
    let msg = Message::chat(&jid("a@b"), "hello");
    let reply = msg.error_reply(ErrorType::Wait, "not a name", None);
    assert_eq!(
        reply.to_string(),
        "<message xmlns='jabber:client' type='error' from='a@b'><body>hello</body>\
         <error type='wait'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
    );
    let again = reply.error_reply(ErrorType::Modify, "bad-request", None);
    assert_eq!(again.children().filter(|c| c.name() == "error").count(), 1);

    // Server namespace: the error element follows the stanza's namespace.
    let s2s = el("<presence xmlns='jabber:server' from='x@y' to='z'/>");
    let r = s2s.error_reply(ErrorType::Auth, "forbidden", None);
    assert!(r.has_child("error", ns::SERVER));
    assert_eq!(r.stanza_error().unwrap().type_, ErrorType::Auth);
    assert_eq!(
        StanzaError::from_stanza(&el("<iq xmlns='jabber:client' type='result' id='1'/>")),
        None
    );
    let e = StanzaError {
        type_: ErrorType::Continue,
        condition: "x".into(),
        text: None,
    };
    assert!(e.to_element(ns::CLIENT).has_child("x", ns::STANZAS));
    for t in [
        ErrorType::Auth,
        ErrorType::Cancel,
        ErrorType::Continue,
        ErrorType::Modify,
        ErrorType::Wait,
    ] {
        assert_eq!(ErrorType::parse(t.as_str()), Some(t));
    }
}

#[test]
fn stream_errors() {
    assert_eq!(
        String::from_utf8(stream_error("not-well-formed", None)).unwrap(),
        "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
    );
    assert_eq!(
        String::from_utf8(stream_error("policy-violation", Some("too <big>"))).unwrap(),
        "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
         <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>too &lt;big&gt;</text></stream:error>"
    );
    assert_eq!(
        String::from_utf8(stream_error("<bad>", None)).unwrap(),
        "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
    );
    let cond = crate::xml::XmlError::Comment.stream_error_condition();
    assert!(String::from_utf8(stream_error(cond, None))
        .unwrap()
        .contains("<restricted-xml "));
    assert!(is_stanza_ns(ns::CLIENT) && is_stanza_ns(ns::SERVER) && is_stanza_ns(ns::COMPONENT));
    assert!(!is_stanza_ns(ns::STREAM));
}
