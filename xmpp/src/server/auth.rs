//! The SASL exchange of a client stream (RFC 6120 §6) against the store:
//! SCRAM-SHA-256, SCRAM-SHA-1 and, inside TLS only, PLAIN.

use super::register::to_sasl;
use super::state::ServerState;
use crate::sasl::{
    decode_payload, encode_payload, PlainMessage, SaslError, ScramHash, ServerScram,
    StoredCredentials,
};
use crate::{ns, Element, Jid};

/// Where a client's SASL exchange stands.
#[derive(Debug, Default)]
pub(crate) enum Sasl {
    /// No exchange in progress.
    #[default]
    Idle,
    /// SCRAM was chosen without an initial response: waiting for client-first.
    AwaitFirst(ScramHash),
    /// SCRAM challenge sent; waiting for client-final. The user exists only if
    /// `known` (otherwise made-up credentials make the proof fail).
    AwaitFinal {
        scram: Box<ServerScram>,
        user: String,
    },
}

/// What the stream must do after a SASL element.
pub(crate) enum Step {
    /// Send this and keep waiting.
    Continue(Element),
    /// Authenticated as this user (local part): send this `<success/>` and restart.
    Success(String, Element),
    /// Send this `<failure/>`; the client may try again.
    Failure(Element),
}

/// The mechanisms offered on a stream (PLAIN only under TLS).
pub(crate) fn mechanisms(tls: bool) -> Element {
    let mut names = vec!["SCRAM-SHA-256", "SCRAM-SHA-1"];
    if tls {
        names.push("PLAIN");
    }
    Element::builder("mechanisms", ns::SASL)
        .append_all(
            names
                .into_iter()
                .map(|n| Element::builder("mechanism", ns::SASL).text(n).build()),
        )
        .build()
}

fn failure(condition: &str) -> Element {
    Element::builder("failure", ns::SASL)
        .append(Element::new(condition, ns::SASL))
        .build()
}

fn failed(e: &SaslError) -> Step {
    Step::Failure(failure(e.failure_condition()))
}

fn challenge(data: &[u8]) -> Element {
    Element::builder("challenge", ns::SASL)
        .text(encode_payload(data))
        .build()
}

/// The normalised local part for a SASL user name; `None` if it is no valid node.
fn local_part(st: &ServerState, name: &str) -> Option<String> {
    Jid::from_parts(Some(name), &st.config.domain, None)
        .ok()
        .and_then(|j| j.node().map(str::to_owned))
}

/// Credentials that no password matches, for unknown users (so that failures do not
/// tell which accounts exist).
fn decoy(hash: ScramHash, iterations: u32) -> StoredCredentials {
    let mut salt = vec![0u8; 16];
    let mut key = vec![0u8; 64];
    let _ = getrandom::getrandom(&mut salt);
    let _ = getrandom::getrandom(&mut key);
    let len = if hash == ScramHash::Sha1 { 20 } else { 32 };
    key.truncate(len);
    StoredCredentials {
        hash,
        salt,
        iterations,
        stored_key: key.clone(),
        server_key: key,
    }
}

impl Sasl {
    /// Handles `<auth/>`, `<response/>` or `<abort/>`.
    pub(crate) fn step(&mut self, st: &ServerState, el: &Element, tls: bool) -> Step {
        let payload = match decode_payload(&el.text()) {
            Ok(p) => p,
            Err(e) => {
                *self = Sasl::Idle;
                return failed(&e);
            }
        };
        match (el.name(), std::mem::take(self)) {
            ("abort", _) => Step::Failure(failure("aborted")),
            ("auth", _) => {
                let mech = el.attr("mechanism").unwrap_or_default();
                match mech {
                    "PLAIN" if tls => plain(st, &payload),
                    "SCRAM-SHA-256" | "SCRAM-SHA-1" => {
                        let hash = if mech == "SCRAM-SHA-1" {
                            ScramHash::Sha1
                        } else {
                            ScramHash::Sha256
                        };
                        if payload.is_empty() && el.text().trim().is_empty() {
                            *self = Sasl::AwaitFirst(hash);
                            return Step::Continue(challenge(b""));
                        }
                        self.scram_first(st, hash, &payload)
                    }
                    _ => Step::Failure(failure("invalid-mechanism")),
                }
            }
            ("response", Sasl::AwaitFirst(hash)) => self.scram_first(st, hash, &payload),
            ("response", Sasl::AwaitFinal { mut scram, user }) => {
                match scram.handle_client_final(&payload) {
                    Ok(server_final) => Step::Success(
                        user,
                        Element::builder("success", ns::SASL)
                            .text(encode_payload(&server_final))
                            .build(),
                    ),
                    Err(e) => failed(&e),
                }
            }
            _ => Step::Failure(failure("malformed-request")),
        }
    }

    fn scram_first(&mut self, st: &ServerState, hash: ScramHash, payload: &[u8]) -> Step {
        let mut scram = match ServerScram::start(hash, payload) {
            Ok(s) => s,
            Err(e) => return failed(&e),
        };
        if scram.authzid().is_some_and(|a| {
            Some(a)
                != local_part(st, scram.username())
                    .map(|u| format!("{u}@{}", st.config.domain))
                    .as_deref()
        }) {
            return Step::Failure(failure("invalid-authzid"));
        }
        let user = local_part(st, scram.username());
        let stored = user
            .as_deref()
            .and_then(|u| st.store.credentials(u).ok().flatten())
            .and_then(|c| match hash {
                ScramHash::Sha1 => c.sha1,
                ScramHash::Sha256 => c.sha256,
            });
        let creds = match &stored {
            Some(c) => to_sasl(hash, c),
            None => decoy(hash, st.config.scram_iterations),
        };
        match scram.server_first(&creds) {
            Ok(first) => {
                // An unknown user gets a made-up user name that can never succeed.
                let user = if stored.is_some() {
                    user.unwrap_or_default()
                } else {
                    String::new()
                };
                *self = Sasl::AwaitFinal {
                    scram: Box::new(scram),
                    user,
                };
                Step::Continue(challenge(&first))
            }
            Err(e) => failed(&e),
        }
    }
}

fn plain(st: &ServerState, payload: &[u8]) -> Step {
    let msg = match PlainMessage::parse(payload) {
        Ok(m) => m,
        Err(e) => return failed(&e),
    };
    let Some(user) = local_part(st, &msg.username) else {
        return Step::Failure(failure("not-authorized"));
    };
    if msg
        .authzid
        .as_deref()
        .is_some_and(|a| a != format!("{user}@{}", st.config.domain))
    {
        return Step::Failure(failure("invalid-authzid"));
    }
    let ok = match st.store.credentials(&user) {
        Ok(Some(c)) => match (&c.sha256, &c.sha1) {
            (Some(c), _) => to_sasl(ScramHash::Sha256, c).verify_password(&msg.password),
            (None, Some(c)) => to_sasl(ScramHash::Sha1, c).verify_password(&msg.password),
            (None, None) => false,
        },
        Ok(None) => false,
        Err(e) => {
            log::error!("credentials of {user} unreadable: {e}");
            return Step::Failure(failure("temporary-auth-failure"));
        }
    };
    if ok {
        Step::Success(user, Element::new("success", ns::SASL))
    } else {
        Step::Failure(failure("not-authorized"))
    }
}
