//! Hostile input for the stream reader and the JID parser: the bodies of the
//! fuzz targets (`fuzz/fuzz_targets/xml_stream.rs` and `jid.rs`) run over a
//! set of nasty inputs and over pseudo-random mutations of a stream.

use jaxl_xmpp::xml::{Config, StreamEvent, StreamHeader, StreamReader, XmlError};
use jaxl_xmpp::{Element, Jid};

type Outcome = (Vec<StreamEvent>, Option<XmlError>);

fn read(chunks: &[&[u8]], config: &Config) -> Outcome {
    let mut reader = StreamReader::new(config.clone());
    let mut events = Vec::new();
    for chunk in chunks {
        reader.feed(chunk);
        loop {
            match reader.next_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

fn loose() -> Config {
    let mut c = Config::default();
    c.max_stanza_bytes = 64 << 20;
    c.max_attributes = 1024;
    c.max_namespace_bindings = 1 << 16;
    c
}

/// The body of the `xml_stream` fuzz target.
fn fuzz_xml_stream(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let split = usize::from(selector) * input.len() / 256;
    let (a, b) = input.split_at(split);
    let config = Config::default();
    let whole = read(&[input], &config);
    let parts = read(&[a, b], &config);
    assert_eq!(whole, parts, "split at {split}");

    let loose = loose();
    let mut default_ns = String::new();
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    for event in &whole.0 {
        match event {
            StreamEvent::Header(h) => {
                default_ns = h.default_ns.clone();
                stream = StreamHeader::new(default_ns.clone()).to_bytes();
            }
            StreamEvent::Stanza(el) => {
                let text = el.to_string();
                assert_eq!(
                    Element::parse_with(&text, &loose).as_ref(),
                    Ok(el),
                    "{text}"
                );
                el.write_to_in_ns(&mut stream, &default_ns);
                expected.push(el);
            }
            StreamEvent::End => {}
        }
    }
    if !stream.is_empty() {
        let (again, err) = read(&[&stream], &loose);
        assert_eq!(err, None, "{}", String::from_utf8_lossy(&stream));
        let stanzas: Vec<&Element> = again
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Stanza(el) => Some(el),
                _ => None,
            })
            .collect();
        assert_eq!(stanzas, expected);
    }
}

/// The body of the `jid` fuzz target.
fn fuzz_jid(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jid) = Jid::new(text) else {
        return;
    };
    let printed = jid.to_string();
    assert_eq!(Jid::new(&printed).as_ref(), Ok(&jid), "{text:?}");
    assert_eq!(
        Jid::from_parts(jid.node(), jid.domain(), jid.resource()).as_ref(),
        Ok(&jid)
    );
    let bare = jid.bare();
    assert!(bare.is_bare());
    assert_eq!(bare.node(), jid.node());
    assert_eq!(bare.domain(), jid.domain());
    if let Some(res) = jid.resource() {
        assert_eq!(bare.with_resource(res).as_ref(), Ok(&jid));
    }
}

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>";

fn stream_with(body: &str) -> Vec<u8> {
    format!("{HEADER}{body}").into_bytes()
}

/// Reads `input` with default limits, every way the fuzz target would split
/// it at a few points, and returns the outcome of reading it whole.
fn hostile(input: &[u8]) -> Outcome {
    for selector in [0u8, 1, 64, 128, 200, 255] {
        let mut data = vec![selector];
        data.extend_from_slice(input);
        fuzz_xml_stream(&data);
    }
    read(&[input], &Config::default())
}

fn error_of(input: &[u8]) -> Option<XmlError> {
    hostile(input).1
}

#[test]
fn doctype_and_entities() {
    let billion_laughs = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>\
        <!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\
        <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>\
        <stream:stream xmlns:stream='http://etherx.jabber.org/streams'>&lol3;";
    assert_eq!(error_of(billion_laughs.as_bytes()), Some(XmlError::Doctype));
    let inside = stream_with("<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>");
    assert_eq!(error_of(&inside), Some(XmlError::Doctype));
    let entity_decl = stream_with("<message><!ENTITY e 'x'></message>");
    assert_eq!(error_of(&entity_decl), Some(XmlError::Doctype));
    let reference = stream_with("<message><body>&lol9;</body></message>");
    assert_eq!(error_of(&reference), Some(XmlError::UndefinedEntity));
    let in_attr = stream_with("<message to='&xxe;'/>");
    assert_eq!(error_of(&in_attr), Some(XmlError::UndefinedEntity));
    let fine = stream_with("<message><body>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;</body></message>");
    let (events, err) = hostile(&fine);
    assert_eq!(err, None);
    let StreamEvent::Stanza(el) = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(
        el.get_child("body", "jabber:client").unwrap().text(),
        "<>&'\"AB"
    );
}

