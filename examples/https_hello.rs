// cargo run --example https_hello [ADDR]
//! Hello world over TLS. A throwaway CA and a `localhost` certificate are made at
//! start; once listening, the CA is written to the working directory as
//! `https_hello_ca.pem` so a client can trust it:
//!
//! ```text
//! curl --cacert https_hello_ca.pem https://localhost:8443/
//! ```

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8443".into());
    // A CA that signs one leaf for localhost, both generated now.
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct names: a leaf whose issuer equals its subject looks self-signed to OpenSSL.
    ca.distinguished_name
        .push(DnType::CommonName, "jaxl https_hello throwaway CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate()?;
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let mut leaf = CertificateParams::new(names)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf = leaf.signed_by(&leaf_key, &issuer)?;
    let tls = jaxl::core::tls::server_config_from_pem(
        leaf.pem().as_bytes(),
        leaf_key.serialize_pem().as_bytes(),
    )?;

    let server = jaxl::http::create_server(|_req, res| {
        res.write_head(200, &[("Content-Type", "text/plain")]);
        res.end("Hello World\n");
    })
    .listen_tls(addr.as_str(), tls)?;
    std::fs::write("https_hello_ca.pem", ca_cert.pem())?;
    let port = server.local_addr().map_or(8443, |a| a.port());
    println!("Server running at https://localhost:{port}/ (CA in https_hello_ca.pem)");
    server.run()?;
    Ok(())
}
