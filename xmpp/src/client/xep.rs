//! The small XEPs a bot needs: payload builders and parsers for disco (0030), version
//! (0092), ping (0199), MUC (0045), vCard (0054), registration (0077), chat states
//! (0085), delay (0203) and caps (0115).

use crate::{ns, Element, Jid};
use base64::Engine as _;
use sha1::{Digest, Sha1};

/// The caps node we announce.
pub const CAPS_NODE: &str = "https://github.com/jaxl-rs/jaxl";

/// The features our disco#info answer lists (sorted, as XEP-0115 hashes them).
pub const FEATURES: &[&str] = &[
    ns::CAPS,
    ns::CHATSTATES,
    ns::DISCO_INFO,
    ns::MUC,
    ns::VERSION,
    ns::PING,
];

/// A chat state (XEP-0085).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatState {
    /// Paying attention.
    Active,
    /// Typing.
    Composing,
    /// Stopped typing.
    Paused,
    /// Not paying attention.
    Inactive,
    /// Left the conversation.
    Gone,
}

impl ChatState {
    const ALL: [ChatState; 5] = [
        ChatState::Active,
        ChatState::Composing,
        ChatState::Paused,
        ChatState::Inactive,
        ChatState::Gone,
    ];

    /// The element name.
    pub fn name(&self) -> &'static str {
        match self {
            ChatState::Active => "active",
            ChatState::Composing => "composing",
            ChatState::Paused => "paused",
            ChatState::Inactive => "inactive",
            ChatState::Gone => "gone",
        }
    }

    /// The element to put in a message.
    pub fn element(&self) -> Element {
        Element::new(self.name(), ns::CHATSTATES)
    }

    /// The chat state a stanza carries, if any.
    pub fn from_stanza(stanza: &Element) -> Option<ChatState> {
        stanza.children().find_map(|c| {
            Self::ALL
                .into_iter()
                .find(|s| c.is(s.name(), ns::CHATSTATES))
        })
    }
}

/// Delayed delivery information (XEP-0203): when a stanza was first sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delay {
    /// The timestamp as sent (XEP-0082 `CCYY-MM-DDThh:mm:ss[.sss]TZD`), not interpreted.
    pub stamp: String,
    /// Who delayed it (a MUC room for history), if said.
    pub from: Option<String>,
    /// The reason text, if any.
    pub reason: Option<String>,
}

impl Delay {
    /// The delay a stanza carries, if any (a `<delay/>` without `stamp` is ignored).
    pub fn from_stanza(stanza: &Element) -> Option<Delay> {
        let d = stanza.get_child("delay", ns::DELAY)?;
        Some(Delay {
            stamp: d.attr("stamp")?.to_owned(),
            from: d.attr("from").map(str::to_owned),
            reason: Some(d.text()).filter(|t| !t.is_empty()),
        })
    }
}

/// The XEP-0115 verification string of our disco#info (identity `client/bot`).
pub fn caps_ver(software_name: &str) -> String {
    let mut s = format!("client/bot//{software_name}<");
    for f in FEATURES {
        s.push_str(f);
        s.push('<');
    }
    base64::engine::general_purpose::STANDARD.encode(Sha1::digest(s.as_bytes()))
}

/// The `<c/>` element advertising our capabilities in presence.
pub fn caps_element(software_name: &str) -> Element {
    Element::builder("c", ns::CAPS)
        .attr("hash", "sha-1")
        .attr("node", CAPS_NODE)
        .attr("ver", caps_ver(software_name))
        .build()
}

/// Our disco#info answer (with `node` echoed when asked about one).
pub fn disco_info_result(software_name: &str, node: Option<&str>) -> Element {
    let mut b = Element::builder("query", ns::DISCO_INFO).attr_opt("node", node.map(str::to_owned));
    b = b.append(
        Element::builder("identity", ns::DISCO_INFO)
            .attr("category", "client")
            .attr("type", "bot")
            .attr("name", software_name)
            .build(),
    );
    for f in FEATURES {
        b = b.append(
            Element::builder("feature", ns::DISCO_INFO)
                .attr("var", *f)
                .build(),
        );
    }
    b.build()
}

/// The features listed in a disco#info result.
pub fn disco_features(query: &Element) -> Vec<String> {
    query
        .children()
        .filter(|c| c.is("feature", ns::DISCO_INFO))
        .filter_map(|c| c.attr("var").map(str::to_owned))
        .collect()
}

/// Our XEP-0092 answer.
pub fn version_result(name: &str, version: &str) -> Element {
    Element::builder("query", ns::VERSION)
        .append(Element::builder("name", ns::VERSION).text(name).build())
        .append(
            Element::builder("version", ns::VERSION)
                .text(version)
                .build(),
        )
        .build()
}

/// Options of a MUC join (XEP-0045 §7.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MucJoin {
    /// The room password, if it has one.
    pub password: Option<String>,
    /// Most history messages to receive (`Some(0)`: none). Default: the room's choice.
    pub max_stanzas: Option<u32>,
    /// Only history from the last this many seconds.
    pub seconds: Option<u32>,
}

/// The presence that joins `room` (bare) as `nick`. Fails if `nick` is not a valid
/// resource.
pub fn muc_join_presence(
    room: &Jid,
    nick: &str,
    opts: &MucJoin,
) -> Result<crate::Presence, crate::JidError> {
    let to = room.bare().with_resource(nick)?;
    let mut x = Element::new("x", ns::MUC);
    if let Some(p) = &opts.password {
        x.append_child(Element::builder("password", ns::MUC).text(p).build());
    }
    if opts.max_stanzas.is_some() || opts.seconds.is_some() {
        let h = Element::builder("history", ns::MUC)
            .attr_opt("maxstanzas", opts.max_stanzas.map(|n| n.to_string()))
            .attr_opt("seconds", opts.seconds.map(|n| n.to_string()))
            .build();
        x.append_child(h);
    }
    let mut p = crate::Presence::available();
    p.set_to(Some(&to));
    let mut el = p.into_element();
    el.append_child(x);
    // A <presence/> in jabber:client always converts; the fallback is unreachable.
    let p = crate::Presence::try_from(el);
    debug_assert!(p.is_ok());
    Ok(p.unwrap_or_else(|_| crate::Presence::available()))
}

/// The MUC status codes (`<status code=.../>` in `muc#user`) a stanza carries: 110 is
/// "this is you", 201 "room created", 307 "kicked", ...
pub fn muc_status_codes(stanza: &Element) -> Vec<u16> {
    stanza
        .get_child("x", ns::MUC_USER)
        .map(|x| {
            x.children()
                .filter(|c| c.is("status", ns::MUC_USER))
                .filter_map(|c| c.attr("code")?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// A vCard (XEP-0054) with the given simple fields (`("FN", "Bot")`, `("NICKNAME", ..)`).
pub fn vcard(fields: &[(&str, &str)]) -> Element {
    let mut v = Element::new("vCard", ns::VCARD);
    for (name, value) in fields {
        v.append_child(Element::builder(*name, ns::VCARD).text(value).build());
    }
    v
}

/// The registration query (XEP-0077 §3.1) for `username` and `password`.
pub fn register_query(username: &str, password: &str) -> Element {
    Element::builder("query", ns::REGISTER)
        .append(
            Element::builder("username", ns::REGISTER)
                .text(username)
                .build(),
        )
        .append(
            Element::builder("password", ns::REGISTER)
                .text(password)
                .build(),
        )
        .build()
}
