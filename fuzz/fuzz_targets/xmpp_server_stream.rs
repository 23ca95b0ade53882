//! Feeds arbitrary bytes to the receiving side of the XMPP server over a real loop
//! and socket, either straight after connecting (stream negotiation: headers,
//! STARTTLS, SASL, registration) or after a scripted SCRAM login and bind (routing,
//! rosters, presence, iq handling). Checks that the server never panics (the loop
//! counts caught panics) and always ends the connection once the input ends.
#![no_main]

use jaxl_core::{Loop, LoopConfig};
use jaxl_xmpp::sasl::{decode_payload, encode_payload, Credentials, Mechanism, SaslClient};
use jaxl_xmpp::server::{Server, ServerConfig};
use jaxl_xmpp::store::MemoryStore;
use jaxl_xmpp::xml::{Config, StreamEvent, StreamReader};
use jaxl_xmpp::Element;
use libfuzzer_sys::fuzz_target;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

const HEADER: &str = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

struct Harness {
    ev: Loop,
    sock: TcpStream,
    reader: StreamReader,
}

impl Harness {
    fn pump(&mut self) {
        self.ev
            .run_once(Some(Duration::from_millis(1)))
            .expect("loop runs");
    }

    /// The next element from the server, pumping the loop meanwhile.
    fn element(&mut self) -> Option<Element> {
        for _ in 0..10_000 {
            match self.reader.next_event() {
                Ok(Some(StreamEvent::Stanza(el))) => return Some(el),
                Ok(Some(StreamEvent::Header(_))) => continue,
                Ok(Some(StreamEvent::End)) | Err(_) => return None,
                Ok(None) => {}
            }
            self.pump();
            let mut buf = [0u8; 8192];
            match self.sock.read(&mut buf) {
                Ok(0) => return None,
                Ok(n) => self.reader.feed(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => return None,
            }
        }
        None
    }

    fn send(&mut self, s: &[u8]) {
        let _ = self.sock.write_all(s);
    }

    fn login(&mut self) -> Option<()> {
        self.send(HEADER.as_bytes());
        self.element()?; // features
        let mut sasl = SaslClient::new(Mechanism::ScramSha256, Credentials::new("alice", "pw"));
        let first = sasl.initial_response().ok()??;
        self.send(format!("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>{}</auth>", encode_payload(&first)).as_bytes());
        let ch = self.element()?;
        let resp = sasl.challenge(&decode_payload(&ch.text()).ok()?).ok()?;
        self.send(
            format!(
                "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</response>",
                encode_payload(&resp)
            )
            .as_bytes(),
        );
        let ok = self.element()?;
        (ok.name() == "success").then_some(())?;
        self.reader.reset();
        self.send(HEADER.as_bytes());
        self.element()?; // features
        self.send(b"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        self.element().map(|_| ())
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let mut lc = LoopConfig::default();
    lc.handle_signals = false;
    let mut ev = Loop::with_config(lc).expect("loop");
    let mut config = ServerConfig::new("localhost");
    config.allow_plaintext_loopback = true;
    config.allow_registration = mode & 2 != 0;
    config.scram_iterations = 1; // cheap logins: the fuzzer is not attacking PBKDF2
    config.max_stanza_bytes = 16 * 1024;
    config.rate_bytes_per_sec = 0;
    let server = Server::new(config, Box::new(MemoryStore::new()));
    server.add_user(&mut ev, "alice", "pw").expect("user");
    server.add_user(&mut ev, "bob", "pw").expect("user");
    let id = server.listen(&mut ev, "127.0.0.1:0").expect("listen");
    let addr = ev.local_addr(id).expect("addr");
    let sock = TcpStream::connect(addr).expect("connect");
    sock.set_nonblocking(true).expect("nonblocking");
    let mut h = Harness {
        ev,
        sock,
        reader: StreamReader::new(Config::default()),
    };
    if mode & 1 != 0 && h.login().is_none() {
        panic!("scripted login failed");
    }
    h.send(input);
    let _ = h.sock.shutdown(Shutdown::Write);
    // Drain what the server says until it closes the connection.
    let mut buf = [0u8; 8192];
    for _ in 0..100_000 {
        h.pump();
        match h.sock.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
    }
    assert_eq!(h.ev.stats().panics, 0, "a handler panicked");
});
