//! The stream header (`<stream:stream ...>`): parsed form and writer.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::chars::{split_qname, write_attr_value, VecWriter};
use super::parse::{map_error, open_element, Limits, Scope};
use super::XmlError;
use crate::ns;

/// The attributes of a stream header, as received or to be sent.
///
/// Received headers are produced by [`StreamReader`](super::StreamReader);
/// headers to send are made with [`StreamHeader::new`] or
/// [`StreamHeader::response`] and written with [`StreamHeader::write_to`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StreamHeader {
    /// The `to` attribute.
    pub to: Option<String>,
    /// The `from` attribute.
    pub from: Option<String>,
    /// The `id` attribute (the stream id, set by the receiving entity).
    pub id: Option<String>,
    /// The `version` attribute (`"1.0"` for XMPP 1.0 streams).
    pub version: Option<String>,
    /// The `xml:lang` attribute.
    pub lang: Option<String>,
    /// The default namespace (the content namespace: `jabber:client`,
    /// `jabber:server`, `jabber:component:accept`, ...; `""` if undeclared).
    /// The reader does not check it: whether it is acceptable depends on the
    /// kind of stream.
    pub default_ns: String,
    /// Every attribute of a received header in document order (qualified
    /// name, unescaped value), namespace declarations included.
    ///
    /// When writing, the attributes already covered by the fields above
    /// (`xmlns`, `xmlns:stream`, `to`, `from`, `id`, `version`, `xml:lang`),
    /// repeated names and names that are not valid XML names are skipped;
    /// the others (such as `xmlns:db`) are written as they are.
    pub attributes: Vec<(String, String)>,
}

/// Attribute names the fields of [`StreamHeader`] stand for.
const KNOWN: [&str; 7] = [
    "xmlns",
    "xmlns:stream",
    "to",
    "from",
    "id",
    "version",
    "xml:lang",
];

impl StreamHeader {
    /// A header for a new stream in `default_ns` with `version='1.0'`.
    pub fn new(default_ns: impl Into<String>) -> Self {
        StreamHeader {
            default_ns: default_ns.into(),
            version: Some("1.0".to_owned()),
            ..StreamHeader::default()
        }
    }

    /// Sets `to`.
    pub fn with_to(mut self, to: impl Into<String>) -> Self {
        self.to = Some(to.into());
        self
    }

    /// Sets `from`.
    pub fn with_from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Sets `id`.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets `xml:lang`.
    pub fn with_lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }

    /// The value of a received attribute by qualified name (`"version"`,
    /// `"xmlns:db"`, ...).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The header a receiving entity answers this (received) header with,
    /// per RFC 6120 §4.7: `from` and `to` swapped, the new stream `id`,
    /// `version='1.0'` if the initiator sent a version, the same `xml:lang`,
    /// default namespace and extra namespace declarations (such as
    /// `xmlns:db`).
    pub fn response(&self, id: impl Into<String>) -> StreamHeader {
        StreamHeader {
            to: self.from.clone(),
            from: self.to.clone(),
            id: Some(id.into()),
            version: self.version.as_ref().map(|_| "1.0".to_owned()),
            lang: self.lang.clone(),
            default_ns: self.default_ns.clone(),
            attributes: self
                .attributes
                .iter()
                .filter(|(n, _)| n.starts_with("xmlns:") && n != "xmlns:stream")
                .cloned()
                .collect(),
        }
    }

    /// Appends the XML declaration and the stream header to `out`, for
    /// instance `<?xml version='1.0'?><stream:stream xmlns='jabber:client'
    /// xmlns:stream='http://etherx.jabber.org/streams' to='example.com'
    /// version='1.0'>`. Values are escaped; never fails.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"<?xml version='1.0'?><stream:stream");
        let mut w = VecWriter(out);
        if !self.default_ns.is_empty() {
            put(&mut w, "xmlns", &self.default_ns);
        }
        put(&mut w, "xmlns:stream", ns::STREAM);
        let fields = [
            ("to", &self.to),
            ("from", &self.from),
            ("id", &self.id),
            ("version", &self.version),
            ("xml:lang", &self.lang),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                put(&mut w, name, v);
            }
        }
        let mut written: Vec<&str> = Vec::new();
        for (name, value) in &self.attributes {
            let name = name.as_str();
            if !KNOWN.contains(&name) && !written.contains(&name) && split_qname(name).is_some() {
                put(&mut w, name, value);
                written.push(name);
            }
        }
        out.push(b'>');
    }

    /// The header as bytes (see [`StreamHeader::write_to`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }
}

fn put(w: &mut VecWriter<'_>, name: &str, value: &str) {
    w.0.push(b' ');
    w.0.extend_from_slice(name.as_bytes());
    w.0.extend_from_slice(b"='");
    write_attr_value(w, value).ok();
    w.0.push(b'\'');
}

