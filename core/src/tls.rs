//! TLS with rustls (the `tls` feature): configuration helpers and the per-connection
//! session that sits between a connection's queues and its socket.
//!
//! The crypto provider is *ring*, which builds with cargo and a C compiler alone.
//! Server certificates and keys come from PEM files or bytes; client trust comes from
//! the system store ([`client_config`]), a given CA file, or both. Skipping
//! verification is possible only through the loudly named
//! [`dangerous_client_config_without_verification`], which logs a warning.

use crate::buf::{OutQueue, Pool};
use crate::inbuf::{InBuf, ReadEnd};
use crate::socket::Socket;
use rustls::client::UnbufferedClientConnection;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::{ResolvesServerCert, UnbufferedServerConnection};
use rustls::unbuffered::{ConnectionState, EncodeError, EncryptError, UnbufferedStatus};
use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;

pub use rustls;
pub use rustls::{ClientConfig, ServerConfig};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
}

/// A server configuration from a PEM certificate chain and a PEM private key (PKCS#8,
/// PKCS#1 or SEC1), given as bytes.
///
/// Fails with `InvalidInput` when the PEM holds no certificate or no key, or the key does
/// not match.
pub fn server_config_from_pem(cert_chain: &[u8], key: &[u8]) -> io::Result<Arc<ServerConfig>> {
    let certs = CertificateDer::pem_slice_iter(cert_chain)
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    if certs.is_empty() {
        return Err(invalid("no certificate in PEM"));
    }
    let key = PrivateKeyDer::from_pem_slice(key).map_err(invalid)?;
    let cfg = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(invalid)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(invalid)?;
    Ok(Arc::new(cfg))
}

/// A server configuration from PEM files (see [`server_config_from_pem`]). Fails when a
/// file cannot be read or holds no usable certificate or key.
pub fn server_config(cert_chain_file: &Path, key_file: &Path) -> io::Result<Arc<ServerConfig>> {
    server_config_from_pem(&std::fs::read(cert_chain_file)?, &std::fs::read(key_file)?)
}

/// Where a client's trust anchors come from.
#[derive(Clone, Debug, Default)]
pub struct Roots {
    /// Load the operating system's certificate store (via `rustls-native-certs`; read once
    /// per process).
    pub system: bool,
    /// Extra CA certificates in PEM (for a private CA, a test server).
    pub extra_pem: Vec<Vec<u8>>,
}

impl Roots {
    /// The system store only.
    pub fn system() -> Roots {
        Roots {
            system: true,
            extra_pem: Vec::new(),
        }
    }

    /// Adds the CA certificates of a PEM file. Fails when the file cannot be read.
    pub fn with_ca_file(mut self, path: &Path) -> io::Result<Roots> {
        self.extra_pem.push(std::fs::read(path)?);
        Ok(self)
    }

    /// Adds CA certificates given as PEM bytes.
    pub fn with_ca_pem(mut self, pem: &[u8]) -> Roots {
        self.extra_pem.push(pem.to_vec());
        self
    }
}

/// The operating system's CA certificates, read once per process (reading and parsing
/// the store costs several milliseconds, too much for every connect and reconnect of a
/// client; a store changed while the process runs is seen after a restart).
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: std::sync::OnceLock<Vec<CertificateDer<'static>>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            log::debug!("system certificate store: {e}");
        }
        found.certs
    })
}

/// A client configuration that verifies servers against `roots`.
///
/// Fails with `InvalidInput` when no trust anchor could be loaded (an empty system store
/// and no usable extra CA), since such a client could verify nobody.
pub fn client_config(roots: &Roots) -> io::Result<Arc<ClientConfig>> {
    let mut store = rustls::RootCertStore::empty();
    if roots.system {
        store.add_parsable_certificates(system_roots().iter().cloned());
    }
    for pem in &roots.extra_pem {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        let (ok, _bad) = store.add_parsable_certificates(certs);
        if ok == 0 {
            return Err(invalid("no usable CA certificate in PEM"));
        }
    }
    if store.is_empty() {
        return Err(invalid(
            "no trust anchors: the system store is empty and no CA was given",
        ));
    }
    let cfg = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(invalid)?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// **Development only.** A client configuration that accepts any server certificate,
/// so anyone on the path can read and change the traffic. Logs a warning every time it
/// is built.
pub fn dangerous_client_config_without_verification() -> Arc<ClientConfig> {
    log::warn!("TLS certificate verification is DISABLED: connections can be intercepted");
    let p = provider();
    let cfg = ClientConfig::builder_with_provider(p.clone())
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|_| {
            ClientConfig::builder_with_provider(p.clone())
                .with_protocol_versions(rustls::DEFAULT_VERSIONS)
                .expect("ring supports the default versions")
        })
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(NoVerify(p)))
        .with_no_client_auth();
    Arc::new(cfg)
}

