//! Stanza errors (RFC 6120 §8.3) and stream errors (RFC 6120 §4.9).

use crate::element::Element;
use crate::ns;
use crate::xml::chars::is_ncname;

/// The `type` of a stanza error: what the sender should do (RFC 6120
/// §8.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Retry after providing credentials.
    Auth,
    /// Do not retry (the error cannot be remedied).
    Cancel,
    /// Proceed (the condition was only a warning).
    Continue,
    /// Retry after changing the data sent.
    Modify,
    /// Retry after waiting (the error is temporary).
    Wait,
}

impl ErrorType {
    /// The attribute value.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorType::Auth => "auth",
            ErrorType::Cancel => "cancel",
            ErrorType::Continue => "continue",
            ErrorType::Modify => "modify",
            ErrorType::Wait => "wait",
        }
    }

    /// Parses an attribute value (`None` if unknown).
    pub fn parse(value: &str) -> Option<ErrorType> {
        match value {
            "auth" => Some(ErrorType::Auth),
            "cancel" => Some(ErrorType::Cancel),
            "continue" => Some(ErrorType::Continue),
            "modify" => Some(ErrorType::Modify),
            "wait" => Some(ErrorType::Wait),
            _ => None,
        }
    }
}

/// The error carried by a stanza of type `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StanzaError {
    /// The error type.
    pub type_: ErrorType,
    /// The defined condition (`service-unavailable`, `item-not-found`, ...).
    pub condition: String,
    /// The human-readable `<text/>`, if any.
    pub text: Option<String>,
}

impl StanzaError {
    /// Reads the `<error/>` child of a stanza of type `error`. `None` if the
    /// stanza is not of type `error`, has no `<error/>` in its namespace, or
    /// the error has no valid type or no condition element.
    pub fn from_stanza(stanza: &Element) -> Option<StanzaError> {
        if stanza.attr("type") != Some("error") {
            return None;
        }
        let error = stanza.get_child("error", stanza.ns())?;
        let type_ = ErrorType::parse(error.attr("type")?)?;
        let condition = error
            .children()
            .find(|c| c.ns() == ns::STANZAS && c.name() != "text")?
            .name()
            .to_owned();
        let text = error.get_child("text", ns::STANZAS).map(Element::text);
        Some(StanzaError {
            type_,
            condition,
            text,
        })
    }

    /// The `<error/>` element for a stanza in namespace `stanza_ns`.
    /// A `condition` that is not a valid XML name becomes
    /// `undefined-condition`.
    pub fn to_element(&self, stanza_ns: &str) -> Element {
        error_element(stanza_ns, self.type_, &self.condition, self.text.as_deref())
    }
}

fn error_element(
    stanza_ns: &str,
    type_: ErrorType,
    condition: &str,
    text: Option<&str>,
) -> Element {
    let condition = if is_ncname(condition) {
        condition
    } else {
        "undefined-condition"
    };
    let mut error = Element::builder("error", stanza_ns)
        .attr("type", type_.as_str())
        .append(Element::new(condition, ns::STANZAS))
        .build();
    if let Some(t) = text {
        error.append_child(Element::builder("text", ns::STANZAS).text(t).build());
    }
    error
}

impl Element {
    /// The error reply to this stanza (RFC 6120 §8.3.1): an element of the
    /// same name and namespace with `type='error'`, the same `id` and
    /// `xml:lang`, `to` set to this stanza's `from` and `from` to its `to`
    /// (each only if present), this stanza's child elements and text
    /// (minus any `<error/>`) so the sender can see what failed, and
    /// `<error type=...><condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
    /// [<text>...</text>]</error>`.
    ///
    /// A `condition` that is not a valid XML name becomes
    /// `undefined-condition`. Callers must not answer a stanza that is
    /// itself of type `error` (RFC 6120 §8.3.1 forbids it, to avoid loops).
    ///
    /// ```
    /// use jaxl_xmpp::{ns, stanza::ErrorType, Element};
    ///
    /// let iq: Element = "<iq xmlns='jabber:client' type='get' id='1' from='a@b/c' to='b'>\
    ///     <query xmlns='jabber:iq:version'/></iq>".parse().unwrap();
    /// let reply = iq.error_reply(ErrorType::Cancel, "service-unavailable", None);
    /// assert_eq!(reply.to_string(),
    ///     "<iq xmlns='jabber:client' type='error' id='1' to='a@b/c' from='b'>\
    ///      <query xmlns='jabber:iq:version'/><error type='cancel'>\
    ///      <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    /// ```
    pub fn error_reply(
        &self,
        error_type: ErrorType,
        condition: &str,
        text: Option<&str>,
    ) -> Element {
        let mut reply = Element::new(self.name(), self.ns());
        reply.set_attr("type", "error");
        for name in ["id", "xml:lang"] {
            if let Some(v) = self.attr(name) {
                reply.set_attr(name, v);
            }
        }
        if let Some(from) = self.attr("from") {
            reply.set_attr("to", from);
        }
        if let Some(to) = self.attr("to") {
            reply.set_attr("from", to);
        }
        for node in self.nodes() {
            match node {
                crate::Node::Element(e) if e.is("error", self.ns()) => {}
                crate::Node::Element(e) => reply.append_child(e.clone()),
                crate::Node::Text(t) => reply.append_text(t),
            }
        }
        reply.append_child(error_element(self.ns(), error_type, condition, text));
        reply
    }

    /// The stanza error this element carries, if it is of type `error`
    /// (see [`StanzaError::from_stanza`]).
    pub fn stanza_error(&self) -> Option<StanzaError> {
        StanzaError::from_stanza(self)
    }
}

/// A stream error (RFC 6120 §4.9) ready to send before closing the stream:
/// `<stream:error><condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>
/// [<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>...</text>]</stream:error>`.
///
/// It assumes the `stream` prefix is bound, as it is inside a stream. A
/// `condition` that is not a valid XML name becomes `undefined-condition`.
/// Use [`XmlError::stream_error_condition`](crate::xml::XmlError::stream_error_condition)
/// for errors of the reader.
pub fn stream_error(condition: &str, text: Option<&str>) -> Vec<u8> {
    let condition = if is_ncname(condition) {
        condition
    } else {
        "undefined-condition"
    };
    let mut el = Element::new("error", ns::STREAM);
    el.append_child(Element::new(condition, ns::STREAMS));
    if let Some(t) = text {
        el.append_child(Element::builder("text", ns::STREAMS).text(t).build());
    }
    let mut out = Vec::new();
    el.write_to_in_ns(&mut out, "");
    out
}
