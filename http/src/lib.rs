//! jaxl-http: an HTTP/1.1 server with a node.js-shaped API on jaxl-core's loop.
//!
//! ```no_run
//! jaxl_http::create_server(|_req, res| {
//!     res.write_head(200, &[("Content-Type", "text/plain")]);
//!     res.end("Hello World\n");
//! })
//! .listen("127.0.0.1:8080")?
//! .run()
//! # ; Ok::<(), std::io::Error>(())
//! ```
//!
//! The protocol layer ([`head`], [`framing`], [`chunked`], [`response_head`],
//! [`date`], [`status`], [`router`]) is pure: push-style parsers and encoders with
//! no I/O, usable on their own. The server ([`create_server`]) drives them on a
//! jaxl-core [`Loop`](jaxl_core::Loop): keep-alive, pipelining with responses in
//! request order, streamed or whole request bodies, `Expect: 100-continue`,
//! responses finished later from other callbacks, upgrades, limits and timeouts
//! ([`Config`]), graceful shutdown, HTTPS (the `tls` feature) and one loop per core.
//!
//! Every byte from the network is treated as hostile: malformed or ambiguous
//! requests are answered with the protocol's own status (400, 408, 413, 414, 417,
//! 431, 501, 505) and the connection is closed; every buffer is bounded.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod body;
pub mod chunked;
mod config;
pub mod date;
pub mod framing;
pub mod head;
mod request;
pub mod response_head;
pub mod router;
mod routes;
mod server;
pub mod status;

pub use body::Trailers;
pub use chunked::ChunkedLimits;
pub use config::Config;
pub use framing::BodyKind;
pub use head::{HeadLimits, Version};
pub use request::Request;
pub use routes::Routes;
pub use server::{create_server, create_server_cx, Response, Server, Service, WithContext};