#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The error payload of an `io::Error` that came from the TLS layer.
#[derive(Debug)]
pub(crate) struct TlsFailure(pub(crate) String);

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for TlsFailure {}

pub(crate) fn tls_error(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, TlsFailure(e.to_string()))
}

/// A rustls session without rustls's own buffers (its "unbuffered" API): the records
/// received and the records to send live in buffers of the connection that are freed
/// whenever they empty, so an idle TLS connection holds only the session's keys and
/// state (about 3 KB), not 4 KiB of read buffer and the plaintext queues a buffered
/// rustls connection keeps for its whole life.
pub(crate) enum Session {
    Client(UnbufferedClientConnection),
    Server(UnbufferedServerConnection),
}

/// `process_tls_records` for both sides (an inherent method of each, not a trait).
trait Process {
    type Data;
    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, Self::Data>;
}

impl Process for UnbufferedClientConnection {
    type Data = rustls::client::ClientConnectionData;
    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, Self::Data> {
        self.process_tls_records(incoming)
    }
}

impl Process for UnbufferedServerConnection {
    type Data = rustls::server::ServerConnectionData;
    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, Self::Data> {
        self.process_tls_records(incoming)
    }
}

/// Encrypted output is produced at most this far ahead of the socket.
const OUT_AHEAD: usize = 64 * 1024;
/// One socket read under TLS: a whole record of the largest size (16 KiB of payload
/// plus header, padding and tag) fits.
const READ_SIZE: usize = 18 * 1024 + 512;

/// The connection's side of a session's I/O: ciphertext in and out, and plaintext that
/// was decrypted while the reader's buffer was full.
#[derive(Default)]
struct Bufs {
    incoming: InBuf,
    outgoing: InBuf,
    plain: InBuf,
}

/// Where decrypted bytes go: the reader's buffer up to its limit, the rest to `plain`.
struct Sink<'a> {
    buf: &'a mut InBuf,
    limit: usize,
    got: usize,
}

/// Why [`drive`] stopped.
#[derive(PartialEq, Eq)]
enum Stop {
    /// More records from the peer are needed.
    NeedInput,
    /// Handshake done, nothing left to do with what was received.
    Traffic,
    /// Both sides sent close_notify.
    Closed,
}

/// What [`drive`] may send when the session can carry application data.
struct Send<'a> {
    out: Option<(&'a mut OutQueue, &'a mut Pool)>,
    close_notify: &'a mut bool,
}

