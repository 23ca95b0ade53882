use super::*;
use crate::ns;

const HEADER: &[u8] = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0' xml:lang='en'>";

/// Feeds `input` in chunks of `chunk` bytes, collecting events until the
/// first error.
fn run(input: &[u8], chunk: usize, config: Config) -> (Vec<StreamEvent>, Option<XmlError>) {
    let mut r = StreamReader::new(config);
    let mut events = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        r.feed(piece);
        loop {
            match r.next_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

fn stanzas(events: &[StreamEvent]) -> Vec<&Element> {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Stanza(el) => Some(el),
            _ => None,
        })
        .collect()
}

#[test]
fn header_fields() {
    let (events, err) = run(HEADER, HEADER.len(), Config::default());
    assert_eq!(err, None);
    let StreamEvent::Header(h) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(h.to.as_deref(), Some("example.com"));
    assert_eq!(h.from, None);
    assert_eq!(h.version.as_deref(), Some("1.0"));
    assert_eq!(h.lang.as_deref(), Some("en"));
    assert_eq!(h.default_ns, ns::CLIENT);
    assert_eq!(h.attr("xmlns:stream"), Some(ns::STREAM));
    assert_eq!(h.attributes.len(), 5);
}

#[test]
fn namespaces() {
    let mut input = HEADER.to_vec();
    input.extend_from_slice(
        b"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>\
          <message><body>x</body><x xmlns='jabber:x:data'><field/></x></message>\
          <iq xmlns='jabber:client' type='get' id='1'/>\
          <stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
    );
    let (events, err) = run(&input, input.len(), Config::default());
    assert_eq!(err, None);
    let s = stanzas(&events);
    assert!(s[0].is("features", ns::STREAM));
    assert!(s[0].has_child("bind", ns::BIND));
    assert!(s[1].is("message", ns::CLIENT));
    assert!(s[1].has_child("body", ns::CLIENT));
    let x = s[1].get_child("x", ns::DATA_FORMS).unwrap();
    assert!(x.has_child("field", ns::DATA_FORMS));
    assert!(s[2].is("iq", ns::CLIENT));
    assert!(s[3].is("error", ns::STREAM));
    assert!(s[3].has_child("host-unknown", ns::STREAMS));
}

#[test]
fn server_and_component_namespaces() {
    for (default, prefix_decl) in [
        (ns::SERVER, " xmlns:db='jabber:server:dialback'"),
        (ns::COMPONENT, ""),
    ] {
        let input = format!(
            "<stream:stream xmlns='{default}'{prefix_decl} \
             xmlns:stream='http://etherx.jabber.org/streams'><presence/>{}",
            if prefix_decl.is_empty() {
                "<handshake>aaee</handshake>"
            } else {
                "<db:result from='a' to='b'>key</db:result>"
            }
        );
        let (events, err) = run(input.as_bytes(), 7, Config::default());
        assert_eq!(err, None);
        let s = stanzas(&events);
        assert!(s[0].is("presence", default));
        if prefix_decl.is_empty() {
            assert!(s[1].is("handshake", ns::COMPONENT));
        } else {
            assert!(s[1].is("result", ns::DIALBACK));
        }
    }
}

#[test]
fn other_stream_prefix() {
    let input = b"<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client'>\
        <s:features/><message/></s:stream>";
    let (events, err) = run(input, 1, Config::default());
    assert_eq!(err, None);
    assert_eq!(events.len(), 4);
    assert!(stanzas(&events)[0].is("features", ns::STREAM));
    assert_eq!(events[3], StreamEvent::End);
}

#[test]
fn whitespace_keepalives_and_end() {
    let mut input = HEADER.to_vec();
    input.extend_from_slice(b" \n <presence/>\n\n \t </stream:stream>  trailing garbage <");
    let (events, err) = run(&input, 3, Config::default());
    assert_eq!(err, None);
    assert_eq!(events.len(), 3);
    assert_eq!(events[2], StreamEvent::End);
}

#[test]
fn self_closing_header() {
    let input = b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>";
    let (events, err) = run(input, input.len(), Config::default());
    assert_eq!(err, None);
    assert!(matches!(events[0], StreamEvent::Header(_)));
    assert_eq!(events[1], StreamEvent::End);
}

