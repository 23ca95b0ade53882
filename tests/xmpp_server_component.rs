//! XEP-0114 components on the XMPP server: handshake, routing both ways.

mod xmpp_server_support;

use jaxl_xmpp::xml::{Config, StreamEvent, StreamReader};
use jaxl_xmpp::{ns, Element};
use sha1::Digest as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use xmpp_server_support::{start, Client, Opts, TempDir, IO_TIMEOUT};

/// A scripted component: connects, handshakes with `secret`.
struct Component {
    tcp: TcpStream,
    reader: StreamReader,
}

impl Component {
    fn connect(
        addr: std::net::SocketAddr,
        domain: &str,
        secret: &str,
    ) -> Result<Component, String> {
        let tcp = TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let mut c = Component {
            tcp,
            reader: StreamReader::new(Config::default()),
        };
        c.send(&format!("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='{domain}'>"));
        let id = match c.event() {
            Some(StreamEvent::Header(h)) => h.id.unwrap(),
            other => panic!("{other:?}"),
        };
        let digest: String = sha1_hex(&format!("{id}{secret}"));
        c.send(&format!("<handshake>{digest}</handshake>"));
        match c.event() {
            Some(StreamEvent::Stanza(el)) if el.name() == "handshake" => Ok(c),
            Some(StreamEvent::Stanza(el)) => Err(el
                .first_child()
                .map(|e| e.name().to_owned())
                .unwrap_or_default()),
            other => Err(format!("{other:?}")),
        }
    }

    fn send(&mut self, s: &str) {
        self.tcp.write_all(s.as_bytes()).unwrap();
    }

    fn event(&mut self) -> Option<StreamEvent> {
        loop {
            if let Some(ev) = self.reader.next_event().unwrap() {
                return Some(ev);
            }
            let mut buf = [0u8; 8192];
            let n = self.tcp.read(&mut buf).unwrap();
            if n == 0 {
                return None;
            }
            self.reader.feed(&buf[..n]);
        }
    }

    fn element(&mut self) -> Element {
        match self.event() {
            Some(StreamEvent::Stanza(el)) => el,
            other => panic!("{other:?}"),
        }
    }
}

/// XEP-0114 §3: lowercase hex SHA-1 of stream id + secret.
fn sha1_hex(s: &str) -> String {
    sha1::Sha1::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn component_routing_both_ways() {
    let dir = TempDir::new("component");
    let mut opts = Opts::new(&dir.0);
    opts.component_secret = Some("s3cret".into());
    let server = start(opts);
    let caddr = server.component_addr.unwrap();
    assert_eq!(
        Component::connect(caddr, "bot.localhost", "wrong")
            .err()
            .as_deref(),
        Some("not-authorized")
    );
    let mut comp = Component::connect(caddr, "bot.localhost", "s3cret").unwrap();
    // A second component for the same domain is refused.
    assert_eq!(
        Component::connect(caddr, "bot.localhost", "s3cret")
            .err()
            .as_deref(),
        Some("conflict")
    );

    let mut alice = Client::login(server.addr, "alice", "wonderland", Some("a"));
    alice.send("<message to='echo@bot.localhost' type='chat'><body>hello bot</body></message>");
    let m = comp.element();
    assert!(m.is("message", ns::COMPONENT), "{m}");
    assert_eq!(m.attr("from"), Some("alice@localhost/a"));
    assert_eq!(
        m.get_child("body", ns::COMPONENT)
            .map(Element::text)
            .as_deref(),
        Some("hello bot")
    );

    comp.send("<message from='echo@bot.localhost' to='alice@localhost/a' type='chat'><body>hello human</body></message>");
    let r = alice.wait_for(|e| e.name() == "message");
    assert_eq!(r.attr("from"), Some("echo@bot.localhost"));
    assert_eq!(
        r.get_child("body", ns::CLIENT)
            .map(Element::text)
            .as_deref(),
        Some("hello human")
    );

    // Disco items of the server list the component.
    let d = alice.iq("d", "<iq type='get' id='d' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
    assert!(
        d.get_child("query", ns::DISCO_ITEMS)
            .unwrap()
            .children()
            .any(|i| i.attr("jid") == Some("bot.localhost")),
        "{d}"
    );

    // A component cannot speak for another domain.
    comp.send(
        "<message from='admin@localhost' to='alice@localhost/a'><body>spoof</body></message>",
    );
    let e = comp.element();
    assert!(e.is("error", ns::STREAM), "{e}");
    assert!(e.has_child("invalid-from", ns::STREAMS), "{e}");
    server.stop();
}
