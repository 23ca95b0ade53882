//! [`Server`]: puts a server's shared state into a loop and opens its listeners.

use super::c2s::C2s;
use super::component::ComponentConn;
use super::limits::RateLimit;
use super::register::credentials_for;
use super::state::ServerState;
use super::ServerConfig;
use crate::store::{Store, StoreError};
use crate::Jid;
use jaxl_core::{ListenOptions, ListenerId, Loop};
use std::fmt;
use std::net::ToSocketAddrs;

/// Why setting up a server failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// A listener could not be bound.
    Io(std::io::Error),
    /// The store failed.
    Store(StoreError),
    /// A user name is not a valid JID local part.
    InvalidUser(String),
    /// The configured domain is not a valid JID domain.
    InvalidDomain(String),
    /// No randomness for salts.
    NoRandomness,
    /// [`Server::listen`] or another method was called on a loop the server was not
    /// installed in.
    NotInstalled,
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Io(e) => write!(f, "xmpp server: {e}"),
            ServerError::Store(e) => write!(f, "xmpp server: {e}"),
            ServerError::InvalidUser(u) => write!(f, "xmpp server: invalid user name {u:?}"),
            ServerError::InvalidDomain(d) => write!(f, "xmpp server: invalid domain {d:?}"),
            ServerError::NoRandomness => f.write_str("xmpp server: no randomness for salts"),
            ServerError::NotInstalled => f.write_str("xmpp server: not installed in this loop"),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServerError::Io(e) => Some(e),
            ServerError::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for ServerError {
    fn from(e: std::io::Error) -> Self {
        ServerError::Io(e)
    }
}

impl From<StoreError> for ServerError {
    fn from(e: StoreError) -> Self {
        ServerError::Store(e)
    }
}

/// An XMPP server before it is put into a loop: a configuration and a store.
///
/// [`install`](Server::install) (called by the first `listen*` or
/// [`add_user`](Server::add_user)) moves them into the loop's shared state; one loop
/// holds one server.
pub struct Server {
    pending: std::cell::RefCell<Option<(ServerConfig, Box<dyn Store>)>>,
    max_stanza_bytes: usize,
    rate: (u64, u64),
    max_connections: usize,
    domain: String,
}

impl Server {
    /// A server with this configuration and store.
    pub fn new(mut config: ServerConfig, store: Box<dyn Store>) -> Server {
        // The domain in its normalised form (RFC 7622), as incoming JIDs are compared.
        if let Ok(j) = Jid::new(&config.domain) {
            if j.node().is_none() && j.resource().is_none() {
                config.domain = j.as_str().to_owned();
            }
        }
        Server {
            max_stanza_bytes: config.max_stanza_bytes,
            rate: (config.rate_bytes_per_sec, config.rate_burst_bytes),
            max_connections: config.max_connections,
            domain: config.domain.clone(),
            pending: std::cell::RefCell::new(Some((config, store))),
        }
    }

    /// Puts the configuration and store into `ev`'s shared state (once; later calls do
    /// nothing).
    ///
    /// # Errors
    /// [`ServerError::InvalidDomain`] if the configured domain is not a valid JID.
    pub fn install(&self, ev: &mut Loop) -> Result<(), ServerError> {
        if let Some((config, store)) = self.pending.borrow_mut().take() {
            if Jid::new(&config.domain)
                .map(|j| j.node().is_some() || j.resource().is_some())
                .unwrap_or(true)
            {
                return Err(ServerError::InvalidDomain(config.domain));
            }
            ev.insert_state(ServerState::new(config, store));
        }
        Ok(())
    }

    /// Creates the account `user` (local part) or changes its password. Only salted
    /// SCRAM credentials are stored.
    ///
    /// # Errors
    /// [`ServerError::InvalidUser`] for a name that is no valid local part,
    /// [`ServerError::Store`] if the store fails, [`ServerError::NoRandomness`].
    pub fn add_user(&self, ev: &mut Loop, user: &str, password: &str) -> Result<(), ServerError> {
        self.install(ev)?;
        let st = ev
            .state_mut::<ServerState>()
            .ok_or(ServerError::NotInstalled)?;
        let jid = Jid::from_parts(Some(user), &st.config.domain, None)
            .map_err(|_| ServerError::InvalidUser(user.to_owned()))?;
        let node = jid
            .node()
            .ok_or_else(|| ServerError::InvalidUser(user.to_owned()))?;
        let creds = credentials_for(password, st.config.scram_iterations)
            .map_err(|_| ServerError::NoRandomness)?;
        st.store.set_credentials(node, &creds)?;
        Ok(())
    }

    /// Listens for clients on `addr` (port 0 picks one: read it with
    /// [`Loop::local_addr`]).
    ///
    /// # Errors
    /// [`ServerError::Io`] if the address cannot be bound; see [`install`](Server::install).
    pub fn listen(
        &self,
        ev: &mut Loop,
        addr: impl ToSocketAddrs,
    ) -> Result<ListenerId, ServerError> {
        self.install(ev)?;
        let (max, rate) = (self.max_stanza_bytes, self.rate);
        let domain: std::rc::Rc<str> = self.domain.as_str().into();
        let opts = ListenOptions::default().max_connections(self.max_connections);
        Ok(ev.listen_tcp_with(addr, &opts, move |peer| {
            C2s::new(domain.clone(), peer, max, RateLimit::new(rate.0, rate.1))
        })?)
    }

    /// Listens for XEP-0114 components on `addr`; they authenticate with
    /// [`ServerConfig::component_secret`] (none set: every handshake fails).
    ///
    /// # Errors
    /// As [`listen`](Server::listen).
    pub fn listen_components(
        &self,
        ev: &mut Loop,
        addr: impl ToSocketAddrs,
    ) -> Result<ListenerId, ServerError> {
        self.install(ev)?;
        let (max, rate) = (self.max_stanza_bytes, self.rate);
        let opts = ListenOptions::default().max_connections(self.max_connections);
        Ok(ev.listen_tcp_with(addr, &opts, move |_| {
            ComponentConn::new(max, RateLimit::new(rate.0, rate.1))
        })?)
    }
}
