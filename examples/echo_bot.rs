// XMPP_JID=bot@example.com XMPP_PASSWORD=secret cargo run --example echo_bot
//! Echoes every chat message back to its sender and accepts every subscription request
//! (subscribing back), so anyone can add the bot and talk to it.
//!
//! Environment: `XMPP_JID`, `XMPP_PASSWORD`, optional `XMPP_HOST` (else the JID
//! domain's DNS SRV records, else the domain itself), `XMPP_PORT`, `XMPP_CA_FILE`,
//! `XMPP_INSECURE_TLS=1` (development only); `RUST_LOG=info` to see what it does.
//! Runs until Ctrl-C; reconnects by itself when the server goes away.

use jaxl::xmpp::client::{self, ChatState, ClientConfig};

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let mut config = match ClientConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("echo_bot: {e}");
            std::process::exit(2);
        }
    };
    config.auto_accept_subscriptions = true;

    let result = client::run(config, |b| {
        b.on_online(|s| {
            log::info!(
                "online as {}; roster has {} contacts",
                s.jid(),
                s.roster().len()
            )
        })
        .on_chat_message(|s, msg| {
            // Chat-state-only messages ("is typing") have no body: nothing to echo.
            let Some(body) = msg.body() else { return };
            if let Some(Ok(from)) = msg.from_jid() {
                s.send_chat_state(&from, ChatState::Active);
            }
            s.reply(msg, &body);
        })
        .on_presence(|_, p| log::info!("presence {:?} from {}", p.type_(), p.from().unwrap_or("?")))
        .on_auth_failure(|s, f| {
            log::error!("authentication failed: {f}; stopping");
            s.cx().stop();
        })
        .on_disconnect(|_, reason| log::warn!("disconnected: {reason}"))
    });
    match result {
        Ok(()) => log::info!("stopped (Ctrl-C or a fatal error above)"),
        Err(e) => {
            eprintln!("echo_bot: {e}");
            std::process::exit(1);
        }
    }
}
