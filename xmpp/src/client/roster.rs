//! [`Roster`]: the contact list (RFC 6121 §2) and who of it is online, per resource.

use crate::stanza::{Presence, PresenceType, Show};
use crate::{ns, Element, Jid};
use std::collections::BTreeMap;

/// A roster item's subscription state (RFC 6121 §2.1.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Subscription {
    /// Neither side sees the other's presence.
    #[default]
    None,
    /// We see the contact's presence.
    To,
    /// The contact sees ours.
    From,
    /// Both ways.
    Both,
    /// Only in pushes: the item was removed.
    Remove,
}

impl Subscription {
    /// Parses the `subscription` attribute (absent or unknown → `None`).
    pub fn from_attr(value: Option<&str>) -> Subscription {
        match value {
            Some("to") => Subscription::To,
            Some("from") => Subscription::From,
            Some("both") => Subscription::Both,
            Some("remove") => Subscription::Remove,
            _ => Subscription::None,
        }
    }

    /// The attribute value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Subscription::None => "none",
            Subscription::To => "to",
            Subscription::From => "from",
            Subscription::Both => "both",
            Subscription::Remove => "remove",
        }
    }
}

/// One roster contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterItem {
    /// The contact's bare JID.
    pub jid: Jid,
    /// The display name, if set.
    pub name: Option<String>,
    /// The subscription state.
    pub subscription: Subscription,
    /// Whether we asked to subscribe and wait for an answer (`ask='subscribe'`).
    pub pending_out: bool,
    /// The groups the contact is in.
    pub groups: Vec<String>,
}

impl RosterItem {
    /// A new item for `jid` (made bare) with no name and no groups.
    pub fn new(jid: &Jid) -> RosterItem {
        RosterItem {
            jid: jid.bare(),
            name: None,
            subscription: Subscription::None,
            pending_out: false,
            groups: Vec::new(),
        }
    }

    /// Parses an `<item/>` of `jabber:iq:roster`; `None` without a valid `jid`.
    pub fn from_element(el: &Element) -> Option<RosterItem> {
        let jid = Jid::new(el.attr("jid")?).ok()?.bare();
        Some(RosterItem {
            jid,
            name: el.attr("name").filter(|n| !n.is_empty()).map(str::to_owned),
            subscription: Subscription::from_attr(el.attr("subscription")),
            pending_out: el.attr("ask") == Some("subscribe"),
            groups: el
                .children()
                .filter(|c| c.is("group", ns::ROSTER))
                .map(|g| g.text())
                .collect(),
        })
    }

    /// The `<item/>` to set this contact (name and groups; the server owns the
    /// subscription state, so it is sent only as `remove`).
    pub fn to_element(&self) -> Element {
        let mut b = Element::builder("item", ns::ROSTER)
            .attr("jid", self.jid.as_str())
            .attr_opt("name", self.name.clone());
        if self.subscription == Subscription::Remove {
            b = b.attr("subscription", "remove");
        }
        for g in &self.groups {
            b = b.append(Element::builder("group", ns::ROSTER).text(g).build());
        }
        b.build()
    }
}

/// What one resource of a contact announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePresence {
    /// `<show/>` (`None`: plain available).
    pub show: Option<Show>,
    /// `<status/>` text.
    pub status: Option<String>,
    /// Priority (-128..127).
    pub priority: i8,
}

/// The roster and the presence view. Most rosters are small, so ordered maps keep
/// iteration stable (a bot listing contacts gets them sorted).
#[derive(Debug, Clone)]
pub struct Roster {
    items: BTreeMap<Jid, RosterItem>,
    presence: BTreeMap<Jid, BTreeMap<String, ResourcePresence>>,
    /// Most resources tracked per contact (a hostile server could invent millions).
    max_resources: usize,
    /// Most JIDs whose presence is tracked (roster contacts, MUC rooms, others).
    max_entities: usize,
}

impl Default for Roster {
    fn default() -> Roster {
        Roster::new()
    }
}

impl Roster {
    pub(crate) fn new() -> Roster {
        Roster {
            items: BTreeMap::new(),
            presence: BTreeMap::new(),
            max_resources: 64,
            max_entities: 65_536,
        }
    }

    /// The contacts, sorted by JID.
    pub fn items(&self) -> impl Iterator<Item = &RosterItem> {
        self.items.values()
    }

    /// The contact with this JID (bare or full).
    pub fn get(&self, jid: &Jid) -> Option<&RosterItem> {
        self.items.get(&jid.bare())
    }

    /// Number of contacts.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the roster is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The online resources of a contact (any JID, roster or not, e.g. a MUC room's
    /// occupants by nick), with what each announced.
    pub fn presence_of(&self, jid: &Jid) -> impl Iterator<Item = (&str, &ResourcePresence)> {
        self.presence
            .get(&jid.bare())
            .into_iter()
            .flat_map(|m| m.iter().map(|(r, p)| (r.as_str(), p)))
    }

    /// Whether any resource of `jid` is available.
    pub fn is_online(&self, jid: &Jid) -> bool {
        self.presence
            .get(&jid.bare())
            .is_some_and(|m| !m.is_empty())
    }

    /// Replaces everything with a fetched roster.
    pub(crate) fn replace(&mut self, items: Vec<RosterItem>) {
        self.items = items.into_iter().map(|i| (i.jid.clone(), i)).collect();
    }

    /// Applies a pushed item (a `remove` deletes it).
    pub(crate) fn apply(&mut self, item: RosterItem) {
        if item.subscription == Subscription::Remove {
            self.items.remove(&item.jid);
        } else {
            self.items.insert(item.jid.clone(), item);
        }
    }

    /// Updates the presence view with an available/unavailable presence.
    pub(crate) fn update_presence(&mut self, from: &Jid, p: &Presence) {
        let bare = from.bare();
        let resource = from.resource().unwrap_or("").to_owned();
        match p.type_() {
            PresenceType::Available => {
                if self.presence.len() >= self.max_entities && !self.presence.contains_key(&bare) {
                    return;
                }
                let entry = self.presence.entry(bare).or_default();
                if entry.len() >= self.max_resources && !entry.contains_key(&resource) {
                    return;
                }
                entry.insert(
                    resource,
                    ResourcePresence {
                        show: p.show(),
                        status: p.status(),
                        priority: p.priority(),
                    },
                );
            }
            PresenceType::Unavailable | PresenceType::Error => {
                if let Some(m) = self.presence.get_mut(&bare) {
                    if p.type_() == PresenceType::Error || from.resource().is_none() {
                        m.clear();
                    } else {
                        m.remove(&resource);
                    }
                    if m.is_empty() {
                        self.presence.remove(&bare);
                    }
                }
            }
            _ => {}
        }
    }

    /// Forgets every presence (the stream ended).
    pub(crate) fn clear_presence(&mut self) {
        self.presence.clear();
    }
}
