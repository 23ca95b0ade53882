//! Helpers of the XMPP server tests: a server on a loop thread (port 0, a temporary
//! data directory, a throwaway certificate) and a scripted blocking client.
#![allow(dead_code)]

use jaxl_core::{Handle, Loop, LoopConfig};
use jaxl_xmpp::sasl::{decode_payload, encode_payload, Credentials, Mechanism, SaslClient};
use jaxl_xmpp::server::{Server, ServerConfig};
use jaxl_xmpp::store::SqliteStore;
use jaxl_xmpp::xml::{Config, StreamEvent, StreamReader};
use jaxl_xmpp::{ns, Element};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Every blocking read gives up after this long, so no test can hang.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

pub const DOMAIN: &str = "localhost";

/// A throwaway CA and a certificate for "localhost".
pub struct Pki {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

pub fn pki() -> Pki {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct names: OpenSSL takes a leaf whose subject equals its issuer for self-signed.
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "jaxl test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec![DOMAIN.to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, DOMAIN);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        cert_pem: leaf.pem(),
        key_pem: leaf_key.serialize_pem(),
    }
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "jaxl-xmpp-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Options of a test server.
pub struct Opts {
    pub data: PathBuf,
    pub users: Vec<(&'static str, &'static str)>,
    pub tls: Option<(String, String)>,
    pub plaintext_loopback: bool,
    pub component_secret: Option<String>,
    pub max_stanza_bytes: usize,
    pub allow_registration: bool,
    pub auth_timeout: Duration,
    /// Bytes per second and burst of the per-connection rate limit.
    pub rate: Option<(u64, u64)>,
}

impl Opts {
    pub fn new(data: &Path) -> Opts {
        Opts {
            data: data.to_path_buf(),
            users: vec![("alice", "wonderland"), ("bob", "builder")],
            tls: None,
            plaintext_loopback: true,
            component_secret: None,
            max_stanza_bytes: 256 * 1024,
            allow_registration: false,
            auth_timeout: Duration::from_secs(300),
            rate: None,
        }
    }
}

/// A server running on its own thread.
pub struct TestServer {
    pub addr: SocketAddr,
    pub component_addr: Option<SocketAddr>,
    handle: Handle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

pub fn start(opts: Opts) -> TestServer {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || -> io::Result<()> {
        let mut lc = LoopConfig::default();
        lc.handle_signals = false;
        lc.shutdown_timeout = Duration::from_secs(2);
        let mut ev = Loop::with_config(lc)?;
        let mut config = ServerConfig::new(DOMAIN);
        config.allow_plaintext_loopback = opts.plaintext_loopback;
        config.component_secret = opts.component_secret.clone();
        config.max_stanza_bytes = opts.max_stanza_bytes;
        config.allow_registration = opts.allow_registration;
        config.auth_timeout = opts.auth_timeout;
        if let Some((rate, burst)) = opts.rate {
            config.rate_bytes_per_sec = rate;
            config.rate_burst_bytes = burst;
        }
        if let Some((cert, key)) = &opts.tls {
            config.tls = Some(jaxl_core::tls::server_config_from_pem(
                cert.as_bytes(),
                key.as_bytes(),
            )?);
        }
        let store = SqliteStore::open_dir(&opts.data).map_err(io::Error::other)?;
        let server = Server::new(config, Box::new(store));
        for (u, p) in &opts.users {
            server.add_user(&mut ev, u, p).map_err(io::Error::other)?;
        }
        let l = server
            .listen(&mut ev, "127.0.0.1:0")
            .map_err(io::Error::other)?;
        let addr = ev
            .local_addr(l)
            .ok_or_else(|| io::Error::other("no address"))?;
        let comp = match opts.component_secret {
            Some(_) => {
                let c = server
                    .listen_components(&mut ev, "127.0.0.1:0")
                    .map_err(io::Error::other)?;
                ev.local_addr(c)
            }
            None => None,
        };
        tx.send((addr, comp, ev.handle()))
            .map_err(|_| io::Error::other("test gone"))?;
        ev.run()
    });
    let (addr, component_addr, handle) = rx
        .recv_timeout(IO_TIMEOUT)
        .expect("server thread failed to start");
    TestServer {
        addr,
        component_addr,
        handle,
        thread: Some(thread),
    }
}

impl TestServer {
    /// Stops the loop gracefully and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _ = self.handle.stop();
        if let Some(t) = self.thread.take() {
            t.join()
                .expect("server thread panicked")
                .expect("server loop failed");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.thread.is_some() && !std::thread::panicking() {
            self.shutdown();
        }
    }
}

enum Io {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    Gone,
}

impl Read for Io {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Io::Plain(s) => s.read(buf),
            Io::Tls(s) => s.read(buf),
            Io::Gone => Ok(0),
        }
    }
}

