//! A c2s XMPP server on a jaxl loop, with an embedded store.
//!
//! [`Server::listen`] adds a client listener to a [`Loop`]; each connection is a
//! handler that negotiates the stream as the receiving entity (RFC 6120: STARTTLS,
//! mandatory unless [`ServerConfig::allow_plaintext_loopback`] lets loopback clients
//! in; SASL SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN inside TLS against the
//! [`Store`](crate::store::Store); resource binding) and then routes stanzas as RFC 6121
//! §8 says, with rosters, subscriptions, presence and offline messages.
//! [`Server::listen_components`] accepts XEP-0114 components.
//!
//! The routing table (who is bound where) lives in the loop's shared state, so a
//! server is one loop: one thread, every connection on it.
//!
//! ```no_run
//! use jaxl_core::Loop;
//! use jaxl_xmpp::server::{Server, ServerConfig};
//! use jaxl_xmpp::store::SqliteStore;
//!
//! let mut ev = Loop::new()?;
//! let mut config = ServerConfig::new("localhost");
//! config.allow_plaintext_loopback = true;
//! let store = SqliteStore::open_dir("./xmpp-data".as_ref())?;
//! let server = Server::new(config, Box::new(store));
//! server.add_user(&mut ev, "alice", "secret")?;
//! let id = server.listen(&mut ev, "127.0.0.1:5222")?;
//! println!("listening on {:?}", ev.local_addr(id));
//! ev.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod c2s;
mod component;
mod config;
mod iq;
mod limits;
mod listen;
mod presence;
mod register;
mod roster;
mod routing;
mod state;
mod util;

pub use config::ServerConfig;
pub use listen::{Server, ServerError};
pub use register::credentials_for;
