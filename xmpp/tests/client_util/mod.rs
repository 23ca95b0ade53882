//! Helpers of the client tests: a scripted server replaying a Prosody-like transcript,
//! test certificates, and a loop that stops itself.
#![allow(dead_code)]

use jaxl_core::{Context, Handler, Loop, LoopConfig};
use jaxl_xmpp::client::{ClientConfig, Reconnect, TlsVerify};
use jaxl_xmpp::sasl::{decode_payload, encode_payload, ScramHash, ServerScram, StoredCredentials};
use jaxl_xmpp::Jid;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// No test waits longer than this for anything.
pub const DEADLINE: Duration = Duration::from_secs(10);

pub struct TestPki {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

pub fn pki() -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    TestPki {
        ca_pem: ca_cert.pem(),
        cert_pem: leaf.pem(),
        key_pem: leaf_key.serialize_pem(),
    }
}

/// One step of a scripted server.
#[derive(Clone)]
pub enum Step {
    /// Wait until the client has sent this text (everything up to it is dropped).
    Expect(&'static str),
    /// Send these bytes.
    Send(String),
    /// Upgrade to TLS (after `<proceed/>` was sent).
    StartTls,
    /// Run a real SCRAM exchange for these credentials, ending with `<success/>`.
    Scram(ScramHash, StoredCredentials),
    /// Close the connection.
    Close,
    /// Stop the loop (gracefully: the client sees its close first).
    Stop,
    /// Wait for an iq containing this text and answer it with an empty result.
    ReplyToIq(&'static str),
}

pub fn send(s: &str) -> Step {
    Step::Send(s.to_owned())
}

/// A server that plays `steps` to one client and records what the client sent.
pub struct Scripted {
    steps: VecDeque<Step>,
    buf: Vec<u8>,
    tls: Option<Arc<jaxl_core::tls::ServerConfig>>,
    scram: Option<ServerScram>,
    /// Send a wrong server signature in SCRAM's `<success/>` (a server that does not
    /// know the password, or a man in the middle).
    pub forge_signature: bool,
    pub seen: Rc<RefCell<Vec<u8>>>,
}

impl Scripted {
    pub fn new(
        steps: Vec<Step>,
        tls: Option<Arc<jaxl_core::tls::ServerConfig>>,
        seen: Rc<RefCell<Vec<u8>>>,
    ) -> Scripted {
        Scripted {
            steps: steps.into(),
            buf: Vec::new(),
            tls,
            scram: None,
            forge_signature: false,
            seen,
        }
    }

    fn take_until(&mut self, needle: &str) -> Option<String> {
        let pos = self
            .buf
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())?;
        let head: Vec<u8> = self.buf.drain(..pos + needle.len()).collect();
        Some(String::from_utf8_lossy(&head).into_owned())
    }

    fn run(&mut self, cx: &mut Context<'_>) {
        while let Some(step) = self.steps.front().cloned() {
            match step {
                Step::Expect(s) => {
                    if self.take_until(s).is_none() {
                        return;
                    }
                }
                Step::Send(s) => {
                    cx.write(s.as_bytes());
                }
                Step::StartTls => {
                    let cfg = self.tls.clone().expect("TLS config for StartTls");
                    cx.start_tls_server(cfg).unwrap();
                    self.buf.clear();
                }
                Step::Close => {
                    cx.close();
                }
                Step::Stop => {
                    cx.stop();
                }
                Step::ReplyToIq(needle) => {
                    let Some(text) = self.take_until(needle) else {
                        return;
                    };
                    let iq = &text[text.rfind("<iq").expect("an iq")..];
                    let id = iq
                        .split("id='")
                        .nth(1)
                        .and_then(|r| r.split('\'').next())
                        .expect("iq id");
                    cx.write(format!("<iq type='result' id='{id}' from='localhost'/>").as_bytes());
                }
                Step::Scram(hash, creds) => {
                    if self.scram.is_none() && !self.scram(cx, hash, &creds) && self.scram.is_none()
                    {
                        return;
                    }
                    if !self.scram(cx, hash, &creds) {
                        return;
                    }
                }
            }
            self.steps.pop_front();
        }
    }

    /// Runs the SCRAM exchange; false while waiting for more input.
    fn scram(&mut self, cx: &mut Context<'_>, hash: ScramHash, creds: &StoredCredentials) -> bool {
        match self.scram.take() {
            None => {
                let Some(text) = self.take_until("</auth>") else {
                    return false;
                };
                let inner = &text[..text.len() - "</auth>".len()];
                let body = &inner[inner.rfind('>').unwrap() + 1..];
                let mut server = ServerScram::start(hash, &decode_payload(body).unwrap()).unwrap();
                let challenge = server.server_first(creds).unwrap();
                cx.write(
                    format!(
                        "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</challenge>",
                        b64(&challenge)
                    )
                    .as_bytes(),
                );
                self.scram = Some(server);
                false
            }
            Some(mut server) => {
                let Some(text) = self.take_until("</response>") else {
                    self.scram = Some(server);
                    return false;
                };
                let inner = &text[..text.len() - "</response>".len()];
                let body = &inner[inner.rfind('>').unwrap() + 1..];
                match server.handle_client_final(&decode_payload(body).unwrap()) {
                    Ok(_) if self.forge_signature => cx.write(
                        b"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dj1BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE9</success>",
                    ),
                    Ok(fin) => cx.write(format!("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</success>", b64(&fin)).as_bytes()),
                    Err(_) => cx.write(b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"),
                };
                true
            }
        }
    }
}

impl Handler for Scripted {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        self.run(cx);
    }
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let input = cx.take_input();
        self.seen.borrow_mut().extend_from_slice(&input);
        self.buf.extend_from_slice(&input);
        self.run(cx);
    }
}

pub fn loop_config() -> LoopConfig {
    let mut c = LoopConfig::default();
    c.handle_signals = false;
    c
}

/// A loop that stops itself after [`DEADLINE`] (setting `timed_out`).
pub fn new_loop(timed_out: Rc<RefCell<bool>>) -> Loop {
    let mut ev = Loop::with_config(loop_config()).unwrap();
    ev.enter(|cx| {
        cx.set_timeout(DEADLINE, move |cx| {
            *timed_out.borrow_mut() = true;
            cx.stop();
        });
    });
    ev
}

/// A client configuration for `jid` connecting to `addr`, trusting `ca_pem`, no
/// reconnection, no keep-alive.
pub fn client_config(jid: &str, password: &str, addr: SocketAddr, ca_pem: &str) -> ClientConfig {
    let mut c = ClientConfig::new(Jid::new(jid).unwrap(), password);
    c.host = Some(addr.ip().to_string());
    c.port = addr.port();
    // No CA: the test never starts TLS, and the system store may be empty.
    c.verify = if ca_pem.is_empty() {
        TlsVerify::DangerousNoVerification
    } else {
        TlsVerify::CaPem(ca_pem.as_bytes().to_vec())
    };
    c.reconnect = Reconnect::never();
    c.ping_interval = None;
    c
}

pub fn b64(data: &[u8]) -> String {
    encode_payload(data)
}

impl TestPki {
    pub fn server(&self) -> Arc<jaxl_core::tls::ServerConfig> {
        jaxl_core::tls::server_config_from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes())
            .unwrap()
    }
}
