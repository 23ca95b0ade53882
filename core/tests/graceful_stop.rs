//! Stopping a loop flushes what is queued before closing, within a bound.

mod util;

use jaxl_core::{Close, Context, Handler};
use std::sync::mpsc;
use util::*;

/// Sends a large reply the peer reads slowly, then is asked to stop.
struct Big {
    closed: mpsc::Sender<Close>,
}
impl Handler for Big {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let n = cx.input().len();
        cx.consume(n);
        cx.write_owned(pattern(8 << 20, 9));
        cx.stop();
    }
    fn on_close(&mut self, _cx: &mut Context<'_>, reason: &Close) {
        let _ = self.closed.send(reason.clone());
    }
}

#[test]
fn stop_flushes_queued_output() {
    let (tx, rx) = mpsc::channel();
    let srv = spawn(move |ev| {
        let l = ev.listen_tcp("127.0.0.1:0", move |_| Big { closed: tx.clone() })?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut c = connect(srv.addr);
    write_all(&mut c, b"go");
    // 8 MiB cannot fit in socket buffers: the loop must keep writing while stopping.
    let got = read_to_end(&mut c);
    assert_eq!(got.len(), 8 << 20);
    assert!(got == pattern(8 << 20, 9));
    assert_eq!(
        rx.recv_timeout(IO_TIMEOUT).unwrap(),
        Close::Local,
        "closed by the stopping server"
    );
    drop(c);
    srv.stop().unwrap();
}

#[test]
fn stop_closes_idle_connections_and_returns() {
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| Big {
            closed: mpsc::channel().0,
        })?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut idle: Vec<_> = (0..10).map(|_| connect(srv.addr)).collect();
    srv.query(|_| ()); // the loop has accepted them
    let h = srv.handle.clone();
    h.stop().unwrap();
    for c in idle.iter_mut() {
        assert!(
            read_to_end(c).is_empty(),
            "idle connections see a clean end of stream"
        );
    }
    drop(idle);
    srv.stop().unwrap();
    assert!(!h.is_alive());
    assert!(
        h.post(|_| ()).is_err(),
        "posting to a finished loop is refused"
    );
}
