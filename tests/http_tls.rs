//! HTTPS with a rustls client against `listen_tls`, certificates made at test time.
#![cfg(feature = "tls")]

mod support;

use jaxl::core::tls::{self, Roots};
use jaxl::http::create_server;
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::sync::{mpsc, Arc};
use std::time::Duration;
use support::{loop_config, read_response};

fn pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    (ca_cert.pem(), leaf.pem(), leaf_key.serialize_pem())
}

#[test]
fn https_keep_alive_with_rustls_client() {
    let (ca, cert, key) = pki();
    let server_cfg = tls::server_config_from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let server = create_server(|req, res| {
            res.write_head(200, &[("Content-Type", "text/plain")]);
            res.end(format!("secure {}\n", req.path()));
        })
        .loop_config(loop_config())
        .listen_tls("127.0.0.1:0", server_cfg)
        .unwrap();
        tx.send((server.local_addr().unwrap(), server.handle().unwrap()))
            .unwrap();
        server.run()
    });
    let (addr, handle) = rx.recv_timeout(Duration::from_secs(10)).unwrap();

    let client_cfg: Arc<tls::ClientConfig> =
        tls::client_config(&Roots::default().with_ca_pem(ca.as_bytes())).unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(client_cfg, name).unwrap();
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut stream = rustls::StreamOwned::new(conn, sock);
    for i in 0..3 {
        write!(stream, "GET /p{i} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        stream.flush().unwrap();
        let mut r = BufReader::new(&mut stream);
        let resp = read_response(&mut r, false).unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.text(), format!("secure /p{i}\n"));
    }
    handle.stop().unwrap();
    thread.join().unwrap().unwrap();
}
