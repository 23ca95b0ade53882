//! Helpers shared by the integration tests: a loop on its own thread, blocking clients.
#![allow(dead_code)]

use jaxl_core::{Handle, Loop, LoopConfig};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Every blocking read in a test gives up after this long, so no test can hang.
pub mod certs;

pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

pub fn config() -> LoopConfig {
    let mut c = LoopConfig::default();
    c.handle_signals = false;
    c
}

/// A loop running on its own thread.
pub struct Server {
    pub addr: SocketAddr,
    pub handle: Handle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

/// Starts a loop on a thread; `setup` listens (port 0) and returns the address to use.
pub fn spawn<F>(setup: F) -> Server
where
    F: FnOnce(&mut Loop) -> io::Result<SocketAddr> + Send + 'static,
{
    spawn_with(config(), setup)
}

pub fn spawn_with<F>(cfg: LoopConfig, setup: F) -> Server
where
    F: FnOnce(&mut Loop) -> io::Result<SocketAddr> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || -> io::Result<()> {
        let mut ev = Loop::with_config(cfg)?;
        let addr = setup(&mut ev)?;
        tx.send((addr, ev.handle()))
            .map_err(|_| io::Error::other("test gone"))?;
        ev.run()
    });
    let (addr, handle) = rx
        .recv_timeout(IO_TIMEOUT)
        .expect("loop thread failed to start");
    Server {
        addr,
        handle,
        thread: Some(thread),
    }
}

impl Server {
    /// Stops the loop gracefully and waits for `run` to return.
    pub fn stop(mut self) -> io::Result<()> {
        let _ = self.handle.stop();
        self.thread
            .take()
            .expect("joined once")
            .join()
            .expect("loop thread panicked")
    }

    /// Runs `f` on the loop's thread and returns its result.
    pub fn query<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut jaxl_core::Context<'_>) -> R + Send + 'static,
    ) -> R {
        let (tx, rx) = mpsc::channel();
        self.handle
            .post(move |cx| {
                let _ = tx.send(f(cx));
            })
            .expect("loop alive");
        rx.recv_timeout(IO_TIMEOUT).expect("loop answered")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = self.handle.stop();
            let _ = t.join();
        }
    }
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Reads exactly `n` bytes.
pub fn read_n(s: &mut impl Read, n: usize) -> Vec<u8> {
    let mut v = vec![0; n];
    s.read_exact(&mut v).expect("read_exact");
    v
}

/// Reads one `\n`-terminated line (without the newline).
pub fn read_line(s: &mut impl Read) -> String {
    let mut v = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match s.read(&mut b) {
            Ok(0) => break,
            Ok(_) if b[0] == b'\n' => break,
            Ok(_) => v.push(b[0]),
            Err(e) => panic!("read_line: {e} after {:?}", String::from_utf8_lossy(&v)),
        }
    }
    String::from_utf8(v).expect("utf-8 line")
}

/// Reads until end of stream.
pub fn read_to_end(s: &mut impl Read) -> Vec<u8> {
    let mut v = Vec::new();
    s.read_to_end(&mut v).expect("read_to_end");
    v
}

pub fn write_all(s: &mut impl Write, b: &[u8]) {
    s.write_all(b).expect("write_all");
}

/// Deterministic pseudo-random bytes.
pub fn pattern(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2654435761).max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}
