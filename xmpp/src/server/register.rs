//! In-band registration (XEP-0077) and account credentials derived from passwords.

use super::iq::result;
use super::state::ServerState;
use crate::sasl::{ScramHash, StoredCredentials};
use crate::stanza::ErrorType;
use crate::store::{Credentials, ScramCredentials};
use crate::{ns, Element, Jid};
use jaxl_core::Context;

/// SCRAM-SHA-1 and SCRAM-SHA-256 credentials for `password`, with fresh random salts.
/// The password itself is not kept.
///
/// # Errors
/// When the operating system gives no randomness for the salts.
pub fn credentials_for(
    password: &str,
    iterations: u32,
) -> Result<Credentials, crate::sasl::SaslError> {
    let one = |hash| -> Result<ScramCredentials, crate::sasl::SaslError> {
        let salt = StoredCredentials::random_salt()?;
        let c = StoredCredentials::derive_with(hash, password, &salt, iterations);
        Ok(ScramCredentials {
            salt: c.salt,
            iterations: c.iterations,
            stored_key: c.stored_key,
            server_key: c.server_key,
        })
    };
    Ok(Credentials {
        sha1: Some(one(ScramHash::Sha1)?),
        sha256: Some(one(ScramHash::Sha256)?),
    })
}

/// Converts a stored record to what the SASL layer verifies against.
pub(crate) fn to_sasl(hash: ScramHash, c: &ScramCredentials) -> StoredCredentials {
    StoredCredentials {
        hash,
        salt: c.salt.clone(),
        iterations: c.iterations,
        stored_key: c.stored_key.clone(),
        server_key: c.server_key.clone(),
    }
}

fn fields(q: &Element) -> (Option<String>, Option<String>) {
    let get = |n: &str| {
        q.get_child(n, ns::REGISTER)
            .map(Element::text)
            .filter(|t| !t.is_empty())
    };
    (get("username"), get("password"))
}

/// Answers a registration iq before authentication (XEP-0077 §3.1): the form, or
/// account creation. `None` means "not allowed" (the caller answers
/// `service-unavailable`).
pub(crate) fn before_auth(st: &mut ServerState, iq: &Element) -> Element {
    let Some(q) = iq.get_child("query", ns::REGISTER) else {
        return iq.error_reply(ErrorType::Modify, "bad-request", None);
    };
    if !st.config.allow_registration {
        return iq.error_reply(ErrorType::Cancel, "service-unavailable", None);
    }
    match iq.attr("type") {
        Some("get") => result(
            iq,
            Some(
                Element::builder("query", ns::REGISTER)
                    .append(
                        Element::builder("instructions", ns::REGISTER)
                            .text("Choose a user name and password.")
                            .build(),
                    )
                    .append(Element::new("username", ns::REGISTER))
                    .append(Element::new("password", ns::REGISTER))
                    .build(),
            ),
        ),
        Some("set") => {
            let (Some(user), Some(password)) = fields(q) else {
                return iq.error_reply(ErrorType::Modify, "not-acceptable", None);
            };
            let Ok(jid) = Jid::from_parts(Some(&user), &st.config.domain, None) else {
                return iq.error_reply(ErrorType::Modify, "jid-malformed", None);
            };
            let Some(node) = jid.node() else {
                return iq.error_reply(ErrorType::Modify, "jid-malformed", None);
            };
            let Ok(creds) = credentials_for(&password, st.config.scram_iterations) else {
                return iq.error_reply(ErrorType::Wait, "internal-server-error", None);
            };
            match st.store.create_user(node, &creds) {
                Ok(true) => {
                    log::info!("registered account {jid}");
                    result(iq, None)
                }
                Ok(false) => iq.error_reply(ErrorType::Cancel, "conflict", None),
                Err(e) => {
                    log::error!("registration of {jid} not stored: {e}");
                    iq.error_reply(ErrorType::Wait, "internal-server-error", None)
                }
            }
        }
        _ => iq.error_reply(ErrorType::Modify, "bad-request", None),
    }
}

/// Registration iqs of a logged-in account (XEP-0077 §3.3, §3.2): password change;
/// `<remove/>` is refused (`not-allowed`), deleting accounts is an administrator's job.
pub(crate) fn for_account(
    st: &mut ServerState,
    _cx: &Context<'_>,
    iq: &Element,
    user: &str,
) -> Element {
    let Some(q) = iq.get_child("query", ns::REGISTER) else {
        return iq.error_reply(ErrorType::Modify, "bad-request", None);
    };
    match iq.attr("type") {
        Some("get") => result(
            iq,
            Some(
                Element::builder("query", ns::REGISTER)
                    .append(Element::new("registered", ns::REGISTER))
                    .append(
                        Element::builder("username", ns::REGISTER)
                            .text(user)
                            .build(),
                    )
                    .build(),
            ),
        ),
        Some("set") if q.has_child("remove", ns::REGISTER) => {
            iq.error_reply(ErrorType::Cancel, "not-allowed", None)
        }
        Some("set") => {
            let (name, Some(password)) = fields(q) else {
                return iq.error_reply(ErrorType::Modify, "bad-request", None);
            };
            if name.as_deref().is_some_and(|n| n != user) {
                return iq.error_reply(ErrorType::Modify, "bad-request", None);
            }
            let Ok(creds) = credentials_for(&password, st.config.scram_iterations) else {
                return iq.error_reply(ErrorType::Wait, "internal-server-error", None);
            };
            match st.store.set_credentials(user, &creds) {
                Ok(()) => result(iq, None),
                Err(e) => {
                    log::error!("password of {user} not changed: {e}");
                    iq.error_reply(ErrorType::Wait, "internal-server-error", None)
                }
            }
        }
        _ => iq.error_reply(ErrorType::Modify, "bad-request", None),
    }
}