/// Runs the session over the received records until it needs more input or can carry
/// application data: decrypted data goes to `sink` (or `plain`), handshake records and
/// (with `send`) encrypted application data and a pending close_notify to `outgoing`.
fn drive<C: Process>(
    c: &mut C,
    bufs: &mut Bufs,
    mut sink: Option<&mut Sink<'_>>,
    send: Option<Send<'_>>,
    peer_closed: &mut bool,
) -> Result<Stop, rustls::Error> {
    let Bufs {
        incoming,
        outgoing,
        plain,
    } = bufs;
    let mut send = send;
    loop {
        let st = c.process(incoming.data_mut());
        let discard = st.discard;
        let step: Result<Option<Stop>, rustls::Error> = match st.state {
            Err(e) => Err(e),
            Ok(ConnectionState::ReadTraffic(mut r)) => {
                let mut res = Ok(None);
                while let Some(rec) = r.next_record() {
                    match rec {
                        Ok(rec) => deliver(rec.payload, sink.as_deref_mut(), plain),
                        Err(e) => {
                            res = Err(e);
                            break;
                        }
                    }
                }
                res
            }
            Ok(ConnectionState::EncodeTlsData(mut e)) => {
                // Encoding fails only for want of room, which `put_records` gives.
                let _ = put_records(outgoing, 1024, |b| e.encode(b).or_else(encode_short));
                Ok(None)
            }
            Ok(ConnectionState::TransmitTlsData(t)) => {
                // The records are in `outgoing` and go out, in order, with the next
                // flush: for rustls they count as transmitted.
                t.done();
                Ok(None)
            }
            Ok(ConnectionState::BlockedHandshake) => Ok(Some(Stop::NeedInput)),
            Ok(ConnectionState::WriteTraffic(mut w)) => {
                let mut res = Ok(Some(Stop::Traffic));
                if let Some(send) = send.as_mut() {
                    if let Some((out, pool)) = send.out.as_mut() {
                        while outgoing.len() < OUT_AHEAD {
                            let Some(chunk) = out.slices().next() else {
                                break;
                            };
                            let take = chunk.len().min(OUT_AHEAD);
                            let guess = take + take / 512 + 64;
                            let put = put_records(outgoing, guess, |b| {
                                w.encrypt(&chunk[..take], b).map_err(encrypt_short)
                            });
                            match put {
                                Ok(_) => out.consume(take, pool),
                                Err(e) => {
                                    res = Err(rustls::Error::General(e));
                                    break;
                                }
                            }
                        }
                    }
                    if res.is_ok()
                        && *send.close_notify
                        && !send.out.as_ref().is_some_and(|(o, _)| !o.is_empty())
                    {
                        // Best effort: a session that cannot encrypt any more ends without it.
                        let _ = put_records(outgoing, 64, |b| {
                            w.queue_close_notify(b).map_err(encrypt_short)
                        });
                        *send.close_notify = false;
                    }
                }
                res
            }
            Ok(ConnectionState::PeerClosed) => {
                *peer_closed = true;
                Ok(None)
            }
            Ok(ConnectionState::Closed) => Ok(Some(Stop::Closed)),
            Ok(_) => Err(rustls::Error::General("unexpected early data".into())),
        };
        incoming.consume(discard);
        if let Some(stop) = step? {
            return Ok(stop);
        }
    }
}

/// After a failure, collects the alert rustls queued for the peer (it is handed out
/// before the failure is reported again).
fn harvest_alert<C: Process>(c: &mut C, incoming: &mut InBuf, outgoing: &mut InBuf) {
    for _ in 0..4 {
        // The same (partly discarded) buffer as before: rustls keeps offsets into it.
        let st = c.process(incoming.data_mut());
        let Ok(ConnectionState::EncodeTlsData(mut e)) = st.state else {
            return;
        };
        let _ = put_records(outgoing, 64, |b| e.encode(b).or_else(encode_short));
    }
}

/// Why rustls wrote no records into the room it was given.
enum Short {
    /// It needs this many bytes of room.
    Room(usize),
    /// It cannot write them at all.
    Failed(String),
}

/// `encode`'s error as a [`Short`] (a record already encoded is nothing to write).
fn encode_short(e: EncodeError) -> Result<usize, Short> {
    match e {
        EncodeError::InsufficientSize(s) => Err(Short::Room(s.required_size)),
        EncodeError::AlreadyEncoded => Ok(0),
    }
}

/// `encrypt`'s and `queue_close_notify`'s error as a [`Short`].
fn encrypt_short(e: EncryptError) -> Short {
    match e {
        EncryptError::InsufficientSize(s) => Short::Room(s.required_size),
        e => Short::Failed(e.to_string()),
    }
}

/// Lets `write` put records into the spare room of `outgoing`, first `guess` bytes of
/// it, then as much as rustls says it needs, and counts what it wrote.
fn put_records(
    outgoing: &mut InBuf,
    guess: usize,
    mut write: impl FnMut(&mut [u8]) -> Result<usize, Short>,
) -> Result<usize, String> {
    let mut room = guess;
    loop {
        match write(outgoing.spare(room)) {
            Ok(n) => {
                outgoing.commit(n);
                return Ok(n);
            }
            Err(Short::Room(n)) => room = n,
            Err(Short::Failed(e)) => return Err(e),
        }
    }
}

/// Hands decrypted bytes to the reader's buffer, up to its limit; the rest waits in
/// `plain` for the next read.
fn deliver(data: &[u8], sink: Option<&mut Sink<'_>>, plain: &mut InBuf) {
    let mut data = data;
    if let Some(s) = sink {
        if plain.is_empty() {
            let room = s.limit.saturating_sub(s.buf.len()).min(data.len());
            s.buf.extend(&data[..room]);
            s.got += room;
            data = &data[room..];
        }
    }
    if !data.is_empty() {
        plain.extend(data);
    }
}

