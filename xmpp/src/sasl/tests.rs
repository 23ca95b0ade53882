use super::*;

struct Vector {
    hash: ScramHash,
    cnonce: &'static str,
    snonce: &'static str,
    salt: &'static str,
    client_first: &'static str,
    server_first: &'static str,
    client_final: &'static str,
    server_final: &'static str,
}

/// RFC 5802 §5 (SCRAM-SHA-1) and RFC 7677 §3 (SCRAM-SHA-256).
const VECTORS: &[Vector] = &[
    Vector {
        hash: ScramHash::Sha1,
        cnonce: "fyko+d2lbbFgONRv9qkxdawL",
        snonce: "3rfcNHYJY1ZVvWVs7j",
        salt: "QSXCR+Q6sek8bf92",
        client_first: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
        server_first: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        client_final: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        server_final: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
    },
    Vector {
        hash: ScramHash::Sha256,
        cnonce: "rOprNGfwEbeRWgbNEkqO",
        snonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        salt: "W22ZaJ0SNY7soEsUEjb6gQ==",
        client_first: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
        server_first: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        client_final: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        server_final: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
    },
];

fn salt(v: &Vector) -> Vec<u8> {
    decode_payload(v.salt).unwrap()
}

#[test]
fn rfc_vectors_client() {
    for v in VECTORS {
        let mut c = ScramClient::with_nonce(v.hash, "user", "pencil", None, v.cnonce);
        assert_eq!(c.client_first(), v.client_first.as_bytes());
        let fin = c.handle_server_first(v.server_first.as_bytes()).unwrap();
        assert_eq!(std::str::from_utf8(&fin).unwrap(), v.client_final);
        c.handle_server_final(v.server_final.as_bytes()).unwrap();
        assert!(c.is_done());
    }
}

#[test]
fn rfc_vectors_server() {
    for v in VECTORS {
        let creds = StoredCredentials::derive_with(v.hash, "pencil", &salt(v), 4096);
        let mut s = ServerScram::start(v.hash, v.client_first.as_bytes()).unwrap();
        assert_eq!(s.username(), "user");
        assert_eq!(s.authzid(), None);
        let first = s.server_first_with_nonce(&creds, v.snonce).unwrap();
        assert_eq!(std::str::from_utf8(&first).unwrap(), v.server_first);
        let fin = s.handle_client_final(v.client_final.as_bytes()).unwrap();
        assert_eq!(std::str::from_utf8(&fin).unwrap(), v.server_final);
    }
}

#[test]
fn wrong_password_fails_on_server() {
    for v in VECTORS {
        let creds = StoredCredentials::derive_with(v.hash, "other", &salt(v), 4096);
        let mut s = ServerScram::start(v.hash, v.client_first.as_bytes()).unwrap();
        s.server_first_with_nonce(&creds, v.snonce).unwrap();
        assert_eq!(
            s.handle_client_final(v.client_final.as_bytes()),
            Err(SaslError::AuthenticationFailed)
        );
    }
}

#[test]
fn forged_server_signature_is_rejected() {
    let v = &VECTORS[1];
    let mut c = ScramClient::with_nonce(v.hash, "user", "pencil", None, v.cnonce);
    c.client_first();
    c.handle_server_first(v.server_first.as_bytes()).unwrap();
    let forged = "v=AAAAZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    assert_eq!(
        c.handle_server_final(forged.as_bytes()),
        Err(SaslError::ServerSignatureMismatch)
    );
}

#[test]
fn round_trip_with_escaped_names_and_authzid() {
    for hash in [ScramHash::Sha1, ScramHash::Sha256] {
        let creds = StoredCredentials::derive_with(hash, "p,w=d", b"NaCl", 16);
        let mut c = ScramClient::new(hash, "a=b,c", "p,w=d", Some("x,y")).unwrap();
        let mut s = ServerScram::start(hash, &c.client_first()).unwrap();
        assert_eq!(s.username(), "a=b,c");
        assert_eq!(s.authzid(), Some("x,y"));
        let ch = s.server_first(&creds).unwrap();
        let resp = c.handle_server_first(&ch).unwrap();
        let ok = s.handle_client_final(&resp).unwrap();
        c.handle_server_final(&ok).unwrap();
    }
}

