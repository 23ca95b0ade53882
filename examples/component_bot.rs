// XMPP_COMPONENT_JID=echo.localhost XMPP_COMPONENT_SECRET=secret XMPP_HOST=127.0.0.1 XMPP_PORT=5347 cargo run --example component_bot
//! An external component (XEP-0114) that echoes every message sent to any address of
//! its domain, and answers software-version queries.
//!
//! Environment: `XMPP_COMPONENT_JID` (the component's domain), `XMPP_COMPONENT_SECRET`
//! (the shared secret of the server's configuration), `XMPP_HOST` (default 127.0.0.1)
//! and `XMPP_PORT` (default 5347). The component protocol is not encrypted: keep it on
//! loopback or a private network. Runs until Ctrl-C; reconnects by itself.

use jaxl::xmpp::client::{self, xep};
use jaxl::xmpp::component::ComponentConfig;
use jaxl::xmpp::stanza::MessageType;
use jaxl::xmpp::{ns, Jid};

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let fail = |e: String| -> ! {
        eprintln!("component_bot: {e}");
        std::process::exit(2)
    };
    let var = |n: &str| std::env::var(n).map_err(|_| format!("{n} is not set"));
    let jid = var("XMPP_COMPONENT_JID")
        .and_then(|j| Jid::new(&j).map_err(|e| format!("XMPP_COMPONENT_JID: {e}")))
        .unwrap_or_else(|e| fail(e));
    let secret = var("XMPP_COMPONENT_SECRET").unwrap_or_else(|e| fail(e));
    let host = var("XMPP_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port = var("XMPP_PORT")
        .ok()
        .map(|p| {
            p.parse()
                .unwrap_or_else(|_| fail(format!("XMPP_PORT: not a port: {p}")))
        })
        .unwrap_or(5347);

    let component = ComponentConfig::new(jid, secret, host, port)
        .builder()
        .on_online(|s| log::info!("component {} is up", s.jid()))
        .on_message(|s, m| {
            if m.type_() == MessageType::Error {
                return;
            }
            if let Some(body) = m.body() {
                log::info!("{} says {body:?}", m.from().unwrap_or("?"));
                s.reply(m, &format!("echo: {body}"));
            }
        })
        .with(|b| {
            b.on_iq("query", ns::VERSION, |s, iq| {
                s.send(iq.result_reply(Some(xep::version_result(
                    "jaxl component_bot",
                    env!("CARGO_PKG_VERSION"),
                ))));
                true
            })
            .on_disconnect(|_, r| log::warn!("disconnected: {r}"))
        })
        .build();
    match client::run_client(component) {
        Ok(()) => log::info!("stopped"),
        Err(e) => fail(e.to_string()),
    }
}
