//! mio_http: the floor for an HTTP/1.1 "Hello World" server.
//!
//! Bare mio + slab + httparse, one thread, edge-triggered. Reads go into ONE shared
//! 64 KiB buffer; every complete request in it is parsed (pipelining), all responses are
//! appended to one shared output buffer and sent with one write. A connection keeps its
//! own buffers only for a partial request or a write that would block, so an idle
//! keep-alive connection costs the socket and a slab slot.
//!
//! Response: `200 OK`, `Content-Type: text/plain`, `Content-Length: 12`, a `Date` header
//! formatted once per second, body `Hello World\n`. Keep-alive unless the request says
//! `Connection: close` (or is HTTP/1.0 without `keep-alive`).
//!
//! Usage: `mio_http [ADDR]` (default 127.0.0.1:8101).

use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

const LISTENER: Token = Token(usize::MAX);
const BUF_SIZE: usize = 64 * 1024;
/// Largest partial request kept between reads (head plus body).
const MAX_REQUEST: usize = 64 * 1024;
/// Stop reading from a peer that does not read its responses once this much is queued.
const MAX_PENDING: usize = 4 * 1024 * 1024;
const BODY: &[u8] = b"Hello World\n";
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

struct Conn {
    sock: TcpStream,
    /// The start of a request that has not fully arrived yet.
    partial: Vec<u8>,
    /// Response bytes the socket did not take yet.
    pending: Vec<u8>,
    /// Close once `pending` is written (Connection: close, or a bad request).
    close_after: bool,
    read_paused: bool,
}

enum Next {
    Keep,
    Close,
}

/// The full response with a cached `Date`, rebuilt when the second changes.
struct Response {
    secs: u64,
    bytes: Vec<u8>,
}

impl Response {
    fn new() -> Self {
        let mut r = Response {
            secs: u64::MAX,
            bytes: Vec::new(),
        };
        r.refresh();
        r
    }

    fn refresh(&mut self) {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if secs == self.secs {
            return;
        }
        self.secs = secs;
        self.bytes.clear();
        self.bytes.extend_from_slice(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nDate: ",
        );
        self.bytes.extend_from_slice(http_date(secs).as_bytes());
        self.bytes.extend_from_slice(b"\r\n\r\n");
        self.bytes.extend_from_slice(BODY);
    }
}

/// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[(days.rem_euclid(7)) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3_600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Parse every complete request at the start of `data`, append one response per request
/// to `out`, return how many bytes were consumed. Sets `close` when the connection must
/// end after these responses.
fn parse_all(data: &[u8], out: &mut Vec<u8>, resp: &[u8], close: &mut bool) -> usize {
    let mut pos = 0;
    while pos < data.len() {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&data[pos..]) {
            Ok(httparse::Status::Complete(head_len)) => {
                let mut keep_alive = req.version == Some(1);
                let mut body_len = 0usize;
                let mut bad = false;
                for h in req.headers.iter() {
                    if h.name.eq_ignore_ascii_case("content-length") {
                        match std::str::from_utf8(h.value)
                            .ok()
                            .and_then(|v| v.trim().parse::<usize>().ok())
                        {
                            Some(n) if n <= MAX_REQUEST => body_len = n,
                            _ => bad = true,
                        }
                    } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                        bad = true; // no chunked bodies on a hello world
                    } else if h.name.eq_ignore_ascii_case("connection") {
                        let v = h.value;
                        if contains_token(v, b"close") {
                            keep_alive = false;
                        } else if contains_token(v, b"keep-alive") {
                            keep_alive = true;
                        }
                    }
                }
                if bad {
                    out.extend_from_slice(BAD_REQUEST);
                    *close = true;
                    return data.len();
                }
                if data.len() - pos < head_len + body_len {
                    break; // the body has not fully arrived
                }
                pos += head_len + body_len;
                out.extend_from_slice(resp);
                if !keep_alive {
                    *close = true;
                    return data.len();
                }
            }
            Ok(httparse::Status::Partial) => break,
            Err(_) => {
                out.extend_from_slice(BAD_REQUEST);
                *close = true;
                return data.len();
            }
        }
    }
    pos
}

fn contains_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

/// Write `data`; whatever the socket does not take goes to `pending`.
fn write_or_queue(sock: &mut TcpStream, pending: &mut Vec<u8>, mut data: &[u8]) -> Next {
    if !pending.is_empty() {
        pending.extend_from_slice(data);
        return Next::Keep;
    }
    while !data.is_empty() {
        match sock.write(data) {
            Ok(0) => return Next::Close,
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                pending.extend_from_slice(data);
                return Next::Keep;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Next::Close,
        }
    }
    Next::Keep
}

