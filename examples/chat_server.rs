//! cargo run --release --example chat_server [ADDR]
//!
//! A line-based chat (default 127.0.0.1:7001): everyone sees everyone. Connect with
//! `nc 127.0.0.1 7001`, then:
//!   /nick NAME   set your name
//!   /who         list who is here
//!   /quit        leave
//!   anything else is sent to everyone else as `NAME: line`.
//! Joins and leaves are announced. Ctrl-C stops the server gracefully.

use jaxl::core::{Close, ConnId, Context, Handler, Loop};
use std::collections::BTreeMap;

/// Who is in the room: shared by every connection's handler through the loop.
#[derive(Default)]
struct Room {
    nicks: BTreeMap<ConnId, String>,
}

impl Room {
    /// Sends `line` to everyone but `except`.
    fn broadcast(&self, cx: &Context<'_>, except: ConnId, line: &str) {
        for &id in self.nicks.keys() {
            if id != except {
                cx.write_to(id, line.as_bytes());
            }
        }
    }
}

/// Longest line we accept; longer input is refused and the connection closed.
const MAX_LINE: usize = 4096;

struct Chatter;

impl Handler for Chatter {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        let me = cx.id();
        let nick = format!("guest{}", me.index());
        let mut room = cx.state::<Room>();
        room.broadcast(cx, me, &format!("* {nick} joined\n"));
        cx.write(
            format!(
                "* welcome, {nick}; {} here. /nick NAME, /who, /quit\n",
                room.nicks.len() + 1
            )
            .as_bytes(),
        );
        room.nicks.insert(me, nick);
    }

    fn on_data(&mut self, cx: &mut Context<'_>) {
        while let Some(pos) = cx.input().iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&cx.input()[..pos])
                .trim_end_matches('\r')
                .to_owned();
            cx.consume(pos + 1);
            self.line(cx, &line);
        }
        if cx.input().len() > MAX_LINE {
            cx.write(b"* line too long, bye\n");
            cx.close();
        }
    }

    fn on_close(&mut self, cx: &mut Context<'_>, _reason: &Close) {
        let me = cx.id();
        let mut room = cx.state::<Room>();
        if let Some(nick) = room.nicks.remove(&me) {
            room.broadcast(cx, me, &format!("* {nick} left\n"));
        }
    }
}

impl Chatter {
    fn line(&mut self, cx: &mut Context<'_>, line: &str) {
        let me = cx.id();
        let mut room = cx.state::<Room>();
        let nick = room.nicks.get(&me).cloned().unwrap_or_default();
        if let Some(new) = line.strip_prefix("/nick ") {
            let new = new.trim();
            if new.is_empty() || new.len() > 32 || new.chars().any(char::is_whitespace) {
                cx.write(b"* a nick is 1-32 characters without spaces\n");
            } else if room.nicks.values().any(|n| n == new) {
                cx.write(format!("* {new} is taken\n").as_bytes());
            } else {
                room.broadcast(cx, me, &format!("* {nick} is now {new}\n"));
                cx.write(format!("* you are now {new}\n").as_bytes());
                room.nicks.insert(me, new.to_owned());
            }
        } else if line == "/who" {
            let names: Vec<&str> = room.nicks.values().map(String::as_str).collect();
            cx.write(format!("* here: {}\n", names.join(", ")).as_bytes());
        } else if line == "/quit" {
            cx.write(b"* bye\n");
            cx.close();
        } else if !line.is_empty() {
            room.broadcast(cx, me, &format!("{nick}: {line}\n"));
        }
    }
}

fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7001".into());
    let mut ev = Loop::new()?;
    ev.insert_state(Room::default());
    let l = ev.listen_tcp(addr.as_str(), |_peer| Chatter)?;
    log::info!(
        "chat server on {}",
        ev.local_addr(l).map_or(addr, |a| a.to_string())
    );
    ev.run()?;
    log::info!("stopped");
    Ok(())
}
