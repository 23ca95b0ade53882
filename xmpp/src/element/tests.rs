use super::*;

fn parse(s: &str) -> Element {
    Element::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn round_trip(el: &Element) {
    let text = el.to_string();
    let again = Element::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(&again, el, "{text}");
    let mut bytes = Vec::new();
    el.write_to(&mut bytes);
    assert_eq!(bytes, text.as_bytes());
}

#[test]
fn builder_and_accessors() {
    let el = Element::builder("message", ns::CLIENT)
        .attr("to", "juliet@example.com")
        .attr("type", "chat")
        .attr_opt("id", None::<&str>)
        .attr_opt("xml:lang", Some("en"))
        .append(
            Element::builder("body", ns::CLIENT)
                .text("Hi ")
                .text("there"),
        )
        .append(Element::new("active", ns::CHATSTATES))
        .build();
    assert!(el.is("message", ns::CLIENT));
    assert_eq!(el.attr("to"), Some("juliet@example.com"));
    assert_eq!(el.attr("id"), None);
    assert_eq!(el.attr("xml:lang"), Some("en"));
    assert_eq!(el.attr_ns("lang", Some(ns::XML)), Some("en"));
    let body = el.get_child("body", ns::CLIENT).unwrap();
    assert_eq!(body.text(), "Hi there");
    assert_eq!(body.nodes().len(), 1, "adjacent text is merged");
    assert!(el.has_child("active", ns::CHATSTATES));
    assert!(!el.has_child("active", ns::CLIENT));
    assert_eq!(el.children().count(), 2);
    assert_eq!(el.first_child().map(Element::name), Some("body"));
    assert_eq!(
        el.to_string(),
        "<message xmlns='jabber:client' to='juliet@example.com' type='chat' xml:lang='en'>\
         <body>Hi there</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>"
    );
    round_trip(&el);
}

#[test]
fn mutation() {
    let mut el = parse("<a xmlns='x' k='1'>t1<b/>t2<c/></a>");
    el.set_attr("k", "2");
    el.set_attr("n", "3");
    assert_eq!(el.attrs().len(), 2);
    assert_eq!(el.attr("k"), Some("2"));
    assert_eq!(el.remove_attr("k"), Some("2".to_owned()));
    assert_eq!(el.remove_attr("k"), None);
    assert_eq!(el.text(), "t1t2");
    let b = el.remove_child("b", "x").unwrap();
    assert!(b.is("b", "x"));
    assert_eq!(el.nodes().len(), 2, "text around the removed child merged");
    assert_eq!(el.nodes()[0], Node::Text("t1t2".to_owned()));
    el.set_text("new");
    assert_eq!(el.text(), "new");
    el.get_child_mut("c", "x").unwrap().set_attr("z", "1");
    assert_eq!(el.to_string(), "<a xmlns='x' n='3'><c z='1'/>new</a>");
    el.append_text("");
    assert_eq!(el.nodes().len(), 2);
    el.clear_children();
    assert!(el.nodes().is_empty());
    el.set_attr_ns("foo", Some("urn:a"), "v");
    assert_eq!(el.attr_ns("foo", Some("urn:a")), Some("v"));
    assert_eq!(el.attr("foo"), None);
    round_trip(&el);
}

#[test]
fn escaping_round_trip() {
    let el = Element::builder("x", "urn:test")
        .attr("a", "<&>'\"\t\n\r end")
        .text("<&>'\" ]]> \r\n")
        .append(Element::new("y", "urn:test"))
        .text("tail")
        .build();
    assert_eq!(
        el.to_string(),
        "<x xmlns='urn:test' a='&lt;&amp;&gt;&apos;&quot;&#9;&#10;&#13; end'>\
         &lt;&amp;&gt;'\" ]]&gt; &#13;\n<y/>tail</x>"
    );
    round_trip(&el);
}

#[test]
fn invalid_chars_are_replaced() {
    let el = Element::builder("x", "")
        .attr("a", "\u{1}")
        .text("a\u{0}b\u{FFFE}")
        .build();
    assert_eq!(el.to_string(), "<x a='\u{FFFD}'>a\u{FFFD}b\u{FFFD}</x>");
}

#[test]
fn namespaces_in_output() {
    // A child in no namespace under a defaulted parent must undeclare.
    let el = Element::builder("a", "urn:a")
        .append(Element::builder("b", "").append(Element::new("c", "")))
        .append(Element::new("d", "urn:a"))
        .build();
    assert_eq!(
        el.to_string(),
        "<a xmlns='urn:a'><b xmlns=''><c/></b><d/></a>"
    );
    round_trip(&el);

    let features = Element::builder("features", ns::STREAM)
        .append(Element::builder("starttls", ns::TLS).append(Element::new("required", ns::TLS)))
        .build();
    assert_eq!(
        features.to_string(),
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
         <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
    );
    round_trip(&features);
    let mut out = Vec::new();
    features.write_to_in_ns(&mut out, ns::CLIENT);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
    );

    let msg = Element::builder("message", ns::CLIENT)
        .append(Element::builder("body", ns::CLIENT).text("x"))
        .build();
    let mut out = Vec::new();
    msg.write_to_in_ns(&mut out, ns::CLIENT);
    assert_eq!(out, b"<message><body>x</body></message>");
    let mut out = Vec::new();
    msg.write_to_in_ns(&mut out, ns::SERVER);
    assert_eq!(
        out,
        b"<message xmlns='jabber:client'><body>x</body></message>"
    );
}

