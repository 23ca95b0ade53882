//! The XMPP stack of jaxl: XML streams, elements, stanzas and addresses.
//!
//! This crate holds the parts of XMPP that do no I/O:
//!
//! * [`xml`]: [`StreamReader`], an incremental reader
//!   that turns the bytes of a stream (split however the network split them)
//!   into a header, stanzas and an end, enforcing the restricted XML of
//!   RFC 6120 §11 and size limits; and the stream header writer;
//! * [`element`]: [`Element`], an owned XML element with a builder, accessors
//!   and a namespace-aware writer;
//! * [`stanza`]: typed views [`Message`],
//!   [`Presence`] and [`Iq`], stanza error
//!   replies and stream errors;
//! * [`jid`]: [`Jid`], validated and normalised XMPP addresses (RFC 7622);
//! * [`ns`]: namespace constants;
//! * [`sasl`]: SASL mechanisms (SCRAM-SHA-1/256, PLAIN, ANONYMOUS), client and server
//!   sides, with no I/O;
//! * [`client`]: an XMPP client on the jaxl loop (negotiation, roster, presence, iq
//!   callbacks, keep-alive, reconnection, the XEPs a bot needs);
//! * [`component`]: external components (XEP-0114), client side;
//! * [`dns`]: a small stub resolver for the SRV records that locate a domain's server
//!   (RFC 6120 §3.2, XEP-0368), with a reader written for hostile answers.
//!
//! ```
//! use jaxl_xmpp::xml::{Config, StreamEvent, StreamReader};
//! use jaxl_xmpp::{ns, stanza::Message};
//!
//! let mut reader = StreamReader::new(Config::default());
//! for chunk in [&b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx"[..],
//!               b".jabber.org/streams'><message type='chat'><bo", b"dy>hi</body></message>"] {
//!     reader.feed(chunk);
//!     while let Some(event) = reader.next_event().unwrap() {
//!         if let StreamEvent::Stanza(el) = event {
//!             let msg = Message::try_from(el).unwrap();
//!             assert_eq!(msg.body().as_deref(), Some("hi"));
//!         }
//!     }
//! }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(feature = "tls")]
pub mod client;
#[cfg(feature = "tls")]
pub mod component;
pub mod dns;
pub mod element;
pub mod jid;
pub mod ns;
pub mod sasl;
#[cfg(feature = "server")]
pub mod server;
pub mod stanza;
#[cfg(feature = "server")]
pub mod store;
pub mod xml;

pub use element::{Attribute, Element, ElementBuilder, Node};
pub use jid::{Jid, JidError};
pub use stanza::{Iq, Message, Presence};
pub use xml::{StreamEvent, StreamHeader, StreamReader, XmlError};
