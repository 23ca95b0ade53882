//! Namespace URIs used by XMPP (RFC 6120, RFC 6121 and common XEPs).

/// Client-to-server stream content (RFC 6120 §4.8.2).
pub const CLIENT: &str = "jabber:client";
/// Server-to-server stream content (RFC 6120 §4.8.2).
pub const SERVER: &str = "jabber:server";
/// Component stream content (XEP-0114).
pub const COMPONENT: &str = "jabber:component:accept";
/// The stream root and stream-level elements (`stream:` prefix).
pub const STREAM: &str = "http://etherx.jabber.org/streams";
/// The XML namespace, bound to the `xml` prefix everywhere.
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";

/// STARTTLS negotiation (RFC 6120 §5).
pub const TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
/// SASL negotiation (RFC 6120 §6).
pub const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
/// Resource binding (RFC 6120 §7).
pub const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
/// Session establishment (RFC 3921, kept for old clients).
pub const SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
/// Stanza error conditions (RFC 6120 §8.3).
pub const STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// Stream error conditions (RFC 6120 §4.9).
pub const STREAMS: &str = "urn:ietf:params:xml:ns:xmpp-streams";
/// Server dialback (XEP-0220).
pub const DIALBACK: &str = "jabber:server:dialback";
/// Roster management (RFC 6121 §2).
pub const ROSTER: &str = "jabber:iq:roster";
/// Roster versioning stream feature (RFC 6121 §2.6).
pub const ROSTER_VER: &str = "urn:xmpp:features:rosterver";
/// Pre-approved subscriptions stream feature (RFC 6121 §3.4).
pub const PRE_APPROVAL: &str = "urn:xmpp:features:pre-approval";

/// Service discovery, information (XEP-0030).
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
/// Service discovery, items (XEP-0030).
pub const DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// Software version (XEP-0092).
pub const VERSION: &str = "jabber:iq:version";
/// XMPP ping (XEP-0199).
pub const PING: &str = "urn:xmpp:ping";
/// Entity time (XEP-0202).
pub const TIME: &str = "urn:xmpp:time";
/// Last activity (XEP-0012).
pub const LAST: &str = "jabber:iq:last";
/// Multi-user chat (XEP-0045).
pub const MUC: &str = "http://jabber.org/protocol/muc";
/// Multi-user chat, user extensions (XEP-0045).
pub const MUC_USER: &str = "http://jabber.org/protocol/muc#user";
/// Multi-user chat, admin use cases (XEP-0045).
pub const MUC_ADMIN: &str = "http://jabber.org/protocol/muc#admin";
/// Multi-user chat, owner use cases (XEP-0045).
pub const MUC_OWNER: &str = "http://jabber.org/protocol/muc#owner";
/// vCards (XEP-0054).
pub const VCARD: &str = "vcard-temp";
/// vCard-based avatars update (XEP-0153).
pub const VCARD_UPDATE: &str = "vcard-temp:x:update";
/// In-band registration (XEP-0077).
pub const REGISTER: &str = "jabber:iq:register";
/// In-band registration stream feature (XEP-0077).
pub const REGISTER_FEATURE: &str = "http://jabber.org/features/iq-register";
/// Chat state notifications (XEP-0085).
pub const CHATSTATES: &str = "http://jabber.org/protocol/chatstates";
/// Delayed delivery (XEP-0203).
pub const DELAY: &str = "urn:xmpp:delay";
/// Entity capabilities (XEP-0115).
pub const CAPS: &str = "http://jabber.org/protocol/caps";
/// Data forms (XEP-0004).
pub const DATA_FORMS: &str = "jabber:x:data";
/// Private XML storage (XEP-0049).
pub const PRIVATE: &str = "jabber:iq:private";
/// Publish-subscribe (XEP-0060).
pub const PUBSUB: &str = "http://jabber.org/protocol/pubsub";
/// Publish-subscribe event notifications (XEP-0060).
pub const PUBSUB_EVENT: &str = "http://jabber.org/protocol/pubsub#event";
/// Stream management (XEP-0198).
pub const SM: &str = "urn:xmpp:sm:3";
/// Client state indication (XEP-0352).
pub const CSI: &str = "urn:xmpp:csi:0";
/// Message carbons (XEP-0280).
pub const CARBONS: &str = "urn:xmpp:carbons:2";
/// Stanza forwarding (XEP-0297).
pub const FORWARD: &str = "urn:xmpp:forward:0";
/// Message delivery receipts (XEP-0184).
pub const RECEIPTS: &str = "urn:xmpp:receipts";
/// Message archive management (XEP-0313).
pub const MAM: &str = "urn:xmpp:mam:2";
/// Blocking command (XEP-0191).
pub const BLOCKING: &str = "urn:xmpp:blocking";
/// Out-of-band data in messages (XEP-0066).
pub const OOB: &str = "jabber:x:oob";
/// XHTML-IM (XEP-0071).
pub const XHTML_IM: &str = "http://jabber.org/protocol/xhtml-im";
/// XHTML body content (XEP-0071).
pub const XHTML: &str = "http://www.w3.org/1999/xhtml";
/// Non-SASL authentication (XEP-0078, obsolete).
pub const IQ_AUTH: &str = "jabber:iq:auth";
/// Component handshake (XEP-0114) uses the component namespace; components
/// that connect outward use this one.
pub const COMPONENT_CONNECT: &str = "jabber:component:connect";
