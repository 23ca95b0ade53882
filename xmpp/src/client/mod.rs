//! An XMPP client (RFC 6120/6121) on the jaxl loop, in the spirit of JAXL's XMPP class:
//! configure, register callbacks, connect, and let the loop drive it.
//!
//! ```no_run
//! // An echo bot in a few lines.
//! use jaxl_xmpp::client::{self, ClientBuilder, ClientConfig};
//!
//! let config = ClientConfig::from_env().expect("XMPP_JID and XMPP_PASSWORD");
//! client::run(config, |b: ClientBuilder| {
//!     b.on_chat_message(|s, msg| {
//!         if let Some(body) = msg.body() {
//!             s.reply(msg, &body);
//!         }
//!     })
//! })
//! .unwrap();
//! ```
//!
//! # What the client does by itself
//! * Negotiation: STARTTLS (required unless [`TlsMode::Optional`]; certificates
//!   verified as [`TlsVerify`] says), optional in-band registration (XEP-0077), SASL
//!   by preference among what the server offers (PLAIN only inside TLS, SCRAM server
//!   signatures verified), resource binding, the legacy session only when required.
//! * After binding: fetches the roster, sends initial presence with caps (XEP-0115),
//!   answers roster pushes, pings (XEP-0199), disco#info (XEP-0030) and version
//!   (XEP-0092) requests, and answers any other unhandled get/set with
//!   `service-unavailable`.
//! * Keeps the stream alive with pings, treats an unanswered one as a dead stream, and
//!   reconnects with exponential backoff on timers (never blocking the loop).
//! * Bad input from the server (not XML, a DOCTYPE, an oversized stanza, invalid UTF-8,
//!   a close mid-stanza) ends the stream with the proper stream error and calls
//!   `on_disconnect` with the reason. Nothing the server sends can panic the client.
//!
//! # Where it connects
//! To [`ClientConfig::host`] if set (or `XMPP_HOST`). Otherwise, as RFC 6120 §3.2
//! says, to the targets of the JID domain's DNS SRV records `_xmpp-client._tcp` (and
//! `_xmpps-client._tcp` with [`TlsMode::Direct`], XEP-0368, priorities mixed), by
//! priority then weighted at random, each in turn until one connects; without records
//! (or when the lookup fails), to the domain itself on [`ClientConfig::port`]. A lone
//! SRV target `.` means the domain offers no XMPP service: the client then reports
//! [`DisconnectReason::NoService`] and does not fall back. The lookup runs on a helper
//! thread ([`crate::dns`]), never blocking the loop, and is redone at every
//! reconnection. Certificates are always verified against the JID's domain, never the
//! SRV target (RFC 6120 §13.7.2.1).

mod callbacks;
mod config;
mod connection;
mod dispatch;
mod error;
mod handle;
mod iq;
mod negotiate;
mod roster;
mod session;
mod srv;
mod state;
pub mod xep;

pub use callbacks::ClientBuilder;
pub use config::{ClientConfig, Reconnect, TlsMode, TlsVerify};
pub use connection::Client;
pub use error::{AuthFailure, ClientError, DisconnectReason};
pub use handle::ClientHandle;
pub use iq::{IqCallback, IqError};
pub use roster::{ResourcePresence, Roster, RosterItem, Subscription};
pub use session::Session;
pub(crate) use state::Kind;
pub use xep::{ChatState, Delay, MucJoin};

use jaxl_core::Loop;

/// Runs one client in a new loop until the loop stops (Ctrl-C, or a callback calling
/// [`Context::stop`](jaxl_core::Context::stop)): `setup` registers the callbacks.
///
/// Fails if the loop cannot be created or the TLS configuration cannot be built.
pub fn run(
    config: ClientConfig,
    setup: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Result<(), ClientError> {
    run_client(setup(ClientBuilder::new(config)).build())
}

/// Runs a built client in a new loop until the loop stops.
///
/// Fails if the loop cannot be created or the TLS configuration cannot be built.
pub fn run_client(client: Client) -> Result<(), ClientError> {
    let mut ev = Loop::new().map_err(ClientError::Io)?;
    client.connect(&mut ev)?;
    ev.run().map_err(ClientError::Io)
}

#[cfg(test)]
mod tests;
