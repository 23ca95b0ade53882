//! Real clients against the server: `curl` and Python's `http.client`, when
//! installed (each test says loudly when it is skipped).

mod support;

use jaxl::http::create_server;
use std::process::Command;
use support::*;

fn server() -> TestServer {
    start(|| {
        create_server(|req, res| {
            if req.method() == "POST" {
                req.on_body(move |body| {
                    res.write_head(200, &[("Content-Type", "text/plain")]);
                    // Two writes: a chunked response.
                    res.write(b"got ");
                    res.end(format!("{}\n", body.len()));
                });
            } else {
                res.write_head(200, &[("Content-Type", "text/plain")]);
                res.end("Hello World\n");
            }
        })
    })
}

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn curl_keep_alive_upload_and_head() {
    if !have("curl") {
        eprintln!("SKIPPED: curl is not installed; curl_keep_alive_upload_and_head did not run");
        return;
    }
    let s = server();
    let url = format!("http://{}/", s.addr);
    // Two URLs on one connection, then a chunked upload with Expect: 100-continue.
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", &url, &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello World\nHello World\n"
    );
    let body = "x".repeat(100_000);
    let out = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "-H",
            "Transfer-Encoding: chunked",
            "-H",
            "Expect: 100-continue",
            "--data-binary",
            &body,
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "got 100000\n");
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-I", &url])
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok"), "{head}");
    assert!(head.contains("content-length: 12"), "{head}");
}

#[test]
fn python_http_client() {
    if !have("python3") {
        eprintln!("SKIPPED: python3 is not installed; python_http_client did not run");
        return;
    }
    let s = server();
    let script = r#"
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)
for i in range(3):
    c.request("GET", "/")
    r = c.getresponse()
    assert r.status == 200 and r.read() == b"Hello World\n", i
c.request("POST", "/up", body=b"abc" * 1000)
r = c.getresponse()
assert r.status == 200, r.status
print(r.read().decode(), end="")
"#;
    let out = Command::new("python3")
        .args([
            "-c",
            script,
            &s.addr.ip().to_string(),
            &s.addr.port().to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "got 3000\n");
}
