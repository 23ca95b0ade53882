// XMPP_JID=bot@example.com XMPP_PASSWORD=secret cargo run --example broadcast_bot -- "Server maintenance at 22:00"
//! Sends one message to every contact of its roster, online or not (the server stores
//! it for offline contacts), then ends its stream and exits once everything is written.
//!
//! Environment: `XMPP_JID`, `XMPP_PASSWORD`, optional `XMPP_HOST` (else the JID
//! domain's DNS SRV records, else the domain itself), `XMPP_PORT`, `XMPP_CA_FILE`,
//! `XMPP_INSECURE_TLS=1`. The message is the first argument (or
//! `BROADCAST_MESSAGE`). One-shot: it does not reconnect.

use jaxl::xmpp::client::{self, ClientConfig, DisconnectReason, Reconnect};
use std::cell::Cell;
use std::rc::Rc;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let body = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("BROADCAST_MESSAGE").ok())
        .unwrap_or_default();
    if body.is_empty() {
        eprintln!("broadcast_bot: give the message as the first argument or BROADCAST_MESSAGE");
        std::process::exit(2);
    }
    let mut config = match ClientConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("broadcast_bot: {e}");
            std::process::exit(2);
        }
    };
    config.reconnect = Reconnect::never();
    config.initial_presence = false; // a broadcaster is not "online" for chats
    let ok = Rc::new(Cell::new(false));
    let ok2 = ok.clone();

    let result = client::run(config, move |b| {
        b.on_online(move |s| {
            let contacts: Vec<_> = s.roster().items().map(|i| i.jid.clone()).collect();
            log::info!("sending to {} contacts", contacts.len());
            for jid in &contacts {
                s.send_chat(jid, &body);
            }
            // The stream end is queued after the messages; the connection closes once
            // all of it is written.
            s.disconnect();
        })
        .on_disconnect(move |s, reason| {
            if *reason == DisconnectReason::Local {
                log::info!("all messages written; done");
                ok2.set(true);
            } else {
                log::error!("stopped before finishing: {reason}");
            }
            s.cx().stop();
        })
        .on_connect_error(|s, reason| {
            log::error!("could not connect: {reason}");
            s.cx().stop();
        })
    });
    if let Err(e) = result {
        eprintln!("broadcast_bot: {e}");
    }
    std::process::exit(if ok.get() { 0 } else { 1 });
}
