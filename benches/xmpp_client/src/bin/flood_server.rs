// cargo run --release --manifest-path benches/xmpp_client/Cargo.toml --bin flood_server -- --listen 127.0.0.1:26322 --cert-out target/flood.crt --count 200000
//! The "raw sender" of the received-stanza benchmark: a minimal XMPP server that logs a
//! client in and then floods it with pre-serialised chat messages as fast as the socket
//! takes them.
//!
//! For each accepted connection (one at a time, `--connections` of them, 0 = until
//! killed): a plaintext stream that offers only STARTTLS; TLS with a throwaway
//! self-signed certificate for `localhost` (generated at start, its PEM written to
//! `--cert-out` for the clients to trust); SASL PLAIN (any credentials accepted); resource
//! binding; minimal answers to every iq (empty roster, empty results). On the client's
//! initial presence (no `to`, no `type`) it writes `--count` messages
//! `<message type='chat' from='peer@DOMAIN/flood' to='BOUND-JID' id='fN'><body>…</body></message>`
//! (`--body` bytes of text, default 100: about 200 bytes a stanza), built once in blocks of
//! 512 and written through rustls in 64 KiB writes, then one marker message whose body is
//! `__end__`, and prints on stderr
//! `FLOOD sent=N bytes=B secs=S server_cpu_us_per_stanza=C` (its own CPU, so that a run
//! can show the sender was not the limit). Then it waits for the client to close.
//!
//! Only for loopback benchmarks: it checks nothing a real server must check.

use jaxl_core::tls::rustls;
use jaxl_xmpp::xml::{Config, StreamEvent, StreamReader};
use jaxl_xmpp::{ns, Element};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use xmpp_client_bench::{arg, cpu::process_cpu_us, num_arg};

const BLOCK_MESSAGES: usize = 512;
const LOREM: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ";

struct Opts {
    count: usize,
    body: usize,
    timeout: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = arg(&args, "--listen").unwrap_or_else(|| "127.0.0.1:26322".into());
    let cert_out = arg(&args, "--cert-out").unwrap_or_else(|| {
        eprintln!("usage: flood_server --listen ADDR --cert-out PEM-PATH [--count N] [--body BYTES] [--connections K] [--timeout SECS]");
        std::process::exit(2)
    });
    let opts = Opts {
        count: num_arg(&args, "--count", 200_000) as usize,
        body: num_arg(&args, "--body", 100) as usize,
        timeout: Duration::from_secs(num_arg(&args, "--timeout", 120)),
    };
    let connections = num_arg(&args, "--connections", 0) as usize;

    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
        .expect("generate a certificate");
    let cert_pem = cert.cert.pem();
    std::fs::write(&cert_out, &cert_pem).expect("write --cert-out");
    let tls = jaxl_core::tls::server_config_from_pem(
        cert_pem.as_bytes(),
        cert.signing_key.serialize_pem().as_bytes(),
    )
    .expect("TLS server configuration");

    let listener = TcpListener::bind(&listen).expect("bind --listen");
    eprintln!("flood_server listening on {listen}");
    let mut served = 0;
    for sock in listener.incoming() {
        let Ok(sock) = sock else { continue };
        if let Err(e) = serve(sock, tls.clone(), &opts, served) {
            eprintln!("flood_server: connection {served}: {e}");
        }
        served += 1;
        if connections > 0 && served >= connections {
            break;
        }
    }
}

