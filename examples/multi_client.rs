// XMPP_ACCOUNTS="alice@localhost=alice-pw bob@localhost=bob-pw" XMPP_HOST=127.0.0.1 cargo run --example multi_client
//! N accounts in one loop on one thread: each logs in, echoes chat messages, and reports
//! when it is online. Once all are online, the first sends a greeting to each of the
//! others through its [`ClientHandle`](jaxl::xmpp::client::ClientHandle).
//!
//! Environment: `XMPP_ACCOUNTS` (space-separated `jid=password` pairs) and the shared
//! `XMPP_HOST` (else each domain's DNS SRV records, else the domain itself),
//! `XMPP_PORT`, `XMPP_CA_FILE`, `XMPP_INSECURE_TLS=1`. Runs until Ctrl-C.

use jaxl::core::Loop;
use jaxl::xmpp::client::{ClientBuilder, ClientConfig, ClientHandle};
use jaxl::xmpp::{Jid, Message};
use std::cell::RefCell;
use std::rc::Rc;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let fail = |e: String| -> ! {
        eprintln!("multi_client: {e}");
        std::process::exit(2)
    };
    let accounts =
        std::env::var("XMPP_ACCOUNTS").unwrap_or_else(|_| fail("XMPP_ACCOUNTS is not set".into()));
    let mut ev = Loop::new().unwrap_or_else(|e| fail(e.to_string()));
    let handles: Rc<RefCell<Vec<ClientHandle>>> = Rc::default();
    let online = Rc::new(RefCell::new(0usize));
    let total = accounts.split_whitespace().count();

    for account in accounts.split_whitespace() {
        let (jid, password) = account
            .split_once('=')
            .unwrap_or_else(|| fail(format!("{account}: expected jid=password")));
        let jid = Jid::new(jid).unwrap_or_else(|e| fail(format!("{jid}: {e}")));
        let mut config = ClientConfig::new(jid, password);
        config.apply_env().unwrap_or_else(|e| fail(e));
        let (handles2, online2) = (handles.clone(), online.clone());
        let client = ClientBuilder::new(config)
            .on_online(move |s| {
                *online2.borrow_mut() += 1;
                log::info!("{} online ({}/{total})", s.jid(), online2.borrow());
                if *online2.borrow() == total {
                    let hs = handles2.borrow();
                    let Some(first) = hs.first() else { return };
                    for other in hs.iter().skip(1).filter_map(ClientHandle::jid) {
                        first.send(Message::chat(
                            &other,
                            "hello from the first client of this loop",
                        ));
                    }
                }
            })
            .on_chat_message(|s, m| {
                log::info!(
                    "{} got {:?} from {}",
                    s.jid(),
                    m.body().unwrap_or_default(),
                    m.from().unwrap_or("?")
                );
                // Echo, but never echo an echo (two of these clients would ping-pong forever).
                if let Some(body) = m.body().filter(|b| !b.starts_with("echo: ")) {
                    s.reply(m, &format!("echo: {body}"));
                }
            })
            .on_disconnect(|s, r| log::warn!("{}: disconnected: {r}", s.jid()))
            .build();
        if let Some(h) = client.handle() {
            handles.borrow_mut().push(h);
        }
        client
            .connect(&mut ev)
            .unwrap_or_else(|e| fail(e.to_string()));
    }
    match ev.run() {
        Ok(()) => log::info!("stopped"),
        Err(e) => fail(e.to_string()),
    }
}
