//! Why a client stopped: [`DisconnectReason`], [`AuthFailure`], [`ClientError`].

use crate::sasl::SaslError;
use crate::xml::XmlError;
use jaxl_core::Close;
use std::fmt;

/// Why SASL authentication failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// The server answered `<failure/>` with this condition (RFC 6120 §6.5:
    /// `not-authorized`, `account-disabled`, ...) and optional text.
    Server {
        /// The condition element's name.
        condition: String,
        /// The server's text, if any.
        text: Option<String>,
    },
    /// None of the server's mechanisms is acceptable (PLAIN without TLS, no password, ...).
    NoMechanism(Vec<String>),
    /// The exchange broke on our side: a malformed challenge, or a SCRAM server
    /// signature that does not verify (the server cannot be trusted).
    Sasl(SaslError),
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthFailure::Server {
                condition,
                text: Some(t),
            } => write!(f, "{condition}: {t}"),
            AuthFailure::Server {
                condition,
                text: None,
            } => f.write_str(condition),
            AuthFailure::NoMechanism(offered) => {
                write!(f, "no acceptable SASL mechanism among {offered:?}")
            }
            AuthFailure::Sasl(e) => write!(f, "{e}"),
        }
    }
}

/// Why a client's stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The TCP (or TLS) connection could not be made: to every SRV target in turn, or
    /// to the configured host or the domain. The text is the last attempt's error.
    ConnectFailed(String),
    /// The domain's DNS SRV records say it offers no XMPP client service (a single
    /// target `.`, RFC 2782; RFC 6120 §3.2.1): nothing is tried, and reconnecting does
    /// not help. The text is the domain.
    NoService(String),
    /// The TLS layer failed (certificate not trusted, handshake error).
    Tls(String),
    /// TLS is required but the server does not offer STARTTLS.
    TlsRequired,
    /// The server sent a stream error (RFC 6120 §4.9).
    StreamError {
        /// The condition (`conflict`, `system-shutdown`, ...).
        condition: String,
        /// The server's text, if any.
        text: Option<String>,
    },
    /// The server sent bytes that are not an acceptable XML stream; we sent the
    /// named stream error and closed.
    BadInput(XmlError),
    /// The server broke the protocol (an unexpected element during negotiation); we
    /// sent a stream error and closed. The text says what happened.
    Protocol(String),
    /// Authentication failed.
    AuthFailed(AuthFailure),
    /// In-band registration was refused (the stanza error condition).
    RegistrationFailed(String),
    /// Resource binding or the session failed (the stanza error condition).
    BindFailed(String),
    /// The component handshake was refused.
    HandshakeFailed(String),
    /// A keep-alive ping went unanswered: the stream is dead.
    PingTimeout,
    /// The server closed the stream (`</stream:stream>`) or the connection.
    ClosedByServer,
    /// The connection ended in the middle of a stanza.
    ClosedMidStanza,
    /// We closed it ([`Session::disconnect`](super::Session::disconnect), loop shutdown).
    Local,
    /// The connection broke otherwise (reset, I/O error, output overflow).
    Connection(Close),
}

impl DisconnectReason {
    /// Whether reconnecting may help (false for authentication failures, a resource
    /// `conflict`, a refused handshake or registration, a domain without XMPP service,
    /// and local disconnects).
    pub fn is_retryable(&self) -> bool {
        match self {
            DisconnectReason::AuthFailed(_)
            | DisconnectReason::RegistrationFailed(_)
            | DisconnectReason::HandshakeFailed(_)
            | DisconnectReason::TlsRequired
            | DisconnectReason::NoService(_)
            | DisconnectReason::Local => false,
            DisconnectReason::StreamError { condition, .. } => !matches!(
                condition.as_str(),
                "conflict" | "not-authorized" | "host-unknown" | "policy-violation"
            ),
            _ => true,
        }
    }

    pub(crate) fn from_close(close: &Close) -> DisconnectReason {
        match close {
            Close::ConnectFailed(e) => DisconnectReason::ConnectFailed(e.clone()),
            Close::Tls(e) => DisconnectReason::Tls(e.clone()),
            Close::Peer => DisconnectReason::ClosedByServer,
            Close::Timeout => DisconnectReason::PingTimeout,
            Close::Local | Close::Shutdown => DisconnectReason::Local,
            other => DisconnectReason::Connection(other.clone()),
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisconnectReason::ConnectFailed(e) => write!(f, "connect failed: {e}"),
            DisconnectReason::NoService(d) => write!(
                f,
                "{d} offers no XMPP client service (its DNS SRV record is \".\")"
            ),
            DisconnectReason::Tls(e) => write!(f, "TLS error: {e}"),
            DisconnectReason::TlsRequired => {
                f.write_str("server does not offer STARTTLS and TLS is required")
            }
            DisconnectReason::StreamError {
                condition,
                text: Some(t),
            } => write!(f, "stream error {condition}: {t}"),
            DisconnectReason::StreamError {
                condition,
                text: None,
            } => write!(f, "stream error {condition}"),
            DisconnectReason::BadInput(e) => write!(
                f,
                "bad input from server: {} (sent {})",
                e.message(),
                e.stream_error_condition()
            ),
            DisconnectReason::Protocol(e) => write!(f, "protocol violation by server: {e}"),
            DisconnectReason::AuthFailed(a) => write!(f, "authentication failed: {a}"),
            DisconnectReason::RegistrationFailed(c) => write!(f, "registration failed: {c}"),
            DisconnectReason::BindFailed(c) => write!(f, "resource binding failed: {c}"),
            DisconnectReason::HandshakeFailed(c) => write!(f, "component handshake failed: {c}"),
            DisconnectReason::PingTimeout => {
                f.write_str("server did not answer a ping: stream dead")
            }
            DisconnectReason::ClosedByServer => f.write_str("closed by server"),
            DisconnectReason::ClosedMidStanza => {
                f.write_str("connection closed in the middle of a stanza")
            }
            DisconnectReason::Local => f.write_str("closed locally"),
            DisconnectReason::Connection(c) => write!(f, "connection lost: {c}"),
        }
    }
}

/// Why a client could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The TLS configuration could not be built (CA file unreadable, no roots).
    Tls(std::io::Error),
    /// The loop could not be created or failed while running.
    Io(std::io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Tls(e) => write!(f, "TLS configuration: {e}"),
            ClientError::Io(e) => write!(f, "I/O: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}
