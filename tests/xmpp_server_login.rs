//! Stream negotiation of the XMPP server: STARTTLS, each SASL mechanism, wrong
//! passwords, resource binding and conflicts.

mod xmpp_server_support;

use jaxl_xmpp::sasl::Mechanism;
use jaxl_xmpp::{ns, Element};
use xmpp_server_support::{pki, start, Client, Opts, TempDir};

fn mechanisms(features: &Element) -> Vec<String> {
    features
        .get_child("mechanisms", ns::SASL)
        .map(|m| m.children().map(Element::text).collect())
        .unwrap_or_default()
}

#[test]
fn each_mechanism_over_starttls() {
    let dir = TempDir::new("login-tls");
    let pki = pki();
    let mut opts = Opts::new(&dir.0);
    opts.tls = Some((pki.cert_pem.clone(), pki.key_pem.clone()));
    opts.plaintext_loopback = false;
    let server = start(opts);
    for mech in [
        Mechanism::ScramSha256,
        Mechanism::ScramSha1,
        Mechanism::Plain,
    ] {
        let mut c = Client::connect(server.addr);
        let f = c.open();
        let tls = f.get_child("starttls", ns::TLS).expect("starttls offered");
        assert!(
            tls.has_child("required", ns::TLS),
            "STARTTLS is mandatory: {f}"
        );
        assert!(mechanisms(&f).is_empty(), "no SASL before TLS: {f}");
        let f = c.starttls(&pki.ca_pem);
        assert_eq!(mechanisms(&f), ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]);
        assert!(
            f.get_child("limits", "urn:xmpp:stream-limits:0").is_some(),
            "stanza limit advertised: {f}"
        );
        let f = c
            .auth(mech, "alice", "wonderland")
            .unwrap_or_else(|e| panic!("{mech:?}: {e}"));
        assert!(f.has_child("bind", ns::BIND));
        let jid = c.bind(None);
        assert!(
            jid.starts_with("alice@localhost/") && jid.len() > "alice@localhost/".len(),
            "{jid}"
        );
    }
    server.stop();
}

#[test]
fn wrong_password_is_not_authorized() {
    let dir = TempDir::new("login-wrong");
    let pki = pki();
    let mut opts = Opts::new(&dir.0);
    opts.tls = Some((pki.cert_pem.clone(), pki.key_pem.clone()));
    let server = start(opts);
    for mech in [
        Mechanism::ScramSha256,
        Mechanism::ScramSha1,
        Mechanism::Plain,
    ] {
        let mut c = Client::connect(server.addr);
        c.open();
        c.starttls(&pki.ca_pem);
        assert_eq!(
            c.auth(mech, "alice", "not-her-password").unwrap_err(),
            "not-authorized",
            "{mech:?}"
        );
        assert_eq!(
            c.auth(mech, "nobody", "x").unwrap_err(),
            "not-authorized",
            "unknown user, {mech:?}"
        );
        // A failure is not fatal: the right password still works on the same stream.
        c.auth(mech, "alice", "wonderland").unwrap();
    }
    server.stop();
}

#[test]
fn plaintext_loopback_offers_scram_only() {
    let dir = TempDir::new("login-plain");
    let server = start(Opts::new(&dir.0));
    let mut c = Client::connect(server.addr);
    let f = c.open();
    assert_eq!(mechanisms(&f), ["SCRAM-SHA-256", "SCRAM-SHA-1"]);
    assert_eq!(
        c.auth(Mechanism::Plain, "alice", "wonderland").unwrap_err(),
        "invalid-mechanism"
    );
    c.auth(Mechanism::ScramSha1, "alice", "wonderland").unwrap();
    server.stop();
}

#[test]
fn stanzas_before_auth_end_the_stream() {
    let dir = TempDir::new("login-early");
    let server = start(Opts::new(&dir.0));
    let mut c = Client::connect(server.addr);
    c.open();
    c.send("<message to='bob@localhost'><body>hi</body></message>");
    assert_eq!(c.stream_error().as_deref(), Some("not-authorized"));
    server.stop();
}

#[test]
fn wrong_domain_is_host_unknown() {
    let dir = TempDir::new("login-host");
    let server = start(Opts::new(&dir.0));
    let mut c = Client::connect(server.addr);
    c.send("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='elsewhere.example' version='1.0'>");
    assert_eq!(c.stream_error().as_deref(), Some("host-unknown"));
    server.stop();
}

#[test]
fn resource_conflict_replaces_the_old_session() {
    let dir = TempDir::new("login-conflict");
    let server = start(Opts::new(&dir.0));
    let mut first = Client::login(server.addr, "alice", "wonderland", Some("phone"));
    assert_eq!(first.jid, "alice@localhost/phone");
    let second = Client::login(server.addr, "alice", "wonderland", Some("phone"));
    assert_eq!(second.jid, "alice@localhost/phone");
    assert_eq!(first.stream_error().as_deref(), Some("conflict"));
    server.stop();
}
