//! What the server accepted survives `kill -9`: the `xmpp_server` example is started
//! as a process, a message to an offline user is sent and acknowledged by a later
//! round trip, the process is killed with SIGKILL, and a restart on the same data
//! directory delivers the message.

mod example_bin;
mod xmpp_server_support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use xmpp_server_support::{Client, TempDir};

/// The example binary cargo built for this test run.
fn example() -> Option<PathBuf> {
    example_bin::example_bin("xmpp_server")
}

fn spawn(bin: &Path, data: &Path, users: &[&str]) -> (Child, SocketAddr) {
    let mut cmd = Command::new(bin);
    cmd.args([
        "--domain",
        "localhost",
        "--listen",
        "127.0.0.1:0",
        "--allow-plaintext-loopback",
    ])
    .arg("--data")
    .arg(data)
    .env("RUST_LOG", "warn")
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    for u in users {
        cmd.args(["--add-user", u]);
    }
    let mut child = cmd.spawn().expect("example starts");
    let out = child.stdout.take().expect("stdout piped");
    for line in BufReader::new(out).lines() {
        let line = line.expect("example output");
        if let Some(addr) = line.split(" listening on ").nth(1) {
            return (child, addr.trim().parse().expect("address"));
        }
    }
    let status = child.wait();
    panic!("the example exited before listening: {status:?}");
}

#[test]
fn accepted_offline_message_survives_kill_9() {
    let Some(bin) = example() else {
        eprintln!(
            "SKIPPED: kill -9 test: the xmpp_server example is not built (cargo test builds it)"
        );
        return;
    };
    let dir = TempDir::new("crash");
    let (mut server, addr) = spawn(&bin, &dir.0, &["alice:wonderland", "bob:builder"]);
    let mut alice = Client::login(addr, "alice", "wonderland", None);
    alice.send("<message to='bob@localhost' type='chat'><body>survive this</body></message>");
    // Stanzas are handled in order: once the ping is answered the message is stored.
    let p = alice.iq(
        "p",
        "<iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    assert_eq!(p.attr("type"), Some("result"));
    server.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
    server.wait().expect("reaped");
    drop(alice);

    let (mut server, addr) = spawn(&bin, &dir.0, &[]);
    let mut bob = Client::login(addr, "bob", "builder", None);
    bob.send("<presence/>");
    let m = bob.wait_for(|e| e.name() == "message");
    assert_eq!(
        m.get_child("body", jaxl_xmpp::ns::CLIENT)
            .map(jaxl_xmpp::Element::text)
            .as_deref(),
        Some("survive this")
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
}
