//! Timers fire in deadline order, cancelled ones never fire, repeating ones repeat, and
//! a connection's timers die with it.

mod util;

use jaxl_core::{Context, Handler, Loop, TimerId};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

fn quiet_loop() -> Loop {
    Loop::with_config(util::config()).unwrap()
}

#[test]
fn fire_in_order_and_cancelled_never_fire() {
    let mut ev = quiet_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    ev.enter(|cx| {
        for (ms, name) in [
            (30u64, "c"),
            (10, "a"),
            (20, "b"),
            (25, "cancelled"),
            (40, "d"),
        ] {
            let log = log.clone();
            let id = cx.set_timeout(Duration::from_millis(ms), move |_| {
                log.borrow_mut().push(name)
            });
            if name == "cancelled" {
                assert!(cx.cancel_timer(id));
                assert!(!cx.cancel_timer(id), "second cancel is refused");
            }
        }
    });
    ev.run().unwrap(); // returns when no timer is left
    assert_eq!(*log.borrow(), vec!["a", "b", "c", "d"]);
}

#[test]
fn interval_repeats_until_cancelled_from_inside() {
    let mut ev = quiet_loop();
    let runs = Rc::new(RefCell::new(0));
    let once = Rc::new(RefCell::new(false));
    ev.enter(|cx| {
        let r = runs.clone();
        let me: Rc<RefCell<Option<TimerId>>> = Rc::new(RefCell::new(None));
        let me2 = me.clone();
        let id = cx.set_interval(Duration::from_millis(2), move |cx| {
            *r.borrow_mut() += 1;
            if *r.borrow() == 5 {
                let id = me2.borrow().expect("id set");
                assert!(cx.cancel_timer(id));
            }
        });
        *me.borrow_mut() = Some(id);
        let o = once.clone();
        cx.set_timeout(Duration::from_millis(1), move |_| *o.borrow_mut() = true);
    });
    ev.run().unwrap();
    assert_eq!(*runs.borrow(), 5);
    assert!(*once.borrow());
}

#[test]
fn reset_moves_the_deadline() {
    let mut ev = quiet_loop();
    let log = Rc::new(RefCell::new(Vec::new()));
    ev.enter(|cx| {
        let l = log.clone();
        let late = cx.set_timeout(Duration::from_millis(5), move |_| {
            l.borrow_mut().push("moved")
        });
        let l = log.clone();
        cx.set_timeout(Duration::from_millis(20), move |_| {
            l.borrow_mut().push("fixed")
        });
        assert!(cx.reset_timer(late, Duration::from_millis(40)));
    });
    ev.run().unwrap();
    assert_eq!(*log.borrow(), vec!["fixed", "moved"]);
}

#[test]
fn many_timers_cost_little_and_all_fire() {
    const N: usize = 100_000;
    let mut ev = quiet_loop();
    let fired = Rc::new(RefCell::new(0usize));
    ev.enter(|cx| {
        let mut ids = Vec::with_capacity(N);
        for i in 0..N {
            let f = fired.clone();
            ids.push(
                cx.set_timeout(Duration::from_millis((i % 50) as u64), move |_| {
                    *f.borrow_mut() += 1
                }),
            );
        }
        assert_eq!(cx.timer_count(), N);
        // Cancel every other one, reset the rest forward a little.
        for (i, id) in ids.into_iter().enumerate() {
            if i % 2 == 0 {
                assert!(cx.cancel_timer(id));
            } else {
                assert!(cx.reset_timer(id, Duration::from_millis(1 + (i % 7) as u64)));
            }
        }
        assert_eq!(cx.timer_count(), N / 2);
    });
    ev.run().unwrap();
    assert_eq!(*fired.borrow(), N / 2);
}

/// A connection timer: fires `on_timer`, and is cancelled when the connection closes.
struct Ticker {
    log: std::sync::mpsc::Sender<String>,
    repeat: Option<TimerId>,
    n: u32,
}
impl Handler for Ticker {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        self.repeat = Some(cx.set_repeating_timer(Duration::from_millis(2)));
        cx.set_timer(Duration::from_secs(3600)); // must die with the connection
    }
    fn on_data(&mut self, _cx: &mut Context<'_>) {}
    fn on_timer(&mut self, cx: &mut Context<'_>, t: TimerId) {
        assert_eq!(Some(t), self.repeat);
        self.n += 1;
        let _ = self.log.send(format!("tick {}", self.n));
        if self.n == 3 {
            cx.close();
        }
    }
    fn on_close(&mut self, cx: &mut Context<'_>, _: &jaxl_core::Close) {
        let _ = self
            .log
            .send(format!("closed, {} timers left", cx.timer_count()));
        cx.stop();
    }
}

#[test]
fn connection_timers_fire_and_die_with_it() {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut ev = quiet_loop();
    let l = ev
        .listen_tcp("127.0.0.1:0", move |_| Ticker {
            log: tx.clone(),
            repeat: None,
            n: 0,
        })
        .unwrap();
    let addr = ev.local_addr(l).unwrap();
    let client = std::net::TcpStream::connect(addr).unwrap();
    ev.run().unwrap();
    drop(client);
    let got: Vec<String> = rx.try_iter().collect();
    assert_eq!(
        got,
        vec!["tick 1", "tick 2", "tick 3", "closed, 0 timers left"]
    );
}
