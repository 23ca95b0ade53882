//! DNS SRV lookup by the client (RFC 6120 §3.2, XEP-0368), against a fake DNS server
//! on 127.0.0.1 (set as `ClientConfig::dns_server`, which also answers the A/AAAA
//! queries of the targets and the fallback: no query ever leaves the machine).
//!
//! The domain is `example.test` (RFC 2606: never a real domain). A target named
//! `localhost` is resolved without any query (RFC 6761), the others by the fake server.

mod client_util;

use client_util::*;
use jaxl_xmpp::client::{
    ClientBuilder, ClientConfig, DisconnectReason, Reconnect, TlsMode, TlsVerify,
};
use jaxl_xmpp::sasl::{ScramHash, StoredCredentials};
use jaxl_xmpp::Jid;
use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.test' version='1.0'>";
const SRV: u16 = 33;
const A: u16 = 1;

// ---- a fake DNS server -------------------------------------------------------------

/// A record the fake server can answer with.
#[derive(Clone)]
enum Rr {
    Srv(u16, u16, u16, &'static str),
    A(Ipv4Addr),
}

/// What the zone says about (name, type, how many times this name and type were
/// asked before): `None` is NXDOMAIN.
type Zone = dyn Fn(&str, u16, usize) -> Option<Vec<Rr>> + Send + Sync;

struct FakeDns {
    addr: SocketAddr,
    /// Every question received over UDP or TCP: (name, type, over TCP).
    queries: Arc<Mutex<Vec<(String, u16, bool)>>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl FakeDns {
    /// Serves `zone` on 127.0.0.1 over UDP, and over TCP on the same port. With
    /// `truncate_udp`, every UDP answer is empty with the TC bit set.
    fn start(
        zone: impl Fn(&str, u16, usize) -> Option<Vec<Rr>> + Send + Sync + 'static,
        truncate_udp: bool,
    ) -> FakeDns {
        let zone: Arc<Zone> = Arc::new(zone);
        // The TCP listener must get the UDP socket's port: try a few ports.
        let (udp, tcp) = (0..20)
            .find_map(|_| {
                let udp = UdpSocket::bind("127.0.0.1:0").ok()?;
                let tcp = TcpListener::bind(udp.local_addr().ok()?).ok()?;
                Some((udp, tcp))
            })
            .expect("a UDP and TCP port pair on 127.0.0.1");
        let addr = udp.local_addr().unwrap();
        let queries: Arc<Mutex<Vec<(String, u16, bool)>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let counts: Arc<Mutex<Vec<(String, u16)>>> = Arc::default();
        let answer = {
            let (zone, queries, counts) = (zone.clone(), queries.clone(), counts.clone());
            move |msg: &[u8], tcp: bool| -> Option<Vec<u8>> {
                let (id, name, qtype, question) = parse_query(msg)?;
                queries.lock().unwrap().push((name.clone(), qtype, tcp));
                let n = {
                    let mut c = counts.lock().unwrap();
                    let n = c.iter().filter(|(q, t)| *q == name && *t == qtype).count();
                    c.push((name.clone(), qtype));
                    n
                };
                if truncate_udp && !tcp {
                    return Some(response(id, 0x0200, question, &[]));
                }
                Some(match zone(&name, qtype, n) {
                    None => response(id, 3, question, &[]),
                    Some(rrs) => response(id, 0, question, &rrs),
                })
            }
        };
        let answer = Arc::new(answer);
        let mut threads = Vec::new();
        {
            let (answer, stop) = (answer.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                let mut buf = [0u8; 1500];
                while let Ok((n, from)) = udp.recv_from(&mut buf) {
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    if let Some(out) = answer(&buf[..n], false) {
                        let _ = udp.send_to(&out, from);
                    }
                }
            }));
        }
        {
            let stop = stop.clone();
            threads.push(std::thread::spawn(move || {
                for s in tcp.incoming() {
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    let Ok(mut s) = s else { continue };
                    let _ = s.set_read_timeout(Some(DEADLINE));
                    let mut len = [0u8; 2];
                    if s.read_exact(&mut len).is_err() {
                        continue;
                    }
                    let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
                    if s.read_exact(&mut msg).is_err() {
                        continue;
                    }
                    if let Some(out) = answer(&msg, true) {
                        let mut framed = (out.len() as u16).to_be_bytes().to_vec();
                        framed.extend(out);
                        let _ = s.write_all(&framed);
                    }
                }
            }));
        }
        FakeDns {
            addr,
            queries,
            stop,
            threads,
        }
    }

