//! [`ServerScram`]: verifies a SCRAM client against [`StoredCredentials`].

use super::attrs::{b64, b64_encode, parse_attrs, unescape_saslname};
use super::{xor, ScramHash, StoredCredentials, MAX_ITERATIONS};
use crate::sasl::{ct_eq, random_nonce, SaslError};

/// Longest client-first or client-final message accepted, in bytes.
const MAX_MESSAGE: usize = 4096;

#[derive(Debug)]
enum State {
    /// Parsed client-first; waiting for the caller's credentials.
    GotFirst,
    /// Sent server-first; waiting for client-final.
    SentFirst {
        server_first: String,
        nonce: String,
        creds: StoredCredentials,
    },
    Done,
}

/// The server side of SCRAM-SHA-1 / SCRAM-SHA-256.
///
/// 1. [`start`](Self::start) parses the client-first message and tells the user name
///    ([`username`](Self::username)) to look up;
/// 2. [`server_first`](Self::server_first) with that user's [`StoredCredentials`]
///    gives the challenge to send;
/// 3. [`handle_client_final`](Self::handle_client_final) checks the proof and gives the
///    server-final message to send in `<success/>`; a wrong proof is
///    [`SaslError::AuthenticationFailed`] (`not-authorized`).
///
/// For an unknown user a server should still go through step 2 with made-up credentials
/// so that it fails at step 3 and does not reveal which accounts exist.
///
/// ```
/// use jaxl_xmpp::sasl::{ScramClient, ScramHash, ServerScram, StoredCredentials};
///
/// let creds = StoredCredentials::derive("pencil", b"salt", 4096);
/// let mut client = ScramClient::new(ScramHash::Sha256, "user", "pencil", None).unwrap();
/// let mut server = ServerScram::start(ScramHash::Sha256, &client.client_first()).unwrap();
/// assert_eq!(server.username(), "user");
/// let challenge = server.server_first(&creds).unwrap();
/// let response = client.handle_server_first(&challenge).unwrap();
/// let success = server.handle_client_final(&response).unwrap();
/// client.handle_server_final(&success).unwrap();
/// ```
#[derive(Debug)]
pub struct ServerScram {
    hash: ScramHash,
    gs2_header: String,
    username: String,
    authzid: Option<String>,
    client_first_bare: String,
    client_nonce: String,
    state: State,
}

impl ServerScram {
    /// Parses the client-first message.
    ///
    /// Fails with [`SaslError::ChannelBindingUnsupported`] if the client asks for
    /// channel binding, [`SaslError::UnsupportedExtension`] for `m=`, and
    /// [`SaslError::Malformed`] / [`SaslError::InvalidUtf8`] for anything else wrong
    /// (an empty user name or nonce included).
    pub fn start(hash: ScramHash, client_first: &[u8]) -> Result<ServerScram, SaslError> {
        if client_first.len() > MAX_MESSAGE {
            return Err(SaslError::Malformed);
        }
        let text = std::str::from_utf8(client_first).map_err(|_| SaslError::InvalidUtf8)?;
        let mut parts = text.splitn(3, ',');
        let (flag, authz, bare) = match (parts.next(), parts.next(), parts.next()) {
            (Some(f), Some(a), Some(b)) => (f, a, b),
            _ => return Err(SaslError::Malformed),
        };
        match flag {
            "n" | "y" => {}
            f if f.starts_with("p=") => return Err(SaslError::ChannelBindingUnsupported),
            _ => return Err(SaslError::Malformed),
        }
        let authzid = match authz {
            "" => None,
            a => match a.strip_prefix("a=") {
                Some(v) if !v.is_empty() => Some(unescape_saslname(v)?),
                _ => return Err(SaslError::Malformed),
            },
        };
        let attrs = parse_attrs(bare)?;
        let mut it = attrs.iter();
        let (user, nonce) = match (it.next(), it.next()) {
            (Some(('m', _)), _) => return Err(SaslError::UnsupportedExtension),
            (Some(('n', n)), Some(('r', r))) => (*n, *r),
            _ => return Err(SaslError::Malformed),
        };
        let username = unescape_saslname(user)?;
        if username.is_empty()
            || nonce.is_empty()
            || !nonce.bytes().all(|b| (0x21..=0x7e).contains(&b))
        {
            return Err(SaslError::Malformed);
        }
        Ok(ServerScram {
            hash,
            gs2_header: format!("{flag},{authz},"),
            username,
            authzid,
            client_first_bare: bare.to_owned(),
            client_nonce: nonce.to_owned(),
            state: State::GotFirst,
        })
    }

