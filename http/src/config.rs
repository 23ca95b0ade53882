//! [`Config`]: the server's limits and timeouts, each with a documented default.

use crate::chunked::ChunkedLimits;
use crate::head::HeadLimits;
use std::time::Duration;

/// Limits and timeouts of an HTTP server. `Config::default()` suits a public-facing
/// server; every field says its default and why.
#[derive(Clone, Debug)]
pub struct Config {
    /// Request line and header limits (414 and 431). Defaults: 8 KiB line, 16 KiB
    /// head, 100 fields; see [`HeadLimits`].
    pub head: HeadLimits,
    /// Chunked framing limits (400 when exceeded). Defaults: 1 KiB size lines,
    /// 8 KiB trailers; see [`ChunkedLimits`].
    pub chunked: ChunkedLimits,
    /// Largest body delivered whole by [`Request::on_body`](crate::Request::on_body);
    /// larger is answered with 413 and the connection closed. Default 1 MiB: enough
    /// for JSON APIs; uploads should stream with [`Request::on_data`](crate::Request::on_data),
    /// which this limit does not bound.
    pub max_body: usize,
    /// Largest body the server reads and throws away when the handler answered
    /// without reading it, to keep the connection usable; past this the connection
    /// closes after the response instead. Default 64 KiB: cheaper to read than a new
    /// connection, too small to be a way to waste bandwidth.
    pub max_discard: u64,
    /// Time from accept (or from the end of the previous response on a kept-alive
    /// connection that started sending) until a request head must be complete;
    /// otherwise 408 is sent and the connection closed. Default 10 s: defeats
    /// slow-header (slowloris) clients while allowing slow networks.
    pub header_timeout: Duration,
    /// How long a kept-alive connection may sit idle between requests before it is
    /// closed silently. Default 5 s, node's default: reuses connections for bursts
    /// without keeping idle sockets for long.
    pub keep_alive_timeout: Duration,
    /// How long a request body may take to arrive, from the end of the head, and how
    /// long the peer may go without reading our output before the connection is
    /// dropped. Default 60 s: room for large uploads on slow links.
    pub body_timeout: Duration,
    /// Most simultaneous connections per listener (per loop); at the limit the
    /// listener stops accepting and further connections wait in the kernel's
    /// backlog until one closes. Default 10 000: far above normal use, well below
    /// common file-descriptor limits.
    pub max_connections: usize,
    /// Most requests of one connection parsed ahead while earlier responses are
    /// still pending (pipelining); further input waits in the socket. Default 16:
    /// covers pipelining clients without letting one connection queue unbounded work.
    pub max_pipelined: usize,
    /// Largest response output buffered for one connection while it is not flushed
    /// (responses waiting behind an unfinished one, or a peer not reading). Past it
    /// [`Response::write`](crate::Response::write) reports back-pressure. Default
    /// 256 KiB, the loop's high-water mark.
    pub high_water: usize,
    /// Whether responses carry a `Date` header (RFC 9110 says an origin server with
    /// a clock must send one). Default true.
    pub send_date: bool,
    /// Value of the `Server` header, if any. Default `None`: naming the software
    /// helps attackers and costs bytes on every response.
    pub server_name: Option<String>,
    /// Bound on a graceful shutdown: in-flight requests get this long to finish
    /// before their connections are closed. Default 10 s.
    pub shutdown_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            head: HeadLimits::default(),
            chunked: ChunkedLimits::default(),
            max_body: 1 << 20,
            max_discard: 64 << 10,
            header_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            max_pipelined: 16,
            high_water: 256 << 10,
            send_date: true,
            server_name: None,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}