#[test]
fn namespaced_attributes() {
    let el = parse(
        "<a xmlns='urn:a' xmlns:p='urn:p' xmlns:q='urn:q' p:x='1' q:x='2' x='3' xml:lang='en'/>",
    );
    assert_eq!(el.attr("x"), Some("3"));
    assert_eq!(el.attr_ns("x", Some("urn:p")), Some("1"));
    assert_eq!(el.attr_ns("x", Some("urn:q")), Some("2"));
    assert_eq!(el.attr("xml:lang"), Some("en"));
    assert_eq!(el.attrs().len(), 4, "declarations are not attributes");
    assert_eq!(el.attrs()[0].ns(), Some("urn:p"));
    assert_eq!(el.attrs()[0].name(), "x");
    assert_eq!(el.attrs()[0].value(), "1");
    round_trip(&el);
    assert_eq!(
        el.to_string(),
        "<a xmlns='urn:a' xmlns:ns0='urn:p' ns0:x='1' xmlns:ns1='urn:q' ns1:x='2' x='3' xml:lang='en'/>"
    );
}

#[test]
fn rewrite_ns() {
    let mut el = parse(
        "<message xmlns='jabber:client'><body>x</body><x xmlns='urn:x'><body/></x></message>",
    );
    el.rewrite_ns(ns::CLIENT, ns::SERVER);
    assert!(el.is("message", ns::SERVER));
    assert!(el.has_child("body", ns::SERVER));
    assert!(el
        .get_child("x", "urn:x")
        .unwrap()
        .has_child("body", "urn:x"));
    el.set_ns("urn:other");
    assert_eq!(el.ns(), "urn:other");
}

#[test]
fn parse_round_trips() {
    let inputs = [
        "<a/>",
        "<a xmlns='urn:a'>text<b xmlns='urn:b' c='d'>more &amp; &lt;less&gt; &#x263A;</b><![CDATA[<raw>]]></a>",
        "<p:a xmlns:p='urn:p'><p:b/><c/></p:a>",
        "<a xmlns='urn:a'><b xmlns=''/></a>",
        "<a>  \n  <b/>\n</a>",
        "<a x='&#10;&#9;&#13;' y='a\nb'/>",
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>",
        "<a xmlns:s='http://etherx.jabber.org/streams' s:x='1'/>",
        "<xml:a xmlns='urn:a'><b/></xml:a>",
        "<a xmlns:p='urn:p' p:xmlns='1'/>",
        "<s:a xmlns:s='http://etherx.jabber.org/streams'><s:b><c xmlns='u'/></s:b></s:a>",
    ];
    for input in inputs {
        round_trip(&parse(input));
    }
    let el = parse("<a x='a\nb\tc' y='&#10;'/>");
    assert_eq!(el.attr("x"), Some("a b c"), "attribute-value normalisation");
    assert_eq!(el.attr("y"), Some("\n"));
    let el = parse("<a>x\r\ny\rz</a>");
    assert_eq!(el.text(), "x\ny\nz", "line-end normalisation");
    let el = parse("<a><![CDATA[<b>]]>&amp;</a>");
    assert_eq!(el.nodes(), &[Node::Text("<b>&".to_owned())]);
}