#[test]
fn restricted_markup() {
    let table: &[(&str, XmlError)] = &[
        ("<message><!-- hi --></message>", XmlError::Comment),
        ("<!-- hi -->", XmlError::Comment),
        (
            "<message><?php system('x') ?></message>",
            XmlError::ProcessingInstruction,
        ),
        ("<?xml version='1.0'?>", XmlError::ProcessingInstruction),
        ("<![CDATA[x]]>", XmlError::TextAtStreamLevel),
        ("junk", XmlError::TextAtStreamLevel),
        ("&amp;", XmlError::TextAtStreamLevel),
    ];
    for &(body, want) in table {
        assert_eq!(error_of(&stream_with(body)), Some(want), "{body}");
    }
}

#[test]
fn unbalanced_tags() {
    let table: &[(&str, XmlError)] = &[
        ("<a><b></a>", XmlError::MismatchedEndTag),
        ("<a></b>", XmlError::MismatchedEndTag),
        ("<a></stream:stream>", XmlError::MismatchedEndTag),
        ("</message>", XmlError::MismatchedEndTag),
        ("<a><b></b></a></a>", XmlError::MismatchedEndTag),
        ("<a>< /a>", XmlError::Malformed),
        ("<a></ a>", XmlError::MismatchedEndTag),
        ("<a/ >", XmlError::InvalidName),
        ("<a =''/>", XmlError::Malformed),
        ("<a b='1'c='2'/><", XmlError::Malformed),
    ];
    for &(body, want) in table {
        // Mismatches inside a stanza are found when the stanza is complete
        // by depth, at the latest when the stream is closed.
        let input = stream_with(&format!("{body}</stream:stream>"));
        assert_eq!(error_of(&input), Some(want), "{body}");
    }
    // Closing the stream while a stanza is open, or never closing it.
    let (events, err) = hostile(&stream_with("<message><body>hi"));
    assert_eq!((events.len(), err), (1, None), "a truncated stanza waits");
}

#[test]
fn attribute_floods() {
    let attrs: String = (0..10_000).map(|i| format!(" a{i}='{i}'")).collect();
    assert_eq!(
        error_of(&stream_with(&format!("<message{attrs}/>"))),
        Some(XmlError::TooManyAttributes)
    );
    let header = format!("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'{attrs}>");
    assert_eq!(
        error_of(header.as_bytes()),
        Some(XmlError::TooManyAttributes)
    );
    let dup = stream_with("<message to='a' to='b'/>");
    assert_eq!(error_of(&dup), Some(XmlError::DuplicateAttribute));
    let decls: String = (0..100)
        .map(|i| format!("<x xmlns:p{i}='urn:{i}'>"))
        .collect();
    let closes = "</x>".repeat(100);
    let mut c = Config::default();
    c.max_depth = 1000;
    let (_, err) = read(&[&stream_with(&format!("{decls}{closes}"))], &c);
    assert_eq!(err, Some(XmlError::TooManyNamespaces));
}

#[test]
fn invalid_utf8() {
    let table: &[&[u8]] = &[
        b"<message><body>\xff</body></message>",
        b"<message><body>\xc0\xaf</body></message>",
        b"<message><body>\xed\xa0\x80</body></message>",
        b"<message><body>\xe2\x82</body></message>",
        b"<message to='\xfe'/>",
        b"<m\xc3/>",
    ];
    for body in table {
        let mut input = HEADER.as_bytes().to_vec();
        input.extend_from_slice(body);
        assert_eq!(error_of(&input), Some(XmlError::InvalidUtf8), "{body:?}");
    }
    let header = b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='\xff'>";
    assert_eq!(error_of(header), Some(XmlError::InvalidUtf8));
    let utf16 = "<stream:stream>"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect::<Vec<u8>>();
    assert_eq!(error_of(&utf16), Some(XmlError::InvalidChar));
    let nul = stream_with("<message>\0</message>");
    assert_eq!(error_of(&nul), Some(XmlError::InvalidChar));
}

