//! [`LoopConfig`]: the knobs of a loop, each with a documented default.

use std::time::Duration;

/// Settings of a [`Loop`](crate::Loop). `LoopConfig::default()` suits servers with many
/// small messages; every field says its default and why.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoopConfig {
    /// Most bytes one connection may hold unconsumed in its input buffer. Default 1 MiB:
    /// room for a 256 KiB XMPP stanza or a large HTTP header section with slack. At the
    /// limit the loop stops reading that connection until its handler consumes.
    pub max_input: usize,
    /// Output queue size above which the loop stops reading the connection (so a peer
    /// that sends but does not read cannot grow our memory). Default 256 KiB.
    pub high_water: usize,
    /// Output queue size below which reading resumes and `on_drain` is called.
    /// Default 64 KiB.
    pub low_water: usize,
    /// Output queue size at which the connection is closed with
    /// [`Close::Overflow`](crate::Close::Overflow): what others keep writing to a peer
    /// that never reads (a broadcast) is bounded too. Default 16 MiB.
    pub max_output: usize,
    /// Bound on a graceful close: flushing queued output, then draining the peer's
    /// remaining input so that closing does not reset the connection and destroy the
    /// last response in flight. Default 5 s.
    pub close_timeout: Duration,
    /// Bound on a graceful stop of the whole loop ([`Loop::stop`](crate::Loop::stop), a
    /// signal) before remaining connections are closed with
    /// [`Close::Shutdown`](crate::Close::Shutdown). Default 10 s.
    pub shutdown_timeout: Duration,
    /// Turn SIGINT and SIGTERM into a graceful stop (a second signal stops at once).
    /// Default true: every loop of the process stops on Ctrl-C. Set false when the
    /// application handles signals itself.
    pub handle_signals: bool,
    /// Set `TCP_NODELAY` on accepted and outgoing TCP connections. Default true: the loop
    /// already writes each turn's output in one call, so Nagle only adds latency.
    pub tcp_nodelay: bool,
    /// Readiness events taken per poll. Default 1024.
    pub events: usize,
    /// Bytes read from one connection per readiness turn before the loop serves others
    /// (the rest is read next turn). Default 1 MiB.
    pub read_budget: usize,
    /// Free output chunks (16 KiB each) the loop keeps for reuse. Default 256 (4 MiB).
    pub pooled_buffers: usize,
}

impl Default for LoopConfig {
    fn default() -> Self {
        LoopConfig {
            max_input: 1 << 20,
            high_water: 256 << 10,
            low_water: 64 << 10,
            max_output: 16 << 20,
            close_timeout: Duration::from_secs(5),
            shutdown_timeout: Duration::from_secs(10),
            handle_signals: true,
            tcp_nodelay: true,
            events: 1024,
            read_budget: 1 << 20,
            pooled_buffers: 256,
        }
    }
}
