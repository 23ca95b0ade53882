// cargo run --release --example upload [ADDR]
//! Streams an upload (chunked or with a length, any size) and answers with its
//! size and SHA-256, without holding the body in memory:
//!
//! ```text
//! curl -s -T big.iso localhost:8080/
//! ```

use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::rc::Rc;

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let server = jaxl::http::create_server(|req, res| {
        let state = Rc::new(RefCell::new((0u64, Sha256::new())));
        let feed = state.clone();
        req.on_data(move |piece| {
            let mut s = feed.borrow_mut();
            s.0 += piece.len() as u64;
            s.1.update(piece);
        });
        req.on_end(move || {
            let (size, hasher) = state.replace((0, Sha256::new()));
            let digest: String = hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            res.write_head(200, &[("Content-Type", "text/plain")]);
            res.end(format!("{size} bytes\nsha256 {digest}\n"));
        });
    })
    .listen(addr.as_str())?;
    println!(
        "Upload server at http://{}/",
        server.local_addr().map_or(addr, |a| a.to_string())
    );
    server.run()
}
