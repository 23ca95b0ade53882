//! Work finished outside a connection's own callbacks: wakers, deferred closures, idle
//! timeouts, cross-thread posts and one loop per thread on a shared port.

mod util;

use jaxl_core::{Close, Context, Handler, ListenOptions, Waker};
use std::sync::mpsc;
use std::time::Duration;
use util::*;

/// Answers each line later: a timer closure owns the answer and wakes the connection,
/// which then writes it (the shape of a deferred HTTP response).
struct Deferred {
    ready: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}
impl Handler for Deferred {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        while let Some(pos) = cx.input().iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&cx.input()[..pos]).into_owned();
            cx.consume(pos + 1);
            let waker: Waker = cx.waker();
            let ready = self.ready.clone();
            cx.set_timeout(Duration::from_millis(5), move |_| {
                ready.borrow_mut().push(format!("later: {line}\n"));
                waker.wake();
            });
        }
    }
    fn on_wake(&mut self, cx: &mut Context<'_>) {
        for l in self.ready.borrow_mut().drain(..) {
            cx.write(l.as_bytes());
        }
    }
}

#[test]
fn waker_completes_work_from_a_timer() {
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| Deferred {
            ready: Default::default(),
        })?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut c = connect(srv.addr);
    write_all(&mut c, b"one\ntwo\n");
    assert_eq!(read_line(&mut c), "later: one");
    assert_eq!(read_line(&mut c), "later: two");
    srv.stop().unwrap();
}

struct Idle(mpsc::Sender<Close>);
impl Handler for Idle {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        cx.set_idle_timeout(Some(Duration::from_millis(100)));
    }
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let b = cx.take_input();
        cx.write(&b);
    }
    fn on_close(&mut self, _cx: &mut Context<'_>, r: &Close) {
        let _ = self.0.send(r.clone());
    }
}

#[test]
fn idle_timeout_closes_silent_connections_only() {
    let (tx, rx) = mpsc::channel();
    let srv = spawn(move |ev| {
        let l = ev.listen_tcp("127.0.0.1:0", move |_| Idle(tx.clone()))?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut silent = connect(srv.addr);
    assert!(
        read_to_end(&mut silent).is_empty(),
        "closed by the idle timeout"
    );
    assert_eq!(rx.recv_timeout(IO_TIMEOUT).unwrap(), Close::Timeout);
    srv.stop().unwrap();
}

#[test]
fn defer_runs_after_the_callback_in_order() {
    let mut ev = jaxl_core::Loop::with_config(config()).unwrap();
    let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let l2 = log.clone();
    ev.enter(move |cx| {
        let a = l2.clone();
        cx.defer(move |cx| {
            a.borrow_mut().push(1);
            let b = a.clone();
            cx.defer(move |_| b.borrow_mut().push(3));
        });
        let c = l2.clone();
        cx.defer(move |_| c.borrow_mut().push(2));
    });
    ev.run().unwrap();
    assert_eq!(*log.borrow(), vec![1, 2, 3]);
}

#[test]
fn posts_from_other_threads_run_on_the_loop() {
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| Idle(mpsc::channel().0))?;
        Ok(ev.local_addr(l).unwrap())
    });
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let h = srv.handle.clone();
            std::thread::spawn(move || {
                let (tx, rx) = mpsc::channel();
                h.post(move |cx| {
                    let _ = tx.send((i, cx.id()));
                })
                .unwrap();
                rx.recv_timeout(IO_TIMEOUT).unwrap()
            })
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        assert_eq!(t.join().unwrap(), (i, jaxl_core::ConnId::NONE));
    }
    srv.stop().unwrap();
}

struct Which(usize);
impl Handler for Which {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        cx.take_input();
        cx.write(format!("{}\n", self.0).as_bytes());
    }
}

#[test]
fn loops_on_threads_share_a_port() {
    // Find a free port, then have two loops listen on it with SO_REUSEPORT.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let opts = ListenOptions::default().reuse_port(true);
    let a = spawn(move |ev| {
        ev.listen_tcp_with(addr, &opts, |_| Which(1))?;
        Ok(addr)
    });
    let opts = ListenOptions::default().reuse_port(true);
    let b = spawn(move |ev| {
        ev.listen_tcp_with(addr, &opts, |_| Which(2))?;
        Ok(addr)
    });
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let mut c = connect(addr);
        write_all(&mut c, b"?\n");
        seen.insert(read_line(&mut c));
        if seen.len() == 2 {
            break;
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec!["1", "2"],
        "the kernel spreads connections over both loops"
    );
    a.stop().unwrap();
    b.stop().unwrap();
}

/// `run_blocking`: the job's result comes back to the loop's thread; a job that
/// outlives its limit gives `None`.
#[test]
fn run_blocking_returns_to_the_loop() {
    use std::sync::mpsc;
    let (tx, rx) = mpsc::channel();
    let mut ev = jaxl_core::Loop::new().unwrap();
    let loop_thread = std::thread::current().id();
    ev.enter(|cx| {
        let tx2 = tx.clone();
        cx.run_blocking(
            std::time::Duration::from_secs(10),
            move || (std::thread::current().id(), 6 * 7),
            move |_, r| {
                let (job_thread, v) = r.expect("a result within the limit");
                tx2.send((
                    "done",
                    job_thread != loop_thread,
                    v,
                    std::thread::current().id() == loop_thread,
                ))
                .unwrap();
            },
        );
        let (release, wait) = mpsc::channel::<()>();
        cx.run_blocking(
            std::time::Duration::from_millis(50),
            move || wait.recv().ok(),
            move |_, r| {
                // Only after the limit: the job is still waiting for `release`.
                tx.send(("late", r.is_none(), 0, true)).unwrap();
                drop(release);
            },
        );
    });
    ev.run().unwrap();
    let mut got: Vec<_> = rx.try_iter().collect();
    got.sort_by_key(|g| g.0);
    assert_eq!(got, vec![("done", true, 42, true), ("late", true, 0, true)]);
}