#[test]
fn parse_errors() {
    let table: &[(&str, XmlError)] = &[
        ("", XmlError::Malformed),
        ("text", XmlError::Malformed),
        ("<a/><b/>", XmlError::Malformed),
        ("<a/>x", XmlError::Malformed),
        ("<a>", XmlError::Malformed),
        ("<a></b>", XmlError::MismatchedEndTag),
        ("<a><!-- c --></a>", XmlError::Comment),
        ("<!DOCTYPE a><a/>", XmlError::Doctype),
        ("<?pi x?><a/>", XmlError::ProcessingInstruction),
        ("<a>&foo;</a>", XmlError::UndefinedEntity),
        ("<a b='&foo;'/>", XmlError::UndefinedEntity),
        ("<a>&#0;</a>", XmlError::InvalidChar),
        ("<a>&#1;</a>", XmlError::InvalidChar),
        ("<a>&#xFFFE;</a>", XmlError::InvalidChar),
        ("<a b='&#1;'/>", XmlError::InvalidChar),
        ("<a>\u{1}</a>", XmlError::InvalidChar),
        ("<a>& b</a>", XmlError::Malformed),
        ("<p:a/>", XmlError::UnboundPrefix),
        ("<a p:b='1'/>", XmlError::UnboundPrefix),
        ("<a b='1' b='2'/>", XmlError::DuplicateAttribute),
        (
            "<a xmlns:p='u' xmlns:q='u' p:b='1' q:b='2'/>",
            XmlError::DuplicateAttribute,
        ),
        ("<a xmlns:p=''/>", XmlError::InvalidNamespaceDeclaration),
        (
            "<a xmlns:xml='urn:x'/>",
            XmlError::InvalidNamespaceDeclaration,
        ),
        (
            "<a xmlns:xmlns='urn:x'/>",
            XmlError::InvalidNamespaceDeclaration,
        ),
        (
            "<a xmlns:p='http://www.w3.org/XML/1998/namespace'/>",
            XmlError::InvalidNamespaceDeclaration,
        ),
        ("<1a/>", XmlError::InvalidName),
        ("<a:b:c/>", XmlError::InvalidName),
        ("<a b/>", XmlError::Malformed),
        ("<a b=c/>", XmlError::Malformed),
        ("<xmlns:a/>", XmlError::InvalidName),
    ];
    for &(input, err) in table {
        assert_eq!(Element::parse(input), Err(err), "{input:?}");
    }
    assert!("<a/>".parse::<Element>().is_ok());
}

#[test]
fn parse_limits() {
    let deep = "<a>".repeat(65) + &"</a>".repeat(65);
    assert_eq!(Element::parse(&deep), Err(XmlError::TooDeep));
    let ok = "<a>".repeat(64) + &"</a>".repeat(64);
    assert!(Element::parse(&ok).is_ok());
    let attrs: String = (0..65).map(|i| format!(" a{i}='x'")).collect();
    assert_eq!(
        Element::parse(&format!("<a{attrs}/>")),
        Err(XmlError::TooManyAttributes)
    );
    let decls: String = (0..40).map(|i| format!(" xmlns:p{i}='u'")).collect();
    let nested = format!("<a{decls}><b{decls}/></a>");
    assert_eq!(Element::parse(&nested), Err(XmlError::TooManyNamespaces));
}
