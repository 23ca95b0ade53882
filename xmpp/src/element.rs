//! Owned XML elements: [`Element`], its [`Attribute`]s and child [`Node`]s.
//!
//! An element knows its local name and the namespace URI it is in, never the
//! prefixes it was written with: prefixes are a matter of serialisation, and
//! the writer picks them (none for the default namespace, `stream:` for the
//! streams namespace, generated ones for namespaced attributes).

mod builder;
mod write;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

pub use builder::ElementBuilder;

use crate::ns;
use crate::xml::XmlError;

/// A name or namespace: the common ones are `'static` strings, so parsing a stanza
/// allocates only for what is particular to it (values, text, rare names).
type Name = Cow<'static, str>;

/// The `'static` copy of a common element name, attribute name or namespace.
fn known(s: &str) -> Option<&'static str> {
    Some(match s {
        "" => "",
        "message" => "message",
        "presence" => "presence",
        "iq" => "iq",
        "body" => "body",
        "subject" => "subject",
        "thread" => "thread",
        "show" => "show",
        "status" => "status",
        "priority" => "priority",
        "error" => "error",
        "text" => "text",
        "query" => "query",
        "item" => "item",
        "group" => "group",
        "x" => "x",
        "c" => "c",
        "delay" => "delay",
        "active" => "active",
        "composing" => "composing",
        "paused" => "paused",
        "bind" => "bind",
        "jid" => "jid",
        "ping" => "ping",
        "feature" => "feature",
        "identity" => "identity",
        "type" => "type",
        "from" => "from",
        "to" => "to",
        "id" => "id",
        "xml:lang" => "xml:lang",
        "name" => "name",
        "subscription" => "subscription",
        "ask" => "ask",
        "node" => "node",
        "ver" => "ver",
        "hash" => "hash",
        "stamp" => "stamp",
        "code" => "code",
        "var" => "var",
        "category" => "category",
        "affiliation" => "affiliation",
        "role" => "role",
        "nick" => "nick",
        ns::CLIENT => ns::CLIENT,
        ns::SERVER => ns::SERVER,
        ns::COMPONENT => ns::COMPONENT,
        ns::STREAM => ns::STREAM,
        ns::STANZAS => ns::STANZAS,
        ns::BIND => ns::BIND,
        ns::ROSTER => ns::ROSTER,
        ns::DELAY => ns::DELAY,
        ns::CHATSTATES => ns::CHATSTATES,
        ns::CAPS => ns::CAPS,
        ns::PING => ns::PING,
        ns::DISCO_INFO => ns::DISCO_INFO,
        ns::MUC_USER => ns::MUC_USER,
        _ => return None,
    })
}

/// `s` as a [`Name`], borrowed when it is a common one.
fn name_of(s: &str) -> Name {
    known(s).map_or_else(|| Cow::Owned(s.to_owned()), Cow::Borrowed)
}

/// An owned `s` as a [`Name`] (its storage dropped when it is a common one).
fn name_owned(s: String) -> Name {
    known(&s).map_or(Cow::Owned(s), Cow::Borrowed)
}

/// An attribute of an [`Element`].
///
/// Attributes without a prefix have no namespace. Attributes in the XML
/// namespace keep their `xml:` prefix in their name (`xml:lang`) and have no
/// namespace either, since that prefix is bound everywhere. Other prefixed
/// attributes have their local name and the namespace URI their prefix was
/// bound to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attribute {
    name: Name,
    ns: Option<String>,
    value: String,
}

impl Attribute {
    /// Builds an attribute, folding the XML namespace into an `xml:` name and
    /// an empty namespace into none.
    fn new(name: Name, ns: Option<String>, value: String) -> Self {
        match ns {
            Some(uri) if uri == ns::XML => Attribute {
                name: name_owned(format!("xml:{name}")),
                ns: None,
                value,
            },
            Some(uri) if uri.is_empty() => Attribute {
                name,
                ns: None,
                value,
            },
            ns => Attribute { name, ns, value },
        }
    }

    /// The attribute's name: a local name, or `xml:`-prefixed for the XML
    /// namespace.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The attribute's namespace URI, if it had a prefix other than `xml`.
    pub fn ns(&self) -> Option<&str> {
        self.ns.as_deref()
    }

    /// The attribute's value, unescaped.
    pub fn value(&self) -> &str {
        &self.value
    }

    fn matches(&self, name: &str, ns: Option<&str>) -> bool {
        self.name == name && self.ns.as_deref() == ns
    }
}

/// A child of an [`Element`]: another element or character data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data, unescaped (CDATA sections become text too).
    Text(String),
}

impl From<Element> for Node {
    fn from(el: Element) -> Self {
        Node::Element(el)
    }
}

