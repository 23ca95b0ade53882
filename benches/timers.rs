//! cargo bench --bench timers
//!
//! Cost of timer operations with 100,000 live timers: set, forward reset (an idle
//! timeout pushed back on every request), backward reset, cancel, and firing. Prints
//! nanoseconds per operation (medians of 5 rounds). Not a test: nothing is asserted.

use jaxl::core::{Context, LoopConfig, TimerId};
use std::time::{Duration, Instant};

const N: usize = 100_000;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn round(cx: &mut Context<'_>) -> [f64; 5] {
    let mut ids: Vec<TimerId> = Vec::with_capacity(N);
    let t = Instant::now();
    for i in 0..N {
        ids.push(cx.set_timeout(Duration::from_secs(60 + (i % 997) as u64), |_| {}));
    }
    let set = t.elapsed().as_nanos() as f64 / N as f64;
    let t = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        cx.reset_timer(*id, Duration::from_secs(120 + (i % 991) as u64));
    }
    let fwd = t.elapsed().as_nanos() as f64 / N as f64;
    let t = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        cx.reset_timer(*id, Duration::from_secs(30 + (i % 983) as u64));
    }
    let back = t.elapsed().as_nanos() as f64 / N as f64;
    let t = Instant::now();
    for id in &ids {
        cx.cancel_timer(*id);
    }
    let cancel = t.elapsed().as_nanos() as f64 / N as f64;
    [set, fwd, back, cancel, 0.0]
}

fn main() -> std::io::Result<()> {
    let mut cfg = LoopConfig::default();
    cfg.handle_signals = false;
    let mut rounds: Vec<[f64; 5]> = Vec::new();
    for _ in 0..5 {
        let mut ev = jaxl::core::Loop::with_config(cfg.clone())?;
        let mut r = ev.enter(round);
        // Firing: 100,000 zero-delay timers run by the loop.
        ev.enter(|cx| {
            for _ in 0..N {
                cx.set_timeout(Duration::ZERO, |_| {});
            }
        });
        let t = Instant::now();
        ev.run()?;
        r[4] = t.elapsed().as_nanos() as f64 / N as f64;
        rounds.push(r);
    }
    let names = ["set", "reset_forward", "reset_backward", "cancel", "fire"];
    for (i, name) in names.iter().enumerate() {
        let m = median(rounds.iter().map(|r| r[i]).collect());
        println!("RESULT timers op={name} live={N} ns_per_op={m:.1}");
    }
    Ok(())
}
