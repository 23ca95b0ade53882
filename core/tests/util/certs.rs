//! A throwaway CA and a leaf certificate for "localhost", made at test time.

use std::sync::Arc;

pub struct TestPki {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

pub fn make() -> TestPki {
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

impl TestPki {
    pub fn server(&self) -> Arc<jaxl_core::tls::ServerConfig> {
        jaxl_core::tls::server_config_from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes())
            .unwrap()
    }
    pub fn client(&self) -> Arc<jaxl_core::tls::ClientConfig> {
        jaxl_core::tls::client_config(
            &jaxl_core::tls::Roots::default().with_ca_pem(self.ca_pem.as_bytes()),
        )
        .unwrap()
    }
}
