// XMPP_JID=bot@example.com XMPP_PASSWORD=secret ADMIN_JID=me@example.com cargo run --example load_notifier
//! A repeating timer (JAXL's cron job) sends the system load average to an admin JID.
//!
//! Environment: the usual `XMPP_*` account variables, `ADMIN_JID` (who gets the
//! reports) and `LOAD_INTERVAL` (seconds, default 60). Runs until Ctrl-C. Reports made
//! while the bot is offline are queued and sent once it is back.

use jaxl::xmpp::client::{self, ClientConfig};
use jaxl::xmpp::{Jid, Message};
use std::time::Duration;

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|e| format!("unavailable ({e})"))
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let fail = |e: String| -> ! {
        eprintln!("load_notifier: {e}");
        std::process::exit(2)
    };
    let config = ClientConfig::from_env().unwrap_or_else(|e| fail(e));
    let admin = std::env::var("ADMIN_JID")
        .map_err(|_| "ADMIN_JID is not set".to_owned())
        .and_then(|a| Jid::new(&a).map_err(|e| format!("ADMIN_JID: {e}")))
        .unwrap_or_else(|e| fail(e));
    let every = std::env::var("LOAD_INTERVAL")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60u64);

    let mut started = false;
    let result = client::run(config, move |b| {
        b.on_online(move |s| {
            log::info!("online; reporting the load to {admin} every {every}s");
            if started {
                return; // reconnected: the timer already runs
            }
            started = true;
            let handle = s.handle();
            let admin = admin.clone();
            s.cx()
                .set_interval(Duration::from_secs(every.max(1)), move |_| {
                    let load = load_average();
                    log::info!("load: {load}");
                    handle.send(Message::chat(&admin, &format!("load average: {load}")));
                });
        })
        .on_disconnect(|_, r| log::warn!("disconnected: {r}"))
    });
    match result {
        Ok(()) => log::info!("stopped"),
        Err(e) => fail(e.to_string()),
    }
}
