//! Persistent server data behind the [`Store`] trait: accounts with salted SCRAM
//! credentials, rosters with subscription states (RFC 6121 §2–3), vCards (XEP-0054) and
//! offline messages (XEP-0160).
//!
//! [`SqliteStore`] is the embedded default: one SQLite file in the data directory,
//! written in WAL mode with `synchronous=FULL`, so a call that returned `Ok` survives a
//! `kill -9` or a power cut. [`MemoryStore`] keeps everything in memory, for tests.
//! Another database is added by implementing [`Store`].
//!
//! Passwords are never stored: only what SCRAM needs (RFC 5802 §3: salt, iteration
//! count, `StoredKey`, `ServerKey`), from which the password cannot be recovered.

mod error;
mod memory;
mod sqlite;
mod types;

pub use error::StoreError;
pub use memory::MemoryStore;
pub use sqlite::SqliteStore;
pub use types::{Credentials, RosterItem, ScramCredentials, Subscription};

use crate::Jid;

/// The data a server keeps between runs.
///
/// Users are named by the local part of their bare JID (`alice` for `alice@example.com`);
/// contacts by their bare JID. Every method that returns `Ok` after changing something
/// has made the change durable (for a persistent store), so the server may acknowledge
/// what it stored. Each method fails with [`StoreError`] when the backend fails (disk
/// full, corrupt file); the server then answers the stanza with an error instead of
/// pretending it was stored.
pub trait Store {
    /// The credentials of `user`, `None` if there is no such account.
    fn credentials(&self, user: &str) -> Result<Option<Credentials>, StoreError>;

    /// Creates the account or replaces its credentials.
    fn set_credentials(&mut self, user: &str, creds: &Credentials) -> Result<(), StoreError>;

    /// Creates the account only if it does not exist; `Ok(false)` if it does
    /// (in-band registration answers `conflict` then).
    fn create_user(&mut self, user: &str, creds: &Credentials) -> Result<bool, StoreError>;

    /// Removes the account and everything stored for it. `Ok(false)` if it did not exist.
    fn delete_user(&mut self, user: &str) -> Result<bool, StoreError>;

    /// Every roster item of `user` (hidden pending-in entries included; see
    /// [`RosterItem::listed`]), in no particular order.
    fn roster(&self, user: &str) -> Result<Vec<RosterItem>, StoreError>;

    /// One roster item of `user`, by the contact's bare JID.
    fn roster_item(&self, user: &str, contact: &Jid) -> Result<Option<RosterItem>, StoreError>;

    /// Adds or replaces a roster item (keyed by `item.jid`).
    fn put_roster_item(&mut self, user: &str, item: &RosterItem) -> Result<(), StoreError>;

    /// Removes a roster item; `Ok(false)` if there was none.
    fn remove_roster_item(&mut self, user: &str, contact: &Jid) -> Result<bool, StoreError>;

    /// The vCard of `user` as serialised XML, if one was stored.
    fn vcard(&self, user: &str) -> Result<Option<String>, StoreError>;

    /// Stores the vCard of `user` (serialised XML).
    fn set_vcard(&mut self, user: &str, xml: &str) -> Result<(), StoreError>;

    /// Appends a message for `user` to deliver when a resource becomes available.
    /// `Ok(false)` when `user` already has `limit` messages waiting: the message is not
    /// stored (the server bounces it with `service-unavailable`).
    fn push_offline(&mut self, user: &str, stanza: &str, limit: usize) -> Result<bool, StoreError>;

    /// Removes and returns, oldest first, the messages waiting for `user`.
    fn take_offline(&mut self, user: &str) -> Result<Vec<String>, StoreError>;
}
