// XMPP_JID=bot@example.com XMPP_PASSWORD=secret cargo run --example bot_with_http [HTTP_ADDR]
//! One loop running an XMPP bot and an HTTP control API (default 127.0.0.1:8088), so a
//! web application can make the running bot act, with no database in between:
//!
//! ```text
//! curl -s 127.0.0.1:8088/roster
//! curl -s 127.0.0.1:8088/send -d '{"to":"alice@example.com","body":"deploy finished"}'
//! ```
//!
//! `GET /roster` lists the bot's contacts with their subscription and who is online on
//! which resource; `POST /send` with a JSON `{to, body}` makes the bot send a chat
//! message (queued until it is online, if it is not yet). The bot itself answers chat
//! messages with a short help text.
//!
//! Environment: `XMPP_JID`, `XMPP_PASSWORD`, optional `XMPP_HOST` (else the JID
//! domain's DNS SRV records, else the domain itself), `XMPP_PORT`, `XMPP_CA_FILE`,
//! `XMPP_INSECURE_TLS=1` (development only). Runs until Ctrl-C.

use jaxl::core::Loop;
use jaxl::http::{create_server, Response};
use jaxl::xmpp::client::{ClientBuilder, ClientConfig, ClientHandle};
use jaxl::xmpp::{Jid, Message};
use serde_json::{json, Value};

fn reply(res: &Response, status: u16, body: &Value) {
    res.write_head(status, &[("Content-Type", "application/json")]);
    res.end(format!("{body}\n"));
}

/// `GET /roster`: contacts, subscriptions and online resources, from the bot's own view.
fn roster(bot: &ClientHandle) -> Value {
    bot.with_roster(|r| {
        let contacts: Vec<Value> = r
            .items()
            .map(|item| {
                let resources: Vec<Value> = r
                    .presence_of(&item.jid)
                    .map(|(res, p)| json!({ "resource": res, "show": p.show.map(|s| format!("{s:?}").to_lowercase()), "status": p.status }))
                    .collect();
                json!({
                    "jid": item.jid.to_string(),
                    "name": item.name,
                    "subscription": item.subscription.as_str(),
                    "online": !resources.is_empty(),
                    "resources": resources,
                })
            })
            .collect();
        json!({ "online": bot.is_online(), "contacts": contacts })
    })
}

/// `POST /send`: `{to, body}` becomes a chat message from the bot.
fn send(bot: &ClientHandle, body: &[u8]) -> (u16, Value) {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return (400, json!({ "error": "expected a JSON object {to, body}" }));
    };
    let (Some(to), Some(text)) = (v["to"].as_str(), v["body"].as_str()) else {
        return (
            400,
            json!({ "error": "fields `to` and `body` are required strings" }),
        );
    };
    let to = match to.parse::<Jid>() {
        Ok(j) => j,
        Err(e) => return (400, json!({ "error": format!("bad JID: {e}") })),
    };
    if !bot.send(Message::chat(&to, text)) {
        return (
            503,
            json!({ "error": "too many messages waiting for the bot to come online" }),
        );
    }
    (202, json!({ "queued": true, "online": bot.is_online() }))
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let http_addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8088".into());
    let config = match ClientConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bot_with_http: {e}");
            std::process::exit(2);
        }
    };
    let client = ClientBuilder::new(config)
        .on_online(|s| log::info!("bot online as {}", s.jid()))
        .on_chat_message(|s, msg| {
            if msg.body().is_some() {
                s.reply(
                    msg,
                    "I am driven by an HTTP API: POST /send {to, body}, GET /roster",
                );
            }
        })
        .on_auth_failure(|s, f| {
            log::error!("authentication failed: {f}; stopping");
            s.cx().stop();
        })
        .on_disconnect(|_, reason| log::warn!("bot disconnected: {reason}"))
        .build();
    let Some(bot) = client.handle() else {
        eprintln!("bot_with_http: the client has no handle");
        std::process::exit(1);
    };

    let run = || -> Result<(), Box<dyn std::error::Error>> {
        let mut ev = Loop::new()?;
        client.connect(&mut ev)?;
        let api = create_server(move |req, res| match (req.method(), req.path()) {
            ("GET", "/roster") => reply(&res, 200, &roster(&bot)),
            ("POST", "/send") => {
                let bot = bot.clone();
                req.on_body(move |body| {
                    let (status, answer) = send(&bot, body);
                    reply(&res, status, &answer);
                });
            }
            (_, "/roster") | (_, "/send") => {
                reply(&res, 405, &json!({ "error": "method not allowed" }))
            }
            _ => reply(&res, 404, &json!({ "error": "not found" })),
        });
        let addr = api.attach(&mut ev, http_addr.as_str())?;
        log::info!("control API listening on http://{addr}/ (GET /roster, POST /send)");
        ev.run()?;
        Ok(())
    };
    match run() {
        Ok(()) => log::info!("stopped"),
        Err(e) => {
            eprintln!("bot_with_http: {e}");
            std::process::exit(1);
        }
    }
}
