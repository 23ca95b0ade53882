//! A chat-style broadcast across 100 connections through shared loop state.

mod util;

use jaxl_core::{ConnId, Context, Handler};
use util::*;

#[derive(Default)]
struct Room {
    members: Vec<ConnId>,
}

struct Member;
impl Handler for Member {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        cx.state::<Room>().members.push(cx.id());
        cx.write(b"welcome\n");
    }
    fn on_data(&mut self, cx: &mut Context<'_>) {
        while let Some(pos) = cx.input().iter().position(|&b| b == b'\n') {
            let line = &cx.input()[..=pos];
            let room = cx.state::<Room>();
            for &m in &room.members {
                if m != cx.id() {
                    // False for a member that is already closing: nothing to do.
                    cx.write_to(m, line);
                }
            }
            drop(room);
            cx.consume(pos + 1);
        }
    }
    fn on_close(&mut self, cx: &mut Context<'_>, _: &jaxl_core::Close) {
        let me = cx.id();
        cx.state::<Room>().members.retain(|&m| m != me);
    }
}

#[test]
fn broadcast_across_100_connections() {
    const N: usize = 100;
    let srv = spawn(|ev| {
        ev.insert_state(Room::default());
        let l = ev.listen_tcp("127.0.0.1:0", |_| Member)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut clients: Vec<_> = (0..N).map(|_| connect(srv.addr)).collect();
    for c in clients.iter_mut() {
        assert_eq!(read_line(c), "welcome");
    }
    for (i, c) in clients.iter_mut().enumerate() {
        write_all(c, format!("from {i}\n").as_bytes());
    }
    for (j, c) in clients.iter_mut().enumerate() {
        let mut got: Vec<String> = (0..N - 1).map(|_| read_line(c)).collect();
        got.sort();
        let mut want: Vec<String> = (0..N)
            .filter(|&i| i != j)
            .map(|i| format!("from {i}"))
            .collect();
        want.sort();
        assert_eq!(got, want, "client {j}");
    }
    // Leaving shrinks the room.
    drop(clients.pop());
    let mut c0 = clients.remove(0);
    write_all(&mut c0, b"still here\n");
    for c in clients.iter_mut() {
        assert_eq!(read_line(c), "still here");
    }
    // The closed connection leaves the room (once the loop has seen its end of stream).
    let mut members = N;
    for _ in 0..100_000 {
        members = srv.query(|cx| cx.state::<Room>().members.len());
        if members == N - 1 {
            break;
        }
    }
    assert_eq!(members, N - 1);
    srv.stop().unwrap();
}
