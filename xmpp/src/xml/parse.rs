//! Building [`Element`]s from complete XML slices with quick-xml, resolving
//! namespaces against the bindings of the stream header.

use std::borrow::Cow;

use quick_xml::errors::{Error as QxError, IllFormedError, SyntaxError};
use quick_xml::escape::EscapeError;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use quick_xml::XmlVersion;

use super::chars::{is_xml_char, split_qname};
use super::{Config, XmlError};
use crate::element::Element;
use crate::ns;

/// The namespace declared for the `xmlns` attributes themselves.
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// Namespace bindings in scope: `(prefix, uri)`, the default namespace
/// having the empty prefix; later entries shadow earlier ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    bindings: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

/// Prefixes and namespaces every stream declares: kept as `'static` strings rather
/// than allocated for each of thousands of streams.
const KNOWN: [&str; 8] = [
    "",
    "stream",
    ns::CLIENT,
    ns::SERVER,
    ns::COMPONENT,
    ns::STREAM,
    ns::DIALBACK,
    "db",
];

fn intern(s: String) -> Cow<'static, str> {
    match KNOWN.iter().find(|k| **k == s) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(s),
    }
}

impl Scope {
    pub(crate) fn clear(&mut self) {
        self.bindings.clear();
    }

    fn len(&self) -> usize {
        self.bindings.len()
    }

    fn truncate(&mut self, len: usize) {
        self.bindings.truncate(len);
    }

    /// The namespace of `prefix` (`None` for the default namespace, which is
    /// `""` when undeclared).
    pub(crate) fn resolve(&self, prefix: Option<&str>) -> Result<&str, XmlError> {
        let key = prefix.unwrap_or("");
        if key == "xml" {
            return Ok(ns::XML);
        }
        match self.bindings.iter().rev().find(|(p, _)| p == key) {
            Some((_, uri)) => Ok(uri),
            None if prefix.is_none() => Ok(""),
            None => Err(XmlError::UnboundPrefix),
        }
    }

    /// The default namespace in scope (`""` when none).
    pub(crate) fn default_ns(&self) -> &str {
        self.resolve(None).unwrap_or("")
    }
}

/// Limits applied while building elements.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_depth: usize,
    pub(crate) max_attributes: usize,
    pub(crate) max_namespace_bindings: usize,
}

impl From<&Config> for Limits {
    fn from(c: &Config) -> Self {
        Limits {
            max_depth: c.max_depth,
            max_attributes: c.max_attributes,
            max_namespace_bindings: c.max_namespace_bindings,
        }
    }
}

/// Maps a quick-xml error to ours.
pub(crate) fn map_error(e: &QxError) -> XmlError {
    match e {
        QxError::IllFormed(IllFormedError::MismatchedEndTag { .. })
        | QxError::IllFormed(IllFormedError::UnmatchedEndTag(_))
        | QxError::IllFormed(IllFormedError::MissingEndTag(_)) => XmlError::MismatchedEndTag,
        QxError::IllFormed(IllFormedError::MissingDeclVersion(_))
        | QxError::IllFormed(IllFormedError::UnknownVersion) => XmlError::InvalidXmlDeclaration,
        QxError::IllFormed(IllFormedError::MissingDoctypeName)
        | QxError::Syntax(SyntaxError::UnclosedDoctype) => XmlError::Doctype,
        QxError::IllFormed(IllFormedError::DoubleHyphenInComment)
        | QxError::Syntax(SyntaxError::UnclosedComment) => XmlError::Comment,
        QxError::Syntax(SyntaxError::UnclosedPI) => XmlError::ProcessingInstruction,
        QxError::InvalidAttr(AttrError::Duplicated(..)) => XmlError::DuplicateAttribute,
        QxError::Escape(e) => map_escape(e),
        QxError::Encoding(_) => XmlError::InvalidUtf8,
        _ => XmlError::Malformed,
    }
}