#[test]
fn server_first_errors() {
    let cases: &[(&str, SaslError)] = &[
        ("", SaslError::Malformed),
        ("garbage", SaslError::Malformed),
        ("m=ext,r=abcX,s=QQ==,i=1", SaslError::UnsupportedExtension),
        ("r=zzz,s=QQ==,i=4096", SaslError::NonceMismatch),
        ("r=abc,s=QQ==,i=4096", SaslError::NonceMismatch),
        ("r=abcX,s=!!,i=4096", SaslError::InvalidBase64),
        ("r=abcX,s=QQ==,i=0", SaslError::IterationsOutOfRange),
        (
            "r=abcX,s=QQ==,i=4294967295",
            SaslError::IterationsOutOfRange,
        ),
        ("r=abcX,s=QQ==,i=-1", SaslError::Malformed),
        ("r=abcX,s=QQ==", SaslError::Malformed),
        ("r=abcX,,i=1", SaslError::Malformed),
        ("r=abcX,s=QQ==,i=1,", SaslError::Malformed),
        ("é=abcX", SaslError::Malformed),
    ];
    for (msg, want) in cases {
        let mut c = ScramClient::with_nonce(ScramHash::Sha256, "u", "p", None, "abc");
        c.client_first();
        assert_eq!(
            &c.handle_server_first(msg.as_bytes()).unwrap_err(),
            want,
            "{msg:?}"
        );
    }
    let mut c = ScramClient::with_nonce(ScramHash::Sha256, "u", "p", None, "abc");
    c.client_first();
    assert_eq!(
        c.handle_server_first(b"\xff\xfe"),
        Err(SaslError::InvalidUtf8)
    );
}

#[test]
fn server_final_errors() {
    let v = &VECTORS[0];
    for (msg, want) in [
        (
            "e=invalid-proof",
            SaslError::ServerError("invalid-proof".into()),
        ),
        ("x=1", SaslError::Malformed),
        ("v=!!", SaslError::InvalidBase64),
        ("", SaslError::Malformed),
    ] {
        let mut c = ScramClient::with_nonce(v.hash, "user", "pencil", None, v.cnonce);
        c.client_first();
        c.handle_server_first(v.server_first.as_bytes()).unwrap();
        assert_eq!(
            c.handle_server_final(msg.as_bytes()).unwrap_err(),
            want,
            "{msg:?}"
        );
    }
    let mut c = ScramClient::with_nonce(v.hash, "user", "pencil", None, v.cnonce);
    assert_eq!(
        c.handle_server_final(v.server_final.as_bytes()),
        Err(SaslError::UnexpectedMessage)
    );
}

#[test]
fn client_first_errors() {
    let cases: &[(&[u8], SaslError)] = &[
        (b"", SaslError::Malformed),
        (b"n,,", SaslError::Malformed),
        (b"x,,n=u,r=a", SaslError::Malformed),
        (
            b"p=tls-exporter,,n=u,r=a",
            SaslError::ChannelBindingUnsupported,
        ),
        (b"n,b=x,n=u,r=a", SaslError::Malformed),
        (b"n,,m=x,n=u,r=a", SaslError::UnsupportedExtension),
        (b"n,,n=,r=a", SaslError::Malformed),
        (b"n,,n=u,r=", SaslError::Malformed),
        (b"n,,n=u=2X,r=a", SaslError::Malformed),
        (b"n,,n=u=", SaslError::Malformed),
        (b"n,,r=a,n=u", SaslError::Malformed),
        (b"n,,n=\xff,r=a", SaslError::InvalidUtf8),
    ];
    for (msg, want) in cases {
        assert_eq!(
            &ServerScram::start(ScramHash::Sha1, msg).unwrap_err(),
            want,
            "{msg:?}"
        );
    }
    assert!(ServerScram::start(ScramHash::Sha1, b"y,,n=u,r=a").is_ok());
}

#[test]
fn client_final_errors() {
    let v = &VECTORS[0];
    let creds = StoredCredentials::derive_with(v.hash, "pencil", &salt(v), 4096);
    let good_r = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j";
    let cases = [
        (
            format!("c=eSws,{good_r},p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="),
            SaslError::ChannelBindingMismatch,
        ),
        (
            "c=biws,r=other,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=".to_owned(),
            SaslError::NonceMismatch,
        ),
        (
            format!("c=biws,{good_r},p=AAAA"),
            SaslError::AuthenticationFailed,
        ),
        (format!("c=biws,{good_r}"), SaslError::Malformed),
        (format!("c=biws,{good_r},p=!"), SaslError::InvalidBase64),
        ("garbage".to_owned(), SaslError::Malformed),
    ];
    for (msg, want) in cases {
        let mut s = ServerScram::start(v.hash, v.client_first.as_bytes()).unwrap();
        s.server_first_with_nonce(&creds, v.snonce).unwrap();
        assert_eq!(
            s.handle_client_final(msg.as_bytes()).unwrap_err(),
            want,
            "{msg:?}"
        );
        // The exchange is over after one final message, right or wrong.
        assert_eq!(
            s.handle_client_final(v.client_final.as_bytes()),
            Err(SaslError::UnexpectedMessage)
        );
    }
    let mut s = ServerScram::start(v.hash, v.client_first.as_bytes()).unwrap();
    let wrong_hash = StoredCredentials::derive("pencil", b"s", 1);
    assert_eq!(
        s.server_first(&wrong_hash),
        Err(SaslError::AuthenticationFailed)
    );
}