thread_local! {
    /// The SNI of the ClientHello being processed on this thread (set by [`SniProbe`]).
    static SNI: RefCell<Option<Box<str>>> = const { RefCell::new(None) };
    /// Server configurations with [`SniProbe`] in front of their certificate resolver,
    /// by the configuration they were made from (which they keep alive).
    static PROBED: RefCell<Vec<(Arc<ServerConfig>, Arc<ServerConfig>)>> = const { RefCell::new(Vec::new()) };
}

/// Records the server name a client asks for, then lets the configured resolver choose
/// the certificate. (rustls's unbuffered server session does not keep the name.)
#[derive(Debug)]
struct SniProbe(Arc<dyn ResolvesServerCert>);

impl ResolvesServerCert for SniProbe {
    fn resolve(
        &self,
        hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        SNI.with(|s| *s.borrow_mut() = hello.server_name().map(Box::from));
        self.0.resolve(hello)
    }
    fn only_raw_public_keys(&self) -> bool {
        self.0.only_raw_public_keys()
    }
}

/// `cfg` with [`SniProbe`] in front of its resolver (made once per configuration; the
/// last 16 configurations are remembered).
fn probed(cfg: Arc<ServerConfig>) -> Arc<ServerConfig> {
    PROBED.with(|p| {
        let mut p = p.borrow_mut();
        if let Some((_, done)) = p.iter().find(|(orig, _)| Arc::ptr_eq(orig, &cfg)) {
            return done.clone();
        }
        let mut c = (*cfg).clone();
        c.cert_resolver = Arc::new(SniProbe(c.cert_resolver.clone()));
        let done = Arc::new(c);
        if p.len() >= 16 {
            p.remove(0);
        }
        p.push((cfg, done.clone()));
        done
    })
}

/// A TLS session on a connection. Bytes queued before the session started (the
/// plaintext `<proceed/>` of STARTTLS) go out first, unencrypted; then the session is
/// active and every byte passes through rustls.
pub(crate) struct TlsSession {
    session: Session,
    bufs: Bufs,
    pre: OutQueue,
    active: bool,
    peer_closed: bool,
    close_notify: bool,
    /// The session failed (the error was reported; the alert, if any, is queued).
    failed: bool,
    sni: Option<Box<str>>,
}

impl TlsSession {
    pub(crate) fn new(session: Session, pre: OutQueue) -> TlsSession {
        let active = pre.is_empty();
        TlsSession {
            session,
            bufs: Bufs::default(),
            pre,
            active,
            peer_closed: false,
            close_notify: false,
            failed: false,
            sni: None,
        }
    }

    pub(crate) fn active(&self) -> bool {
        self.active
    }

    pub(crate) fn pending(&self) -> usize {
        self.pre.len() + self.bufs.outgoing.len()
    }

    fn common(&self) -> &rustls::CommonState {
        match &self.session {
            Session::Client(c) => c,
            Session::Server(s) => s,
        }
    }

    pub(crate) fn is_handshaking(&self) -> bool {
        self.common().is_handshaking()
    }

    pub(crate) fn server_name(&self) -> Option<&str> {
        self.sni.as_deref()
    }

    pub(crate) fn alpn(&self) -> Option<&[u8]> {
        self.common().alpn_protocol()
    }

