//! [`SaslError`]: why a SASL exchange failed.

use std::fmt;

/// Why a SASL step failed. Every malformed message from the peer maps to one of these;
/// none of them panics.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaslError {
    /// A message does not follow the mechanism's grammar (RFC 5802 §7, RFC 4616 §2).
    Malformed,
    /// A payload is not valid base64 (RFC 6120 §6.4.2 requires it).
    InvalidBase64,
    /// A message is not UTF-8.
    InvalidUtf8,
    /// The server's nonce does not extend the client's (RFC 5802 §5.1 `r=`).
    NonceMismatch,
    /// The iteration count is zero or above the limit this side accepts (PBKDF2 on a
    /// huge count would stall the loop).
    IterationsOutOfRange,
    /// A mandatory extension (`m=`) the mechanism does not know (RFC 5802 §5.1).
    UnsupportedExtension,
    /// The client asked for channel binding (`p=`), which this side does not offer.
    ChannelBindingUnsupported,
    /// The channel-binding data (`c=`) does not match the GS2 header sent first.
    ChannelBindingMismatch,
    /// The server's signature is wrong: it does not know the password (or a
    /// man-in-the-middle is answering). The session must not be trusted.
    ServerSignatureMismatch,
    /// The server answered with a SCRAM error (`e=`); the text is the server's.
    ServerError(String),
    /// The client's proof (or PLAIN password) is wrong: `not-authorized`.
    AuthenticationFailed,
    /// A message came at a step where the mechanism expects none (a second challenge to
    /// PLAIN, success before the final SCRAM message, ...).
    UnexpectedMessage,
    /// The mechanism needs a password and none was given.
    MissingPassword,
    /// The operating system gave no randomness for a nonce.
    NoRandomness,
}

impl SaslError {
    /// A short static description.
    pub fn message(&self) -> &'static str {
        match self {
            SaslError::Malformed => "malformed SASL message",
            SaslError::InvalidBase64 => "SASL payload is not valid base64",
            SaslError::InvalidUtf8 => "SASL message is not UTF-8",
            SaslError::NonceMismatch => "server nonce does not extend the client nonce",
            SaslError::IterationsOutOfRange => "SCRAM iteration count out of range",
            SaslError::UnsupportedExtension => "unsupported mandatory SCRAM extension",
            SaslError::ChannelBindingUnsupported => "channel binding not supported",
            SaslError::ChannelBindingMismatch => "channel binding data mismatch",
            SaslError::ServerSignatureMismatch => "server signature mismatch (server not trusted)",
            SaslError::ServerError(_) => "server reported a SCRAM error",
            SaslError::AuthenticationFailed => "authentication failed",
            SaslError::UnexpectedMessage => "SASL message at an unexpected step",
            SaslError::MissingPassword => "mechanism needs a password",
            SaslError::NoRandomness => "no randomness available for a nonce",
        }
    }

    /// The SASL failure condition (RFC 6120 §6.5) a server sends for this error.
    pub fn failure_condition(&self) -> &'static str {
        match self {
            SaslError::AuthenticationFailed | SaslError::ChannelBindingMismatch => "not-authorized",
            SaslError::NoRandomness => "temporary-auth-failure",
            SaslError::InvalidBase64 => "incorrect-encoding",
            _ => "malformed-request",
        }
    }
}

impl fmt::Display for SaslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaslError::ServerError(e) => write!(f, "server reported a SCRAM error: {e}"),
            other => f.write_str(other.message()),
        }
    }
}

impl std::error::Error for SaslError {}
