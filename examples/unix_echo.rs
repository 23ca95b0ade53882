//! cargo run --release --example unix_echo [PATH]
//!
//! The echo server on a Unix socket (default `./jaxl-echo.sock`), for IPC between
//! processes. Try it with `nc -U ./jaxl-echo.sock`. The socket file is removed when the
//! server stops (Ctrl-C).

use jaxl::core::{Context, Handler, Loop};

struct Echo;

impl Handler for Echo {
    fn on_data(&mut self, cx: &mut Context<'_>) {
        let bytes = cx.take_input();
        cx.write(&bytes);
    }
}

fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "./jaxl-echo.sock".into());
    let mut ev = Loop::new()?;
    ev.listen_unix(&path, |_peer| Echo)?;
    log::info!("echo server listening on unix:{path}");
    ev.run()?;
    log::info!("stopped");
    Ok(())
}