fn flush(conn: &mut Conn) -> Next {
    let mut off = 0;
    while off < conn.pending.len() {
        match conn.sock.write(&conn.pending[off..]) {
            Ok(0) => return Next::Close,
            Ok(n) => off += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Next::Close,
        }
    }
    conn.pending.drain(..off);
    if conn.pending.is_empty() {
        conn.pending = Vec::new();
        if conn.close_after {
            return Next::Close;
        }
    }
    Next::Keep
}

/// Read until drained; answer every complete request with one write per read.
fn serve(conn: &mut Conn, buf: &mut [u8], out: &mut Vec<u8>, resp: &[u8]) -> Next {
    conn.read_paused = false;
    loop {
        if conn.close_after {
            return Next::Keep; // waiting for `pending` to drain, then close
        }
        if conn.pending.len() >= MAX_PENDING {
            conn.read_paused = true;
            return Next::Keep;
        }
        let n = match conn.sock.read(buf) {
            Ok(0) => return Next::Close,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::Keep,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return Next::Close,
        };
        out.clear();
        let mut close = false;
        if conn.partial.is_empty() {
            let used = parse_all(&buf[..n], out, resp, &mut close);
            if used < n {
                conn.partial.extend_from_slice(&buf[used..n]);
            }
        } else {
            conn.partial.extend_from_slice(&buf[..n]);
            let used = parse_all(&conn.partial, out, resp, &mut close);
            conn.partial.drain(..used);
            if conn.partial.is_empty() {
                conn.partial = Vec::new();
            }
        }
        if conn.partial.len() > MAX_REQUEST {
            out.extend_from_slice(BAD_REQUEST);
            close = true;
        }
        if !out.is_empty() {
            if let Next::Close = write_or_queue(&mut conn.sock, &mut conn.pending, out) {
                return Next::Close;
            }
        }
        if close {
            if conn.pending.is_empty() {
                return Next::Close;
            }
            conn.close_after = true;
            return Next::Keep;
        }
        // A short read emptied the receive queue; edge-triggered epoll reports the next
        // arrival, so skip the read that would only say WouldBlock.
        if n < buf.len() {
            return Next::Keep;
        }
    }
}

fn accept_all(listener: &TcpListener, poll: &Poll, conns: &mut Slab<Conn>) {
    loop {
        match listener.accept() {
            Ok((mut sock, _)) => {
                let _ = sock.set_nodelay(true);
                let entry = conns.vacant_entry();
                let token = Token(entry.key());
                if poll
                    .registry()
                    .register(&mut sock, token, Interest::READABLE | Interest::WRITABLE)
                    .is_ok()
                {
                    entry.insert(Conn {
                        sock,
                        partial: Vec::new(),
                        pending: Vec::new(),
                        close_after: false,
                        read_paused: false,
                    });
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                eprintln!("accept: {e}");
                return;
            }
        }
    }
}

fn main() -> io::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8101".to_string())
        .parse()
        .map_err(|e| io::Error::new(ErrorKind::InvalidInput, format!("ADDR: {e}")))?;
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(addr)?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    eprintln!("mio_http listening on {}", listener.local_addr()?);

    let mut conns: Slab<Conn> = Slab::with_capacity(1024);
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; BUF_SIZE];
    let mut out = Vec::with_capacity(BUF_SIZE);
    let mut resp = Response::new();
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        resp.refresh();
        for ev in events.iter() {
            if ev.token() == LISTENER {
                accept_all(&listener, &poll, &mut conns);
                continue;
            }
            let key = ev.token().0;
            let Some(conn) = conns.get_mut(key) else {
                continue;
            };
            let mut next = Next::Keep;
            if ev.is_writable() && !conn.pending.is_empty() {
                next = flush(conn);
            }
            if let Next::Keep = next {
                let resume = conn.read_paused && conn.pending.len() < MAX_PENDING;
                if ev.is_readable() || ev.is_read_closed() || resume {
                    next = serve(conn, &mut buf, &mut out, &resp.bytes);
                }
            }
            if let Next::Close = next {
                let mut conn = conns.remove(key);
                let _ = poll.registry().deregister(&mut conn.sock);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_format() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn pipelined_and_partial() {
        let r = b"R";
        let mut out = Vec::new();
        let mut close = false;
        let two = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HT";
        let used = parse_all(two, &mut out, r, &mut close);
        assert_eq!(out, b"RR");
        assert_eq!(used, two.len() - 8);
        assert!(!close);
        out.clear();
        let used = parse_all(b"GET / HTTP/1.0\r\n\r\n", &mut out, r, &mut close);
        assert_eq!((used, out.as_slice(), close), (18, &b"R"[..], true));
    }
}
