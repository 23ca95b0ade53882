//! jaxl: event-driven networking on one readiness loop per core.
//!
//! * [`core`] — the reactor: a loop of connections, timers and ids that protocols are
//!   written on, without touching a socket.
//! * [`http`] — an HTTP/1.1 server with a node.js-shaped API.
//! * [`xmpp`] — the XMPP stack.
#![deny(missing_docs)]

pub use jaxl_core as core;
pub use jaxl_http as http;
pub use jaxl_xmpp as xmpp;
