//! SIGINT and SIGTERM as a graceful stop of every running loop, without a thread.
//!
//! Each running loop registers a self-pipe with signal-hook (the signal handler only
//! writes a byte) and polls its read end like any socket: the first signal asks the
//! loop to stop gracefully, a second stops it at once. Once per process a
//! conditional default action is registered too: when no loop is running, the signal
//! gets its default action (the process terminates), so a program is never left deaf
//! to Ctrl-C after its loops have returned.
//!
//! No helper thread is started: in a single-threaded process every system call is
//! cheaper (glibc skips the asynchronous-cancellation bookkeeping), which is measurable
//! on a loop that does two of them per message.

use mio::unix::pipe;
use mio::{Interest, Registry, Token};
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

const SIGNALS: [i32; 2] = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];

struct Global {
    /// True while no loop is running: the signal then takes its default action.
    idle: Arc<AtomicBool>,
    running: Mutex<usize>,
}

fn global() -> &'static Global {
    static G: OnceLock<Global> = OnceLock::new();
    G.get_or_init(|| {
        let idle = Arc::new(AtomicBool::new(true));
        for sig in SIGNALS {
            if let Err(e) = signal_hook::flag::register_conditional_default(sig, idle.clone()) {
                log::warn!("signal {sig}: cannot keep the default action for idle periods: {e}");
            }
        }
        Global {
            idle,
            running: Mutex::new(0),
        }
    })
}

pub(crate) struct Signals {
    pub(crate) rx: pipe::Receiver,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    pub(crate) fn new(registry: &Registry, token: Token) -> io::Result<Signals> {
        let g = global();
        let (tx, mut rx) = pipe::new()?;
        registry.register(&mut rx, token, Interest::READABLE)?;
        let mut ids = Vec::new();
        for sig in SIGNALS {
            // signal-hook owns (and closes on unregistration) the descriptor it is given:
            // one duplicate of the write end per signal.
            let fd = tx.as_fd().try_clone_to_owned()?;
            ids.push(signal_hook::low_level::pipe::register(sig, fd)?);
        }
        drop(tx);
        let mut n = g.running.lock().unwrap_or_else(|p| p.into_inner());
        *n += 1;
        g.idle.store(false, Ordering::SeqCst);
        Ok(Signals { rx, ids })
    }

    /// How many signals arrived since the last call.
    pub(crate) fn drain(&mut self) -> usize {
        let mut n = 0;
        let mut buf = [0u8; 64];
        loop {
            match self.rx.read(&mut buf) {
                Ok(0) => return n,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return n,
            }
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
        let g = global();
        let mut n = g.running.lock().unwrap_or_else(|p| p.into_inner());
        *n = n.saturating_sub(1);
        if *n == 0 {
            g.idle.store(true, Ordering::SeqCst);
        }
    }
}
