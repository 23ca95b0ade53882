// XMPP_JID=bot@example.com XMPP_PASSWORD=secret MUC_ROOM=room@conference.example.com cargo run --example muc_log_bot
//! Joins a multi-user chat room (XEP-0045) and logs every message with its sender and,
//! for the history the room replays on join, the original time (XEP-0203 delay).
//!
//! Environment: the usual `XMPP_*` account variables, `MUC_ROOM` (the room's bare JID),
//! `MUC_NICK` (default `logbot`), `MUC_PASSWORD` (if the room has one), `MUC_HISTORY`
//! (history messages to ask for, default 20). Runs until Ctrl-C; rejoins after a
//! reconnection.

use jaxl::xmpp::client::{self, xep, ClientConfig, Delay, MucJoin};
use jaxl::xmpp::Jid;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let fail = |e: String| -> ! {
        eprintln!("muc_log_bot: {e}");
        std::process::exit(2)
    };
    let config = ClientConfig::from_env().unwrap_or_else(|e| fail(e));
    let room = std::env::var("MUC_ROOM")
        .map_err(|_| "MUC_ROOM is not set".to_owned())
        .and_then(|r| Jid::new(&r).map_err(|e| format!("MUC_ROOM: {e}")))
        .unwrap_or_else(|e| fail(e));
    let nick = std::env::var("MUC_NICK").unwrap_or_else(|_| "logbot".into());
    let opts = MucJoin {
        password: std::env::var("MUC_PASSWORD").ok(),
        max_stanzas: Some(
            std::env::var("MUC_HISTORY")
                .ok()
                .and_then(|h| h.parse().ok())
                .unwrap_or(20),
        ),
        seconds: None,
    };

    let room2 = room.clone();
    let result = client::run(config, move |b| {
        b.on_online(move |s| {
            log::info!("joining {room} as {nick}");
            if !s.muc_join(&room, &nick, &opts) {
                log::error!("invalid nick {nick:?}");
                s.cx().stop();
            }
        })
        .on_presence(move |_, p| {
            let from = p.from().unwrap_or("?");
            if p.from_jid()
                .and_then(Result::ok)
                .is_some_and(|j| j.bare() == room2)
            {
                let codes = xep::muc_status_codes(p.as_element());
                if codes.contains(&110) {
                    log::info!("joined {from}");
                } else {
                    log::info!("occupant {from} is {:?}", p.type_());
                }
                if let Some(e) = p.error() {
                    log::error!("room refused us: {}", e.condition);
                }
            }
        })
        .on_groupchat_message(|_, m| {
            let who = m
                .from_jid()
                .and_then(Result::ok)
                .and_then(|j| j.resource().map(str::to_owned))
                .unwrap_or_else(|| "(room)".into());
            let when = Delay::from_stanza(m.as_element())
                .map(|d| format!(" [sent {}]", d.stamp))
                .unwrap_or_default();
            if let Some(subject) = m.subject() {
                log::info!("subject by {who}{when}: {subject}");
            }
            if let Some(body) = m.body() {
                log::info!("<{who}>{when} {body}");
            }
        })
        .on_disconnect(|_, r| log::warn!("disconnected: {r}"))
    });
    match result {
        Ok(()) => log::info!("stopped"),
        Err(e) => fail(e.to_string()),
    }
}
