//! [`ClientConfig`]: who the client is and how it connects.

use crate::sasl::Mechanism;
use crate::Jid;
use std::path::PathBuf;
use std::time::Duration;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// STARTTLS is required: a server that does not offer it is left (default).
    Required,
    /// Direct TLS from the first byte (XEP-0368, usually port 5223).
    Direct,
    /// **Development only.** Use STARTTLS when offered, else go on in the clear
    /// (PLAIN is then never used, but the session can be read by anyone on the path).
    Optional,
}

/// How certificates are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsVerify {
    /// Against the system roots (default).
    System,
    /// Against the system roots and the CA certificates of a PEM file.
    CaFile(PathBuf),
    /// Against the system roots and these PEM CA certificates.
    CaPem(Vec<u8>),
    /// **Development only.** No verification: anyone on the path can intercept the
    /// session. Logs a warning at every connect.
    DangerousNoVerification,
}

/// When and how fast the client reconnects after losing its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconnect {
    /// Whether to reconnect at all. Default: true. Authentication failures, a
    /// `conflict` stream error and a local disconnect never reconnect.
    pub enabled: bool,
    /// First delay. Default: 1 s.
    pub initial_delay: Duration,
    /// Delays double up to this. Default: 60 s.
    pub max_delay: Duration,
    /// Give up after this many consecutive failed attempts (`None`: never). Default: None.
    pub max_attempts: Option<u32>,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            enabled: true,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_attempts: None,
        }
    }
}

impl Reconnect {
    /// No reconnection.
    pub fn never() -> Reconnect {
        Reconnect {
            enabled: false,
            ..Reconnect::default()
        }
    }

    /// The delay before attempt `n` (1-based): `initial_delay * 2^(n-1)`, capped.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1).min(16))
            .unwrap_or(u32::MAX);
        self.initial_delay
            .saturating_mul(factor)
            .min(self.max_delay)
    }
}

/// Configuration of a [`Client`](super::Client). Build with [`ClientConfig::new`] (or
/// [`ClientConfig::from_env`]) and adjust fields; every field documents its default.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The account. A resource in it is requested at bind; without one the server picks.
    pub jid: Jid,
    /// The password (empty for ANONYMOUS).
    pub password: String,
    /// Host to connect to, with [`port`](Self::port); no DNS SRV lookup is then done.
    /// Default: `None`: the targets of the JID domain's SRV records
    /// (`_xmpp-client._tcp`, and `_xmpps-client._tcp` with [`TlsMode::Direct`]), else
    /// the domain itself (see [the module docs](crate::client#where-it-connects)). A domain that
    /// is an IP literal or `localhost` is connected to directly, without a lookup.
    pub host: Option<String>,
    /// The port used with [`host`](Self::host), and with the domain when it has no SRV
    /// records (or the lookup fails) or is not looked up. Default: 5222. With
    /// [`TlsMode::Direct`] and no `host`, 5222 is read as the default and the fallback
    /// uses 5223, XEP-0368's customary direct-TLS port; set `host` to force 5222.
    pub port: u16,
    /// The DNS server (`ip:53`) asked for the SRV records instead of the `nameserver`s
    /// of `/etc/resolv.conf`. When set, the addresses of the SRV targets (and of the
    /// domain, for the fallback) are asked of it too, rather than the system resolver
    /// (no hosts file), so every name lookup of this client goes to this server.
    /// Default: `None`. Each query waits 2 s per attempt, 2 attempts per server.
    pub dns_server: Option<std::net::SocketAddr>,
    /// Default: [`TlsMode::Required`].
    pub tls: TlsMode,
    /// Default: [`TlsVerify::System`].
    pub verify: TlsVerify,
    /// SASL mechanisms in order of preference. Default: [`Mechanism::PREFERENCE`]
    /// (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN). PLAIN is only used inside TLS.
    pub mechanisms: Vec<Mechanism>,
    /// Register the account in-band (XEP-0077) before logging in. Default: false.
    pub register: bool,
    /// Fetch the roster after binding, before [`on_online`](super::ClientBuilder::on_online).
    /// Default: true.
    pub fetch_roster: bool,
    /// Send an initial available presence when online. Default: true.
    pub initial_presence: bool,
    /// Presence priority. Default: 0.
    pub priority: i8,
    /// Accept every subscription request (and subscribe back). Default: false.
    pub auto_accept_subscriptions: bool,
    /// Ping the server (XEP-0199) after this much time (`None`: never). Default: 60 s.
    pub ping_interval: Option<Duration>,
    /// Default timeout of iq requests, keep-alive pings included; an unanswered ping
    /// means the stream is dead. Default: 30 s.
    pub iq_timeout: Duration,
    /// Default: [`Reconnect::default`] (on, 1 s doubling to 60 s).
    pub reconnect: Reconnect,
    /// Limits on what the server may send. Default: [`crate::xml::Config::default`]
    /// (256 KiB stanzas).
    pub stream: crate::xml::Config,
    /// Software name announced in XEP-0092 answers and XEP-0115 caps. Default: "jaxl".
    pub software_name: String,
    /// Software version for XEP-0092. Default: this crate's version.
    pub software_version: String,
}

