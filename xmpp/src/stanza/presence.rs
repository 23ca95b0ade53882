//! `<presence/>` stanzas (RFC 6121 §3 and §4).

use super::{check_element, child_text, set_child_text, InvalidStanza};
use crate::element::Element;
use crate::jid::Jid;
use crate::ns;

/// The `type` of a presence stanza (RFC 6121 §4.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PresenceType {
    /// Available (no `type` attribute).
    Available,
    /// No longer available.
    Unavailable,
    /// Request to subscribe to the recipient's presence.
    Subscribe,
    /// The sender allowed the recipient to receive its presence.
    Subscribed,
    /// Request to unsubscribe from the recipient's presence.
    Unsubscribe,
    /// The subscription request was denied or a subscription cancelled.
    Unsubscribed,
    /// Request for the recipient's current presence (sent by servers).
    Probe,
    /// An error reply.
    Error,
}

impl PresenceType {
    /// The attribute value (`None` for available, which has no `type`).
    pub fn as_str(&self) -> Option<&'static str> {
        Some(match self {
            PresenceType::Available => return None,
            PresenceType::Unavailable => "unavailable",
            PresenceType::Subscribe => "subscribe",
            PresenceType::Subscribed => "subscribed",
            PresenceType::Unsubscribe => "unsubscribe",
            PresenceType::Unsubscribed => "unsubscribed",
            PresenceType::Probe => "probe",
            PresenceType::Error => "error",
        })
    }

    /// The type an attribute value stands for: absent means available,
    /// unknown values give `None`.
    pub fn from_attr(value: Option<&str>) -> Option<PresenceType> {
        Some(match value {
            None => PresenceType::Available,
            Some("unavailable") => PresenceType::Unavailable,
            Some("subscribe") => PresenceType::Subscribe,
            Some("subscribed") => PresenceType::Subscribed,
            Some("unsubscribe") => PresenceType::Unsubscribe,
            Some("unsubscribed") => PresenceType::Unsubscribed,
            Some("probe") => PresenceType::Probe,
            Some("error") => PresenceType::Error,
            Some(_) => return None,
        })
    }
}

/// The availability sub-state of an available presence (`<show/>`, RFC
/// 6121 §4.7.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Show {
    /// Temporarily away.
    Away,
    /// Actively interested in chatting.
    Chat,
    /// Do not disturb.
    Dnd,
    /// Extended away.
    Xa,
}

impl Show {
    /// The element's text.
    pub fn as_str(&self) -> &'static str {
        match self {
            Show::Away => "away",
            Show::Chat => "chat",
            Show::Dnd => "dnd",
            Show::Xa => "xa",
        }
    }

    /// Parses the element's text (`None` if it is not one of the four).
    pub fn parse(text: &str) -> Option<Show> {
        match text.trim() {
            "away" => Some(Show::Away),
            "chat" => Some(Show::Chat),
            "dnd" => Some(Show::Dnd),
            "xa" => Some(Show::Xa),
            _ => None,
        }
    }
}

/// A `<presence/>` stanza whose type is known.
///
/// ```
/// use jaxl_xmpp::stanza::{Presence, PresenceType, Show};
///
/// let mut p = Presence::available();
/// p.set_show(Some(Show::Dnd));
/// p.set_status(Some("in a meeting"));
/// p.set_priority(5);
/// assert_eq!(p.type_(), PresenceType::Available);
/// assert_eq!(p.show(), Some(Show::Dnd));
/// assert_eq!(p.priority(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence(Element);

stanza_common!(Presence);

impl Presence {
    /// An empty presence of type `type_` in `jabber:client`.
    pub fn new(type_: PresenceType) -> Presence {
        let mut el = Element::new("presence", ns::CLIENT);
        if let Some(t) = type_.as_str() {
            el.set_attr("type", t);
        }
        Presence(el)
    }

    /// `<presence/>`: available.
    pub fn available() -> Presence {
        Presence::new(PresenceType::Available)
    }

    /// `<presence type='unavailable'/>`.
    pub fn unavailable() -> Presence {
        Presence::new(PresenceType::Unavailable)
    }

    fn addressed(type_: PresenceType, to: &Jid) -> Presence {
        let mut p = Presence::new(type_);
        p.set_to(Some(to));
        p
    }

    /// A subscription request to `to`.
    pub fn subscribe(to: &Jid) -> Presence {
        Presence::addressed(PresenceType::Subscribe, to)
    }

    /// Approval of `to`'s subscription request.
    pub fn subscribed(to: &Jid) -> Presence {
        Presence::addressed(PresenceType::Subscribed, to)
    }

    /// Unsubscription from `to`'s presence.
    pub fn unsubscribe(to: &Jid) -> Presence {
        Presence::addressed(PresenceType::Unsubscribe, to)
    }

    /// Denial or cancellation of `to`'s subscription.
    pub fn unsubscribed(to: &Jid) -> Presence {
        Presence::addressed(PresenceType::Unsubscribed, to)
    }

    /// A presence probe to `to`.
    pub fn probe(to: &Jid) -> Presence {
        Presence::addressed(PresenceType::Probe, to)
    }

    /// The presence type.
    pub fn type_(&self) -> PresenceType {
        // Checked when the view was made; `type` cannot be changed since.
        PresenceType::from_attr(self.0.attr("type")).unwrap_or(PresenceType::Available)
    }

    /// The `id` attribute.
    pub fn id(&self) -> Option<&str> {
        self.0.attr("id")
    }

    /// Sets the `id` attribute.
    pub fn set_id(&mut self, id: impl Into<String>) {
        self.0.set_attr("id", id);
    }

    /// The `<show/>` value, if present and valid.
    pub fn show(&self) -> Option<Show> {
        child_text(&self.0, "show").and_then(|t| Show::parse(&t))
    }

    /// Sets (or with `None` removes) `<show/>`.
    pub fn set_show(&mut self, show: Option<Show>) {
        set_child_text(&mut self.0, "show", show.map(|s| s.as_str()));
    }

    /// The text of the first `<status/>`.
    pub fn status(&self) -> Option<String> {
        child_text(&self.0, "status")
    }

    /// Sets (or with `None` removes) the first `<status/>`.
    pub fn set_status(&mut self, status: Option<&str>) {
        set_child_text(&mut self.0, "status", status);
    }

    /// The `<priority/>` (RFC 6121 §4.7.2.3): 0 when absent or not an
    /// integer in -128..=127.
    pub fn priority(&self) -> i8 {
        child_text(&self.0, "priority")
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Sets `<priority/>` (0 removes it, 0 being the default).
    pub fn set_priority(&mut self, priority: i8) {
        let text = priority.to_string();
        set_child_text(
            &mut self.0,
            "priority",
            (priority != 0).then_some(text.as_str()),
        );
    }
}

impl TryFrom<Element> for Presence {
    type Error = InvalidStanza;

    /// Accepts a `<presence/>` in a stanza namespace whose `type` is absent
    /// or one of RFC 6121's.
    fn try_from(el: Element) -> Result<Self, Self::Error> {
        check_element(&el, "presence")?;
        PresenceType::from_attr(el.attr("type")).ok_or(InvalidStanza::UnknownType)?;
        Ok(Presence(el))
    }
}