#[test]
fn truncated_stream() {
    let full = stream_with("<message to='a@b'><body>hello</body></message>");
    for cut in 0..full.len() {
        let (_, err) = hostile(&full[..cut]);
        assert_eq!(err, None, "cut at {cut}");
    }
    let mut reader = StreamReader::new(Config::default());
    reader.feed(&full[..full.len() - 3]);
    while let Ok(Some(_)) = reader.next_event() {}
    assert!(reader.has_partial_data());
}

#[test]
fn oversized_stanza() {
    let big = format!("<message><body>{}</body></message>", "x".repeat(300 * 1024));
    let input = stream_with(&big);
    let mut reader = StreamReader::new(Config::default());
    let mut err = None;
    let mut peak = 0;
    for chunk in input.chunks(4096) {
        reader.feed(chunk);
        peak = peak.max(reader.buffered());
        if let Err(e) = reader.next_event() {
            err = Some(e);
            break;
        }
    }
    assert_eq!(err, Some(XmlError::StanzaTooLarge));
    assert!(peak <= 256 * 1024 + 2 * 4096, "peak buffer {peak}");
    assert_eq!(error_of(&input), Some(XmlError::StanzaTooLarge));
    assert_eq!(
        XmlError::StanzaTooLarge.stream_error_condition(),
        "policy-violation"
    );
    // Just under the limit is fine.
    let fits = format!("<m>{}</m>", "x".repeat(256 * 1024 - 7));
    assert_eq!(error_of(&stream_with(&fits)), None);
}

#[test]
fn deep_nesting() {
    let deep = "<a>".repeat(100_000);
    assert_eq!(error_of(&stream_with(&deep)), Some(XmlError::TooDeep));
    let empty_deep = "<a>".repeat(63) + "<b/>" + &"</a>".repeat(63);
    assert_eq!(error_of(&stream_with(&empty_deep)), None);
    let too_deep = "<a>".repeat(64) + "<b/>" + &"</a>".repeat(64);
    assert_eq!(error_of(&stream_with(&too_deep)), Some(XmlError::TooDeep));
}

#[test]
fn keepalive_flood() {
    let mut reader = StreamReader::new(Config::default());
    reader.feed(HEADER.as_bytes());
    assert!(matches!(
        reader.next_event(),
        Ok(Some(StreamEvent::Header(_)))
    ));
    let spaces = vec![b' '; 64 * 1024];
    for _ in 0..64 {
        reader.feed(&spaces);
        assert_eq!(reader.next_event(), Ok(None));
    }
    assert!(reader.buffered() <= 2 * spaces.len());
    assert!(!reader.has_partial_data());
}

#[test]
fn namespace_tricks() {
    let (events, err) = hostile(&stream_with(
        "<message xmlns:stream='urn:x'><stream:body/></message>\
         <stream:features/>\
         <x xmlns=''><y/></x>\
         <p:q xmlns:p='jabber:client'/>",
    ));
    assert_eq!(err, None);
    let stanzas: Vec<&Element> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Stanza(el) => Some(el),
            _ => None,
        })
        .collect();
    assert!(stanzas[0].has_child("body", "urn:x"));
    assert!(stanzas[1].is("features", "http://etherx.jabber.org/streams"));
    assert!(stanzas[2].is("x", ""));
    assert!(stanzas[2].has_child("y", ""));
    assert!(stanzas[3].is("q", "jabber:client"));
    let table: &[(&str, XmlError)] = &[
        ("<p:a/>", XmlError::UnboundPrefix),
        ("<a xmlns:p=''/>", XmlError::InvalidNamespaceDeclaration),
        (
            "<a xmlns:xmlns='u'/>",
            XmlError::InvalidNamespaceDeclaration,
        ),
        ("<xmlns:a/>", XmlError::InvalidName),
        (
            "<a xmlns='http://www.w3.org/XML/1998/namespace'/>",
            XmlError::InvalidNamespaceDeclaration,
        ),
    ];
    for &(body, want) in table {
        assert_eq!(error_of(&stream_with(body)), Some(want), "{body}");
    }
    // The stream header itself.
    let table: &[(&str, XmlError)] = &[
        ("<stream:stream>", XmlError::UnboundPrefix),
        (
            "<stream:stream xmlns:stream='jabber:client'>",
            XmlError::BadStreamNamespace,
        ),
        (
            "<stream xmlns='jabber:client'>",
            XmlError::BadStreamNamespace,
        ),
        (
            "<html xmlns='http://etherx.jabber.org/streams'>",
            XmlError::NotAStream,
        ),
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", XmlError::Malformed),
        ("\u{feff}<stream:stream>", XmlError::Malformed),
    ];
    for &(input, want) in table {
        assert_eq!(error_of(input.as_bytes()), Some(want), "{input}");
    }
}

