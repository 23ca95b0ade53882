//! Half-close both ways, and the end-of-stream callback.

mod util;

use jaxl_core::{Context, Handler};
use std::net::Shutdown;
use util::*;

/// Collects everything until the peer finishes, then answers with the byte count and
/// closes (the default `on_eof` would close without answering).
struct Count(usize);
impl Handler for Count {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        self.0 += cx.take_input().len();
    }
    fn on_eof(&mut self, cx: &mut Context<'_>) {
        cx.write(format!("{} bytes\n", self.0).as_bytes());
        cx.close();
    }
}

#[test]
fn peer_half_close_then_we_answer() {
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| Count(0))?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut c = connect(srv.addr);
    write_all(&mut c, &pattern(100_000, 3));
    c.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_line(&mut c), "100000 bytes");
    assert!(read_to_end(&mut c).is_empty());
    srv.stop().unwrap();
}

/// Sends a greeting, shuts down its writing side, and keeps reading.
struct Greeter;
impl Handler for Greeter {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        cx.write(b"hello, then silence\n");
        cx.shutdown_write();
        assert!(
            !cx.write(b"refused"),
            "writes after shutdown_write are refused"
        );
    }
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let n = cx.input().len();
        cx.consume(n);
    }
}

#[test]
fn we_half_close_and_keep_reading() {
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| Greeter)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut c = connect(srv.addr);
    assert_eq!(read_to_end(&mut c), b"hello, then silence\n");
    // The server still reads what we send after its half-close.
    write_all(&mut c, b"still listening?\n");
    let open = srv.query(|cx| cx.connection_count());
    assert_eq!(open, 1, "the half-closed connection stays open for reading");
    drop(c);
    srv.stop().unwrap();
}

/// Pauses after each line and answers it from a timer; resuming hands the pipelined rest
/// of the input to `on_data` again, and `on_timer` sees the unconsumed input too.
struct OneAtATime {
    pending: Option<String>,
}
impl Handler for OneAtATime {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        if self.pending.is_some() {
            return; // busy: leave the input where it is
        }
        if let Some(pos) = cx.input().iter().position(|&b| b == b'\n') {
            self.pending = Some(String::from_utf8_lossy(&cx.input()[..pos]).into_owned());
            cx.consume(pos + 1);
            cx.pause_reading();
            cx.set_timer(std::time::Duration::from_millis(2));
        }
    }
    fn on_timer(&mut self, cx: &mut Context<'_>, _: jaxl_core::TimerId) {
        let waiting = cx.input().iter().filter(|&&b| b == b'\n').count();
        if let Some(l) = self.pending.take() {
            cx.write(format!("{l} ({waiting} waiting)\n").as_bytes());
        }
        cx.resume_reading();
    }
}

#[test]
fn pause_and_resume_redeliver_pipelined_input() {
    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| OneAtATime { pending: None })?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut c = connect(srv.addr);
    write_all(&mut c, b"a\nb\nc\n");
    assert_eq!(read_line(&mut c), "a (2 waiting)");
    assert_eq!(read_line(&mut c), "b (1 waiting)");
    assert_eq!(read_line(&mut c), "c (0 waiting)");
    drop(c);
    srv.stop().unwrap();
}
