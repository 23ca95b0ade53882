//! A panic in one connection's callback closes that connection only.

mod util;

use jaxl_core::{Close, Context, Handler};
use std::sync::mpsc;
use util::*;

struct Fragile {
    closed: mpsc::Sender<Close>,
}
impl Handler for Fragile {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let line = cx.take_input();
        if line.starts_with(b"boom") {
            cx.write(b"last words\n");
            panic!("user bug");
        }
        cx.write(&line);
    }
    fn on_close(&mut self, _cx: &mut Context<'_>, reason: &Close) {
        let _ = self.closed.send(reason.clone());
    }
}

#[test]
fn panic_closes_only_that_connection() {
    let (tx, rx) = mpsc::channel();
    let srv = spawn(move |ev| {
        let l = ev.listen_tcp("127.0.0.1:0", move |_| Fragile { closed: tx.clone() })?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut good = connect(srv.addr);
    let mut bad = connect(srv.addr);
    write_all(&mut good, b"one\n");
    assert_eq!(read_line(&mut good), "one");
    write_all(&mut bad, b"boom\n");
    assert_eq!(
        read_line(&mut bad),
        "last words",
        "output queued before the panic is flushed"
    );
    assert!(
        read_to_end(&mut bad).is_empty(),
        "then the connection closes"
    );
    assert_eq!(rx.recv_timeout(IO_TIMEOUT).unwrap(), Close::Panic);
    write_all(&mut good, b"two\n");
    assert_eq!(
        read_line(&mut good),
        "two",
        "the other connection is unaffected"
    );
    drop(good);
    srv.stop().unwrap();
}
