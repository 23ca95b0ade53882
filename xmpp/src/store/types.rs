//! The records a [`Store`](super::Store) keeps.

use crate::Jid;

/// What SCRAM keeps for one hash function (RFC 5802 §3): the password cannot be
/// recovered from it, yet a PLAIN password can still be checked against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScramCredentials {
    /// The random salt.
    pub salt: Vec<u8>,
    /// The PBKDF2 iteration count.
    pub iterations: u32,
    /// `H(HMAC(SaltedPassword, "Client Key"))`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
}

/// An account's credentials: one SCRAM record per supported hash.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Credentials {
    /// For SCRAM-SHA-1 (and PLAIN verification when SHA-256 is absent).
    pub sha1: Option<ScramCredentials>,
    /// For SCRAM-SHA-256 (and PLAIN verification).
    pub sha256: Option<ScramCredentials>,
}

/// The subscription part of a roster item's state (RFC 6121 §2.1.2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Subscription {
    /// Neither side receives the other's presence.
    #[default]
    None,
    /// The user receives the contact's presence.
    To,
    /// The contact receives the user's presence.
    From,
    /// Both ways.
    Both,
}

impl Subscription {
    /// The attribute value (`none`, `to`, `from`, `both`).
    pub fn as_str(self) -> &'static str {
        match self {
            Subscription::None => "none",
            Subscription::To => "to",
            Subscription::From => "from",
            Subscription::Both => "both",
        }
    }

    /// Parses an attribute value; `None` for anything else (including `remove`).
    pub fn parse(s: &str) -> Option<Subscription> {
        Some(match s {
            "none" => Subscription::None,
            "to" => Subscription::To,
            "from" => Subscription::From,
            "both" => Subscription::Both,
            _ => return None,
        })
    }

    /// Whether the user receives the contact's presence (`to` or `both`).
    pub fn has_to(self) -> bool {
        matches!(self, Subscription::To | Subscription::Both)
    }

    /// Whether the contact receives the user's presence (`from` or `both`).
    pub fn has_from(self) -> bool {
        matches!(self, Subscription::From | Subscription::Both)
    }

    /// This state with the `to` half set or cleared.
    pub fn with_to(self, on: bool) -> Subscription {
        Subscription::from_halves(on, self.has_from())
    }

    /// This state with the `from` half set or cleared.
    pub fn with_from(self, on: bool) -> Subscription {
        Subscription::from_halves(self.has_to(), on)
    }

    fn from_halves(to: bool, from: bool) -> Subscription {
        match (to, from) {
            (false, false) => Subscription::None,
            (true, false) => Subscription::To,
            (false, true) => Subscription::From,
            (true, true) => Subscription::Both,
        }
    }
}

/// One contact in a user's roster, with the full subscription state of RFC 6121
/// Appendix A (the subscription plus the pending flags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterItem {
    /// The contact's bare JID.
    pub jid: Jid,
    /// The user's name for the contact.
    pub name: Option<String>,
    /// The groups the item is in.
    pub groups: Vec<String>,
    /// Who receives whose presence.
    pub subscription: Subscription,
    /// "Pending out": the user asked to subscribe and the contact has not answered
    /// (shown as `ask='subscribe'`).
    pub ask: bool,
    /// "Pending in": the contact asked to subscribe and the user has not answered.
    pub pending_in: bool,
    /// The user pre-approved the contact's subscription (RFC 6121 §3.4).
    pub approved: bool,
    /// Whether the item is in the roster the user sees. An inbound request from a
    /// contact not in the roster is remembered with `listed == false` (RFC 6121
    /// §3.1.3: the server must not add it to the roster before the user answers).
    pub listed: bool,
}

impl RosterItem {
    /// A listed item with no subscription.
    pub fn new(jid: Jid) -> RosterItem {
        RosterItem {
            jid,
            name: None,
            groups: Vec::new(),
            subscription: Subscription::None,
            ask: false,
            pending_in: false,
            approved: false,
            listed: true,
        }
    }
}
