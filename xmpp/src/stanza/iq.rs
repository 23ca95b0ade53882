//! `<iq/>` stanzas (RFC 6120 §8.2.3).

use super::{check_element, InvalidStanza};
use crate::element::Element;
use crate::ns;

/// The `type` of an iq (RFC 6120 §8.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IqType {
    /// A request for information.
    Get,
    /// A request to change something.
    Set,
    /// A successful response.
    Result,
    /// An error response.
    Error,
}

impl IqType {
    /// The attribute value.
    pub fn as_str(&self) -> &'static str {
        match self {
            IqType::Get => "get",
            IqType::Set => "set",
            IqType::Result => "result",
            IqType::Error => "error",
        }
    }

    /// Parses an attribute value (`None` if unknown).
    pub fn parse(value: &str) -> Option<IqType> {
        match value {
            "get" => Some(IqType::Get),
            "set" => Some(IqType::Set),
            "result" => Some(IqType::Result),
            "error" => Some(IqType::Error),
            _ => None,
        }
    }

    /// Whether this is a request (`get` or `set`), which must be answered.
    pub fn is_request(&self) -> bool {
        matches!(self, IqType::Get | IqType::Set)
    }
}

/// An `<iq/>` stanza with an `id`, a known `type` and the payload count its
/// type requires (one for `get`/`set`, at most one for `result`).
///
/// ```
/// use jaxl_xmpp::{ns, Element, stanza::{Iq, IqType}};
///
/// let ping = Iq::get("p1", Element::new("ping", ns::PING));
/// let reply = ping.result_reply(None);
/// assert_eq!(reply.type_(), IqType::Result);
/// assert_eq!(reply.id(), "p1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iq(Element);

stanza_common!(Iq);

impl Iq {
    fn with(type_: IqType, id: &str, payload: Option<Element>) -> Iq {
        let mut el = Element::new("iq", ns::CLIENT);
        el.set_attr("type", type_.as_str());
        el.set_attr("id", id);
        if let Some(p) = payload {
            el.append_child(p);
        }
        Iq(el)
    }

    /// `<iq type='get' id=...>` with its one payload.
    pub fn get(id: &str, payload: Element) -> Iq {
        Iq::with(IqType::Get, id, Some(payload))
    }

    /// `<iq type='set' id=...>` with its one payload.
    pub fn set(id: &str, payload: Element) -> Iq {
        Iq::with(IqType::Set, id, Some(payload))
    }

    /// `<iq type='result' id=...>` with an optional payload.
    pub fn result(id: &str, payload: Option<Element>) -> Iq {
        Iq::with(IqType::Result, id, payload)
    }

    /// The iq type.
    pub fn type_(&self) -> IqType {
        // Checked when the view was made; `type` cannot be changed since.
        self.0
            .attr("type")
            .and_then(IqType::parse)
            .unwrap_or(IqType::Error)
    }

    /// The `id` attribute.
    pub fn id(&self) -> &str {
        self.0.attr("id").unwrap_or("")
    }

    /// The payload: the first child element that is not the stanza's
    /// `<error/>`.
    pub fn payload(&self) -> Option<&Element> {
        let ns = self.0.ns();
        self.0.children().find(|c| !c.is("error", ns))
    }

    /// The payload, mutably.
    pub fn payload_mut(&mut self) -> Option<&mut Element> {
        let ns = self.0.ns().to_owned();
        self.0.children_mut().find(|c| !c.is("error", &ns))
    }

    /// A `result` answering this iq: same `id` and namespace, `to` set to
    /// this iq's `from` and `from` to its `to` (each only if present).
    pub fn result_reply(&self, payload: Option<Element>) -> Iq {
        let mut el = Element::new("iq", self.0.ns());
        el.set_attr("type", IqType::Result.as_str());
        el.set_attr("id", self.id());
        if let Some(from) = self.from() {
            el.set_attr("to", from);
        }
        if let Some(to) = self.to() {
            el.set_attr("from", to);
        }
        if let Some(p) = payload {
            el.append_child(p);
        }
        Iq(el)
    }
}

impl TryFrom<Element> for Iq {
    type Error = InvalidStanza;

    /// Accepts an `<iq/>` in a stanza namespace with an `id`, a known `type`
    /// and exactly one child element for `get`/`set`, at most one for
    /// `result`.
    fn try_from(el: Element) -> Result<Self, Self::Error> {
        check_element(&el, "iq")?;
        if el.attr("id").is_none() {
            return Err(InvalidStanza::MissingId);
        }
        let type_ = el.attr("type").ok_or(InvalidStanza::MissingType)?;
        let type_ = IqType::parse(type_).ok_or(InvalidStanza::UnknownType)?;
        let children = el.children().count();
        let ok = match type_ {
            IqType::Get | IqType::Set => children == 1,
            IqType::Result => children <= 1,
            IqType::Error => true,
        };
        if !ok {
            return Err(InvalidStanza::WrongPayloadCount);
        }
        Ok(Iq(el))
    }
}
