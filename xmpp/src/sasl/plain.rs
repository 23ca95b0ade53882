//! PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`.

use super::SaslError;

/// Longest PLAIN message accepted (RFC 4616 §2 allows 255 octets per field).
const MAX_PLAIN: usize = 3 * 255 + 2;

/// A parsed PLAIN message (server side). Check the password with
/// [`StoredCredentials::verify_password`](super::StoredCredentials::verify_password).
#[derive(Clone, PartialEq, Eq)]
pub struct PlainMessage {
    /// The identity to act as; `None` when empty (act as the authentication identity).
    pub authzid: Option<String>,
    /// The authentication identity (user name).
    pub username: String,
    /// The password in the clear.
    pub password: String,
}

impl std::fmt::Debug for PlainMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainMessage")
            .field("authzid", &self.authzid)
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl PlainMessage {
    /// Parses a PLAIN message.
    ///
    /// Fails with [`SaslError::Malformed`] unless there are exactly three NUL-separated
    /// fields with a non-empty user name and password, within 767 bytes; with
    /// [`SaslError::InvalidUtf8`] if a field is not UTF-8.
    pub fn parse(msg: &[u8]) -> Result<PlainMessage, SaslError> {
        if msg.len() > MAX_PLAIN {
            return Err(SaslError::Malformed);
        }
        let mut fields = msg.split(|&b| b == 0);
        let (authzid, user, pass) =
            match (fields.next(), fields.next(), fields.next(), fields.next()) {
                (Some(a), Some(u), Some(p), None) => (a, u, p),
                _ => return Err(SaslError::Malformed),
            };
        let text = |b: &[u8]| {
            std::str::from_utf8(b)
                .map(str::to_owned)
                .map_err(|_| SaslError::InvalidUtf8)
        };
        let (authzid, username, password) = (text(authzid)?, text(user)?, text(pass)?);
        if username.is_empty() || password.is_empty() {
            return Err(SaslError::Malformed);
        }
        Ok(PlainMessage {
            authzid: (!authzid.is_empty()).then_some(authzid),
            username,
            password,
        })
    }

    /// Encodes a PLAIN message (client side).
    pub fn encode(authzid: Option<&str>, username: &str, password: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(username.len() + password.len() + 2);
        out.extend_from_slice(authzid.unwrap_or("").as_bytes());
        out.push(0);
        out.extend_from_slice(username.as_bytes());
        out.push(0);
        out.extend_from_slice(password.as_bytes());
        out
    }
}
