//! SCRAM and PLAIN messages from a hostile peer: errors, never panics.
#![no_main]
use jaxl_xmpp::sasl::{PlainMessage, ScramClient, ScramHash, ServerScram, StoredCredentials};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let hash = if data.first().is_some_and(|b| b & 1 == 1) {
        ScramHash::Sha1
    } else {
        ScramHash::Sha256
    };
    // Client: the server's first and final messages.
    let mut c = ScramClient::with_nonce(hash, "user", "pencil", None, "abc");
    c.client_first();
    let _ = c.handle_server_first(data);
    let _ = c.handle_server_final(data);
    // Server: the client's first and final messages (few iterations: fuzz speed).
    let creds = StoredCredentials::derive_with(hash, "pencil", b"salt", 1);
    if let Ok(mut s) = ServerScram::start(hash, data) {
        let _ = s.server_first_with_nonce(&creds, "xyz");
        let _ = s.handle_client_final(data);
    }
    let _ = PlainMessage::parse(data);
});
