//! `<message/>` stanzas (RFC 6121 §5).

use super::{check_element, child_text, set_child_text, InvalidStanza};
use crate::element::Element;
use crate::jid::Jid;
use crate::ns;

/// The `type` of a message (RFC 6121 §5.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// One-to-one chat.
    Chat,
    /// An error reply.
    Error,
    /// Multi-user chat.
    Groupchat,
    /// Alerts and notifications that expect no reply.
    Headline,
    /// A standalone message (the default).
    Normal,
}

impl MessageType {
    /// The attribute value.
    pub fn as_str(&self) -> &'static str {
        match self {
            MessageType::Chat => "chat",
            MessageType::Error => "error",
            MessageType::Groupchat => "groupchat",
            MessageType::Headline => "headline",
            MessageType::Normal => "normal",
        }
    }

    /// The type an attribute value stands for: absent or unknown values
    /// mean `normal` (RFC 6121 §5.2.2).
    pub fn from_attr(value: Option<&str>) -> MessageType {
        match value {
            Some("chat") => MessageType::Chat,
            Some("error") => MessageType::Error,
            Some("groupchat") => MessageType::Groupchat,
            Some("headline") => MessageType::Headline,
            _ => MessageType::Normal,
        }
    }
}

/// A `<message/>` stanza.
///
/// ```
/// use jaxl_xmpp::{stanza::{Message, MessageType}, Jid};
///
/// let to = Jid::new("juliet@example.com").unwrap();
/// let msg = Message::chat(&to, "Wherefore art thou?");
/// assert_eq!(msg.type_(), MessageType::Chat);
/// assert_eq!(msg.to(), Some("juliet@example.com"));
/// assert_eq!(msg.body().as_deref(), Some("Wherefore art thou?"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message(Element);

stanza_common!(Message);

impl Message {
    /// An empty message of type `type_` in `jabber:client`.
    pub fn new(type_: MessageType) -> Message {
        let mut el = Element::new("message", ns::CLIENT);
        el.set_attr("type", type_.as_str());
        Message(el)
    }

    /// A chat message with a body.
    pub fn chat(to: &Jid, body: &str) -> Message {
        let mut m = Message::new(MessageType::Chat);
        m.set_to(Some(to));
        m.set_body(Some(body));
        m
    }

    /// The message type (`normal` when absent or unknown).
    pub fn type_(&self) -> MessageType {
        MessageType::from_attr(self.0.attr("type"))
    }

    /// Sets the message type.
    pub fn set_type(&mut self, type_: MessageType) {
        self.0.set_attr("type", type_.as_str());
    }

    /// The `id` attribute.
    pub fn id(&self) -> Option<&str> {
        self.0.attr("id")
    }

    /// Sets the `id` attribute.
    pub fn set_id(&mut self, id: impl Into<String>) {
        self.0.set_attr("id", id);
    }

    /// The text of the first `<body/>`.
    pub fn body(&self) -> Option<String> {
        child_text(&self.0, "body")
    }

    /// Sets (or with `None` removes) the first `<body/>`.
    pub fn set_body(&mut self, body: Option<&str>) {
        set_child_text(&mut self.0, "body", body);
    }

    /// The text of the first `<subject/>`.
    pub fn subject(&self) -> Option<String> {
        child_text(&self.0, "subject")
    }

    /// Sets (or with `None` removes) the first `<subject/>`.
    pub fn set_subject(&mut self, subject: Option<&str>) {
        set_child_text(&mut self.0, "subject", subject);
    }

    /// The text of the `<thread/>`.
    pub fn thread(&self) -> Option<String> {
        child_text(&self.0, "thread")
    }

    /// Sets (or with `None` removes) the `<thread/>`.
    pub fn set_thread(&mut self, thread: Option<&str>) {
        set_child_text(&mut self.0, "thread", thread);
    }

    /// The underlying element, mutably (messages have no invariant to keep).
    pub fn element_mut(&mut self) -> &mut Element {
        &mut self.0
    }
}

impl TryFrom<Element> for Message {
    type Error = InvalidStanza;

    /// Accepts any `<message/>` in a stanza namespace.
    fn try_from(el: Element) -> Result<Self, Self::Error> {
        check_element(&el, "message")?;
        Ok(Message(el))
    }
}
