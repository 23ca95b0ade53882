//! A connection id outlives its connection without ever reaching the next occupant of
//! its slot.

mod util;

use jaxl_core::{ConnId, Context, Handler};
use util::*;

#[derive(Default)]
struct Ids(Vec<ConnId>);

struct Quiet;
impl Handler for Quiet {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        cx.state::<Ids>().0.push(cx.id());
    }
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let n = cx.input().len();
        cx.consume(n);
    }
    fn on_close(&mut self, cx: &mut Context<'_>, _: &jaxl_core::Close) {
        assert!(!cx.write(b"too late"), "a closed connection refuses writes");
    }
}

#[test]
fn stale_id_after_close_is_rejected() {
    let srv = spawn(|ev| {
        ev.insert_state(Ids::default());
        let l = ev.listen_tcp("127.0.0.1:0", |_| Quiet)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let first = connect(srv.addr);
    let old = loop {
        if let Some(id) = srv.query(|cx| cx.state::<Ids>().0.first().copied()) {
            break id;
        }
    };
    drop(first);
    // Wait until the loop has seen the close.
    while srv.query(move |cx| cx.is_open(old)) {}
    let mut second = connect(srv.addr);
    let new = loop {
        if let Some(id) = srv.query(|cx| cx.state::<Ids>().0.get(1).copied()) {
            break id;
        }
    };
    assert_eq!(old.index(), new.index(), "the slab slot is reused");
    assert_ne!(old, new);
    let (w_old, c_old, q_old, w_new) = srv.query(move |cx| {
        (
            cx.write_to(old, b"stale\n"),
            cx.close_conn(old),
            cx.queued_on(old),
            cx.write_to(new, b"fresh\n"),
        )
    });
    assert!(!w_old && !c_old && q_old == 0, "the stale id is refused");
    assert!(w_new);
    assert_eq!(
        read_line(&mut second),
        "fresh",
        "and the new connection got only its own bytes"
    );
    srv.stop().unwrap();
}

#[test]
fn none_id_names_nobody() {
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| Quiet)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let ok = srv.query(|cx| {
        assert_eq!(cx.id(), ConnId::NONE);
        cx.write(b"x") || cx.write_to(ConnId::NONE, b"x") || cx.close_conn(ConnId::NONE)
    });
    assert!(!ok);
    srv.stop().unwrap();
}