/// The next event of the stream, reading from `io` as needed.
fn next_event(io: &mut impl Read, r: &mut StreamReader, buf: &mut [u8]) -> io::Result<StreamEvent> {
    loop {
        match r.next_event() {
            Ok(Some(ev)) => return Ok(ev),
            Ok(None) => {}
            Err(e) => return Err(io::Error::other(e.message())),
        }
        let n = io.read(buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        r.feed(&buf[..n]);
    }
}

fn next_stanza(io: &mut impl Read, r: &mut StreamReader, buf: &mut [u8]) -> io::Result<Element> {
    match next_event(io, r, buf)? {
        StreamEvent::Stanza(el) => Ok(el),
        other => Err(io::Error::other(format!(
            "expected a stanza, got {other:?}"
        ))),
    }
}

/// Reads the client's stream header and answers with ours and `features`.
fn open_stream(
    io: &mut (impl Read + Write),
    r: &mut StreamReader,
    buf: &mut [u8],
    id: usize,
    features: &str,
) -> io::Result<String> {
    let StreamEvent::Header(h) = next_event(io, r, buf)? else {
        return Err(io::Error::other("expected a stream header"));
    };
    let domain = h.to.clone().unwrap_or_else(|| "localhost".into());
    let out = format!(
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
         xmlns:stream='http://etherx.jabber.org/streams' id='flood{id}' from='{}' \
         version='1.0' xml:lang='en'><stream:features>{features}</stream:features>",
        escape(&domain)
    );
    io.write_all(out.as_bytes())?;
    Ok(domain)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

fn serve(sock: TcpStream, tls: Arc<rustls::ServerConfig>, o: &Opts, n: usize) -> io::Result<()> {
    sock.set_nodelay(true)?;
    sock.set_read_timeout(Some(o.timeout))?;
    sock.set_write_timeout(Some(o.timeout))?;
    let mut sock = sock;
    let mut r = StreamReader::new(Config::default());
    let mut buf = vec![0u8; 64 * 1024];

    // Plaintext: STARTTLS only.
    open_stream(
        &mut sock,
        &mut r,
        &mut buf,
        n,
        "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>",
    )?;
    let el = next_stanza(&mut sock, &mut r, &mut buf)?;
    if !el.is("starttls", ns::TLS) {
        return Err(io::Error::other(format!(
            "expected <starttls/>, got <{}/>",
            el.name()
        )));
    }
    sock.write_all(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")?;
    let conn = rustls::ServerConnection::new(tls).map_err(io::Error::other)?;
    let mut s = rustls::StreamOwned::new(conn, sock);
    r.reset();

    // SASL PLAIN, any credentials.
    open_stream(
        &mut s,
        &mut r,
        &mut buf,
        n,
        "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>",
    )?;
    let el = next_stanza(&mut s, &mut r, &mut buf)?;
    if !el.is("auth", ns::SASL) {
        return Err(io::Error::other(format!(
            "expected <auth/>, got <{}/>",
            el.name()
        )));
    }
    let payload = jaxl_xmpp::sasl::decode_payload(&el.text()).unwrap_or_default();
    let user = payload
        .split(|b| *b == 0)
        .nth(1)
        .map(|u| String::from_utf8_lossy(u).into_owned())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "bench".into());
    s.write_all(b"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")?;
    r.reset();

    // Bound stream.
    let domain = open_stream(
        &mut s,
        &mut r,
        &mut buf,
        n,
        "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\
         <session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>",
    )?;
    let mut jid = format!("{user}@{domain}/flood");
    let mut flooded = false;
    loop {
        let el = match next_event(&mut s, &mut r, &mut buf) {
            Ok(StreamEvent::Stanza(el)) => el,
            Ok(StreamEvent::End) => {
                let _ = s.write_all(b"</stream:stream>");
                return Ok(());
            }
            Ok(StreamEvent::Header(_)) => return Err(io::Error::other("unexpected header")),
            // The client may just close the socket once it has its figures.
            Err(e) if flooded => {
                let _ = e;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        if el.is("iq", ns::CLIENT) {
            let t = el.attr("type").unwrap_or("");
            if t != "get" && t != "set" {
                continue;
            }
            let id = escape(el.attr("id").unwrap_or(""));
            let reply = if let Some(b) = el.get_child("bind", ns::BIND) {
                let res = b
                    .get_child("resource", ns::BIND)
                    .map(|r| r.text())
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "flood".into());
                jid = format!("{user}@{domain}/{res}");
                format!(
                    "<iq type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
                     <jid>{}</jid></bind></iq>",
                    escape(&jid)
                )
            } else if el.get_child("query", ns::ROSTER).is_some() {
                format!(
                    "<iq type='result' id='{id}' to='{}'><query xmlns='jabber:iq:roster'/></iq>",
                    escape(&jid)
                )
            } else {
                format!("<iq type='result' id='{id}' to='{}'/>", escape(&jid))
            };
            s.write_all(reply.as_bytes())?;
        } else if el.is("presence", ns::CLIENT)
            && el.attr("to").is_none()
            && el.attr("type").is_none()
            && !flooded
        {
            flooded = true;
            flood(&mut s, o, &domain, &jid)?;
        }
    }
}

/// Writes `o.count` chat messages and the marker through the TLS stream, as fast as the
/// socket takes them.
fn flood(
    s: &mut rustls::StreamOwned<rustls::ServerConnection, TcpStream>,
    o: &Opts,
    domain: &str,
    to: &str,
) -> io::Result<()> {
    let mut body = String::new();
    while body.len() < o.body {
        body.push_str(LOREM);
    }
    body.truncate(o.body);
    let body = body.trim_end().to_owned();
    let (from, to) = (escape(&format!("peer@{domain}/flood")), escape(to));
    let mut block = Vec::new();
    let mut ends = Vec::with_capacity(BLOCK_MESSAGES);
    for i in 0..BLOCK_MESSAGES {
        write!(
            block,
            "<message type='chat' from='{from}' to='{to}' id='f{i}'><body>{body}</body></message>"
        )?;
        ends.push(block.len());
    }
    let marker = format!(
        "<message type='chat' from='{from}' to='{to}' id='end'><body>__end__</body></message>"
    );

    let (t0, c0) = (Instant::now(), process_cpu_us());
    let mut bytes = 0;
    let mut left = o.count;
    while left > 0 {
        let k = left.min(BLOCK_MESSAGES);
        let part = &block[..ends[k - 1]];
        write_tls(s, part)?;
        bytes += part.len();
        left -= k;
    }
    write_tls(s, marker.as_bytes())?;
    let secs = t0.elapsed().as_secs_f64();
    let cpu = process_cpu_us() - c0;
    eprintln!(
        "FLOOD sent={} bytes={} stanza_bytes={} secs={secs:.3} server_cpu_us_per_stanza={:.3}",
        o.count,
        bytes,
        ends[0],
        cpu as f64 / o.count.max(1) as f64
    );
    Ok(())
}

/// Encrypts `data` in 64 KiB steps and writes every record to the (blocking) socket.
fn write_tls(
    s: &mut rustls::StreamOwned<rustls::ServerConnection, TcpStream>,
    data: &[u8],
) -> io::Result<()> {
    for chunk in data.chunks(64 * 1024) {
        let mut off = 0;
        while off < chunk.len() {
            off += s.conn.writer().write(&chunk[off..])?;
            while s.conn.wants_write() {
                s.conn.write_tls(&mut s.sock)?;
            }
        }
    }
    Ok(())
}