/// An owned XML element: local name, namespace URI, ordered attributes and
/// child nodes.
///
/// Two elements are equal when their names, namespaces, attributes (in
/// order) and child nodes are. Elements built through this API keep
/// adjacent text merged into one node and never hold empty text nodes, like
/// elements parsed from XML do, so an element written and parsed again
/// compares equal.
///
/// Names (of elements and attributes) are not checked when set through this
/// API: they must be valid XML names, or the output of the writer will not
/// be well-formed. Text and attribute values may hold anything: the writer
/// escapes them and replaces characters XML cannot carry with U+FFFD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    name: Name,
    ns: Name,
    attrs: Vec<Attribute>,
    children: Vec<Node>,
}

impl Element {
    /// An empty element named `name` in namespace `ns` (`""` for none).
    pub fn new(name: impl Into<String>, ns: impl Into<String>) -> Self {
        Element {
            name: name_owned(name.into()),
            ns: name_owned(ns.into()),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// An empty element from borrowed names (the parser's constructor: common names
    /// and namespaces are not copied).
    pub(crate) fn new_borrowed(name: &str, ns: &str) -> Self {
        Element {
            name: name_of(name),
            ns: name_of(ns),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Starts building an element named `name` in namespace `ns`.
    pub fn builder(name: impl Into<String>, ns: impl Into<String>) -> ElementBuilder {
        ElementBuilder::new(Element::new(name, ns))
    }

    /// Parses one standalone element from `xml`, with the limits of
    /// [`Config::default`](crate::xml::Config) (other than the byte limit,
    /// which does not apply).
    ///
    /// The same restrictions as on a stream apply (no comments, DOCTYPE,
    /// processing instructions or XML declaration); only whitespace may
    /// surround the element. Prefixes must be declared inside `xml` except
    /// `xml:`.
    ///
    /// # Errors
    /// Any [`XmlError`] that describes why `xml` is not one acceptable element.
    pub fn parse(xml: &str) -> Result<Element, XmlError> {
        crate::xml::parse_fragment(xml, &crate::xml::Config::default())
    }

    /// Like [`Element::parse`] with the depth, attribute and namespace
    /// limits of `config` (its byte limit does not apply).
    ///
    /// # Errors
    /// Any [`XmlError`] that describes why `xml` is not one acceptable element.
    pub fn parse_with(xml: &str, config: &crate::xml::Config) -> Result<Element, XmlError> {
        crate::xml::parse_fragment(xml, config)
    }

    /// The local name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace URI (`""` when the element is in no namespace).
    pub fn ns(&self) -> &str {
        &self.ns
    }

    /// Whether this element is named `name` in namespace `ns`.
    pub fn is(&self, name: &str, ns: &str) -> bool {
        self.name == name && self.ns == ns
    }

    /// Moves this element to namespace `ns`, leaving its children alone.
    pub fn set_ns(&mut self, ns: impl Into<String>) {
        self.ns = name_owned(ns.into());
    }

    /// [`set_ns`](Self::set_ns) from a borrowed namespace (not copied when common).
    pub(crate) fn set_ns_borrowed(&mut self, ns: &str) {
        self.ns = name_of(ns);
    }

    /// Moves this element and every descendant that is in namespace `from`
    /// into namespace `to` (for instance a stanza from `jabber:client` to
    /// `jabber:server` before routing it to another server).
    pub fn rewrite_ns(&mut self, from: &str, to: &str) {
        let mut stack = vec![self];
        while let Some(el) = stack.pop() {
            if el.ns == from {
                el.ns = name_of(to);
            }
            stack.extend(el.children.iter_mut().filter_map(|n| match n {
                Node::Element(e) => Some(e),
                Node::Text(_) => None,
            }));
        }
    }

    /// The value of the attribute `name` in no namespace (`xml:lang` and
    /// other `xml:` attributes are found by their prefixed name).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attr_ns(name, None)
    }

    /// The value of the attribute `name` in namespace `ns` (`None` or `""`
    /// for no namespace).
    pub fn attr_ns(&self, name: &str, ns: Option<&str>) -> Option<&str> {
        let ns = ns.filter(|n| !n.is_empty());
        if ns == Some(ns::XML) {
            let qualified = format!("xml:{name}");
            return self.attr_ns(&qualified, None);
        }
        self.attrs
            .iter()
            .find(|a| a.matches(name, ns))
            .map(|a| a.value.as_str())
    }

    /// All attributes, in document order. Namespace declarations are not
    /// attributes and are not listed.
    pub fn attrs(&self) -> &[Attribute] {
        &self.attrs
    }

    /// Sets the attribute `name` in no namespace, replacing any value it had
    /// (and keeping its position). Names starting with `xmlns` are ignored
    /// by the writer: namespaces are set with [`Element::new`] and friends.
    pub fn set_attr(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.set_attr_ns(name, None, value);
    }

    /// Sets the attribute `name` in namespace `ns` (`None`/`""` for none),
    /// replacing any value it had.
    pub fn set_attr_ns(
        &mut self,
        name: impl Into<String>,
        ns: Option<&str>,
        value: impl Into<String>,
    ) {
        let attr = Attribute::new(name_owned(name.into()), ns.map(str::to_owned), value.into());
        match self
            .attrs
            .iter_mut()
            .find(|a| a.matches(&attr.name, attr.ns.as_deref()))
        {
            Some(old) => old.value = attr.value,
            None => self.attrs.push(attr),
        }
    }

    /// Removes the attribute `name` in no namespace, returning its value.
    pub fn remove_attr(&mut self, name: &str) -> Option<String> {
        let i = self.attrs.iter().position(|a| a.matches(name, None))?;
        Some(self.attrs.remove(i).value)
    }

    /// All child nodes in document order.
    pub fn nodes(&self) -> &[Node] {
        &self.children
    }

    /// The child elements in document order (text is skipped).
    pub fn children(&self) -> impl DoubleEndedIterator<Item = &Element> + '_ {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The child elements, mutably.
    pub fn children_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Element> + '_ {
        self.children.iter_mut().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element, if any.
    pub fn first_child(&self) -> Option<&Element> {
        self.children().next()
    }

    /// The first child element named `name` in namespace `ns`.
    pub fn get_child(&self, name: &str, ns: &str) -> Option<&Element> {
        self.children().find(|e| e.is(name, ns))
    }

    /// The first child element named `name` in namespace `ns`, mutably.
    pub fn get_child_mut(&mut self, name: &str, ns: &str) -> Option<&mut Element> {
        self.children_mut().find(|e| e.is(name, ns))
    }

    /// Whether a child element named `name` in namespace `ns` exists.
    pub fn has_child(&self, name: &str, ns: &str) -> bool {
        self.get_child(name, ns).is_some()
    }

    /// Removes and returns the first child element named `name` in `ns`.
    pub fn remove_child(&mut self, name: &str, ns: &str) -> Option<Element> {
        let i = self
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if e.is(name, ns)))?;
        match self.children.remove(i) {
            Node::Element(e) => {
                self.merge_text_at(i);
                Some(e)
            }
            Node::Text(_) => None,
        }
    }

    /// Appends `child` after the existing children.
    pub fn append_child(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    /// Appends character data, merged with a text node that ends the
    /// children; empty text is ignored.
    pub fn append_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => self.children.push(Node::Text(text.to_owned())),
        }
    }