    fn queries(&self) -> Vec<(String, u16, bool)> {
        self.queries.lock().unwrap().clone()
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        // Wake both threads: they see the flag and return.
        self.stop.store(true, Ordering::Release);
        if let Ok(s) = UdpSocket::bind("127.0.0.1:0") {
            let _ = s.send_to(b"", self.addr);
        }
        let _ = TcpStream::connect(self.addr);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The id, name (lower case), type and raw question of a query (uncompressed name).
fn parse_query(msg: &[u8]) -> Option<(u16, String, u16, Vec<u8>)> {
    let id = u16::from_be_bytes([*msg.first()?, *msg.get(1)?]);
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*msg.get(pos)?);
        if len == 0 {
            pos += 1;
            break;
        }
        labels.push(String::from_utf8_lossy(msg.get(pos + 1..pos + 1 + len)?).to_lowercase());
        pos += 1 + len;
    }
    let qtype = u16::from_be_bytes([*msg.get(pos)?, *msg.get(pos + 1)?]);
    let question = msg.get(12..pos + 4)?.to_vec();
    Some((id, labels.join("."), qtype, question))
}

fn wire(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A response: `flags` is or'ed into the second flag byte (RCODE) and the first (TC).
fn response(id: u16, flags: u16, question: Vec<u8>, rrs: &[Rr]) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    let f = 0x8180 | flags;
    m.extend_from_slice(&f.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    m.extend_from_slice(&(rrs.len() as u16).to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    m.extend(question);
    for rr in rrs {
        m.extend_from_slice(&[0xC0, 12]);
        let (rtype, data) = match rr {
            Rr::Srv(priority, weight, port, target) => {
                let mut d = Vec::new();
                for v in [priority, weight, port] {
                    d.extend_from_slice(&v.to_be_bytes());
                }
                d.extend(wire(target));
                (SRV, d)
            }
            Rr::A(ip) => (A, ip.octets().to_vec()),
        };
        m.extend_from_slice(&rtype.to_be_bytes());
        m.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
        m.extend_from_slice(&(data.len() as u16).to_be_bytes());
        m.extend(data);
    }
    m
}

// ---- the client side ----------------------------------------------------------------

/// A SCRAM login without TLS (the client allows it), up to initial presence, then a
/// stream error that ends the session.
fn login() -> Vec<Step> {
    vec![
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256</mechanism></mechanisms></stream:features>"),
        Step::Scram(ScramHash::Sha256, StoredCredentials::derive("pw", b"salt", 4096)),
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"),
        Step::Expect("id='bind1'"),
        send("<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/k</jid></bind></iq>"),
        Step::Expect("id='roster1'"),
        send("<iq type='result' id='roster1'><query xmlns='jabber:iq:roster'/></iq>"),
        Step::Expect("<presence"),
        send("<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"),
    ]
}

/// The same over direct TLS (PLAIN is fine inside TLS).
fn login_tls() -> Vec<Step> {
    vec![
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"),
        Step::Expect("</auth>"),
        send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
        Step::Expect("<stream:stream"),
        send(HEADER),
        send("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"),
        Step::Expect("id='bind1'"),
        send("<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.test/k</jid></bind></iq>"),
        Step::Expect("id='roster1'"),
        send("<iq type='result' id='roster1'><query xmlns='jabber:iq:roster'/></iq>"),
        Step::Expect("<presence"),
        send("<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"),
    ]
}

/// alice@example.test asking `dns` for everything, no reconnection, no keep-alive.
fn config(dns: &FakeDns) -> ClientConfig {
    let mut c = ClientConfig::new(Jid::new("alice@example.test").unwrap(), "pw");
    c.dns_server = Some(dns.addr);
    c.tls = TlsMode::Optional;
    c.verify = TlsVerify::DangerousNoVerification; // never used: the server offers no TLS
    c.reconnect = Reconnect::never();
    c.ping_interval = None;
    c
}

/// A port on 127.0.0.1 where nothing listens (bound, then closed).
fn refused_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Run {
    /// The client's events, in order.
    log: Vec<String>,
    /// Connections accepted by the scripted server.
    accepted: usize,
}

/// Runs a client with `config` against a scripted server on `listen` (a closure that
/// gets the loop and the steps and returns the port), until the client's stream ends.
fn run(
    config: impl FnOnce(u16) -> ClientConfig,
    steps: Vec<Step>,
    tls: Option<Arc<jaxl_core::tls::ServerConfig>>,
) -> Run {
    let timed_out = Rc::new(RefCell::new(false));
    let mut ev = new_loop(timed_out.clone());
    let accepted = Rc::new(RefCell::new(0));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut steps = Some(steps);
    let count = accepted.clone();
    let factory = move |_: &jaxl_core::Peer| {
        *count.borrow_mut() += 1;
        Scripted::new(steps.take().unwrap_or_default(), None, seen.clone())
    };
    let l = match tls {
        Some(t) => ev.listen_tls("127.0.0.1:0", t, factory).unwrap(),
        None => ev.listen_tcp("127.0.0.1:0", factory).unwrap(),
    };
    let port = ev.local_addr(l).unwrap().port();
    let log: Rc<RefCell<Vec<String>>> = Rc::default();
    let (a, b, c) = (log.clone(), log.clone(), log.clone());
    ClientBuilder::new(config(port))
        .on_online(move |s| a.borrow_mut().push(format!("online tls={}", s.is_tls())))
        .on_connect_error(move |s, r| {
            b.borrow_mut().push(format!("connect error: {r:?}"));
            if !matches!(r, DisconnectReason::ConnectFailed(_)) {
                s.cx().stop();
            }
        })
        .on_disconnect(move |s, r| {
            c.borrow_mut().push(format!("{r:?}"));
            s.cx().stop();
        })
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    assert!(!*timed_out.borrow(), "timed out: {:?}", log.borrow());
    let out = Run {
        log: log.borrow().clone(),
        accepted: *accepted.borrow(),
    };
    out
}

const SHUTDOWN: &str = "StreamError { condition: \"system-shutdown\", text: None }";

fn names(q: &[(String, u16, bool)]) -> Vec<String> {
    q.iter().map(|(n, t, _)| format!("{n} {t}")).collect()
}

// ---- the tests -----------------------------------------------------------------------

#[test]
fn srv_targets_are_tried_in_priority_order() {
    let dead = refused_port();
    let live = Arc::new(Mutex::new(0u16));
    let live_in_zone = live.clone();
    // The first target (priority 10) refuses connections; the second (priority 20) is
    // the scripted server.
    let dns = FakeDns::start(
        move |name, qtype, _| match (name, qtype) {
            ("_xmpp-client._tcp.example.test", SRV) => Some(vec![
                Rr::Srv(20, 0, *live_in_zone.lock().unwrap(), "xmpp.example.test"),
                Rr::Srv(10, 0, dead, "localhost"),
            ]),
            ("xmpp.example.test", A) => Some(vec![Rr::A(Ipv4Addr::LOCALHOST)]),
            ("xmpp.example.test", _) => Some(vec![]),
            _ => None,
        },
        false,
    );
    let run = run(
        |port| {
            *live.lock().unwrap() = port;
            config(&dns)
        },
        login(),
        None,
    );
    assert_eq!(run.log, ["online tls=false", SHUTDOWN]);
    assert_eq!(run.accepted, 1);
    // The SRV query, then the addresses of the second target only ("localhost" needs
    // no query). The AAAA query comes first and finds nothing.
    assert_eq!(
        names(&dns.queries()),
        [
            "_xmpp-client._tcp.example.test 33",
            "xmpp.example.test 28",
            "xmpp.example.test 1"
        ]
    );
}

#[test]
fn no_srv_records_fall_back_to_the_domain() {
    let dns = FakeDns::start(
        |name, qtype, _| match (name, qtype) {
            ("example.test", A) => Some(vec![Rr::A(Ipv4Addr::LOCALHOST)]),
            ("example.test", _) => Some(vec![]),
            _ => None, // NXDOMAIN for the SRV name
        },
        false,
    );
    let run = run(
        |port| {
            let mut c = config(&dns);
            c.port = port; // the fallback's port
            c
        },
        login(),
        None,
    );
    assert_eq!(run.log, ["online tls=false", SHUTDOWN]);
    assert_eq!(
        names(&dns.queries()),
        [
            "_xmpp-client._tcp.example.test 33",
            "example.test 28",
            "example.test 1"
        ]
    );
}

#[test]
fn a_dot_target_means_no_service_and_no_fallback() {
    let dns = FakeDns::start(
        |name, qtype, _| match (name, qtype) {
            ("_xmpp-client._tcp.example.test", SRV) => Some(vec![Rr::Srv(0, 0, 0, ".")]),
            ("example.test", A) => Some(vec![Rr::A(Ipv4Addr::LOCALHOST)]),
            _ => None,
        },
        false,
    );
    let run = run(
        |port| {
            let mut c = config(&dns);
            c.port = port; // a fallback would reach the server: it must not happen
            c.reconnect = Reconnect::default(); // and NoService is not retried
            c
        },
        login(),
        None,
    );
    assert_eq!(run.log, ["connect error: NoService(\"example.test\")"]);
    assert_eq!(run.accepted, 0);
    assert_eq!(names(&dns.queries()), ["_xmpp-client._tcp.example.test 33"]);
    assert!(!DisconnectReason::NoService("x".into()).is_retryable());
}

#[test]
fn an_explicit_host_skips_the_lookup() {
    let dns = FakeDns::start(|_, _, _| None, false);
    let run = run(
        |port| {
            let mut c = config(&dns);
            c.host = Some("127.0.0.1".into());
            c.port = port;
            c
        },
        login(),
        None,
    );
    assert_eq!(run.log, ["online tls=false", SHUTDOWN]);
    assert!(dns.queries().is_empty());
}

#[test]
fn truncated_answers_are_asked_again_over_tcp() {
    let live = Arc::new(Mutex::new(0u16));
    let live_in_zone = live.clone();
    let dns = FakeDns::start(
        move |name, qtype, _| match (name, qtype) {
            ("_xmpp-client._tcp.example.test", SRV) => Some(vec![Rr::Srv(
                0,
                0,
                *live_in_zone.lock().unwrap(),
                "localhost",
            )]),
            _ => None,
        },
        true,
    );
    let run = run(
        |port| {
            *live.lock().unwrap() = port;
            config(&dns)
        },
        login(),
        None,
    );
    assert_eq!(run.log, ["online tls=false", SHUTDOWN]);
    let q = dns.queries();
    assert_eq!(names(&q), ["_xmpp-client._tcp.example.test 33"; 2]);
    assert_eq!((q[0].2, q[1].2), (false, true), "UDP, then TCP");
}

#[test]
fn every_target_failing_is_one_connect_error_and_reconnect_looks_up_again() {
    let (dead1, dead2) = (refused_port(), refused_port());
    let live = Arc::new(Mutex::new(0u16));
    let live_in_zone = live.clone();
    // First lookup: two dead targets. Second lookup (the reconnection): the server.
    let dns = FakeDns::start(
        move |name, qtype, nth| match (name, qtype, nth) {
            ("_xmpp-client._tcp.example.test", SRV, 0) => Some(vec![
                Rr::Srv(1, 0, dead1, "localhost"),
                Rr::Srv(2, 0, dead2, "localhost"),
            ]),
            ("_xmpp-client._tcp.example.test", SRV, _) => Some(vec![Rr::Srv(
                1,
                0,
                *live_in_zone.lock().unwrap(),
                "localhost",
            )]),
            _ => None,
        },
        false,
    );
    let run = run(
        |port| {
            *live.lock().unwrap() = port;
            let mut c = config(&dns);
            c.reconnect = Reconnect {
                enabled: true,
                initial_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(1),
                max_attempts: Some(1),
            };
            c
        },
        login(),
        None,
    );
    assert_eq!(run.log.len(), 3, "{:?}", run.log);
    assert!(
        run.log[0].starts_with("connect error: ConnectFailed(")
            && run.log[0].contains(&dead2.to_string()),
        "one error, naming the last target tried: {}",
        run.log[0]
    );
    assert_eq!(&run.log[1..], ["online tls=false", SHUTDOWN]);
    assert_eq!(
        names(&dns.queries()),
        ["_xmpp-client._tcp.example.test 33"; 2]
    );
}

/// Test certificates: a CA and a leaf for `example.test` only.
fn pki_for_domain() -> (String, Arc<jaxl_core::tls::ServerConfig>) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["example.test".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let server = jaxl_core::tls::server_config_from_pem(
        leaf.pem().as_bytes(),
        leaf_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    (ca_cert.pem(), server)
}

#[test]
fn direct_tls_uses_xmpps_records_and_verifies_the_domain() {
    let (ca, server) = pki_for_domain();
    let live = Arc::new(Mutex::new(0u16));
    let live_in_zone = live.clone();
    // Only the direct-TLS service is published; its target is another name than the
    // domain, and the certificate names only the domain (RFC 6120 §13.7.2.1: the
    // client checks the domain, never the SRV target).
    let dns = FakeDns::start(
        move |name, qtype, _| match (name, qtype) {
            ("_xmpps-client._tcp.example.test", SRV) => Some(vec![Rr::Srv(
                5,
                0,
                *live_in_zone.lock().unwrap(),
                "tls.example.test",
            )]),
            ("tls.example.test", A) => Some(vec![Rr::A(Ipv4Addr::LOCALHOST)]),
            ("tls.example.test", _) => Some(vec![]),
            _ => None,
        },
        false,
    );
    let run = run(
        |port| {
            *live.lock().unwrap() = port;
            let mut c = config(&dns);
            c.tls = TlsMode::Direct;
            c.verify = TlsVerify::CaPem(ca.into_bytes());
            c
        },
        login_tls(),
        Some(server),
    );
    assert_eq!(run.log, ["online tls=true", SHUTDOWN]);
    assert_eq!(
        names(&dns.queries()),
        [
            "_xmpps-client._tcp.example.test 33",
            "_xmpp-client._tcp.example.test 33",
            "tls.example.test 28",
            "tls.example.test 1"
        ]
    );
}
