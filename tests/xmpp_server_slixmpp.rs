//! A real client against our server: `tests/interop/slixmpp_server.py` (slixmpp) logs
//! two accounts in over STARTTLS and exchanges presence and messages.
//!
//! Runs with the Python named by `JAXL_SLIXMPP_PYTHON` (the project's test script
//! creates a virtualenv with slixmpp); without it the test says SKIPPED and passes.

mod xmpp_server_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use xmpp_server_support::{pki, start, Opts, TempDir};

#[test]
fn slixmpp_logs_in_and_chats() {
    let python = match std::env::var("JAXL_SLIXMPP_PYTHON") {
        Ok(p) if std::path::Path::new(&p).exists() => p,
        _ => {
            eprintln!(
                "SKIPPED: slixmpp interop test (set JAXL_SLIXMPP_PYTHON to a Python with slixmpp)"
            );
            return;
        }
    };
    let dir = TempDir::new("slixmpp");
    let pki = pki();
    let ca = dir.0.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let mut opts = Opts::new(&dir.0.join("data"));
    opts.tls = Some((pki.cert_pem.clone(), pki.key_pem.clone()));
    opts.plaintext_loopback = false;
    let server = start(opts);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/slixmpp_server.py"
    );
    let mut child = Command::new(python)
        .arg(script)
        .arg(server.addr.ip().to_string())
        .arg(server.addr.port().to_string())
        .arg(&ca)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    // The script has its own 30 s deadline; this one only guards against a stuck interpreter.
    let deadline = Instant::now() + Duration::from_secs(45);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(status.success(), "slixmpp script failed:\n{stdout}");
    assert!(stdout.contains("OK: "), "{stdout}");
    server.stop();
}
