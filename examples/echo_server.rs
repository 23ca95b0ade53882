//! cargo run --release --example echo_server [ADDR]
//!
//! Echoes every byte back (default address 127.0.0.1:7000). Try it with
//! `nc 127.0.0.1 7000`. Ctrl-C stops it gracefully.

use jaxl::core::{Context, Handler, Loop};

struct Echo;

impl Handler for Echo {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        // Queue what arrived; the loop writes it after this callback.
        let input = cx.input();
        cx.write(input);
        let n = input.len();
        cx.consume(n);
    }
}

fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7000".into());
    let mut ev = Loop::new()?;
    let l = ev.listen_tcp(addr.as_str(), |peer| {
        log::debug!("connection from {peer}");
        Echo
    })?;
    log::info!(
        "echo server listening on {}",
        ev.local_addr(l).map_or(addr, |a| a.to_string())
    );
    ev.run()?;
    log::info!("stopped");
    Ok(())
}