/// Checks the XML declaration `<?xml ...?>` found before the header.
pub(crate) fn check_decl(text: &str) -> Result<(), XmlError> {
    let rest = text
        .strip_prefix("<?xml")
        .ok_or(XmlError::ProcessingInstruction)?;
    match rest.bytes().next() {
        Some(b' ' | b'\t' | b'\n' | b'\r') => {}
        Some(b'?') => return Err(XmlError::InvalidXmlDeclaration),
        _ => return Err(XmlError::ProcessingInstruction),
    }
    let mut reader = Reader::from_str(text);
    let decl = match reader.read_event() {
        Ok(Event::Decl(d)) => d,
        Ok(_) => return Err(XmlError::InvalidXmlDeclaration),
        Err(e) => return Err(map_error(&e)),
    };
    let version = decl
        .version()
        .map_err(|_| XmlError::InvalidXmlDeclaration)?;
    if version != "1.0" {
        return Err(XmlError::InvalidXmlDeclaration);
    }
    if let Some(enc) = decl.encoding() {
        let enc = enc.map_err(|_| XmlError::InvalidXmlDeclaration)?;
        if !enc.eq_ignore_ascii_case("utf-8") {
            return Err(XmlError::UnsupportedEncoding);
        }
    }
    Ok(())
}

/// Parses the stream root's start tag, replacing `scope` with its namespace
/// bindings. Returns the header and the root's qualified name.
pub(crate) fn parse_header(
    text: &str,
    scope: &mut Scope,
    limits: &Limits,
) -> Result<(StreamHeader, String), XmlError> {
    let mut reader = Reader::from_str(text);
    let start = match reader.read_event() {
        Ok(Event::Start(s)) | Ok(Event::Empty(s)) => s,
        Ok(_) => return Err(XmlError::Malformed),
        Err(e) => return Err(map_error(&e)),
    };
    scope.clear();
    let opened = open_element(&start, scope, 0, limits, true)?;
    let el = &opened.element;
    if el.name() != "stream" {
        return Err(XmlError::NotAStream);
    }
    if el.ns() != ns::STREAM {
        return Err(XmlError::BadStreamNamespace);
    }
    let header = StreamHeader {
        to: el.attr("to").map(str::to_owned),
        from: el.attr("from").map(str::to_owned),
        id: el.attr("id").map(str::to_owned),
        version: el.attr("version").map(str::to_owned),
        lang: el.attr("xml:lang").map(str::to_owned),
        default_ns: scope.default_ns().to_owned(),
        attributes: opened.raw,
    };
    Ok((header, start.name().0.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_client_header() {
        let h = StreamHeader::new(ns::CLIENT)
            .with_to("example.com")
            .with_lang("en");
        assert_eq!(
            String::from_utf8(h.to_bytes()).unwrap(),
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' to='example.com' \
             version='1.0' xml:lang='en'>"
        );
    }

    #[test]
    fn response_swaps() {
        let mut got = StreamHeader::new(ns::SERVER)
            .with_to("b.example")
            .with_from("a.example");
        got.attributes
            .push(("xmlns:db".to_owned(), ns::DIALBACK.to_owned()));
        let r = got.response("abc");
        assert_eq!(r.to.as_deref(), Some("a.example"));
        assert_eq!(r.from.as_deref(), Some("b.example"));
        assert_eq!(r.id.as_deref(), Some("abc"));
        let text = String::from_utf8(r.to_bytes()).unwrap();
        assert!(
            text.contains(" xmlns:db='jabber:server:dialback'"),
            "{text}"
        );
        assert!(text.starts_with(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream="
        ));
    }

    #[test]
    fn escapes_values() {
        let h = StreamHeader::new(ns::CLIENT).with_to("a'><x");
        let text = String::from_utf8(h.to_bytes()).unwrap();
        assert!(text.contains("to='a&apos;&gt;&lt;x'"), "{text}");
    }

    #[test]
    fn decl() {
        assert_eq!(check_decl("<?xml version='1.0'?>"), Ok(()));
        assert_eq!(
            check_decl("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            Ok(())
        );
        assert_eq!(
            check_decl("<?xml version='1.0' encoding='ISO-8859-1'?>"),
            Err(XmlError::UnsupportedEncoding)
        );
        assert_eq!(
            check_decl("<?xml version='1.1'?>"),
            Err(XmlError::InvalidXmlDeclaration)
        );
        assert_eq!(check_decl("<?xml?>"), Err(XmlError::InvalidXmlDeclaration));
        assert_eq!(
            check_decl("<?xml-stylesheet href='a'?>"),
            Err(XmlError::ProcessingInstruction)
        );
        assert_eq!(check_decl("<?foo?>"), Err(XmlError::ProcessingInstruction));
    }
}
