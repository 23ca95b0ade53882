//! The client side of external components (XEP-0114): connect to a server's component
//! port as a domain (`echo.example.com`), authenticate with the shared secret's
//! handshake, and exchange stanzas with the same callbacks and [`Session`] as a client.
//!
//! ```no_run
//! use jaxl_xmpp::component::ComponentConfig;
//! use jaxl_xmpp::Jid;
//!
//! let config = ComponentConfig::new(Jid::new("echo.localhost").unwrap(), "secret", "127.0.0.1", 5347);
//! let component = config.builder()
//!     .on_message(|s, msg| {
//!         if let Some(body) = msg.body() {
//!             s.reply(msg, &body);
//!         }
//!     })
//!     .build();
//! jaxl_xmpp::client::run_client(component).unwrap();
//! ```
//!
//! The component stream is not encrypted (XEP-0114 has no TLS): keep the component
//! port on loopback or a private network. Stanzas arrive in `jabber:client` like a
//! client's; a stanza sent without `from` gets the component's JID.
//!
//! [`Session`]: crate::client::Session

use crate::client::{Client, ClientBuilder, ClientConfig, Reconnect, TlsMode};
use crate::Jid;
use sha1::{Digest, Sha1};
use std::time::Duration;

/// How an external component connects.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ComponentConfig {
    /// The component's domain (a bare domain JID such as `echo.example.com`).
    pub jid: Jid,
    /// The shared secret configured on the server.
    pub secret: String,
    /// The server's host.
    pub host: String,
    /// The component port (commonly 5347).
    pub port: u16,
    /// Default: [`Reconnect::default`].
    pub reconnect: Reconnect,
    /// A whitespace keep-alive after this much silence. Default: 60 s.
    pub keepalive: Option<Duration>,
    /// Timeout of iq requests. Default: 30 s.
    pub iq_timeout: Duration,
}

impl ComponentConfig {
    /// A configuration with defaults.
    pub fn new(
        jid: Jid,
        secret: impl Into<String>,
        host: impl Into<String>,
        port: u16,
    ) -> ComponentConfig {
        ComponentConfig {
            jid,
            secret: secret.into(),
            host: host.into(),
            port,
            reconnect: Reconnect::default(),
            keepalive: Some(Duration::from_secs(60)),
            iq_timeout: Duration::from_secs(30),
        }
    }

    /// A builder for the component's callbacks; `build()` gives a [`Client`] in
    /// component mode. `on_online` is called after the handshake; roster and presence
    /// features of the client do nothing useful for a component.
    pub fn builder(self) -> ComponentBuilder {
        let mut c = ClientConfig::new(self.jid.clone(), String::new());
        c.host = Some(self.host.clone());
        c.port = self.port;
        c.tls = TlsMode::Optional;
        c.fetch_roster = false;
        c.initial_presence = false;
        c.reconnect = self.reconnect.clone();
        c.ping_interval = self.keepalive;
        c.iq_timeout = self.iq_timeout;
        ComponentBuilder {
            secret: self.secret,
            inner: ClientBuilder::new(c),
        }
    }
}

/// A [`ClientBuilder`] for a component: the common callbacks directly, and every other
/// `on_*` method of [`ClientBuilder`] through [`with`](ComponentBuilder::with).
pub struct ComponentBuilder {
    secret: String,
    inner: ClientBuilder,
}

impl ComponentBuilder {
    /// Applies any [`ClientBuilder`] registration (`|b| b.on_presence(..)`).
    pub fn with(mut self, f: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        self.inner = f(self.inner);
        self
    }

    /// Any message (see [`ClientBuilder::on_message`]).
    pub fn on_message(
        self,
        f: impl FnMut(&mut crate::client::Session<'_, '_>, &crate::Message) + 'static,
    ) -> Self {
        self.with(|b| b.on_message(f))
    }

    /// Handshake accepted (see [`ClientBuilder::on_online`]).
    pub fn on_online(self, f: impl FnMut(&mut crate::client::Session<'_, '_>) + 'static) -> Self {
        self.with(|b| b.on_online(f))
    }

    /// Stream ended (see [`ClientBuilder::on_disconnect`]); a refused handshake is
    /// [`DisconnectReason::HandshakeFailed`](crate::client::DisconnectReason::HandshakeFailed).
    pub fn on_disconnect(
        self,
        f: impl FnMut(&mut crate::client::Session<'_, '_>, &crate::client::DisconnectReason) + 'static,
    ) -> Self {
        self.with(|b| b.on_disconnect(f))
    }

    /// The component, ready to [`connect`](Client::connect).
    pub fn build(self) -> Client {
        self.inner.build_with_kind(crate::client::Kind::Component {
            secret: self.secret,
        })
    }
}

/// The handshake value (XEP-0114 §3): lowercase hex of SHA-1(stream id + secret).
pub fn handshake_digest(stream_id: &str, secret: &str) -> String {
    let d = Sha1::digest(format!("{stream_id}{secret}").as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn handshake_digest_is_lowercase_hex_sha1() {
        assert_eq!(
            super::handshake_digest("3BF96D32", "secret"),
            "b09ea9b3b7f586be8a08d0a3dd7466f110aeb136"
        );
    }
}
