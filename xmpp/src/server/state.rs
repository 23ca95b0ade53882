//! [`ServerState`]: what every connection of a server shares, kept in the loop's
//! shared state: the configuration, the store and the routing table.

use super::ServerConfig;
use crate::store::Store;
use crate::{Element, Jid};
use jaxl_core::ConnId;
use std::collections::HashMap;

/// One bound resource of a user.
#[derive(Debug)]
pub(crate) struct Session {
    pub resource: String,
    pub conn: ConnId,
    /// The last available presence the resource sent (`None` until its initial
    /// presence, and again after it sent unavailable).
    pub presence: Option<Element>,
    pub priority: i8,
    /// Whether it asked for the roster (it then gets roster pushes; RFC 6121 §2.1.6).
    pub interested: bool,
    /// Full or bare JIDs it sent directed presence to (RFC 6121 §4.6), who get its
    /// unavailable presence.
    pub directed: Vec<Jid>,
}

impl Session {
    pub fn available(&self) -> bool {
        self.presence.is_some()
    }
}

/// State shared by the connections of one server in one loop.
pub(crate) struct ServerState {
    pub config: ServerConfig,
    pub store: Box<dyn Store>,
    /// Bound sessions by user (local part).
    pub sessions: HashMap<String, Vec<Session>>,
    /// Connected components by domain.
    pub components: HashMap<String, ConnId>,
}

impl ServerState {
    pub fn new(config: ServerConfig, store: Box<dyn Store>) -> ServerState {
        ServerState {
            config,
            store,
            sessions: HashMap::new(),
            components: HashMap::new(),
        }
    }

    /// The session of a full JID, if bound here.
    pub fn session(&self, user: &str, resource: &str) -> Option<&Session> {
        self.sessions
            .get(user)?
            .iter()
            .find(|s| s.resource == resource)
    }

    /// The session of a full JID, mutably.
    pub fn session_mut(&mut self, user: &str, resource: &str) -> Option<&mut Session> {
        self.sessions
            .get_mut(user)?
            .iter_mut()
            .find(|s| s.resource == resource)
    }

    /// Every session of a user.
    pub fn sessions_of(&self, user: &str) -> &[Session] {
        self.sessions.get(user).map_or(&[], Vec::as_slice)
    }

    /// Whether `user` has an account (store errors count as "no": the caller bounces).
    pub fn user_exists(&self, user: &str) -> bool {
        self.sessions.contains_key(user) || matches!(self.store.credentials(user), Ok(Some(_)))
    }

    /// Whether a JID's domain is ours.
    pub fn is_local(&self, jid: &Jid) -> bool {
        jid.domain() == self.config.domain
    }

    /// The domain JID of the server.
    pub fn domain_jid(&self) -> Option<Jid> {
        Jid::new(&self.config.domain).ok()
    }
}
