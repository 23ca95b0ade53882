//! The `bot_with_http` example as a user runs it: a process with one loop running an
//! XMPP bot (logged in to our server over STARTTLS) and an HTTP control API; a web
//! request makes the running bot send a message that another user receives.

mod example_bin;
mod xmpp_server_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use xmpp_server_support::{pki, start, Client, Opts, TempDir};

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request with `Connection: close`; returns status and body.
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn http_request_makes_the_running_bot_send() {
    let Some(bin) = example_bin::example_bin("bot_with_http") else {
        eprintln!("SKIPPED: bot_with_http example could not be built");
        return;
    };
    let dir = TempDir::new("bot-http");
    let keys = pki();
    let ca = dir.0.join("ca.pem");
    std::fs::write(&ca, &keys.ca_pem).unwrap();
    let mut opts = Opts::new(&dir.0);
    opts.tls = Some((keys.cert_pem.clone(), keys.key_pem.clone()));
    let server = start(opts);

    let http_addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut child = Command::new(bin)
        .arg(http_addr.to_string())
        .env("XMPP_JID", "bob@localhost")
        .env("XMPP_PASSWORD", "builder")
        .env("XMPP_HOST", "127.0.0.1")
        .env("XMPP_PORT", server.addr.port().to_string())
        .env("XMPP_CA_FILE", &ca)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut bot = Proc(child);
    // Wait until the API listens and the bot is online (both logged), bounded.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("control API listening") {
                let _ = tx.send("api");
            }
            if line.contains("bot online") {
                let _ = tx.send("online");
            }
        }
    });
    let mut seen = Vec::new();
    while seen.len() < 2 {
        seen.push(
            rx.recv_timeout(Duration::from_secs(20))
                .expect("bot_with_http did not come up"),
        );
    }

    let mut alice = Client::login(server.addr, "alice", "wonderland", Some("web"));
    alice.available();
    let (status, body) = http(
        http_addr,
        "POST",
        "/send",
        r#"{"to":"alice@localhost","body":"deploy finished"}"#,
    );
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("\"online\":true"), "{body}");
    let msg = alice.wait_for(|e| e.name() == "message");
    assert_eq!(
        msg.attr("from").map(|f| f.starts_with("bob@localhost/")),
        Some(true)
    );
    assert_eq!(
        msg.get_child("body", "jabber:client").map(|b| b.text()),
        Some("deploy finished".to_owned())
    );

    let (status, body) = http(http_addr, "GET", "/roster", "");
    assert_eq!(status, 200);
    assert!(body.contains("\"contacts\""), "{body}");
    let (status, _) = http(
        http_addr,
        "POST",
        "/send",
        r#"{"to":"not a jid@@","body":"x"}"#,
    );
    assert_eq!(status, 400);
    let (status, _) = http(http_addr, "GET", "/nothing", "");
    assert_eq!(status, 404);

    // SAFETY: kill(2) on the PID of a child we spawned and have not reaped.
    assert_eq!(
        unsafe { libc::kill(bot.0.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let status = bot.0.wait().unwrap();
    assert!(status.success(), "graceful stop exits 0, got {status:?}");
    drop(alice);
    server.stop();
}