impl Write for Io {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Io::Plain(s) => s.write(buf),
            Io::Tls(s) => s.write(buf),
            Io::Gone => Err(io::ErrorKind::NotConnected.into()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Io::Plain(s) => s.flush(),
            Io::Tls(s) => s.flush(),
            Io::Gone => Ok(()),
        }
    }
}

/// What the client read.
#[derive(Debug)]
pub enum Got {
    Stanza(Element),
    /// The server closed the stream (`</stream:stream>` or end of the connection).
    Closed,
}

/// A blocking, scripted XMPP client.
pub struct Client {
    io: Io,
    reader: StreamReader,
    pub jid: String,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        Client {
            io: Io::Plain(s),
            reader: StreamReader::new(Config::default()),
            jid: String::new(),
        }
    }

    pub fn send(&mut self, data: &str) {
        self.io.write_all(data.as_bytes()).unwrap();
        self.io.flush().unwrap();
    }

    /// Writes raw bytes, ignoring errors (the server may already have closed).
    pub fn send_raw(&mut self, data: &[u8]) {
        let _ = self.io.write_all(data);
        let _ = self.io.flush();
    }

    /// The next stream event; panics on a read timeout or an XML error.
    pub fn event(&mut self) -> Option<StreamEvent> {
        loop {
            match self.reader.next_event() {
                Ok(Some(ev)) => return Some(ev),
                Ok(None) => {}
                Err(e) => panic!("client: bad XML from server: {e:?}"),
            }
            let mut buf = [0u8; 16384];
            match self.io.read(&mut buf) {
                Ok(0) => return None,
                Ok(n) => self.reader.feed(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("client: read failed: {e}"),
            }
        }
    }

    /// The next top-level element (stream headers are skipped).
    pub fn next(&mut self) -> Got {
        loop {
            match self.event() {
                Some(StreamEvent::Stanza(el)) => {
                    eprintln!("{} <- {el}", self.jid);
                    return Got::Stanza(el);
                }
                Some(StreamEvent::Header(_)) => {}
                Some(StreamEvent::End) | None => return Got::Closed,
            }
        }
    }

    /// The next element, which must exist.
    pub fn element(&mut self) -> Element {
        match self.next() {
            Got::Stanza(el) => el,
            Got::Closed => panic!("client: stream closed while waiting for a stanza"),
        }
    }

    /// Skips elements until one satisfies `f`.
    pub fn wait_for(&mut self, f: impl Fn(&Element) -> bool) -> Element {
        loop {
            let el = self.element();
            if f(&el) {
                return el;
            }
        }
    }

    /// Sends a stream header and returns the features.
    pub fn open(&mut self) -> Element {
        self.reader.reset();
        self.send(&format!(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='{DOMAIN}' version='1.0'>"
        ));
        match self.event() {
            Some(StreamEvent::Header(_)) => {}
            other => panic!("client: expected a stream header, got {other:?}"),
        }
        let f = self.element();
        assert!(f.is("features", ns::STREAM), "expected features, got {f}");
        f
    }

    /// STARTTLS, trusting the test CA; returns the features of the new stream.
    pub fn starttls(&mut self, ca_pem: &str) -> Element {
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        let p = self.element();
        assert!(p.is("proceed", ns::TLS), "{p}");
        let Io::Plain(tcp) = std::mem::replace(&mut self.io, Io::Gone) else {
            panic!("already TLS")
        };
        let cfg = jaxl_core::tls::client_config(
            &jaxl_core::tls::Roots::default().with_ca_pem(ca_pem.as_bytes()),
        )
        .unwrap();
        let conn = rustls::ClientConnection::new(cfg, DOMAIN.try_into().unwrap()).unwrap();
        self.io = Io::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)));
        self.open()
    }

    /// SASL with `mech`; Ok after `<success/>` (and the stream restart, returning the
    /// new features), Err with the failure condition.
    pub fn auth(&mut self, mech: Mechanism, user: &str, pass: &str) -> Result<Element, String> {
        let mut sasl = SaslClient::new(mech, Credentials::new(user, pass));
        let first = sasl.initial_response().unwrap().unwrap_or_default();
        self.send(&format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='{}'>{}</auth>",
            mech.name(),
            encode_payload(&first)
        ));
        loop {
            let el = self.element();
            match el.name() {
                "challenge" => {
                    let resp = sasl
                        .challenge(&decode_payload(&el.text()).unwrap())
                        .unwrap();
                    self.send(&format!(
                        "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</response>",
                        encode_payload(&resp)
                    ));
                }
                "success" => {
                    sasl.success(&decode_payload(&el.text()).unwrap()).unwrap();
                    return Ok(self.open());
                }
                "failure" => {
                    return Err(el
                        .first_child()
                        .map(|c| c.name().to_owned())
                        .unwrap_or_default())
                }
                _ => panic!("unexpected {el}"),
            }
        }
    }

    /// Binds a resource (server-generated if `None`) and returns the full JID.
    pub fn bind(&mut self, resource: Option<&str>) -> String {
        let r = resource
            .map(|r| format!("<resource>{r}</resource>"))
            .unwrap_or_default();
        self.send(&format!("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>{r}</bind></iq>"));
        let el = self.wait_for(|e| e.attr("id") == Some("bind1"));
        assert_eq!(el.attr("type"), Some("result"), "{el}");
        let jid = el
            .get_child("bind", ns::BIND)
            .and_then(|b| b.get_child("jid", ns::BIND))
            .map(Element::text)
            .unwrap();
        self.jid = jid.clone();
        jid
    }

    /// Plaintext loopback login with SCRAM-SHA-256 and a bound resource.
    pub fn login(addr: SocketAddr, user: &str, pass: &str, resource: Option<&str>) -> Client {
        let mut c = Client::connect(addr);
        c.open();
        c.auth(Mechanism::ScramSha256, user, pass)
            .expect("login failed");
        c.bind(resource);
        c
    }

    /// Sends an iq and waits for its answer.
    pub fn iq(&mut self, id: &str, xml: &str) -> Element {
        self.send(xml);
        self.wait_for(|e| {
            e.name() == "iq"
                && e.attr("id") == Some(id)
                && matches!(e.attr("type"), Some("result" | "error"))
        })
    }

    /// Sends initial presence and waits for its reflection.
    pub fn available(&mut self) {
        self.send("<presence/>");
        let me = self.jid.clone();
        self.wait_for(|e| {
            e.name() == "presence"
                && e.attr("from") == Some(me.as_str())
                && e.attr("type").is_none()
        });
    }

    /// Reads until the server closes; returns the stream error condition seen, if any.
    pub fn stream_error(&mut self) -> Option<String> {
        let mut cond = None;
        loop {
            match self.next() {
                Got::Stanza(el) if el.is("error", ns::STREAM) => {
                    cond = el.first_child().map(|c| c.name().to_owned());
                }
                Got::Stanza(_) => {}
                Got::Closed => return cond,
            }
        }
    }
}
