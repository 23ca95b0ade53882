// XMPP_JID=newuser@example.com XMPP_PASSWORD=secret cargo run --example register_user
//! Creates the account `XMPP_JID` with `XMPP_PASSWORD` by in-band registration
//! (XEP-0077), logs in once to prove it works, and exits. The server must allow
//! registration (Prosody: `allow_registration = true`).
//!
//! Environment: the usual `XMPP_*` variables. One-shot; exit status 0 on success.

use jaxl::xmpp::client::{self, ClientConfig, DisconnectReason, Reconnect};
use std::cell::Cell;
use std::rc::Rc;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let mut config = match ClientConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("register_user: {e}");
            std::process::exit(2);
        }
    };
    config.register = true;
    config.reconnect = Reconnect::never();
    config.fetch_roster = false;
    config.initial_presence = false;
    let ok = Rc::new(Cell::new(false));
    let ok2 = ok.clone();
    let result = client::run(config, move |b| {
        b.on_online(move |s| {
            println!("registered {} and logged in", s.jid().bare());
            ok2.set(true);
            s.disconnect();
        })
        .on_disconnect(|s, r| {
            match r {
                DisconnectReason::Local => {}
                DisconnectReason::RegistrationFailed(c) if c == "conflict" => {
                    eprintln!("register_user: the account already exists")
                }
                other => eprintln!("register_user: {other}"),
            }
            s.cx().stop();
        })
        .on_connect_error(|s, r| {
            eprintln!("register_user: {r}");
            s.cx().stop();
        })
    });
    if let Err(e) = result {
        eprintln!("register_user: {e}");
    }
    std::process::exit(if ok.get() { 0 } else { 1 });
}