fn map_escape(e: &EscapeError) -> XmlError {
    match e {
        EscapeError::UnrecognizedEntity(..) => XmlError::UndefinedEntity,
        EscapeError::InvalidCharRef(_) => XmlError::InvalidChar,
        _ => XmlError::Malformed,
    }
}

/// Resolves a reference found in text (`lt`, `#x41`, ...) to a character.
fn resolve_ref(name: &str) -> Result<char, XmlError> {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix('x') {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()
            }
            None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => {
                num.parse::<u32>().ok()
            }
            _ => return Err(XmlError::Malformed),
        };
        return n
            .and_then(char::from_u32)
            .filter(|c| is_xml_char(*c))
            .ok_or(XmlError::InvalidChar);
    }
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => Err(XmlError::UndefinedEntity),
    }
}

/// A start tag with its namespace declarations applied to `scope` (which
/// the caller truncates back when the element closes).
pub(crate) struct Opened {
    pub(crate) element: Element,
    /// Every attribute as written (qualified name, unescaped value),
    /// namespace declarations included; filled only on request.
    pub(crate) raw: Vec<(String, String)>,
}

/// Reads a start tag: checks names and the attribute limit, adds its
/// namespace declarations to `scope` (at most `max_bindings` entries above
/// `base`), and resolves the element and attribute namespaces.
pub(crate) fn open_element(
    start: &BytesStart<'_>,
    scope: &mut Scope,
    base: usize,
    limits: &Limits,
    keep_raw: bool,
) -> Result<Opened, XmlError> {
    let qname = start.name().0;
    let (prefix, local) = split_qname(qname).ok_or(XmlError::InvalidName)?;
    if prefix == Some("xmlns") {
        return Err(XmlError::InvalidName);
    }
    // The namespace is set once all declarations of the tag are known.
    let mut element = Element::new_borrowed(local, "");
    // Positions and prefixes of the attributes whose prefix may be declared
    // later in the same tag.
    let mut prefixed: Vec<(usize, &str)> = Vec::new();
    let mut raw = Vec::new();
    let mut count = 0usize;
    for attr in start.attributes().with_checks(false) {
        let attr = attr.map_err(|e| map_error(&QxError::InvalidAttr(e)))?;
        count += 1;
        if count > limits.max_attributes {
            return Err(XmlError::TooManyAttributes);
        }
        let key = attr.key.0;
        let (a_prefix, a_local) = split_qname(key).ok_or(XmlError::InvalidName)?;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| map_error(&e))?;
        // An owned value means references were expanded: they may have
        // produced characters XML cannot carry.
        if matches!(value, Cow::Owned(_)) && !value.chars().all(is_xml_char) {
            return Err(XmlError::InvalidChar);
        }
        let value = value.into_owned();
        if keep_raw {
            raw.push((key.to_owned(), value.clone()));
        }
        match (a_prefix, a_local) {
            (None, "xmlns") => {
                if value == ns::XML || value == XMLNS_NS {
                    return Err(XmlError::InvalidNamespaceDeclaration);
                }
                push_binding(scope, base, limits, String::new(), value)?;
            }
            (Some("xmlns"), p) => {
                if p == "xml" {
                    if value != ns::XML {
                        return Err(XmlError::InvalidNamespaceDeclaration);
                    }
                } else if p == "xmlns" || value.is_empty() || value == ns::XML || value == XMLNS_NS
                {
                    return Err(XmlError::InvalidNamespaceDeclaration);
                } else {
                    push_binding(scope, base, limits, p.to_owned(), value)?;
                }
            }
            (None, l) => element.push_attr(l, value),
            (Some("xml"), l) => element.push_attr(&format!("xml:{l}"), value),
            (Some(p), l) => {
                prefixed.push((element.attrs().len(), p));
                element.push_attr(l, value);
            }
        }
    }
    element.set_ns_borrowed(scope.resolve(prefix)?);
    for (i, p) in prefixed {
        let uri = scope.resolve(Some(p))?;
        element.set_attr_ns_at(i, uri);
    }
    let attrs = element.attrs();
    for (i, a) in attrs.iter().enumerate() {
        if attrs
            .iter()
            .take(i)
            .any(|b| a.name() == b.name() && a.ns() == b.ns())
        {
            return Err(XmlError::DuplicateAttribute);
        }
    }
    Ok(Opened { element, raw })
}