#[test]
fn many_small_stanzas_in_one_chunk() {
    let body = "<presence/>".repeat(20_000);
    let (events, err) = hostile(&stream_with(&body));
    assert_eq!(err, None);
    assert_eq!(events.len(), 20_001);
}

/// A small deterministic generator (xorshift) for mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_mutations() {
    let seed = stream_with(
        "<message to='juliet@example.com' type='chat' xml:lang='en'><body>a &amp; b</body>\
         <x xmlns='jabber:x:data' xmlns:p='urn:p' p:k=\"v'\"><![CDATA[<x>]]></x></message>\
         <presence><show>away</show></presence><iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>\
         </stream:stream>",
    );
    let pieces: &[&[u8]] = &[
        b"<",
        b">",
        b"/>",
        b"</",
        b"'",
        b"\"",
        b"&",
        b";",
        b"<![CDATA[",
        b"]]>",
        b"<!--",
        b"<?",
        b"xmlns='u'",
        b"xmlns:q='v'",
        b" q:a='1'",
        b"\xff",
        b"\0",
        b"<a>",
        b"</a>",
        b"&#1;",
        b"&#x10FFFF;",
        b"</stream:stream>",
        b"<stream:features/>",
        b" ",
        b"\r\n",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut outcomes = [0usize; 2];
    for _ in 0..2000 {
        let mut data = seed.clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(data.len() + 1);
            match rng.below(3) {
                0 => {
                    let piece = pieces[rng.below(pieces.len())];
                    data.splice(at..at, piece.iter().copied());
                }
                1 => {
                    let end = (at + rng.below(8)).min(data.len());
                    data.drain(at..end);
                }
                _ => {
                    if let Some(b) = data.get_mut(at) {
                        *b = rng.next() as u8;
                    }
                }
            }
        }
        let selector = rng.next() as u8;
        let mut input = vec![selector];
        input.extend_from_slice(&data);
        fuzz_xml_stream(&input);
        outcomes[usize::from(read(&[&data], &Config::default()).1.is_some())] += 1;
        let start = rng.below(data.len());
        let end = (start + rng.below(40)).min(data.len());
        fuzz_jid(&data[start..end]);
    }
    // Both accepted and rejected inputs were exercised.
    assert!(outcomes[0] > 100 && outcomes[1] > 100, "{outcomes:?}");
}

#[test]
fn jid_inputs() {
    let inputs: &[&[u8]] = &[
        b"",
        b"@",
        b"/",
        b"@/",
        b"a@b/c",
        b"A@B/C",
        b"[::1]",
        b"[::1]/x",
        b"a@[::ffff:1.2.3.4]",
        b"x@y./z",
        b"\xff",
        "ΣΑΣ@ΕΛ.gr/Σ".as_bytes(),
        "\u{212A}@\u{212A}".as_bytes(),
        "İ@x".as_bytes(),
        b"a@b/c/d@e",
        b"a@b@c/d",
        b"a b@c",
    ];
    for input in inputs {
        fuzz_jid(input);
    }
    let long = "a".repeat(1023);
    fuzz_jid(format!("{long}@{long}/{long}").as_bytes());
    fuzz_jid("İ".repeat(600).as_bytes());
}
