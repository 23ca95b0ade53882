//! [`ServerConfig`]: the settings of a [`Server`](super::Server), each with its default.

use std::time::Duration;

/// Settings of an XMPP server. Build with [`ServerConfig::new`] and change fields.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The domain this server serves (`example.com`): the `to` of accepted streams and
    /// the domain part of its users' JIDs. No default: [`ServerConfig::new`] takes it.
    pub domain: String,
    /// The TLS configuration for STARTTLS. Default `None`. Without it (and without
    /// [`allow_plaintext_loopback`](Self::allow_plaintext_loopback)) no client can log in.
    #[cfg(feature = "tls")]
    pub tls: Option<std::sync::Arc<jaxl_core::tls::ServerConfig>>,
    /// Lets clients on a loopback address authenticate without TLS, offering only
    /// SCRAM (PLAIN is never offered in the clear). Default false: STARTTLS is
    /// mandatory (RFC 6120 §5.3.1). For local development only.
    pub allow_plaintext_loopback: bool,
    /// Whether in-band registration (XEP-0077) creates accounts. Default false: an
    /// open server attracts spam accounts.
    pub allow_registration: bool,
    /// Largest stanza accepted, advertised in the stream features (XEP-0478).
    /// Default 256 KiB; a bigger one ends the stream with `policy-violation`.
    pub max_stanza_bytes: usize,
    /// Sustained bytes per second one connection may send. Default 256 KiB/s: far above
    /// chat traffic, low enough that one client cannot monopolise the loop. Above it
    /// the connection is not read for a while (TCP slows the sender down).
    pub rate_bytes_per_sec: u64,
    /// Bytes a connection may send in a burst above the sustained rate. Default 1 MiB.
    pub rate_burst_bytes: u64,
    /// Most client connections at once (on each listener). Default 10,000.
    pub max_connections: usize,
    /// Time a connection has to authenticate. Default 5 minutes; then it is closed
    /// with the `connection-timeout` stream error.
    pub auth_timeout: Duration,
    /// Most resources one account may bind at once. Default 16; more is refused with
    /// `resource-constraint`.
    pub max_resources: usize,
    /// Most offline messages kept for one account. Default 1000; more bounce with
    /// `service-unavailable`.
    pub max_offline: usize,
    /// Most roster items one account may have. Default 1000 (`not-acceptable` above).
    pub max_roster_items: usize,
    /// PBKDF2 iterations for credentials created by registration or password change.
    /// Default 4096 (RFC 7677's minimum).
    pub scram_iterations: u32,
    /// The shared secret of XEP-0114 components. Default `None`: components are refused.
    pub component_secret: Option<String>,
}

impl ServerConfig {
    /// The defaults for `domain` (see each field).
    pub fn new(domain: impl Into<String>) -> ServerConfig {
        ServerConfig {
            domain: domain.into(),
            #[cfg(feature = "tls")]
            tls: None,
            allow_plaintext_loopback: false,
            allow_registration: false,
            max_stanza_bytes: 256 * 1024,
            rate_bytes_per_sec: 256 * 1024,
            rate_burst_bytes: 1024 * 1024,
            max_connections: 10_000,
            auth_timeout: Duration::from_secs(300),
            max_resources: 16,
            max_offline: 1000,
            max_roster_items: 1000,
            scram_iterations: 4096,
            component_secret: None,
        }
    }
}