    pub(crate) fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.common().peer_certificates()
    }

    /// Queues a close_notify alert after what is queued (a session still shaking hands
    /// has no keys to send one with, and ends without it).
    pub(crate) fn send_close_notify(&mut self) {
        self.close_notify = !self.is_handshaking();
    }

    /// Runs the session (see [`drive`]); after a failure it only fails again.
    fn drive(
        &mut self,
        sink: Option<&mut Sink<'_>>,
        send: Option<(&mut OutQueue, &mut Pool)>,
    ) -> io::Result<Stop> {
        if self.failed {
            return Err(tls_error(rustls::Error::General(
                "TLS session failed".into(),
            )));
        }
        let probe = matches!(self.session, Session::Server(_))
            && self.sni.is_none()
            && self.is_handshaking();
        if probe {
            SNI.with(|s| s.borrow_mut().take());
        }
        let send = send.map(|out| Send {
            out: Some(out),
            close_notify: &mut self.close_notify,
        });
        // A panic inside rustls on hostile input must not take the loop down: it ends
        // this session as a failure (the session is not used again).
        let r =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &mut self.session {
                Session::Client(c) => drive(c, &mut self.bufs, sink, send, &mut self.peer_closed),
                Session::Server(s) => drive(s, &mut self.bufs, sink, send, &mut self.peer_closed),
            }))
            .unwrap_or_else(|_| {
                self.failed = true;
                Err(rustls::Error::General("internal TLS failure".into()))
            });
        if probe {
            self.sni = SNI.with(|s| s.borrow_mut().take());
        }
        if r.is_err() && !self.failed {
            self.failed = true;
            let Bufs {
                incoming, outgoing, ..
            } = &mut self.bufs;
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match &mut self.session {
                    Session::Client(c) => harvest_alert(c, incoming, outgoing),
                    Session::Server(s) => harvest_alert(s, incoming, outgoing),
                }
            }));
        }
        r.map_err(tls_error)
    }

    /// Tries once to send what is ready (the alert after a failure), without waiting.
    fn send_alert(&mut self, sock: &mut Socket) {
        if !self.bufs.outgoing.is_empty() {
            let _ = sock.write(self.bufs.outgoing.data());
        }
    }

    pub(crate) fn read_into(
        &mut self,
        sock: &mut Socket,
        buf: &mut InBuf,
        limit: usize,
    ) -> io::Result<Result<(usize, bool), ReadEnd>> {
        let mut sink = Sink { buf, limit, got: 0 };
        // Bytes decrypted earlier, while the buffer was full, come first.
        if !self.bufs.plain.is_empty() {
            let room = limit
                .saturating_sub(sink.buf.len())
                .min(self.bufs.plain.len());
            sink.buf.extend(&self.bufs.plain.data()[..room]);
            self.bufs.plain.consume(room);
            self.bufs.plain.release_if_empty();
            sink.got = room;
            if !self.bufs.plain.is_empty() {
                return Ok(if room > 0 {
                    Ok((room, false))
                } else {
                    Err(ReadEnd::Full)
                });
            }
        }
        loop {
            if sink.buf.len() >= limit {
                return Ok(if sink.got > 0 {
                    Ok((sink.got, false))
                } else {
                    Err(ReadEnd::Full)
                });
            }
            if !self.bufs.incoming.is_empty() {
                if let Err(e) = self.drive(Some(&mut sink), None) {
                    self.bufs.incoming.release();
                    self.send_alert(sock);
                    return Err(e);
                }
                self.bufs.incoming.release_if_empty();
            }
            if sink.got > 0 {
                return Ok(Ok((sink.got, false)));
            }
            if self.peer_closed {
                return Ok(Err(ReadEnd::Eof));
            }
            let room = self.bufs.incoming.spare(READ_SIZE);
            let cap = READ_SIZE.min(room.len());
            let room = &mut room[..cap];
            match sock.read(room) {
                Ok(0) => {
                    self.bufs.incoming.release();
                    return Ok(Err(ReadEnd::Eof));
                }
                Ok(n) => self.bufs.incoming.commit(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.bufs.incoming.release_if_empty();
                    return Ok(Err(ReadEnd::WouldBlock));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn flush(
        &mut self,
        sock: &mut Socket,
        out: &mut OutQueue,
        pool: &mut Pool,
    ) -> io::Result<bool> {
        if !self.active {
            if !self.pre.write_to(sock, pool)? {
                return Ok(false);
            }
            self.active = true;
            self.pre = OutQueue::default();
        }
        loop {
            if self.bufs.outgoing.len() < OUT_AHEAD {
                if let Err(e) = self.drive(None, Some((out, pool))) {
                    self.send_alert(sock);
                    return Err(e);
                }
            }
            if self.bufs.outgoing.is_empty() {
                self.bufs.outgoing.release();
                return Ok(out.is_empty() && !self.close_notify);
            }
            match sock.write(self.bufs.outgoing.data()) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.bufs.outgoing.consume(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Builds a client session for `server_name` (a DNS name or an IP address literal).
pub(crate) fn client_session(cfg: Arc<ClientConfig>, server_name: &str) -> io::Result<Session> {
    let name = ServerName::try_from(server_name.to_owned()).map_err(invalid)?;
    let c = UnbufferedClientConnection::new(cfg, name).map_err(invalid)?;
    Ok(Session::Client(c))
}

/// Builds a server session.
pub(crate) fn server_session(cfg: Arc<ServerConfig>) -> io::Result<Session> {
    let c = UnbufferedServerConnection::new(probed(cfg)).map_err(invalid)?;
    Ok(Session::Server(c))
}
