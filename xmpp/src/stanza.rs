//! Typed views of the three stanza kinds ([`Message`], [`Presence`], [`Iq`]),
//! stanza errors (RFC 6120 §8.3) and stream errors (RFC 6120 §4.9).
//!
//! Each view wraps an [`Element`] named `message`, `presence` or `iq` in one
//! of the stanza namespaces (`jabber:client`, `jabber:server`,
//! `jabber:component:accept`); children such as `<body/>` are looked up in
//! the stanza's own namespace. Views are made from received elements with
//! `TryFrom<Element>` and turned back with `From<...> for Element` or
//! [`Message::into_element`] and friends; constructors build stanzas in
//! `jabber:client` (use [`Element::rewrite_ns`] to move them).

use std::fmt;

use crate::element::Element;
use crate::ns;

pub use error::{stream_error, ErrorType, StanzaError};
pub use iq::{Iq, IqType};
pub use message::{Message, MessageType};
pub use presence::{Presence, PresenceType, Show};

/// Whether `ns` is one of the namespaces stanzas live in.
pub fn is_stanza_ns(ns: &str) -> bool {
    ns == ns::CLIENT || ns == ns::SERVER || ns == ns::COMPONENT
}

/// Why an element could not be viewed as a typed stanza.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidStanza {
    /// The element's name or namespace is not the stanza's.
    WrongElement,
    /// An `<iq/>` without `id` (RFC 6120 §8.2.3).
    MissingId,
    /// An `<iq/>` without `type`.
    MissingType,
    /// A `type` value the stanza kind does not define.
    UnknownType,
    /// An `<iq/>` of type `get`/`set` without exactly one child element, or
    /// of type `result` with more than one.
    WrongPayloadCount,
}

impl InvalidStanza {
    /// A short static description of the error.
    pub fn message(&self) -> &'static str {
        match self {
            InvalidStanza::WrongElement => "not the expected stanza element",
            InvalidStanza::MissingId => "iq without id",
            InvalidStanza::MissingType => "iq without type",
            InvalidStanza::UnknownType => "unknown stanza type",
            InvalidStanza::WrongPayloadCount => "wrong number of iq payload elements",
        }
    }

    /// The stanza error condition (RFC 6120 §8.3.3) to answer with.
    pub fn stanza_error_condition(&self) -> &'static str {
        "bad-request"
    }
}

impl fmt::Display for InvalidStanza {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for InvalidStanza {}

/// Checks name and namespace of a would-be stanza.
fn check_element(el: &Element, name: &str) -> Result<(), InvalidStanza> {
    if el.name() == name && is_stanza_ns(el.ns()) {
        Ok(())
    } else {
        Err(InvalidStanza::WrongElement)
    }
}

/// The text of the first child `name` of `el` in `el`'s namespace.
fn child_text(el: &Element, name: &str) -> Option<String> {
    el.get_child(name, el.ns()).map(Element::text)
}

/// Replaces (or with `None` removes) the text child `name` of `el`.
fn set_child_text(el: &mut Element, name: &str, text: Option<&str>) {
    let ns = el.ns().to_owned();
    match (el.get_child_mut(name, &ns), text) {
        (Some(child), Some(t)) => child.set_text(t),
        (Some(_), None) => {
            el.remove_child(name, &ns);
        }
        (None, Some(t)) => el.append_child(Element::builder(name, ns).text(t).build()),
        (None, None) => {}
    }
}

/// Accessors shared by the three stanza views.
macro_rules! stanza_common {
    ($ty:ident) => {
        impl $ty {
            /// The `to` attribute as received.
            pub fn to(&self) -> Option<&str> {
                self.0.attr("to")
            }

            /// The `from` attribute as received.
            pub fn from(&self) -> Option<&str> {
                self.0.attr("from")
            }

            /// The `to` attribute parsed as a JID (`None` if absent).
            pub fn to_jid(&self) -> Option<Result<$crate::Jid, $crate::JidError>> {
                self.to().map($crate::Jid::new)
            }

            /// The `from` attribute parsed as a JID (`None` if absent).
            pub fn from_jid(&self) -> Option<Result<$crate::Jid, $crate::JidError>> {
                self.from().map($crate::Jid::new)
            }

            /// Sets (or with `None` removes) the `to` attribute.
            pub fn set_to(&mut self, to: Option<&$crate::Jid>) {
                match to {
                    Some(j) => self.0.set_attr("to", j.as_str()),
                    None => {
                        self.0.remove_attr("to");
                    }
                }
            }

            /// Sets (or with `None` removes) the `from` attribute.
            pub fn set_from(&mut self, from: Option<&$crate::Jid>) {
                match from {
                    Some(j) => self.0.set_attr("from", j.as_str()),
                    None => {
                        self.0.remove_attr("from");
                    }
                }
            }

            /// The `xml:lang` attribute.
            pub fn lang(&self) -> Option<&str> {
                self.0.attr("xml:lang")
            }

            /// The underlying element.
            pub fn as_element(&self) -> &$crate::Element {
                &self.0
            }

            /// Unwraps the underlying element.
            pub fn into_element(self) -> $crate::Element {
                self.0
            }

            /// The stanza error (if it is of type `error` and carries one).
            pub fn error(&self) -> Option<$crate::stanza::StanzaError> {
                $crate::stanza::StanzaError::from_stanza(&self.0)
            }

            /// An error reply to this stanza; see [`Element::error_reply`]($crate::Element::error_reply).
            pub fn error_reply(
                &self,
                error_type: $crate::stanza::ErrorType,
                condition: &str,
                text: Option<&str>,
            ) -> $crate::Element {
                self.0.error_reply(error_type, condition, text)
            }
        }

        impl From<$ty> for $crate::Element {
            fn from(s: $ty) -> $crate::Element {
                s.0
            }
        }

        impl AsRef<$crate::Element> for $ty {
            fn as_ref(&self) -> &$crate::Element {
                &self.0
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

// After the macro, so that these modules can use it.
mod error;
mod iq;
mod message;
mod presence;

#[cfg(test)]
mod tests;
