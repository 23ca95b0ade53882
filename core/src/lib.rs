//! jaxl-core: the reactor under jaxl's protocol stacks.
//!
//! A [`Loop`] owns a `mio` poller, a slab of connections, timers and a waker. A
//! protocol is a [`Handler`]: a state machine over the bytes of one connection, called
//! with a [`Context`] through which it reads its input, writes to its own or any other
//! connection by [`ConnId`], closes connections, sets timers, opens outgoing
//! connections (TCP, Unix, TLS, with name resolution that never blocks), and reaches
//! state shared by all handlers of the loop. Nothing above this crate touches a socket.
//!
//! ```no_run
//! use jaxl_core::{Context, Handler, Loop};
//!
//! struct Echo;
//! impl Handler for Echo {
//!     fn on_data(&mut self, cx: &mut Context<'_>) {
//!         let bytes = cx.take_input(); // whatever arrived
//!         cx.write(&bytes); // queued; flushed by the loop
//!     }
//! }
//!
//! fn main() -> std::io::Result<()> {
//!     let mut ev = Loop::new()?;
//!     ev.listen_tcp("127.0.0.1:7000", |_peer| Echo)?;
//!     ev.run()
//! }
//! ```
//!
//! # How a turn runs
//! Each turn polls once (edge-triggered), reads every ready connection until
//! `WouldBlock` (or its input limit, or a per-turn budget for fairness), calls its
//! handler, fires due timers, runs work posted from other threads, then runs what
//! callbacks queued (`on_open`, wakes, deferred closures) and writes every connection
//! with queued output using vectored writes, before polling again.
//!
//! # Back-pressure and limits
//! A connection whose output queue passes [`LoopConfig::high_water`] is not read until
//! it drains below [`LoopConfig::low_water`] (then `on_drain` is called); at
//! [`LoopConfig::max_output`] it is closed with [`Close::Overflow`]. Input is bounded
//! by [`LoopConfig::max_input`].
//!
//! # Panics in callbacks
//! Every callback runs under `catch_unwind`. A panicking connection handler is logged,
//! its connection is flushed and closed ([`Close::Panic`]), and the loop goes on
//! serving everyone else. A panicking timer closure is logged; a repeating one is
//! cancelled. State shared through [`Context::state`] is not poisoned: a handler that
//! panics halfway through changing it leaves it half-changed.
//!
//! # Memory
//! A connection holds no buffer while idle: reads land in one loop-wide buffer and
//! only unconsumed bytes are copied to the connection; output chunks come from a
//! loop-wide pool and go back when written.
#![deny(missing_docs)]

mod buf;
mod config;
mod conn;
mod connect;
mod context;
mod core;
mod dispatch;
mod handle;
mod handler;
mod id;
mod inbuf;
mod listener;
mod reactor;
mod signal;
mod socket;
mod state;
mod threads;
mod timer;
#[cfg(feature = "tls")]
pub mod tls;

pub use crate::config::LoopConfig;
pub use crate::context::{Context, Endpoint, Waker};
pub use crate::core::Stats;
pub use crate::handle::{Handle, LoopGone};
pub use crate::handler::{Close, Handler, Peer};
pub use crate::id::{ConnId, ListenerId, TimerId};
pub use crate::listener::ListenOptions;
pub use crate::reactor::Loop;
pub use crate::threads::run_on_threads;
