//! A realistic client-server session read at every split point.

use jaxl_xmpp::stanza::{Iq, IqType, Message, MessageType, Presence, Show};
use jaxl_xmpp::xml::{Config, StreamEvent, StreamReader, XmlError};
use jaxl_xmpp::{ns, Element};

/// What the server receives, one segment per stream (restarts after
/// STARTTLS and SASL success).
const CLIENT_TO_SERVER: [&str; 3] = [
    "<?xml version='1.0'?>\n<stream:stream to='example.com' version='1.0' xml:lang='en' \
     xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>\n\
     <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
    "<stream:stream to='example.com' version='1.0' xml:lang='en' xmlns='jabber:client' \
     xmlns:stream='http://etherx.jabber.org/streams'>\
     <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldAByMG0zMG15cjBtMzA=</auth>",
    "<stream:stream to=\"example.com\" version=\"1.0\" xml:lang=\"en\" xmlns=\"jabber:client\" \
     xmlns:stream=\"http://etherx.jabber.org/streams\">\
     <iq id='tn281v37' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
     <resource>balcony</resource></bind></iq>\n\
     <presence><show>chat</show><status>Waiting for Romeo &amp; the moon</status><priority>1</priority>\
     <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://example.com/app' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>\n\
     <message to='romeo@example.net' type='chat' id='ktx72v49' xml:lang='en'>\
     <body>Art thou not Romeo, and a Montague? &#x2764; &lt;3</body>\
     <thread>e0ffe42b28561960c6b12b944a092794b9683a38</thread>\
     <active xmlns='http://jabber.org/protocol/chatstates'/></message>\
     <iq from='juliet@example.com/balcony' to='example.com' id='s2c1' type='result'/>\
     \n \n\
     <message to='romeo@example.net'><body><![CDATA[if (a < b && c > d) { return \"]]\"; }]]></body></message>\
     </stream:stream>",
];

/// What the client receives.
const SERVER_TO_CLIENT: [&str; 3] = [
    "<?xml version='1.0'?><stream:stream from='example.com' id='t7AMCin9zjMNwQKDnplntZPIDEI=' \
     to='juliet@example.com' version='1.0' xml:lang='en' xmlns='jabber:client' \
     xmlns:stream='http://etherx.jabber.org/streams'>\
     <stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>\
     <proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
    "<stream:stream from='example.com' id='gPybzaOzBmaADgxKXu9UClbprp0=' to='juliet@example.com' \
     version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>\
     <stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
     <mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism>\
     </mechanisms></stream:features>\
     <success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
    "<stream:stream from='example.com' id='M8dnxYW6MsUt8ORnZ9nT4hI3SzI=' to='juliet@example.com' \
     version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>\
     <stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\
     <sm xmlns='urn:xmpp:sm:3'/></stream:features>\
     <iq id='tn281v37' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
     <jid>juliet@example.com/balcony</jid></bind></iq>\
     <presence from='romeo@example.net/orchard' to='juliet@example.com/balcony' xml:lang='en'>\
     <show>away</show><status>be right back</status><priority>0</priority></presence>\
     <message from='romeo@example.net/orchard' to='juliet@example.com/balcony' type='chat' id='sl3nx51f'>\
     <body>Neither, fair saint, if either thee dislike.</body>\
     <x xmlns='jabber:x:data' type='form'><field var='a' type='text-single'><value>&apos;q&quot;</value></field></x>\
     </message>\
     <iq from='example.com' to='juliet@example.com/balcony' id='s2c1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>\
     <stream:error><connection-timeout xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
     <text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>idle</text></stream:error>\
     </stream:stream>",
];

type Outcome = (Vec<StreamEvent>, Option<XmlError>);

fn drain(r: &mut StreamReader, events: &mut Vec<StreamEvent>) -> Option<XmlError> {
    loop {
        match r.next_event() {
            Ok(Some(e)) => events.push(e),
            Ok(None) => return None,
            Err(e) => return Some(e),
        }
    }
}

fn read_chunks(chunks: &[&[u8]]) -> Outcome {
    let mut r = StreamReader::new(Config::default());
    let mut events = Vec::new();
    for c in chunks {
        r.feed(c);
        if let Some(e) = drain(&mut r, &mut events) {
            return (events, Some(e));
        }
    }
    (events, None)
}

/// Checks that every split into two chunks, one-byte feeding and a grid of
/// three-chunk splits all give the same events.
fn check_every_split(input: &[u8]) -> Vec<StreamEvent> {
    let whole = read_chunks(&[input]);
    assert_eq!(whole.1, None, "{}", String::from_utf8_lossy(input));
    for i in 0..=input.len() {
        let (a, b) = input.split_at(i);
        assert_eq!(read_chunks(&[a, b]), whole, "split at {i}");
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(read_chunks(&bytes), whole, "one byte at a time");
    for i in (0..input.len()).step_by(13) {
        for j in (i..input.len()).step_by(17) {
            let (a, rest) = input.split_at(i);
            let (b, c) = rest.split_at(j - i);
            assert_eq!(read_chunks(&[a, b, c]), whole, "split at {i}, {j}");
        }
    }
    whole.0
}

fn stanzas(events: &[StreamEvent]) -> Vec<Element> {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Stanza(el) => Some(el.clone()),
            _ => None,
        })
        .collect()
}

/// Writes each stanza as inside a stream and reads it back, and as a
/// standalone fragment and parses it back.
fn check_rewrite(events: &[StreamEvent]) {
    let Some(StreamEvent::Header(header)) = events.first() else {
        panic!("no header")
    };
    let mut stream = header.to_bytes();
    for el in stanzas(events) {
        el.write_to_in_ns(&mut stream, &header.default_ns);
        let standalone = el.to_string();
        assert_eq!(Element::parse(&standalone), Ok(el.clone()), "{standalone}");
    }
    let ended = matches!(events.last(), Some(StreamEvent::End));
    if ended {
        stream.extend_from_slice(jaxl_xmpp::xml::STREAM_END.as_bytes());
    }
    let (again, err) = read_chunks(&[&stream]);
    assert_eq!(err, None, "{}", String::from_utf8_lossy(&stream));
    assert_eq!(stanzas(&again), stanzas(events));
    assert_eq!(matches!(again.last(), Some(StreamEvent::End)), ended);
}

#[test]
fn client_to_server_every_split() {
    let segments: Vec<Vec<StreamEvent>> = CLIENT_TO_SERVER
        .iter()
        .map(|s| check_every_split(s.as_bytes()))
        .collect();
    for events in &segments {
        check_rewrite(events);
    }
    let StreamEvent::Header(h) = &segments[0][0] else {
        panic!()
    };
    assert_eq!(h.to.as_deref(), Some("example.com"));
    assert_eq!(h.default_ns, ns::CLIENT);
    let s0 = stanzas(&segments[0]);
    assert!(s0[0].is("starttls", ns::TLS));
    let s1 = stanzas(&segments[1]);
    assert!(s1[0].is("auth", ns::SASL));
    assert_eq!(s1[0].attr("mechanism"), Some("PLAIN"));
    assert_eq!(s1[0].text(), "AGp1bGlldAByMG0zMG15cjBtMzA=");

    let s2 = stanzas(&segments[2]);
    assert_eq!(s2.len(), 5);
    let bind = Iq::try_from(s2[0].clone()).unwrap();
    assert_eq!(bind.type_(), IqType::Set);
    let payload = bind.payload().unwrap();
    assert!(payload.is("bind", ns::BIND));
    assert_eq!(
        payload.get_child("resource", ns::BIND).unwrap().text(),
        "balcony"
    );
    let presence = Presence::try_from(s2[1].clone()).unwrap();
    assert_eq!(presence.show(), Some(Show::Chat));
    assert_eq!(
        presence.status().as_deref(),
        Some("Waiting for Romeo & the moon")
    );
    assert_eq!(presence.priority(), 1);
    assert!(s2[1].has_child("c", ns::CAPS));
    let msg = Message::try_from(s2[2].clone()).unwrap();
    assert_eq!(msg.type_(), MessageType::Chat);
    assert_eq!(
        msg.body().as_deref(),
        Some("Art thou not Romeo, and a Montague? \u{2764} <3")
    );
    assert_eq!(msg.lang(), Some("en"));
    assert!(s2[2].has_child("active", ns::CHATSTATES));
    assert_eq!(Iq::try_from(s2[3].clone()).unwrap().type_(), IqType::Result);
    let cdata = Message::try_from(s2[4].clone()).unwrap();
    assert_eq!(
        cdata.body().as_deref(),
        Some("if (a < b && c > d) { return \"]]\"; }")
    );
    assert_eq!(segments[2].last(), Some(&StreamEvent::End));
}

#[test]
fn server_to_client_every_split() {
    let segments: Vec<Vec<StreamEvent>> = SERVER_TO_CLIENT
        .iter()
        .map(|s| check_every_split(s.as_bytes()))
        .collect();
    for events in &segments {
        check_rewrite(events);
    }
    let s0 = stanzas(&segments[0]);
    assert!(s0[0].is("features", ns::STREAM));
    assert!(s0[0]
        .get_child("starttls", ns::TLS)
        .unwrap()
        .has_child("required", ns::TLS));
    assert!(s0[1].is("proceed", ns::TLS));
    let s1 = stanzas(&segments[1]);
    let mechs: Vec<String> = s1[0]
        .get_child("mechanisms", ns::SASL)
        .unwrap()
        .children()
        .map(Element::text)
        .collect();
    assert_eq!(mechs, ["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN"]);
    assert!(s1[1].is("success", ns::SASL));
    let s2 = stanzas(&segments[2]);
    assert!(s2[0].has_child("sm", ns::SM));
    let bound = Iq::try_from(s2[1].clone()).unwrap();
    assert_eq!(
        bound
            .payload()
            .unwrap()
            .get_child("jid", ns::BIND)
            .unwrap()
            .text(),
        "juliet@example.com/balcony"
    );
    let p = Presence::try_from(s2[2].clone()).unwrap();
    assert_eq!(p.show(), Some(Show::Away));
    assert_eq!(p.from_jid().unwrap().unwrap().resource(), Some("orchard"));
    let m = Message::try_from(s2[3].clone()).unwrap();
    let value = m
        .as_element()
        .get_child("x", ns::DATA_FORMS)
        .and_then(|x| x.get_child("field", ns::DATA_FORMS))
        .and_then(|f| f.get_child("value", ns::DATA_FORMS))
        .map(Element::text);
    assert_eq!(value.as_deref(), Some("'q\""));
    let ping = Iq::try_from(s2[4].clone()).unwrap();
    assert!(ping.payload().unwrap().is("ping", ns::PING));
    let pong = ping.result_reply(None);
    assert_eq!(pong.to(), Some("example.com"));
    assert!(s2[5].is("error", ns::STREAM));
    assert!(s2[5].has_child("connection-timeout", ns::STREAMS));
    assert_eq!(segments[2].last(), Some(&StreamEvent::End));
}

#[test]
fn one_reader_with_restarts() {
    let mut r = StreamReader::new(Config::default());
    let mut names = Vec::new();
    for segment in SERVER_TO_CLIENT {
        r.reset();
        for chunk in segment.as_bytes().chunks(100) {
            r.feed(chunk);
            let mut events = Vec::new();
            assert_eq!(drain(&mut r, &mut events), None);
            for e in events {
                names.push(match e {
                    StreamEvent::Header(_) => "header".to_owned(),
                    StreamEvent::Stanza(el) => el.name().to_owned(),
                    StreamEvent::End => "end".to_owned(),
                });
            }
        }
    }
    assert_eq!(
        names,
        [
            "header", "features", "proceed", "header", "features", "success", "header", "features",
            "iq", "presence", "message", "iq", "error", "end"
        ]
    );
}

#[test]
#[ignore = "prints throughput; run with --ignored --nocapture"]
fn throughput() {
    let mut corpus = Vec::new();
    let body: String = SERVER_TO_CLIENT[2]
        .split_once("</stream:features>")
        .and_then(|(_, rest)| rest.split_once("<stream:error>"))
        .map(|(stanzas, _)| stanzas.to_owned())
        .unwrap();
    while corpus.len() < 16 << 20 {
        corpus.extend_from_slice(body.as_bytes());
    }
    let header = SERVER_TO_CLIENT[2]
        .split_once("<stream:features>")
        .unwrap()
        .0;
    for chunk_size in [1500, 16 * 1024] {
        let start = std::time::Instant::now();
        let mut r = StreamReader::new(Config::default());
        r.feed(header.as_bytes());
        let mut n = 0usize;
        let mut events = Vec::new();
        for chunk in corpus.chunks(chunk_size) {
            r.feed(chunk);
            assert_eq!(drain(&mut r, &mut events), None);
            n += events.len();
            events.clear();
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "chunks of {chunk_size} B: {:.1} MB/s, {:.0} stanzas/s ({n} events)",
            corpus.len() as f64 / secs / 1e6,
            n as f64 / secs
        );
    }
}
