//! Running out of file descriptors: accept fails with EMFILE, the loop backs off instead
//! of spinning, keeps serving its open connections, and accepts again once descriptors
//! free up. (One test in this file: it lowers the process's RLIMIT_NOFILE.)

mod util;

use jaxl_core::{Context, Handler};
use std::fs::File;
use util::*;

struct Echo;
impl Handler for Echo {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let b = cx.take_input();
        cx.write(&b);
    }
}

fn nofile() -> (libc::rlim_t, libc::rlim_t) {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and has no other effect.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) }, 0);
    (r.rlim_cur, r.rlim_max)
}

fn set_nofile(soft: libc::rlim_t, hard: libc::rlim_t) {
    let r = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the struct we pass; lowering the soft limit is always allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) }, 0);
}

#[test]
fn emfile_backs_off_and_recovers() {
    let (soft, hard) = nofile();
    let open_now = std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count() as libc::rlim_t)
        .unwrap_or(32);
    set_nofile(open_now + 64, hard);

    let srv = spawn(|ev| {
        let l = ev.listen_tcp("127.0.0.1:0", |_| Echo)?;
        Ok(ev.local_addr(l).unwrap())
    });
    let mut a = connect(srv.addr);
    write_all(&mut a, b"before\n");
    assert_eq!(read_line(&mut a), "before");

    // Use up every descriptor, then free one for the client socket of B.
    let mut filler = Vec::new();
    while let Ok(f) = File::open("/dev/null") {
        filler.push(f);
        assert!(filler.len() < 10_000, "RLIMIT_NOFILE did not take effect");
    }
    filler.pop();
    let mut b = connect(srv.addr); // completes in the kernel; the loop cannot accept it
    write_all(&mut b, b"waiting\n");

    // The loop saw EMFILE...
    while srv.query(|cx| cx.loop_stats().accept_exhausted) == 0 {}
    // ...and keeps serving A. A loop that retried accept every turn would fail accept
    // at least once per round trip; with back-off it retries on a timer only.
    for i in 0..20 {
        write_all(&mut a, format!("during {i}\n").as_bytes());
        assert_eq!(read_line(&mut a), format!("during {i}"));
    }
    let failures = srv.query(|cx| cx.loop_stats().accept_exhausted);
    assert!(
        failures <= 10,
        "accept retried {failures} times in 20 round trips: the loop is spinning"
    );

    // Free the descriptors: B is accepted (after the current back-off) and served.
    drop(filler);
    assert_eq!(read_line(&mut b), "waiting");
    write_all(&mut a, b"after\n");
    assert_eq!(read_line(&mut a), "after");
    drop((a, b));
    srv.stop().unwrap();
    set_nofile(soft, hard);
}