#[test]
fn restart() {
    let mut r = StreamReader::new(Config::default());
    r.feed(HEADER);
    r.feed(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><injected/>");
    assert!(matches!(r.next_event(), Ok(Some(StreamEvent::Header(_)))));
    match r.next_event() {
        Ok(Some(StreamEvent::Stanza(el))) => assert!(el.is("proceed", ns::TLS)),
        other => panic!("{other:?}"),
    }
    r.reset();
    // The new stream has another default namespace; nothing buffered
    // before the reset survives.
    r.feed(
        b"<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>",
    );
    r.feed(b"<message/>");
    match r.next_event() {
        Ok(Some(StreamEvent::Header(h))) => assert_eq!(h.default_ns, ns::SERVER),
        other => panic!("{other:?}"),
    }
    match r.next_event() {
        Ok(Some(StreamEvent::Stanza(el))) => assert!(el.is("message", ns::SERVER)),
        other => panic!("{other:?}"),
    }
    assert_eq!(r.next_event(), Ok(None));
    // An error is cleared by a reset too.
    r.feed(b"<!-- x -->");
    assert_eq!(r.next_event(), Err(XmlError::Comment));
    assert_eq!(r.next_event(), Err(XmlError::Comment), "errors stick");
    r.feed(b"more");
    assert!(!r.has_partial_data());
    r.reset();
    r.feed(HEADER);
    assert!(matches!(r.next_event(), Ok(Some(StreamEvent::Header(_)))));
}

#[test]
fn partial_and_closed() {
    let mut r = StreamReader::new(Config::default());
    assert!(!r.has_partial_data());
    r.feed(HEADER);
    assert!(r.has_partial_data(), "not scanned yet");
    assert!(r.next_event().unwrap().is_some());
    assert!(!r.has_partial_data());
    r.feed(b"<message><bo");
    assert_eq!(r.next_event(), Ok(None));
    assert!(r.has_partial_data());
    r.feed(b"dy/></message>");
    assert!(r.next_event().unwrap().is_some());
    assert!(!r.has_partial_data());
    assert!(!r.is_closed());
    r.feed(b"</stream:stream>");
    assert_eq!(r.next_event(), Ok(Some(StreamEvent::End)));
    assert!(r.is_closed());
    assert_eq!(r.next_event(), Ok(None));
}

#[test]
fn errors() {
    let table: &[(&[u8], XmlError)] = &[
        (
            b"<?xml version='1.0' encoding='UTF-16'?><stream:stream>",
            XmlError::UnsupportedEncoding,
        ),
        (
            b"<?xml version='1.0'?><?xml version='1.0'?>",
            XmlError::ProcessingInstruction,
        ),
        (b"<?php echo 1 ?>", XmlError::ProcessingInstruction),
        (b"<!DOCTYPE stream>", XmlError::Doctype),
        (b"<!-- hello -->", XmlError::Comment),
        (b"GET / HTTP/1.1\r\n", XmlError::Malformed),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a b='<'/>",
            XmlError::Malformed,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a\x01/>",
            XmlError::InvalidChar,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><![CDATA[x]]>",
            XmlError::TextAtStreamLevel,
        ),
        (b"<html>", XmlError::NotAStream),
        (b"<stream:stream>", XmlError::UnboundPrefix),
        (
            b"<stream:stream xmlns:stream='urn:wrong'>",
            XmlError::BadStreamNamespace,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>hello",
            XmlError::TextAtStreamLevel,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a></b>",
            XmlError::MismatchedEndTag,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'></stream>",
            XmlError::MismatchedEndTag,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><p:a/>",
            XmlError::UnboundPrefix,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a>\xff</a>",
            XmlError::InvalidUtf8,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a>\xef\xbf\xbf</a>",
            XmlError::InvalidChar,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a>&ent;</a>",
            XmlError::UndefinedEntity,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a><?pi?></a>",
            XmlError::ProcessingInstruction,
        ),
        (
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams' a='1' a='2'>",
            XmlError::DuplicateAttribute,
        ),
    ];
    for &(input, want) in table {
        for chunk in [1, 5, input.len()] {
            let (_, err) = run(input, chunk, Config::default());
            assert_eq!(
                err,
                Some(want),
                "{} (chunk {chunk})",
                String::from_utf8_lossy(input)
            );
        }
    }
}

#[test]
fn limits() {
    let small = Config {
        max_stanza_bytes: 100,
        max_depth: 3,
        max_attributes: 4,
        max_namespace_bindings: 2,
    };
    let header =
        b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'>";
    let cases: &[(&str, Option<XmlError>)] = &[
        (&format!("<a>{}</a>", "x".repeat(93)), None),
        (
            &format!("<a>{}</a>", "x".repeat(94)),
            Some(XmlError::StanzaTooLarge),
        ),
        ("<a><b><c/></b></a>", None),
        ("<a><b><c><d/></c></b></a>", Some(XmlError::TooDeep)),
        ("<a p='1' q='2' r='3' s='4'/>", None),
        (
            "<a p='1' q='2' r='3' s='4' t='5'/>",
            Some(XmlError::TooManyAttributes),
        ),
        ("<a xmlns:p='1' xmlns:q='2'/>", None),
        (
            "<a xmlns:p='1'><b xmlns:q='2' xmlns:r='3'/></a>",
            Some(XmlError::TooManyNamespaces),
        ),
    ];
    for (stanza, want) in cases {
        let mut input = header.to_vec();
        input.extend_from_slice(stanza.as_bytes());
        for chunk in [1, 2, 10, input.len()] {
            let (events, err) = run(&input, chunk, small.clone());
            assert_eq!(err, *want, "{stanza} chunk {chunk}");
            assert_eq!(events.len(), if want.is_none() { 2 } else { 1 }, "{stanza}");
        }
    }
    // The header is held to the byte limit too.
    let big_header = format!(
        "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='{}'>",
        "x".repeat(200)
    );
    let (_, err) = run(big_header.as_bytes(), 16, small);
    assert_eq!(err, Some(XmlError::StanzaTooLarge));
}

#[test]
fn buffer_stays_bounded() {
    let mut r = StreamReader::new(Config::default());
    r.feed(HEADER);
    assert!(r.next_event().unwrap().is_some());
    let stanza = b"<message to='a@b'><body>hello</body></message>";
    for _ in 0..10_000 {
        r.feed(stanza);
        assert!(matches!(r.next_event(), Ok(Some(StreamEvent::Stanza(_)))));
    }
    assert!(r.buffered() <= 2 * stanza.len(), "{}", r.buffered());
}
