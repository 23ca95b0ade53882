//! A peer that sends but never reads cannot grow the server's memory without bound, and
//! the loop keeps serving others meanwhile.

mod util;

use jaxl_core::{ConnId, Context, Handler};
use std::io::Write;
use util::*;

#[derive(Default)]
struct Seen(Vec<ConnId>);

struct Echo;
impl Handler for Echo {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        cx.state::<Seen>().0.push(cx.id());
    }
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let input = cx.input();
        cx.write(input);
        let n = input.len();
        cx.consume(n);
    }
}

#[test]
fn non_reading_peer_is_bounded_and_others_are_served() {
    let cfg = config();
    let high = cfg.high_water;
    let srv = spawn_with(cfg, |ev| {
        ev.insert_state(Seen::default());
        let l = ev.listen_tcp("127.0.0.1:0", |_| Echo)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut greedy = connect(srv.addr);
    write_all(&mut greedy, b"x");
    let greedy_id = loop {
        if let Some(id) = srv.query(|cx| cx.state::<Seen>().0.first().copied()) {
            break id;
        }
    };
    greedy.set_nonblocking(true).unwrap();
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent = 1usize;
    // Write until the server has stopped taking bytes: three loop round trips in a row
    // (each one a chance for the loop to read) with no progress on our side.
    let mut still = 0;
    while still < 3 {
        assert!(
            sent < 256 << 20,
            "the server kept reading a peer that never reads ({sent} bytes)"
        );
        match greedy.write(&chunk) {
            Ok(n) => {
                sent += n;
                still = 0;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let before = sent;
                srv.query(|_| ());
                match greedy.write(&chunk) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => panic!("write: {e}"),
                }
                if sent == before {
                    still += 1;
                } else {
                    still = 0;
                }
            }
            Err(e) => panic!("write: {e}"),
        }
    }
    let (queued, open) = srv.query(move |cx| (cx.queued_on(greedy_id), cx.is_open(greedy_id)));
    assert!(open, "the greedy connection is paused, not dropped");
    assert!(
        queued > 0 && queued <= high + 64 * 1024,
        "server queue for the greedy peer: {queued} bytes (high water {high})"
    );
    let mut other = connect(srv.addr);
    write_all(&mut other, b"ping\n");
    assert_eq!(
        read_line(&mut other),
        "ping",
        "another client is still served"
    );
    // Once the greedy peer reads, everything it sent comes back.
    greedy.set_nonblocking(false).unwrap();
    let mut back = 0usize;
    let mut buf = vec![0; 1 << 16];
    while back < sent {
        // Keep the server's queue moving: it may still hold our unsent writes.
        let n = std::io::Read::read(&mut greedy, &mut buf).unwrap();
        assert!(n > 0);
        back += n;
    }
    assert_eq!(back, sent);
    srv.stop().unwrap();
}