    /// The direct character data of this element, concatenated (text of
    /// descendants is not included).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }

    /// Replaces all direct character data with `text`, placed after the
    /// child elements.
    pub fn set_text(&mut self, text: &str) {
        self.children.retain(|n| matches!(n, Node::Element(_)));
        self.append_text(text);
    }

    /// Removes all child nodes.
    pub fn clear_children(&mut self) {
        self.children.clear();
    }

    /// After removing the node at `i`, merges the text nodes that became
    /// adjacent.
    fn merge_text_at(&mut self, i: usize) {
        if i == 0 || i >= self.children.len() {
            return;
        }
        if let (Some(Node::Text(_)), Some(Node::Text(_))) =
            (self.children.get(i - 1), self.children.get(i))
        {
            if let Node::Text(next) = self.children.remove(i) {
                if let Some(Node::Text(prev)) = self.children.get_mut(i - 1) {
                    prev.push_str(&next);
                }
            }
        }
    }

    /// Adds a parsed attribute (names already checked).
    pub(crate) fn push_attr(&mut self, name: &str, value: String) {
        self.attrs.push(Attribute::new(name_of(name), None, value));
    }

    /// Puts the parsed attribute at index `i` in namespace `ns` (neither
    /// empty nor the XML namespace).
    pub(crate) fn set_attr_ns_at(&mut self, i: usize, ns: &str) {
        if let Some(a) = self.attrs.get_mut(i) {
            a.ns = Some(ns.to_owned());
        }
    }

    /// Adds a parsed child element.
    pub(crate) fn push_child(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    /// Writes the element as a standalone XML fragment: every namespace it
    /// uses is declared in it. Never fails.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        write::write_element(self, &mut crate::xml::chars::VecWriter(out), "", false).ok();
    }

    /// Writes the element as it appears inside an XMPP stream whose default
    /// namespace is `default_ns` (for instance [`ns::CLIENT`]): no `xmlns`
    /// when the element is in `default_ns`, and the `stream` prefix taken as
    /// bound to the streams namespace (`<stream:features>`). Never fails.
    pub fn write_to_in_ns(&self, out: &mut Vec<u8>, default_ns: &str) {
        write::write_element(
            self,
            &mut crate::xml::chars::VecWriter(out),
            default_ns,
            true,
        )
        .ok();
    }

    /// The element as a standalone XML fragment (like [`Element::write_to`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }
}

impl fmt::Display for Element {
    /// Writes the element as a standalone XML fragment (like
    /// [`Element::write_to`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write::write_element(self, f, "", false)
    }
}

impl FromStr for Element {
    type Err = XmlError;

    /// Same as [`Element::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Element::parse(s)
    }
}

#[cfg(test)]
mod tests;
