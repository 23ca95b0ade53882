//! [`RateLimit`]: a token bucket over the bytes a connection sends.

use crate::xml::StreamReader;
use jaxl_core::{Context, TimerId};
use std::time::{Duration, Instant};

/// Bytes per second with a burst allowance. Bytes beyond the allowance stay unread in
/// the connection's input, and the caller stops reading until they are earned.
#[derive(Debug)]
pub(crate) struct RateLimit {
    rate: u64,
    burst: u64,
    /// Bytes that may be processed now.
    tokens: i64,
    last: Option<Instant>,
    /// The timer that resumes reading, while paused.
    pub timer: Option<TimerId>,
}

impl RateLimit {
    /// `rate` bytes per second (0: unlimited) with `burst` bytes of slack.
    pub fn new(rate: u64, burst: u64) -> RateLimit {
        RateLimit {
            rate,
            burst,
            tokens: i64::try_from(burst).unwrap_or(i64::MAX),
            last: None,
            timer: None,
        }
    }

    /// Of `n` bytes waiting at `now`, how many may be processed now, and — when that is
    /// fewer than `n` — how long to stop reading before the rest.
    pub fn admit(&mut self, now: Instant, n: usize) -> (usize, Option<Duration>) {
        if self.rate == 0 {
            return (n, None);
        }
        let elapsed = self
            .last
            .map_or(Duration::ZERO, |l| now.saturating_duration_since(l));
        self.last = Some(now);
        let refill = (elapsed.as_secs_f64() * self.rate as f64) as i64;
        let cap = i64::try_from(self.burst).unwrap_or(i64::MAX);
        self.tokens = self.tokens.saturating_add(refill).min(cap);
        let avail = usize::try_from(self.tokens.max(0)).unwrap_or(usize::MAX);
        let take = n.min(avail);
        self.tokens -= i64::try_from(take).unwrap_or(i64::MAX);
        if take == n {
            return (n, None);
        }
        let rest = (n - take).min(usize::try_from(self.burst.max(1)).unwrap_or(usize::MAX));
        let wait = Duration::from_secs_f64(rest as f64 / self.rate as f64);
        (take, Some(wait.max(Duration::from_millis(1))))
    }

    /// Feeds the connection's input to `reader` as far as the rate allows, consuming what
    /// it took; over the rate, pauses reading and sets the timer that resumes it. False
    /// while paused (nothing was fed).
    pub fn feed(&mut self, cx: &mut Context<'_>, reader: &mut StreamReader) -> bool {
        if self.timer.is_some() {
            return false; // the input waits until the timer resumes reading
        }
        let (take, wait) = self.admit(cx.now(), cx.input().len());
        reader.feed(cx.input().get(..take).unwrap_or_default());
        cx.consume(take);
        if let Some(wait) = wait {
            cx.pause_reading();
            self.timer = Some(cx.set_timer(wait));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimit;
    use std::time::{Duration, Instant};

    #[test]
    fn burst_then_pause() {
        let t = Instant::now();
        let mut r = RateLimit::new(1000, 2000);
        assert_eq!(r.admit(t, 1500), (1500, None));
        assert_eq!(r.admit(t, 1000), (500, Some(Duration::from_millis(500))));
        // Half a second later 500 bytes were earned.
        assert_eq!(r.admit(t + Duration::from_millis(500), 500), (500, None));
        assert_eq!(
            r.admit(t + Duration::from_millis(500), 1),
            (0, Some(Duration::from_millis(1)))
        );
    }

    #[test]
    fn unlimited() {
        let mut r = RateLimit::new(0, 0);
        assert_eq!(r.admit(Instant::now(), usize::MAX), (usize::MAX, None));
    }
}
