//! SASL (RFC 4422) as XMPP uses it (RFC 6120 §6): push-style mechanisms with no I/O.
//!
//! The client side is [`SaslClient`]: pick a [`Mechanism`] with [`choose`] among those
//! the server offers, feed it the server's challenges and the final `<success/>` data,
//! and send what it returns. SCRAM verifies the server's signature, so a server that
//! does not know the password cannot fake a success.
//!
//! The server side is [`ServerScram`] (SCRAM-SHA-1 and SCRAM-SHA-256 against
//! [`StoredCredentials`], which never hold the password) and [`PlainMessage`] with
//! [`StoredCredentials::verify_password`] for PLAIN.
//!
//! Payloads here are raw bytes; XMPP carries them base64-encoded in `<auth/>`,
//! `<challenge/>`, `<response/>` and `<success/>` elements: use [`encode_payload`] and
//! [`decode_payload`] for that layer.
//!
//! Passwords and user names are used as given: SASLprep / OpaqueString (RFC 8265)
//! normalisation is left to the caller, which matters only for non-ASCII passwords.
//!
//! ```
//! use jaxl_xmpp::sasl::{choose, Credentials, Mechanism, SaslClient};
//!
//! let mech = choose(["PLAIN", "SCRAM-SHA-1"], Mechanism::PREFERENCE, true, true).unwrap();
//! assert_eq!(mech, Mechanism::ScramSha1);
//! let mut client = SaslClient::new(mech, Credentials::new("user", "pencil"));
//! let first = client.initial_response().unwrap().unwrap();
//! assert!(first.starts_with(b"n,,n=user,r="));
//! ```

mod client;
mod error;
mod mechanism;
mod plain;
mod scram;

pub use client::{Credentials, SaslClient};
pub use error::SaslError;
pub use mechanism::{choose, Mechanism};
pub use plain::PlainMessage;
pub use scram::{ScramClient, ScramHash, ServerScram, StoredCredentials, MAX_ITERATIONS};

use base64::Engine as _;

/// Encodes a SASL payload for an XMPP element: base64, and `=` for an empty payload
/// (RFC 6120 §6.4.2: an empty response is sent as a single equals sign).
pub fn encode_payload(data: &[u8]) -> String {
    if data.is_empty() {
        "=".to_owned()
    } else {
        base64::engine::general_purpose::STANDARD.encode(data)
    }
}

/// Decodes the text of an XMPP SASL element. Whitespace is ignored; `=` and empty text
/// both mean an empty payload. Fails with [`SaslError::InvalidBase64`] on anything that
/// is not canonical base64.
pub fn decode_payload(text: &str) -> Result<Vec<u8>, SaslError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() || compact == "=" {
        return Ok(Vec::new());
    }
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| SaslError::InvalidBase64)
}

/// Fills a fresh random nonce: 24 random bytes, base64 (printable, never a comma).
pub(crate) fn random_nonce() -> Result<String, SaslError> {
    let mut raw = [0u8; 24];
    getrandom::getrandom(&mut raw).map_err(|_| SaslError::NoRandomness)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(raw))
}

/// Compares two byte strings in time independent of where they differ.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests;