#[test]
fn plain_parse_and_verify() {
    let creds = StoredCredentials::derive("secret", b"salt", 64);
    let msg = PlainMessage::parse(b"\0tim\0secret").unwrap();
    assert_eq!(msg.username, "tim");
    assert_eq!(msg.authzid, None);
    assert!(creds.verify_password(&msg.password));
    assert!(!creds.verify_password("Secret"));
    let msg = PlainMessage::parse(b"admin\0tim\0secret").unwrap();
    assert_eq!(msg.authzid.as_deref(), Some("admin"));
    assert_eq!(
        PlainMessage::encode(None, "tim", "secret"),
        b"\0tim\0secret"
    );
    assert!(!format!("{msg:?}").contains("secret"));
    for bad in [
        &b""[..],
        b"tim",
        b"\0tim",
        b"\0\0pw",
        b"\0tim\0",
        b"a\0b\0c\0d",
        b"\0t\xffm\0pw",
    ] {
        assert!(PlainMessage::parse(bad).is_err(), "{bad:?}");
    }
    assert!(PlainMessage::parse(&vec![b'a'; 2000]).is_err());
}

#[test]
fn choose_by_preference() {
    let all = ["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "ANONYMOUS"];
    let p = Mechanism::PREFERENCE;
    assert_eq!(choose(all, p, true, true), Some(Mechanism::ScramSha256));
    assert_eq!(
        choose(["PLAIN", "SCRAM-SHA-1"], p, true, true),
        Some(Mechanism::ScramSha1)
    );
    assert_eq!(choose(["PLAIN"], p, true, true), Some(Mechanism::Plain));
    assert_eq!(
        choose(["PLAIN"], p, false, true),
        None,
        "PLAIN only inside TLS"
    );
    assert_eq!(
        choose(["ANONYMOUS", "PLAIN"], p, true, true),
        Some(Mechanism::Plain)
    );
    assert_eq!(
        choose(all, &[Mechanism::Anonymous], false, false),
        Some(Mechanism::Anonymous)
    );
    assert_eq!(choose(all, p, true, false), None, "no password");
    assert_eq!(choose(["DIGEST-MD5", "X-OAUTH2"], p, true, true), None);
    assert_eq!(
        Mechanism::from_name("SCRAM-SHA-1"),
        Some(Mechanism::ScramSha1)
    );
    assert_eq!(Mechanism::from_name("scram-sha-1"), None);
}

#[test]
fn sasl_client_steps() {
    let mut c = SaslClient::new(Mechanism::Plain, Credentials::new("u", "p"));
    assert_eq!(c.initial_response().unwrap().unwrap(), b"\0u\0p");
    assert_eq!(c.challenge(b"x"), Err(SaslError::UnexpectedMessage));
    assert_eq!(c.success(b""), Ok(()));

    let mut c = SaslClient::new(Mechanism::Anonymous, Credentials::new("", ""));
    assert_eq!(c.initial_response().unwrap(), Some(Vec::new()));
    assert_eq!(c.success(b""), Ok(()));

    let mut c = SaslClient::new(Mechanism::ScramSha1, Credentials::new("u", ""));
    assert_eq!(c.initial_response(), Err(SaslError::MissingPassword));

    let mut c = SaslClient::new(Mechanism::ScramSha256, Credentials::new("u", "p"));
    assert_eq!(
        c.success(b"v=AAAA"),
        Err(SaslError::UnexpectedMessage),
        "success before the exchange"
    );
    let first = c.initial_response().unwrap().unwrap();
    assert!(c.initial_response().is_err());
    let creds = StoredCredentials::derive("p", b"salt", 4096);
    let mut s = ServerScram::start(ScramHash::Sha256, &first).unwrap();
    let resp = c.challenge(&s.server_first(&creds).unwrap()).unwrap();
    let fin = s.handle_client_final(&resp).unwrap();
    assert_eq!(c.success(&fin), Ok(()));
}

#[test]
fn payload_encoding() {
    assert_eq!(encode_payload(b""), "=");
    assert_eq!(decode_payload("=").unwrap(), b"");
    assert_eq!(decode_payload("").unwrap(), b"");
    assert_eq!(decode_payload(" biws\n").unwrap(), b"n,,");
    assert_eq!(
        decode_payload(&encode_payload(b"\0a\0b")).unwrap(),
        b"\0a\0b"
    );
    assert_eq!(decode_payload("b!ws"), Err(SaslError::InvalidBase64));
}
