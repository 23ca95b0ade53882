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
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use std::io::{self, Write};
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
    /// Load the operating system's certificate store (via `rustls-native-certs`).
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

/// A client configuration that verifies servers against `roots`.
///
/// Fails with `InvalidInput` when no trust anchor could be loaded (an empty system store
/// and no usable extra CA), since such a client could verify nobody.
pub fn client_config(roots: &Roots) -> io::Result<Arc<ClientConfig>> {
    let mut store = rustls::RootCertStore::empty();
    if roots.system {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            log::debug!("system certificate store: {e}");
        }
        store.add_parsable_certificates(found.certs);
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

/// A TLS session on a connection. Bytes queued before the session started (the
/// plaintext `<proceed/>` of STARTTLS) go out first, unencrypted; then the session is
/// active and every byte passes through rustls.
pub(crate) struct TlsSession {
    conn: rustls::Connection,
    pre: OutQueue,
    active: bool,
}

impl TlsSession {
    pub(crate) fn new(conn: rustls::Connection, pre: OutQueue) -> TlsSession {
        let active = pre.is_empty();
        TlsSession { conn, pre, active }
    }

    pub(crate) fn active(&self) -> bool {
        self.active
    }

    pub(crate) fn pending(&self) -> usize {
        self.pre.len() + usize::from(self.conn.wants_write())
    }

    pub(crate) fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    pub(crate) fn server_name(&self) -> Option<&str> {
        match &self.conn {
            rustls::Connection::Server(s) => s.server_name(),
            rustls::Connection::Client(_) => None,
        }
    }

    pub(crate) fn alpn(&self) -> Option<&[u8]> {
        self.conn.alpn_protocol()
    }

    pub(crate) fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> bool {
        self.conn
            .export_keying_material(out, label, context)
            .is_ok()
    }

    pub(crate) fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.conn.peer_certificates()
    }

    pub(crate) fn send_close_notify(&mut self) {
        self.conn.send_close_notify();
    }

    pub(crate) fn read_into(
        &mut self,
        sock: &mut Socket,
        buf: &mut InBuf,
        limit: usize,
    ) -> io::Result<Result<(usize, bool), ReadEnd>> {
        let mut got = 0;
        loop {
            // Hand over decrypted bytes first.
            if buf.len() >= limit {
                return Ok(if got > 0 {
                    Ok((got, false))
                } else {
                    Err(ReadEnd::Full)
                });
            }
            let mut reader = self.conn.reader();
            match buf.read_from(&mut reader, limit) {
                Ok(Ok((n, _))) => {
                    got += n;
                    continue;
                }
                Ok(Err(ReadEnd::Full)) => {
                    return Ok(if got > 0 {
                        Ok((got, false))
                    } else {
                        Err(ReadEnd::Full)
                    })
                }
                Ok(Err(ReadEnd::Eof)) => {
                    // close_notify received: a clean end of stream.
                    return Ok(if got > 0 {
                        Ok((got, false))
                    } else {
                        Err(ReadEnd::Eof)
                    });
                }
                Ok(Err(ReadEnd::WouldBlock)) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(if got > 0 {
                        Ok((got, false))
                    } else {
                        Err(ReadEnd::Eof)
                    });
                }
                Err(e) => return Err(e),
            }
            if got > 0 && !self.conn.wants_read() {
                return Ok(Ok((got, false)));
            }
            match self.conn.read_tls(sock) {
                Ok(0) => {
                    return Ok(if got > 0 {
                        Ok((got, false))
                    } else {
                        Err(ReadEnd::Eof)
                    })
                }
                Ok(_) => {
                    if let Err(e) = self.conn.process_new_packets() {
                        // Try to tell the peer (the alert is queued by rustls).
                        let _ = self.conn.write_tls(sock);
                        return Err(tls_error(e));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(if got > 0 {
                        Ok((got, false))
                    } else {
                        Err(ReadEnd::WouldBlock)
                    });
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
        }
        loop {
            while !out.is_empty() {
                let Some(s) = out.slices().next() else { break };
                let n = self.conn.writer().write(s)?;
                if n == 0 {
                    break;
                }
                out.consume(n, pool);
            }
            if !self.conn.wants_write() {
                return Ok(out.is_empty());
            }
            match self.conn.write_tls(sock) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Builds a client session for `server_name` (a DNS name or an IP address literal).
pub(crate) fn client_session(
    cfg: Arc<ClientConfig>,
    server_name: &str,
) -> io::Result<rustls::Connection> {
    let name = ServerName::try_from(server_name.to_owned()).map_err(invalid)?;
    let c = rustls::ClientConnection::new(cfg, name).map_err(invalid)?;
    Ok(rustls::Connection::Client(c))
}

/// Builds a server session.
pub(crate) fn server_session(cfg: Arc<ServerConfig>) -> io::Result<rustls::Connection> {
    let c = rustls::ServerConnection::new(cfg).map_err(invalid)?;
    Ok(rustls::Connection::Server(c))
}
