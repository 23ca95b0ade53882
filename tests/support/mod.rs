//! Helpers shared by the `http_*` integration tests: a server on its own thread
//! and a minimal raw HTTP/1.1 client over loopback.
#![allow(dead_code)]

use jaxl::core::{Handle, LoopConfig};
use jaxl::http::{Server, Service};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A server running on its own thread; stopped (gracefully) when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    handle: Handle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

/// Loop settings for tests: no signal handling, short close bound.
pub fn loop_config() -> LoopConfig {
    let mut lc = LoopConfig::default();
    lc.handle_signals = false;
    lc.close_timeout = Duration::from_secs(2);
    lc.shutdown_timeout = Duration::from_secs(3);
    lc
}

/// Start the server `build` returns (configured, not yet listening) on
/// 127.0.0.1 with a free port.
pub fn start<S, F>(build: F) -> TestServer
where
    S: Service,
    F: FnOnce() -> Server<S> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let server = build().loop_config(loop_config()).listen("127.0.0.1:0");
        let server = match server {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(e.to_string()));
                return Ok(());
            }
        };
        let addr = server.local_addr().expect("bound address");
        let handle = server.handle().expect("loop handle");
        let _ = tx.send(Ok((addr, handle)));
        server.run()
    });
    let (addr, handle) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("server thread answered")
        .expect("server listens");
    TestServer {
        addr,
        handle,
        thread: Some(thread),
    }
}

impl TestServer {
    /// A connected client socket with a read timeout so no test can hang.
    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        s.set_nodelay(true).expect("nodelay");
        s
    }

    /// Stop gracefully and wait for the loop to end.
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        let _ = self.handle.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// The loop's handle.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop_inner();
    }
}

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Read one response from `r`. `head_request`: the response to a HEAD has no body.
pub fn read_response<R: BufRead>(r: &mut R, head_request: bool) -> io::Result<Resp> {
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let l = line.trim_end_matches(['\r', '\n']);
            if l.is_empty() {
                break;
            }
            let (n, v) = l
                .split_once(':')
                .ok_or_else(|| io::Error::other("bad header"))?;
            headers.push((n.to_string(), v.trim().to_string()));
        }
        let mut resp = Resp {
            status,
            headers,
            body: Vec::new(),
        };
        if (100..200).contains(&status) && status != 101 {
            continue; // interim response
        }
        if head_request || status == 204 || status == 304 || status == 101 {
            return Ok(resp);
        }
        if let Some(n) = resp.header("content-length") {
            let n: usize = n.parse().map_err(|_| io::Error::other("bad length"))?;
            resp.body = vec![0; n];
            r.read_exact(&mut resp.body)?;
        } else if resp.header("transfer-encoding").is_some() {
            loop {
                line.clear();
                r.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim_end(), 16)
                    .map_err(|_| io::Error::other(format!("bad chunk {line:?}")))?;
                if size == 0 {
                    line.clear();
                    r.read_line(&mut line)?;
                    break;
                }
                let start = resp.body.len();
                resp.body.resize(start + size, 0);
                r.read_exact(&mut resp.body[start..])?;
                let mut crlf = [0u8; 2];
                r.read_exact(&mut crlf)?;
            }
        } else {
            r.read_to_end(&mut resp.body)?;
        }
        return Ok(resp);
    }
}

/// Send raw bytes on a fresh connection and read one response.
pub fn exchange(server: &TestServer, raw: &[u8]) -> io::Result<(Resp, BufReader<TcpStream>)> {
    let mut s = server.connect();
    s.write_all(raw)?;
    let mut r = BufReader::new(s);
    let resp = read_response(&mut r, raw.starts_with(b"HEAD"))?;
    Ok((resp, r))
}

/// Whether the server closed the connection: the next read sees end of stream
/// (or a reset) before the read timeout.
pub fn closed_by_server<R: Read>(r: &mut R) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}