    /// The user name the client authenticates as (unescaped, not normalised).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The identity the client asks to act as, if it named one (`a=`).
    pub fn authzid(&self) -> Option<&str> {
        self.authzid.as_deref()
    }

    /// The server-first message for `creds`, with a fresh random nonce.
    ///
    /// Fails with [`SaslError::NoRandomness`], with [`SaslError::IterationsOutOfRange`]
    /// for credentials whose count is 0 or above the limit, with
    /// [`SaslError::AuthenticationFailed`] for credentials of another hash, and with
    /// [`SaslError::UnexpectedMessage`] when called twice.
    pub fn server_first(&mut self, creds: &StoredCredentials) -> Result<Vec<u8>, SaslError> {
        let nonce = random_nonce()?;
        self.server_first_with_nonce(creds, &nonce)
    }

    /// As [`server_first`](Self::server_first) with a given server nonce part (tests).
    pub fn server_first_with_nonce(
        &mut self,
        creds: &StoredCredentials,
        server_nonce: &str,
    ) -> Result<Vec<u8>, SaslError> {
        if !matches!(self.state, State::GotFirst) {
            return Err(SaslError::UnexpectedMessage);
        }
        if creds.hash != self.hash {
            return Err(SaslError::AuthenticationFailed);
        }
        if creds.iterations == 0 || creds.iterations > MAX_ITERATIONS {
            return Err(SaslError::IterationsOutOfRange);
        }
        let nonce = format!("{}{}", self.client_nonce, server_nonce);
        let server_first = format!(
            "r={nonce},s={},i={}",
            b64_encode(&creds.salt),
            creds.iterations
        );
        let out = server_first.clone().into_bytes();
        self.state = State::SentFirst {
            server_first,
            nonce,
            creds: creds.clone(),
        };
        Ok(out)
    }

    /// Checks the client-final message and returns the server-final message (`v=...`)
    /// to send as the `<success/>` data.
    ///
    /// Fails with [`SaslError::AuthenticationFailed`] for a wrong proof,
    /// [`SaslError::NonceMismatch`], [`SaslError::ChannelBindingMismatch`] when `c=` is
    /// not the GS2 header of the first message, and [`SaslError::Malformed`] otherwise.
    pub fn handle_client_final(&mut self, msg: &[u8]) -> Result<Vec<u8>, SaslError> {
        let State::SentFirst {
            server_first,
            nonce,
            creds,
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            return Err(SaslError::UnexpectedMessage);
        };
        if msg.len() > MAX_MESSAGE {
            return Err(SaslError::Malformed);
        }
        let text = std::str::from_utf8(msg).map_err(|_| SaslError::InvalidUtf8)?;
        let attrs = parse_attrs(text)?;
        let (cbind, r, proof) = match attrs.as_slice() {
            [('c', c), ('r', r), .., ('p', p)] => (*c, *r, *p),
            _ => return Err(SaslError::Malformed),
        };
        if b64(cbind)? != self.gs2_header.as_bytes() {
            return Err(SaslError::ChannelBindingMismatch);
        }
        if r != nonce {
            return Err(SaslError::NonceMismatch);
        }
        let proof = b64(proof)?;
        // client-final-without-proof: everything before ",p=".
        let without_proof = text
            .rfind(",p=")
            .map(|i| &text[..i])
            .ok_or(SaslError::Malformed)?;
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = self.hash.hmac(&creds.stored_key, auth_message.as_bytes());
        if proof.len() != client_signature.len() {
            return Err(SaslError::AuthenticationFailed);
        }
        let client_key = xor(&proof, &client_signature);
        if !ct_eq(&self.hash.h(&client_key), &creds.stored_key) {
            return Err(SaslError::AuthenticationFailed);
        }
        let server_signature = self.hash.hmac(&creds.server_key, auth_message.as_bytes());
        Ok(format!("v={}", b64_encode(&server_signature)).into_bytes())
    }
}
