//! The event callbacks of a client and [`ClientBuilder`], which registers them.

use super::{AuthFailure, Client, ClientConfig, DisconnectReason, Session};
use crate::stanza::MessageType;
use crate::{Element, Iq, Message, Presence};

type Cb<T> = Vec<Box<dyn FnMut(&mut Session<'_, '_>, &T)>>;
type Cb0 = Vec<Box<dyn FnMut(&mut Session<'_, '_>)>>;
type IqHandler = Box<dyn FnMut(&mut Session<'_, '_>, &Iq) -> bool>;
type StanzaHandler = Box<dyn FnMut(&mut Session<'_, '_>, &Element)>;

/// Every callback a client calls, in registration order per event.
#[derive(Default)]
pub(crate) struct Callbacks {
    pub(crate) connect: Cb0,
    pub(crate) connect_error: Cb<DisconnectReason>,
    pub(crate) features: Cb<Element>,
    pub(crate) auth_success: Cb0,
    pub(crate) auth_failure: Cb<AuthFailure>,
    pub(crate) online: Cb0,
    pub(crate) roster_update: Cb<Vec<super::RosterItem>>,
    pub(crate) presence: Cb<Presence>,
    pub(crate) message: Cb<Message>,
    pub(crate) chat: Cb<Message>,
    pub(crate) groupchat: Cb<Message>,
    pub(crate) headline: Cb<Message>,
    pub(crate) normal: Cb<Message>,
    pub(crate) error_message: Cb<Message>,
    pub(crate) stanza: Vec<(String, String, StanzaHandler)>,
    pub(crate) iq: Vec<(String, String, IqHandler)>,
    pub(crate) disconnect: Cb<DisconnectReason>,
}

impl Callbacks {
    pub(crate) fn for_message_type(&mut self, t: MessageType) -> &mut Cb<Message> {
        match t {
            MessageType::Chat => &mut self.chat,
            MessageType::Groupchat => &mut self.groupchat,
            MessageType::Headline => &mut self.headline,
            MessageType::Normal => &mut self.normal,
            MessageType::Error => &mut self.error_message,
        }
    }
}

/// Builds a [`Client`]: a configuration and the callbacks of the events it reports, in
/// JAXL's spirit. Every callback gets a [`Session`] through which it can send stanzas,
/// read the roster, make iq requests and reach the loop's
/// [`Context`](jaxl_core::Context). Several callbacks may be registered for one event;
/// they run in registration order.
///
/// ```no_run
/// use jaxl_xmpp::client::{ClientBuilder, ClientConfig};
/// use jaxl_xmpp::Jid;
///
/// let config = ClientConfig::new(Jid::new("bot@example.com").unwrap(), "secret");
/// let client = ClientBuilder::new(config)
///     .on_chat_message(|s, msg| {
///         if let Some(body) = msg.body() {
///             s.reply(msg, &body);
///         }
///     })
///     .build();
/// jaxl_xmpp::client::run_client(client).unwrap();
/// ```
pub struct ClientBuilder {
    config: ClientConfig,
    callbacks: Callbacks,
}

macro_rules! on {
    ($(#[$doc:meta])* $name:ident, $field:ident) => {
        $(#[$doc])*
        pub fn $name(mut self, f: impl FnMut(&mut Session<'_, '_>) + 'static) -> Self {
            self.callbacks.$field.push(Box::new(f));
            self
        }
    };
    ($(#[$doc:meta])* $name:ident, $field:ident, $t:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, f: impl FnMut(&mut Session<'_, '_>, &$t) + 'static) -> Self {
            self.callbacks.$field.push(Box::new(f));
            self
        }
    };
}

impl ClientBuilder {
    /// A builder for `config` with no callbacks.
    pub fn new(config: ClientConfig) -> ClientBuilder {
        ClientBuilder {
            config,
            callbacks: Callbacks::default(),
        }
    }

    on!(
        /// The TCP connection is open (before any negotiation). Called again at each
        /// reconnection.
        on_connect, connect
    );
    on!(
        /// The connection could not be made (resolution, refused, TLS failure before
        /// the stream) to any SRV target, nor to the fallback; or the domain's SRV
        /// records say it has no XMPP service ([`DisconnectReason::NoService`]).
        /// `on_disconnect` is not called for it.
        on_connect_error, connect_error, DisconnectReason
    );
    on!(
        /// Stream features arrived (after each stream (re)start).
        on_stream_features, features, Element
    );
    on!(
        /// SASL succeeded (the server proved itself too, for SCRAM).
        on_auth_success, auth_success
    );
    on!(
        /// SASL failed; `on_disconnect` follows with [`DisconnectReason::AuthFailed`].
        on_auth_failure, auth_failure, AuthFailure
    );
    on!(
        /// The session is ready: bound, roster fetched (if configured) and initial
        /// presence sent. The place where a bot starts its work.
        on_online, online
    );
    on!(
        /// The roster changed: the fetched roster, or the items a push changed (a
        /// removed item has [`Subscription::Remove`](super::Subscription::Remove)).
        on_roster_update, roster_update, Vec<super::RosterItem>
    );
    on!(
        /// Any presence (availability, subscriptions, errors, MUC occupants), after the
        /// presence view was updated.
        on_presence, presence, Presence
    );
    on!(
        /// Any message, before the per-type callbacks.
        on_message, message, Message
    );
    on!(
        /// A `chat` message.
        on_chat_message, chat, Message
    );
    on!(
        /// A `groupchat` message (MUC).
        on_groupchat_message, groupchat, Message
    );
    on!(
        /// A `headline` message.
        on_headline_message, headline, Message
    );
    on!(
        /// A `normal` message (or one without a type).
        on_normal_message, normal, Message
    );
    on!(
        /// An `error` message: something we sent bounced.
        on_error_message, error_message, Message
    );
    on!(
        /// The stream ended; the reason says why. A reconnection follows if the reason
        /// is retryable and reconnection is on.
        on_disconnect, disconnect, DisconnectReason
    );

    /// Any stanza (received after binding) that is `<name xmlns=ns>` itself or has such a
    /// direct child (`on_stanza("x", ns::MUC_USER, ..)`), before type-specific callbacks.
    pub fn on_stanza(
        mut self,
        name: &str,
        ns: &str,
        f: impl FnMut(&mut Session<'_, '_>, &Element) + 'static,
    ) -> Self {
        self.callbacks
            .stanza
            .push((name.to_owned(), ns.to_owned(), Box::new(f)));
        self
    }

    /// Handles iq `get`/`set` requests whose payload is `<name xmlns=ns>`. Return true
    /// when the callback answered (with [`Session::send`] of a result or an error);
    /// false passes the request on to built-in responders and finally to the
    /// `service-unavailable` answer RFC 6120 §8.4 requires.
    pub fn on_iq(
        mut self,
        name: &str,
        ns: &str,
        f: impl FnMut(&mut Session<'_, '_>, &Iq) -> bool + 'static,
    ) -> Self {
        self.callbacks
            .iq
            .push((name.to_owned(), ns.to_owned(), Box::new(f)));
        self
    }

    /// The client, ready to [`connect`](Client::connect).
    pub fn build(self) -> Client {
        Client::from_parts(self.config, self.callbacks)
    }

    pub(crate) fn build_with_kind(self, kind: super::Kind) -> Client {
        Client::with_kind(self.config, self.callbacks, kind)
    }
}
