//! SCRAM (RFC 5802, RFC 7677): the client ([`ScramClient`]), the server
//! ([`ServerScram`]) and what a server stores ([`StoredCredentials`]).
//!
//! Channel binding (`-PLUS`) is not implemented: the client sends the GS2 flag `n`
//! and the server accepts `n` and `y` (it never advertises `-PLUS`) and refuses `p`.

mod attrs;
mod server;

pub use server::ServerScram;

use super::{ct_eq, random_nonce, SaslError};
use attrs::{b64, parse_attrs, saslname};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Highest iteration count accepted from a server or stored: PBKDF2 runs on the loop's
/// thread, and a hostile server must not stall it for minutes. (Prosody uses 4096–10000.)
pub const MAX_ITERATIONS: u32 = 1_000_000;

/// The hash function of a SCRAM variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScramHash {
    /// SHA-1 (SCRAM-SHA-1).
    Sha1,
    /// SHA-256 (SCRAM-SHA-256).
    Sha256,
}

impl ScramHash {
    /// The SASL mechanism name.
    pub fn mechanism_name(&self) -> &'static str {
        match self {
            ScramHash::Sha1 => "SCRAM-SHA-1",
            ScramHash::Sha256 => "SCRAM-SHA-256",
        }
    }

    fn h(&self, data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha1 => Sha1::digest(data).to_vec(),
            ScramHash::Sha256 => Sha256::digest(data).to_vec(),
        }
    }

    fn hmac(&self, key: &[u8], data: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
        match self {
            ScramHash::Sha1 => match Hmac::<Sha1>::new_from_slice(key) {
                Ok(mut m) => {
                    m.update(data);
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            },
            ScramHash::Sha256 => match Hmac::<Sha256>::new_from_slice(key) {
                Ok(mut m) => {
                    m.update(data);
                    m.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            },
        }
    }

    /// `Hi(password, salt, i)`: PBKDF2 with HMAC of this hash.
    fn hi(&self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        match self {
            ScramHash::Sha1 => {
                pbkdf2::pbkdf2_hmac_array::<Sha1, 20>(password, salt, iterations).to_vec()
            }
            ScramHash::Sha256 => {
                pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations).to_vec()
            }
        }
    }
}

/// What a server stores to verify a SCRAM (or PLAIN) login without keeping the password
/// (RFC 5802 §3): the salt, the iteration count, `StoredKey = H(ClientKey)` and
/// `ServerKey = HMAC(SaltedPassword, "Server Key")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredentials {
    /// The hash these keys were derived with.
    pub hash: ScramHash,
    /// The salt (raw bytes).
    pub salt: Vec<u8>,
    /// The PBKDF2 iteration count.
    pub iterations: u32,
    /// `H(ClientKey)`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
}

impl StoredCredentials {
    /// Derives SCRAM-SHA-256 credentials from a password (see [`derive_with`](Self::derive_with)).
    pub fn derive(password: &str, salt: &[u8], iterations: u32) -> StoredCredentials {
        StoredCredentials::derive_with(ScramHash::Sha256, password, salt, iterations)
    }

    /// Derives credentials for `hash` from a password. The cost is `iterations` rounds of
    /// PBKDF2; an iteration count of 0 is treated as 1.
    pub fn derive_with(
        hash: ScramHash,
        password: &str,
        salt: &[u8],
        iterations: u32,
    ) -> StoredCredentials {
        let iterations = iterations.max(1);
        let salted = hash.hi(password.as_bytes(), salt, iterations);
        let (stored_key, server_key) = keys(hash, &salted);
        StoredCredentials {
            hash,
            salt: salt.to_vec(),
            iterations,
            stored_key,
            server_key,
        }
    }

    /// A fresh random 16-byte salt, for registering a user.
    ///
    /// Fails with [`SaslError::NoRandomness`] if the OS has none to give.
    pub fn random_salt() -> Result<Vec<u8>, SaslError> {
        let mut s = vec![0u8; 16];
        getrandom::getrandom(&mut s).map_err(|_| SaslError::NoRandomness)?;
        Ok(s)
    }

    /// Whether `password` is the one these credentials were derived from (PLAIN login).
    /// Costs one PBKDF2 run; the comparison is constant-time. Credentials with an
    /// iteration count above [`MAX_ITERATIONS`] never verify.
    pub fn verify_password(&self, password: &str) -> bool {
        if self.iterations == 0 || self.iterations > MAX_ITERATIONS {
            return false;
        }
        let salted = self
            .hash
            .hi(password.as_bytes(), &self.salt, self.iterations);
        let (stored_key, _) = keys(self.hash, &salted);
        ct_eq(&stored_key, &self.stored_key)
    }
}

