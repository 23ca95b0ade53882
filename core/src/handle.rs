//! [`Handle`]: how other threads post work into a running loop.

use crate::Context;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce(&mut Context<'_>) + Send>;

pub(crate) struct Remote {
    pub(crate) jobs: Mutex<Vec<Job>>,
    pub(crate) waker: mio::Waker,
    pub(crate) stop: AtomicBool,
    pub(crate) force: AtomicBool,
    pub(crate) alive: AtomicBool,
}

impl Remote {
    pub(crate) fn take_jobs(&self) -> Vec<Job> {
        match self.jobs.lock() {
            Ok(mut g) => std::mem::take(&mut *g),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        }
    }
}

/// A `Send + Clone` handle to a loop, for other threads: post work to run on the loop's
/// thread (a web app telling a running bot to act, a blocking job reporting back), or
/// stop it.
///
/// ```no_run
/// let mut ev = jaxl_core::Loop::new()?;
/// let handle = ev.handle();
/// std::thread::spawn(move || {
///     let _ = handle.post(|cx| log::info!("running on the loop, {} timers", cx.timer_count()));
///     let _ = handle.stop();
/// });
/// ev.run()
/// # ; Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) remote: Arc<Remote>,
}

/// The loop behind a [`Handle`] has finished; the work was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopGone;

impl fmt::Display for LoopGone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the loop has stopped")
    }
}
impl std::error::Error for LoopGone {}

impl Handle {
    /// Queues `job` to run on the loop's thread with a [`Context`] (not tied to any
    /// connection: [`Context::id`] is [`ConnId::NONE`](crate::ConnId::NONE)), and wakes
    /// the loop. Jobs run in the order posted. Fails with [`LoopGone`] once the loop has
    /// returned from `run` or been dropped.
    pub fn post<F>(&self, job: F) -> Result<(), LoopGone>
    where
        F: FnOnce(&mut Context<'_>) + Send + 'static,
    {
        if !self.remote.alive.load(Ordering::Acquire) {
            return Err(LoopGone);
        }
        match self.remote.jobs.lock() {
            Ok(mut g) => g.push(Box::new(job)),
            Err(p) => p.into_inner().push(Box::new(job)),
        }
        self.remote.waker.wake().map_err(|_| LoopGone)
    }

    /// Asks the loop to stop gracefully (as [`Loop::stop`](crate::Loop::stop)). Fails with
    /// [`LoopGone`] if it already finished.
    pub fn stop(&self) -> Result<(), LoopGone> {
        if !self.remote.alive.load(Ordering::Acquire) {
            return Err(LoopGone);
        }
        self.remote.stop.store(true, Ordering::Release);
        self.remote.waker.wake().map_err(|_| LoopGone)
    }

    /// Whether the loop is still running (or not yet started).
    pub fn is_alive(&self) -> bool {
        self.remote.alive.load(Ordering::Acquire)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("alive", &self.is_alive())
            .finish()
    }
}
