// cargo run --release --example hello_world [ADDR]
//! The node.js hello world: answers every request with `Hello World`.

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let server = jaxl::http::create_server(|_req, res| {
        res.write_head(200, &[("Content-Type", "text/plain")]);
        res.end("Hello World\n");
    })
    .listen(addr.as_str())?;
    println!(
        "Server running at http://{}/",
        server.local_addr().map_or(addr, |a| a.to_string())
    );
    server.run()
}