impl ClientConfig {
    /// A configuration for `jid` with `password` and every other field at its default.
    pub fn new(jid: Jid, password: impl Into<String>) -> ClientConfig {
        ClientConfig {
            jid,
            password: password.into(),
            host: None,
            port: 5222,
            dns_server: None,
            tls: TlsMode::Required,
            verify: TlsVerify::System,
            mechanisms: Mechanism::PREFERENCE.to_vec(),
            register: false,
            fetch_roster: true,
            initial_presence: true,
            priority: 0,
            auto_accept_subscriptions: false,
            ping_interval: Some(Duration::from_secs(60)),
            iq_timeout: Duration::from_secs(30),
            reconnect: Reconnect::default(),
            stream: crate::xml::Config::default(),
            software_name: "jaxl".to_owned(),
            software_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// The examples' convention: `XMPP_JID`, `XMPP_PASSWORD`, optional `XMPP_HOST`
    /// (else DNS SRV, else the JID's domain), `XMPP_PORT`, `XMPP_CA_FILE` (a PEM CA
    /// trusted besides the system roots) and `XMPP_INSECURE_TLS=1` (no certificate
    /// verification, loudly warned).
    ///
    /// Fails with a message naming the variable that is missing or invalid.
    pub fn from_env() -> Result<ClientConfig, String> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let jid = var("XMPP_JID").ok_or("XMPP_JID is not set")?;
        let jid = Jid::new(&jid).map_err(|e| format!("XMPP_JID: {e}"))?;
        let mut c = ClientConfig::new(jid, var("XMPP_PASSWORD").unwrap_or_default());
        c.apply_env()?;
        Ok(c)
    }

    /// Applies the connection variables of [`from_env`](Self::from_env) (`XMPP_HOST`,
    /// `XMPP_PORT`, `XMPP_CA_FILE`, `XMPP_INSECURE_TLS`) to this configuration, for
    /// programs with several accounts. Fails on an invalid `XMPP_PORT`.
    pub fn apply_env(&mut self) -> Result<(), String> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        if let Some(h) = var("XMPP_HOST") {
            self.host = Some(h);
        }
        if let Some(p) = var("XMPP_PORT") {
            self.port = p
                .parse()
                .map_err(|_| format!("XMPP_PORT: not a port: {p}"))?;
        }
        if let Some(f) = var("XMPP_CA_FILE") {
            self.verify = TlsVerify::CaFile(f.into());
        }
        if var("XMPP_INSECURE_TLS").as_deref() == Some("1") {
            log::warn!("XMPP_INSECURE_TLS=1: TLS CERTIFICATES ARE NOT VERIFIED; anyone on the path can read and change this session");
            self.verify = TlsVerify::DangerousNoVerification;
        }
        Ok(())
    }

    /// The host connected to when no SRV target is used: [`host`](Self::host), else
    /// the JID's domain (also the fallback when the domain has no SRV records).
    pub fn connect_host(&self) -> &str {
        self.host.as_deref().unwrap_or(self.jid.domain())
    }
}