fn push_binding(
    scope: &mut Scope,
    base: usize,
    limits: &Limits,
    prefix: String,
    uri: String,
) -> Result<(), XmlError> {
    if scope.len().saturating_sub(base) >= limits.max_namespace_bindings {
        return Err(XmlError::TooManyNamespaces);
    }
    // Exact growth: a stream keeps its header's two bindings for its whole life.
    scope.bindings.reserve_exact(1);
    scope.bindings.push((intern(prefix), intern(uri)));
    Ok(())
}

/// Parses `text`, which must hold exactly one element (surrounded by
/// whitespace at most), with `scope` as the bindings in scope around it.
/// `scope` is left as it was.
pub(crate) fn parse_element(
    text: &str,
    scope: &mut Scope,
    limits: &Limits,
) -> Result<Element, XmlError> {
    let base = scope.len();
    let result = build(text, scope, base, limits);
    scope.truncate(base);
    result
}

fn build(text: &str, scope: &mut Scope, base: usize, limits: &Limits) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<(Element, usize)> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader.read_event().map_err(|e| map_error(&e))?;
        match event {
            Event::Start(start) => {
                open_child(&start, false, scope, base, limits, &mut stack, &mut root)?
            }
            Event::Empty(start) => {
                open_child(&start, true, scope, base, limits, &mut stack, &mut root)?
            }
            Event::End(_) => {
                let (el, mark) = stack.pop().ok_or(XmlError::MismatchedEndTag)?;
                scope.truncate(mark);
                attach(&mut stack, &mut root, el)?;
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content(), true)?,
            Event::CData(c) => push_text(&mut stack, &c.xml10_content(), false)?,
            Event::GeneralRef(r) => {
                let c = resolve_ref(&r)?;
                let mut utf8 = [0u8; 4];
                push_text(&mut stack, c.encode_utf8(&mut utf8), false)?;
            }
            Event::Comment(_) => return Err(XmlError::Comment),
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::PI(_) | Event::Decl(_) => return Err(XmlError::ProcessingInstruction),
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed);
    }
    root.ok_or(XmlError::Malformed)
}

/// Opens the element of a start tag (`empty` for `<a/>`) inside the
/// element on top of `stack`.
fn open_child(
    start: &BytesStart<'_>,
    empty: bool,
    scope: &mut Scope,
    base: usize,
    limits: &Limits,
    stack: &mut Vec<(Element, usize)>,
    root: &mut Option<Element>,
) -> Result<(), XmlError> {
    if root.is_some() {
        return Err(XmlError::Malformed);
    }
    if stack.len() >= limits.max_depth {
        return Err(XmlError::TooDeep);
    }
    let mark = scope.len();
    let opened = open_element(start, scope, base, limits, false)?;
    if empty {
        scope.truncate(mark);
        attach(stack, root, opened.element)
    } else {
        stack.push((opened.element, mark));
        Ok(())
    }
}

/// Adds a closed element to its parent, or makes it the root.
fn attach(
    stack: &mut [(Element, usize)],
    root: &mut Option<Element>,
    el: Element,
) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some((parent, _)) => parent.push_child(el),
        None if root.is_none() => *root = Some(el),
        None => return Err(XmlError::Malformed),
    }
    Ok(())
}

/// Adds character data to the open element; outside the root element only
/// whitespace is allowed, and only as plain text (`plain`).
fn push_text(stack: &mut [(Element, usize)], s: &str, plain: bool) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some((el, _)) => {
            el.append_text(s);
            Ok(())
        }
        None if plain && s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) => Ok(()),
        None => Err(XmlError::Malformed),
    }
}
