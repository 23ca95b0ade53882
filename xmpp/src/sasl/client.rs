//! [`SaslClient`]: one mechanism's client side, driven by the server's messages.

use super::{Mechanism, PlainMessage, SaslError, ScramClient, ScramHash};

/// What the client authenticates with.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name (the local part of the JID for XMPP).
    pub username: String,
    /// The password (empty for ANONYMOUS).
    pub password: String,
    /// An identity to act as; `None` (the usual case) acts as `username`.
    pub authzid: Option<String>,
}

impl Credentials {
    /// User name and password, no authorization identity.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            username: username.into(),
            password: password.into(),
            authzid: None,
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .field("authzid", &self.authzid)
            .finish()
    }
}

#[derive(Debug)]
enum Inner {
    Scram(Box<ScramClient>),
    Plain { sent: bool },
    Anonymous { sent: bool },
}

/// The client side of one SASL exchange.
///
/// Send `<auth mechanism=name>` with [`initial_response`](Self::initial_response)'s
/// bytes, answer each `<challenge/>` with [`challenge`](Self::challenge)'s, and pass the
/// `<success/>` data to [`success`](Self::success), which must return `Ok` before the
/// session is trusted (SCRAM checks the server's signature there).
#[derive(Debug)]
pub struct SaslClient {
    mechanism: Mechanism,
    credentials: Credentials,
    inner: Inner,
}

impl SaslClient {
    /// A client for `mechanism` with `credentials`.
    pub fn new(mechanism: Mechanism, credentials: Credentials) -> SaslClient {
        let inner = match mechanism {
            Mechanism::ScramSha256 | Mechanism::ScramSha1 => {
                Inner::Scram(Box::new(ScramClient::with_nonce(
                    hash_of(mechanism),
                    &credentials.username,
                    &credentials.password,
                    credentials.authzid.as_deref(),
                    "",
                )))
            }
            Mechanism::Plain => Inner::Plain { sent: false },
            Mechanism::Anonymous => Inner::Anonymous { sent: false },
        };
        SaslClient {
            mechanism,
            credentials,
            inner,
        }
    }

    /// The mechanism in use.
    pub fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// The initial response to send with `<auth/>` (`Some(empty)` is sent as `=`).
    ///
    /// Fails with [`SaslError::MissingPassword`] for a password mechanism without one,
    /// [`SaslError::NoRandomness`] if no nonce can be made, and
    /// [`SaslError::UnexpectedMessage`] when called twice.
    pub fn initial_response(&mut self) -> Result<Option<Vec<u8>>, SaslError> {
        if self.mechanism.needs_password() && self.credentials.password.is_empty() {
            return Err(SaslError::MissingPassword);
        }
        let c = &self.credentials;
        match &mut self.inner {
            Inner::Scram(s) => {
                if s.client_first_sent() {
                    return Err(SaslError::UnexpectedMessage);
                }
                let mut fresh = ScramClient::new(
                    hash_of(self.mechanism),
                    &c.username,
                    &c.password,
                    c.authzid.as_deref(),
                )?;
                let first = fresh.client_first();
                **s = fresh;
                Ok(Some(first))
            }
            Inner::Plain { sent } => {
                if std::mem::replace(sent, true) {
                    return Err(SaslError::UnexpectedMessage);
                }
                Ok(Some(PlainMessage::encode(
                    c.authzid.as_deref(),
                    &c.username,
                    &c.password,
                )))
            }
            Inner::Anonymous { sent } => {
                if std::mem::replace(sent, true) {
                    return Err(SaslError::UnexpectedMessage);
                }
                // RFC 4505: optional trace information; send none.
                Ok(Some(Vec::new()))
            }
        }
    }

    /// Answers a server challenge. Only SCRAM has one (the server-first message); any
    /// other challenge is [`SaslError::UnexpectedMessage`]. Malformed SCRAM messages fail
    /// as [`ScramClient::handle_server_first`] says.
    pub fn challenge(&mut self, data: &[u8]) -> Result<Vec<u8>, SaslError> {
        match &mut self.inner {
            Inner::Scram(s) => s.handle_server_first(data),
            _ => Err(SaslError::UnexpectedMessage),
        }
    }

    /// Handles `<success/>` and its additional data. For SCRAM the data must carry the
    /// server's valid signature ([`SaslError::ServerSignatureMismatch`] otherwise, or
    /// [`SaslError::UnexpectedMessage`] for a success before the exchange finished).
    pub fn success(&mut self, data: &[u8]) -> Result<(), SaslError> {
        match &mut self.inner {
            Inner::Scram(s) => s.handle_server_final(data),
            Inner::Plain { sent: true } | Inner::Anonymous { sent: true } => Ok(()),
            _ => Err(SaslError::UnexpectedMessage),
        }
    }
}

fn hash_of(m: Mechanism) -> ScramHash {
    if m == Mechanism::ScramSha1 {
        ScramHash::Sha1
    } else {
        ScramHash::Sha256
    }
}