/// `(StoredKey, ServerKey)` from `SaltedPassword`.
fn keys(hash: ScramHash, salted: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let client_key = hash.hmac(salted, b"Client Key");
    (hash.h(&client_key), hash.hmac(salted, b"Server Key"))
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

#[derive(Debug)]
enum ClientState {
    Initial,
    SentFirst { first_bare: String },
    SentFinal { server_signature: Vec<u8> },
    Done,
}

/// The client side of SCRAM: [`client_first`](Self::client_first), then
/// [`handle_server_first`](Self::handle_server_first) (returns the client-final
/// message), then [`handle_server_final`](Self::handle_server_final) (checks the
/// server's signature). Calls out of order fail with [`SaslError::UnexpectedMessage`].
#[derive(Debug)]
pub struct ScramClient {
    hash: ScramHash,
    username: String,
    password: String,
    authzid: Option<String>,
    nonce: String,
    state: ClientState,
}

impl ScramClient {
    /// A client with a fresh random nonce.
    ///
    /// Fails with [`SaslError::NoRandomness`] if the OS gives no randomness.
    pub fn new(
        hash: ScramHash,
        username: &str,
        password: &str,
        authzid: Option<&str>,
    ) -> Result<ScramClient, SaslError> {
        Ok(ScramClient::with_nonce(
            hash,
            username,
            password,
            authzid,
            &random_nonce()?,
        ))
    }

    /// A client with a given nonce (tests; never reuse a nonce in real logins).
    pub fn with_nonce(
        hash: ScramHash,
        username: &str,
        password: &str,
        authzid: Option<&str>,
        nonce: &str,
    ) -> ScramClient {
        ScramClient {
            hash,
            username: username.to_owned(),
            password: password.to_owned(),
            authzid: authzid.map(str::to_owned),
            nonce: nonce.to_owned(),
            state: ClientState::Initial,
        }
    }

    fn gs2_header(&self) -> String {
        match &self.authzid {
            Some(a) => format!("n,a={},", saslname(a)),
            None => "n,,".to_owned(),
        }
    }

    /// The client-first message (`n,,n=user,r=nonce`).
    pub fn client_first(&mut self) -> Vec<u8> {
        let first_bare = format!("n={},r={}", saslname(&self.username), self.nonce);
        let msg = format!("{}{}", self.gs2_header(), first_bare);
        self.state = ClientState::SentFirst { first_bare };
        msg.into_bytes()
    }

    /// Reads the server-first message and returns the client-final message.
    ///
    /// Fails on a malformed message, a nonce that does not extend ours, an iteration
    /// count of 0 or above [`MAX_ITERATIONS`], a mandatory extension, or when called at
    /// the wrong step.
    pub fn handle_server_first(&mut self, msg: &[u8]) -> Result<Vec<u8>, SaslError> {
        let ClientState::SentFirst { first_bare } = &self.state else {
            return Err(SaslError::UnexpectedMessage);
        };
        let server_first = std::str::from_utf8(msg).map_err(|_| SaslError::InvalidUtf8)?;
        let attrs = parse_attrs(server_first)?;
        let mut it = attrs.iter();
        let (nonce, salt, iterations) = match (it.next(), it.next(), it.next()) {
            (Some(('m', _)), _, _) => return Err(SaslError::UnsupportedExtension),
            (Some(('r', r)), Some(('s', s)), Some(('i', i))) => (*r, *s, *i),
            _ => return Err(SaslError::Malformed),
        };
        if !nonce.starts_with(&self.nonce) || nonce.len() <= self.nonce.len() {
            return Err(SaslError::NonceMismatch);
        }
        let salt = b64(salt)?;
        let iterations: u32 = iterations.parse().map_err(|_| SaslError::Malformed)?;
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(SaslError::IterationsOutOfRange);
        }
        let without_proof = format!(
            "c={},r={}",
            attrs::b64_encode(self.gs2_header().as_bytes()),
            nonce
        );
        let auth_message = format!("{first_bare},{server_first},{without_proof}");
        let salted = self.hash.hi(self.password.as_bytes(), &salt, iterations);
        let client_key = self.hash.hmac(&salted, b"Client Key");
        let stored_key = self.hash.h(&client_key);
        let client_signature = self.hash.hmac(&stored_key, auth_message.as_bytes());
        let proof = xor(&client_key, &client_signature);
        let server_key = self.hash.hmac(&salted, b"Server Key");
        let server_signature = self.hash.hmac(&server_key, auth_message.as_bytes());
        self.state = ClientState::SentFinal { server_signature };
        Ok(format!("{without_proof},p={}", attrs::b64_encode(&proof)).into_bytes())
    }

    /// Reads the server-final message (`v=` signature, or `e=` error) and checks the
    /// signature. Only `Ok` means the server proved it knows the credentials.
    pub fn handle_server_final(&mut self, msg: &[u8]) -> Result<(), SaslError> {
        let ClientState::SentFinal { server_signature } = &self.state else {
            return Err(SaslError::UnexpectedMessage);
        };
        let text = std::str::from_utf8(msg).map_err(|_| SaslError::InvalidUtf8)?;
        let attrs = parse_attrs(text)?;
        let result = match attrs.first() {
            Some(('v', v)) => {
                if ct_eq(&b64(v)?, server_signature) {
                    Ok(())
                } else {
                    Err(SaslError::ServerSignatureMismatch)
                }
            }
            Some(('e', e)) => Err(SaslError::ServerError((*e).to_owned())),
            _ => Err(SaslError::Malformed),
        };
        self.state = ClientState::Done;
        result
    }

    /// Whether the client-first message was produced.
    pub fn client_first_sent(&self) -> bool {
        !matches!(self.state, ClientState::Initial)
    }

    /// Whether the server's signature has been checked (successfully or not).
    pub fn is_done(&self) -> bool {
        matches!(self.state, ClientState::Done)
    }
}
