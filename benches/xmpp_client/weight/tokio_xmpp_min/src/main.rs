// XMPP_JID=bot@example.org XMPP_PASSWORD=secret cargo run --release -p tokio_xmpp_min
//! The smallest useful tokio-xmpp client (an echo bot, as tokio-xmpp's own example):
//! what the weight step of benches/xmpp_client/run.sh counts and builds.

use futures::StreamExt;
use tokio_xmpp::jid::BareJid;
use tokio_xmpp::parsers::message::{Lang, Message, MessageType};
use tokio_xmpp::Client;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let jid: BareJid = std::env::var("XMPP_JID")
        .expect("XMPP_JID")
        .parse()
        .expect("JID");
    let password = std::env::var("XMPP_PASSWORD").expect("XMPP_PASSWORD");
    let mut client = Client::new(jid, password);
    while let Some(event) = client.next().await {
        let Some(msg) = event.into_stanza().and_then(|s| Message::try_from(s).ok()) else {
            continue;
        };
        if let (Some(from), Some(body), MessageType::Chat) =
            (msg.from, msg.bodies.get(""), msg.type_)
        {
            let mut reply = Message::new(Some(from));
            reply.type_ = MessageType::Chat;
            reply.bodies.insert(Lang::default(), body.clone());
            let _ = client.send_stanza(reply.into()).await;
        }
    }
}
