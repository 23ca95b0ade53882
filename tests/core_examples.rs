//! The core examples as a user runs them: real processes on loopback, stopped by SIGTERM.
//! (`cargo test` builds the examples next to the test binaries.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

mod example_bin;

fn example(name: &str) -> std::path::PathBuf {
    example_bin::example_bin(name).unwrap_or_else(|| name.into())
}

/// A free loopback port (bound and released; the example binds it right after).
fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts an example and waits for its "listening" log line.
fn start(name: &str, args: &[&str]) -> Option<Proc> {
    let path = example(name);
    if !path.exists() {
        eprintln!(
            "SKIPPED: {} not built (run through `cargo test`)",
            path.display()
        );
        return None;
    }
    let mut child = Command::new(path)
        .args(args)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    loop {
        let line = lines
            .next()
            .expect("example exited before listening")
            .unwrap();
        if line.contains("listening") || line.contains("chat server on") {
            break;
        }
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Some(Proc(child))
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s
}

fn line(s: &mut impl BufRead) -> String {
    let mut l = String::new();
    s.read_line(&mut l).unwrap();
    l.trim_end().to_owned()
}

fn sigterm_and_wait(p: &mut Proc) -> std::process::ExitStatus {
    // SAFETY: kill(2) on the PID of a child we spawned and have not reaped.
    assert_eq!(
        unsafe { libc::kill(p.0.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    p.0.wait().unwrap()
}

#[test]
fn echo_server_echoes_and_stops_on_sigterm() {
    let addr = free_addr();
    let Some(mut p) = start("echo_server", &[&addr.to_string()]) else {
        return;
    };
    let mut c = connect(addr);
    c.write_all(b"hello jaxl\n").unwrap();
    let mut buf = [0u8; 11];
    c.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello jaxl\n");
    let status = sigterm_and_wait(&mut p);
    assert!(status.success(), "graceful stop exits 0, got {status:?}");
    let mut rest = Vec::new();
    assert_eq!(
        c.read_to_end(&mut rest).unwrap(),
        0,
        "the client sees a clean end of stream"
    );
}

#[test]
fn chat_server_broadcasts_nicks_who_and_quit() {
    let addr = free_addr();
    let Some(mut p) = start("chat_server", &[&addr.to_string()]) else {
        return;
    };
    let mut a = BufReader::new(connect(addr));
    assert!(line(&mut a).starts_with("* welcome"));
    let mut b = BufReader::new(connect(addr));
    assert!(line(&mut b).starts_with("* welcome"));
    assert!(line(&mut a).ends_with("joined"));
    a.get_mut().write_all(b"/nick alice\n").unwrap();
    assert_eq!(line(&mut a), "* you are now alice");
    assert!(line(&mut b).ends_with("is now alice"));
    b.get_mut().write_all(b"/nick bob\n/who\n").unwrap();
    assert_eq!(line(&mut b), "* you are now bob");
    assert_eq!(line(&mut b), "* here: alice, bob");
    let renamed = line(&mut a);
    assert!(
        renamed.starts_with("* guest") && renamed.ends_with(" is now bob"),
        "{renamed}"
    );
    a.get_mut().write_all(b"hi bob\n").unwrap();
    assert_eq!(line(&mut b), "alice: hi bob");
    b.get_mut().write_all(b"/quit\n").unwrap();
    assert_eq!(line(&mut b), "* bye");
    assert_eq!(line(&mut a), "* bob left");
    assert!(sigterm_and_wait(&mut p).success());
}

#[test]
fn unix_echo_works_and_removes_its_socket() {
    let dir = std::env::temp_dir().join(format!("jaxl-unix-example-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let Some(mut p) = start("unix_echo", &[path.to_str().unwrap()]) else {
        return;
    };
    let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.write_all(b"over unix").unwrap();
    let mut buf = [0u8; 9];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"over unix");
    drop(s);
    assert!(sigterm_and_wait(&mut p).success());
    assert!(!path.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timers_example_prints_what_fires() {
    let path = example("timers");
    if !path.exists() {
        eprintln!("SKIPPED: timers example not built");
        return;
    }
    let out = Command::new(path).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let events: Vec<&str> = text
        .lines()
        .map(|l| l.split_once("ms").map_or(l, |x| x.1).trim())
        .collect();
    assert_eq!(
        events,
        vec![
            "one-shot at 300 ms cancelled before it fired",
            "repeating job, run 1",
            "repeating job, run 2",
            "one-shot job",
            "repeating job, run 3",
            "repeating job, run 4",
            "repeating job, run 5",
            "repeating job cancelled after 5 runs",
            "no timers left; loop returned",
        ]
    );
}
