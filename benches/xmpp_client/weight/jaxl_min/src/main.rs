// XMPP_JID=bot@example.org XMPP_PASSWORD=secret cargo run --release -p jaxl_min
//! The smallest useful jaxl XMPP client (an echo bot): what the weight step of
//! benches/xmpp_client/run.sh counts and builds.

use jaxl_xmpp::client::{self, ClientConfig};

fn main() {
    let config = ClientConfig::from_env().expect("XMPP_JID and XMPP_PASSWORD");
    client::run(config, |b| {
        b.on_chat_message(|s, msg| {
            if let Some(body) = msg.body() {
                s.reply(msg, &body);
            }
        })
    })
    .expect("client");
}
