//! Hostile input to the XMPP server: restricted XML, garbage, oversized stanzas,
//! malformed SASL — each answered with the right stream error and a clean close,
//! the server staying up for everyone else.

mod xmpp_server_support;

use jaxl_xmpp::ns;
use xmpp_server_support::{start, Client, Opts, TempDir};

const HEADER: &str = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

#[test]
fn hostile_streams_get_stream_errors() {
    let dir = TempDir::new("hostile");
    let mut opts = Opts::new(&dir.0);
    opts.max_stanza_bytes = 4096;
    let server = start(opts);
    let oversize = format!("<message><body>{}</body></message>", "x".repeat(8192));
    let cases: &[(&str, String, &str)] = &[
        ("doctype", format!("<?xml version='1.0'?><!DOCTYPE foo [<!ENTITY x 'y'>]>{HEADER}"), "restricted-xml"),
        ("garbage", "\u{1}\u{2}garbage<<>>".to_owned(), "not-well-formed"),
        ("bad namespace", "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>".to_owned(), "invalid-namespace"),
        ("oversize stanza", format!("{HEADER}{oversize}"), "policy-violation"),
        ("entity in stanza", format!("{HEADER}<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>&foo;</auth>"), "restricted-xml"),
        ("comment", format!("{HEADER}<!-- hi -->"), "restricted-xml"),
        ("mismatched end tag", format!("{HEADER}</stream:other>"), "not-well-formed"),
    ];
    for (name, input, expected) in cases {
        let mut c = Client::connect(server.addr);
        c.send_raw(input.as_bytes());
        let got = c.stream_error();
        assert_eq!(got.as_deref(), Some(*expected), "{name}");
    }
    // Malformed SASL is a SASL failure, not a crash.
    let mut c = Client::connect(server.addr);
    c.open();
    c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>!!!notbase64</auth>");
    let f = c.element();
    assert!(f.is("failure", ns::SASL), "{f}");
    c.send(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>Ym9ndXM=</auth>",
    );
    let f = c.element();
    assert!(f.is("failure", ns::SASL), "{f}");
    // The server still serves others.
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    let p = alice.iq(
        "p",
        "<iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    assert_eq!(p.attr("type"), Some("result"));
    server.stop();
}

#[test]
fn oversize_stanza_after_login() {
    let dir = TempDir::new("hostile-big");
    let mut opts = Opts::new(&dir.0);
    opts.max_stanza_bytes = 4096;
    let server = start(opts);
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    alice.send_raw(
        format!(
            "<message to='bob@localhost'><body>{}</body></message>",
            "y".repeat(10_000)
        )
        .as_bytes(),
    );
    assert_eq!(alice.stream_error().as_deref(), Some("policy-violation"));
    server.stop();
}

#[test]
fn registration_is_off_by_default_and_works_when_enabled() {
    let dir = TempDir::new("register");
    let server = start(Opts::new(&dir.0));
    let mut c = Client::connect(server.addr);
    let f = c.open();
    assert!(!f.has_child("register", ns::REGISTER_FEATURE));
    let r = c.iq("r", "<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>eve</username><password>pw</password></query></iq>");
    assert_eq!(r.attr("type"), Some("error"));
    server.stop();

    let dir = TempDir::new("register-on");
    let mut opts = Opts::new(&dir.0);
    opts.allow_registration = true;
    let server = start(opts);
    let mut c = Client::connect(server.addr);
    let f = c.open();
    assert!(f.has_child("register", ns::REGISTER_FEATURE));
    let r = c.iq("r", "<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>eve</username><password>pw</password></query></iq>");
    assert_eq!(r.attr("type"), Some("result"), "{r}");
    let r = c.iq("r2", "<iq type='set' id='r2'><query xmlns='jabber:iq:register'><username>eve</username><password>pw</password></query></iq>");
    assert_eq!(r.attr("type"), Some("error"), "taken: {r}");
    Client::login(server.addr, "eve", "pw", None);
    server.stop();
}

#[test]
fn unauthenticated_connections_time_out() {
    let dir = TempDir::new("hostile-slow");
    let mut opts = Opts::new(&dir.0);
    opts.auth_timeout = std::time::Duration::from_millis(1500); // a debug-build SCRAM login fits
    let server = start(opts);
    let mut idle = Client::connect(server.addr);
    idle.open();
    assert_eq!(idle.stream_error().as_deref(), Some("connection-timeout"));
    // An authenticated session is not affected by the limit.
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    let mut late = Client::connect(server.addr);
    late.open();
    assert_eq!(late.stream_error().as_deref(), Some("connection-timeout"));
    let p = alice.iq(
        "p",
        "<iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    assert_eq!(p.attr("type"), Some("result"));
    server.stop();
}

#[test]
fn byte_rate_limit_slows_a_flooding_client() {
    let dir = TempDir::new("hostile-rate");
    let mut opts = Opts::new(&dir.0);
    opts.rate = Some((20_000, 20_000));
    let server = start(opts);
    let mut alice = Client::login(server.addr, "alice", "wonderland", None);
    let ping = "<iq type='get' id='f' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>";
    // About 30 KB beyond the burst: at 20 KB/s the server must take over a second.
    let flood = ping.repeat(50_000 / ping.len() + 1);
    let started = std::time::Instant::now();
    alice.send(&flood);
    alice.send("<iq type='get' id='last' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
    alice.wait_for(|e| e.attr("id") == Some("last"));
    let took = started.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(1200),
        "not throttled: {took:?}"
    );
    assert!(took < std::time::Duration::from_secs(8), "{took:?}");
    server.stop();
}
