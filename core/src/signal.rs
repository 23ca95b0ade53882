//! SIGINT and SIGTERM as a graceful stop of every running loop.
//!
//! The first loop that runs with [`LoopConfig::handle_signals`](crate::LoopConfig::handle_signals)
//! starts one process-wide thread that waits for the signals (signal-hook's self-pipe
//! iterator, so nothing but a pipe write happens in the signal handler) and forwards them
//! to the loops running at that moment: the first signal asks each to stop gracefully, a
//! second stops them at once. When no loop is running, the signal gets its default action
//! (the process terminates), so a program is never left deaf to Ctrl-C.

use crate::handle::Remote;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock, Weak};

static LOOPS: OnceLock<Mutex<Vec<Weak<Remote>>>> = OnceLock::new();

fn loops() -> &'static Mutex<Vec<Weak<Remote>>> {
    LOOPS.get_or_init(|| {
        if let Err(e) = start_thread() {
            log::warn!("signal handling unavailable: {e}");
        }
        Mutex::new(Vec::new())
    })
}

fn start_thread() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("jaxl-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                let live: Vec<Arc<Remote>> = match loops().lock() {
                    Ok(mut g) => {
                        g.retain(|w| w.upgrade().is_some_and(|r| r.alive.load(Ordering::Acquire)));
                        g.iter().filter_map(Weak::upgrade).collect()
                    }
                    Err(_) => Vec::new(),
                };
                if live.is_empty() {
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                    continue;
                }
                log::info!("signal {sig}: stopping {} loop(s)", live.len());
                for r in live {
                    if r.stop.swap(true, Ordering::AcqRel) {
                        r.force.store(true, Ordering::Release);
                    }
                    let _ = r.waker.wake();
                }
            }
        })?;
    Ok(())
}

/// Makes a running loop receive SIGINT/SIGTERM as a stop request.
pub(crate) fn subscribe(remote: &Arc<Remote>) {
    match loops().lock() {
        Ok(mut g) => g.push(Arc::downgrade(remote)),
        Err(p) => p.into_inner().push(Arc::downgrade(remote)),
    }
}
