//! [`Session`]: what a callback can do with its client.

use super::iq::{IqCallback, IqError};
use super::state::{Phase, State};
use super::xep::{self, ChatState, MucJoin};
use super::{ClientHandle, Roster, RosterItem};
use crate::stanza::{MessageType, PresenceType, Show};
use crate::{ns, Element, Iq, Jid, Message, Presence};
use jaxl_core::Context;
use std::time::Duration;

/// The client as a callback sees it: send stanzas, make iq requests, read the roster
/// and presence view, and reach the loop ([`cx`](Session::cx)) to talk to other
/// connections, set timers or use shared state.
///
/// Sending returns false when the stanza could not be queued (the connection is gone
/// or its output queue overflowed); nothing here blocks.
pub struct Session<'a, 'c> {
    pub(crate) st: &'a mut State,
    pub(crate) cx: &'a mut Context<'c>,
}

impl<'a, 'c> Session<'a, 'c> {
    pub(crate) fn new(st: &'a mut State, cx: &'a mut Context<'c>) -> Self {
        Session { st, cx }
    }

    /// The loop's context: timers, other connections, shared state, stop.
    pub fn cx(&mut self) -> &mut Context<'c> {
        self.cx
    }

    /// Our JID: the full JID the server bound once online (the component's domain for
    /// a component), the configured one before.
    pub fn jid(&self) -> &Jid {
        &self.st.jid
    }

    /// Whether the session is ready (bound and, if configured, roster fetched).
    pub fn is_online(&self) -> bool {
        self.st.phase == Phase::Online
    }

    /// Whether the stream is encrypted.
    pub fn is_tls(&self) -> bool {
        self.st.tls_active
    }

    /// The roster and presence view.
    ///
    /// Drop the returned borrow before the callback returns.
    ///
    /// # Panics
    /// If a [`ClientHandle::with_roster`] closure up the stack is running.
    pub fn roster(&self) -> std::cell::Ref<'_, Roster> {
        self.st.roster.borrow()
    }

    /// A handle for other code of the loop to send through this client.
    pub fn handle(&self) -> ClientHandle {
        ClientHandle(self.st.outbox.clone())
    }

    /// A fresh stanza id.
    pub fn new_id(&mut self) -> String {
        self.st.new_id()
    }

    /// Sends any stanza (a [`Message`], [`Presence`], [`Iq`] or raw [`Element`] in
    /// `jabber:client`). A component's stanzas get its JID as `from` if they have none.
    pub fn send(&mut self, stanza: impl Into<Element>) -> bool {
        let mut el = stanza.into();
        if self.st.is_component() && el.attr("from").is_none() {
            el.set_attr("from", self.st.jid.as_str());
        }
        self.st.send(self.cx, &el)
    }

    /// Sends a message of `type_` with `body` to `to`.
    pub fn send_message(&mut self, to: &Jid, type_: MessageType, body: &str) -> bool {
        let mut m = Message::new(type_);
        m.set_to(Some(to));
        m.set_body(Some(body));
        self.send(m)
    }

    /// Sends a `chat` message.
    pub fn send_chat(&mut self, to: &Jid, body: &str) -> bool {
        self.send_message(to, MessageType::Chat, body)
    }

    /// Answers a message with `body`: same type and thread, to its sender (to the room
    /// for a groupchat message). False if the message has no valid `from`.
    pub fn reply(&mut self, msg: &Message, body: &str) -> bool {
        let Some(Ok(from)) = msg.from_jid() else {
            return false;
        };
        let (to, t) = match msg.type_() {
            MessageType::Groupchat => (from.bare(), MessageType::Groupchat),
            MessageType::Error => return false,
            t => (from, t),
        };
        let mut m = Message::new(t);
        m.set_to(Some(&to));
        m.set_body(Some(body));
        m.set_thread(msg.thread().as_deref());
        self.send(m)
    }

    /// Sends an iq request and calls `callback` once with its `result`, its error, a
    /// timeout ([`ClientConfig::iq_timeout`](super::ClientConfig::iq_timeout)) or the
    /// end of the stream. Returns the id used (the iq's own id, or a fresh one if it
    /// had none).
    pub fn send_iq(
        &mut self,
        iq: Iq,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        let timeout = self.st.config.iq_timeout;
        self.send_iq_timeout(iq, timeout, callback)
    }

    /// [`send_iq`](Self::send_iq) with its own timeout.
    pub fn send_iq_timeout(
        &mut self,
        iq: Iq,
        timeout: Duration,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        let mut el = iq.into_element();
        let id = match el.attr("id") {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => {
                let id = self.st.new_id();
                el.set_attr("id", id.clone());
                id
            }
        };
        let to = el.attr("to").and_then(|t| Jid::new(t).ok());
        let timer = (self.cx.id() == self.st.conn).then(|| self.cx.set_timer(timeout));
        let cb: IqCallback = Box::new(callback);
        self.st.pending.insert(id.clone(), to, timer, cb);
        if !self.send(el) {
            log::debug!(
                "iq {id}: not sent (connection gone); its callback gets Disconnected at close"
            );
        }
        id
    }

    /// Sends a `get` with `payload` to `to` (our server when `None`).
    pub fn iq_get(
        &mut self,
        to: Option<&Jid>,
        payload: Element,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        let mut iq = Iq::get("", payload);
        iq.set_to(to);
        self.send_iq(iq, callback)
    }

    /// Sends a `set` with `payload` to `to` (our server when `None`).
    pub fn iq_set(
        &mut self,
        to: Option<&Jid>,
        payload: Element,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        let mut iq = Iq::set("", payload);
        iq.set_to(to);
        self.send_iq(iq, callback)
    }

    /// Our presence: `show`, `status` and the configured priority, with caps.
    /// It is also what is re-sent after a reconnection.
    pub fn set_presence(&mut self, show: Option<Show>, status: Option<&str>) -> bool {
        self.st.show = show;
        self.st.status = status.map(str::to_owned);
        let p = own_presence(self.st);
        self.send(p)
    }

    /// Asks to see `jid`'s presence.
    pub fn subscribe(&mut self, jid: &Jid) -> bool {
        self.send(Presence::subscribe(&jid.bare()))
    }

    /// Lets `jid` see our presence (answers its request, or pre-approves it).
    pub fn accept_subscription(&mut self, jid: &Jid) -> bool {
        self.send(Presence::subscribed(&jid.bare()))
    }

    /// Refuses or cancels `jid`'s subscription to our presence.
    pub fn refuse_subscription(&mut self, jid: &Jid) -> bool {
        self.send(Presence::unsubscribed(&jid.bare()))
    }

    /// Stops seeing `jid`'s presence.
    pub fn unsubscribe(&mut self, jid: &Jid) -> bool {
        self.send(Presence::unsubscribe(&jid.bare()))
    }

    /// Adds or updates a roster contact. The server answers with a push, which updates
    /// the roster and calls `on_roster_update`.
    pub fn set_contact(&mut self, item: &RosterItem) -> String {
        let q = Element::builder("query", ns::ROSTER)
            .append(item.to_element())
            .build();
        self.iq_set(None, q, |_, r| {
            if let Err(e) = r {
                log::warn!("roster update refused: {e}");
            }
        })
    }

    /// Adds a contact with a name and groups (see [`set_contact`](Self::set_contact)).
    pub fn add_contact(&mut self, jid: &Jid, name: Option<&str>, groups: &[&str]) -> String {
        let mut item = RosterItem::new(jid);
        item.name = name.map(str::to_owned);
        item.groups = groups.iter().map(|g| (*g).to_owned()).collect();
        self.set_contact(&item)
    }

    /// Removes a contact (and both subscriptions, RFC 6121 §2.5).
    pub fn remove_contact(&mut self, jid: &Jid) -> String {
        let mut item = RosterItem::new(jid);
        item.subscription = super::Subscription::Remove;
        self.set_contact(&item)
    }

    /// Fetches the roster again (the result updates the roster view first).
    pub fn fetch_roster(
        &mut self,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        self.iq_get(None, Element::new("query", ns::ROSTER), move |s, r| {
            if let Ok(iq) = &r {
                if let Some(mut roster) = s.st.roster_mut() {
                    roster.replace(super::dispatch::roster_items(iq));
                }
            }
            callback(s, r)
        })
    }

    /// XEP-0199 ping.
    pub fn ping(
        &mut self,
        to: &Jid,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        self.iq_get(Some(to), Element::new("ping", ns::PING), callback)
    }

    /// XEP-0030 disco#info query (read features with [`xep::disco_features`]).
    pub fn disco_info(
        &mut self,
        to: &Jid,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        self.iq_get(Some(to), Element::new("query", ns::DISCO_INFO), callback)
    }

    /// XEP-0030 disco#items query.
    pub fn disco_items(
        &mut self,
        to: &Jid,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        self.iq_get(Some(to), Element::new("query", ns::DISCO_ITEMS), callback)
    }

    /// XEP-0092 software version query.
    pub fn version(
        &mut self,
        to: &Jid,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        self.iq_get(Some(to), Element::new("query", ns::VERSION), callback)
    }

    /// XEP-0054: gets `jid`'s vCard (ours with `None`).
    pub fn vcard_get(
        &mut self,
        jid: Option<&Jid>,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        self.iq_get(
            jid.map(Jid::bare).as_ref(),
            Element::new("vCard", ns::VCARD),
            callback,
        )
    }

    /// XEP-0054: publishes our vCard (build one with [`xep::vcard`]).
    pub fn vcard_set(
        &mut self,
        vcard: Element,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        self.iq_set(None, vcard, callback)
    }

    /// XEP-0077: removes our account from the server (the server then closes the stream).
    pub fn unregister(
        &mut self,
        callback: impl FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>) + 'static,
    ) -> String {
        let q = Element::builder("query", ns::REGISTER)
            .append(Element::new("remove", ns::REGISTER))
            .build();
        self.iq_set(None, q, callback)
    }

    /// XEP-0045: joins `room` as `nick`. Occupant presences arrive in `on_presence`
    /// (ours with status code 110) and messages in `on_groupchat_message`. False if
    /// `nick` is not a valid resource or nothing could be sent.
    pub fn muc_join(&mut self, room: &Jid, nick: &str, opts: &MucJoin) -> bool {
        match xep::muc_join_presence(room, nick, opts) {
            Ok(mut p) => {
                if let Some(show) = self.st.show {
                    p.set_show(Some(show));
                }
                self.send(p)
            }
            Err(_) => false,
        }
    }

    /// XEP-0045: sends a groupchat message to `room`.
    pub fn muc_send(&mut self, room: &Jid, body: &str) -> bool {
        self.send_message(&room.bare(), MessageType::Groupchat, body)
    }

    /// XEP-0045: leaves `room` (where we are `nick`).
    pub fn muc_leave(&mut self, room: &Jid, nick: &str, status: Option<&str>) -> bool {
        let Ok(to) = room.bare().with_resource(nick) else {
            return false;
        };
        let mut p = Presence::new(PresenceType::Unavailable);
        p.set_to(Some(&to));
        p.set_status(status);
        self.send(p)
    }

    /// XEP-0085: tells `to` our chat state (a body-less `chat` message).
    pub fn send_chat_state(&mut self, to: &Jid, state: ChatState) -> bool {
        let mut m = Message::new(MessageType::Chat);
        m.set_to(Some(to));
        m.element_mut().append_child(state.element());
        self.send(m)
    }

    /// Ends the stream (sending unavailable presence first when online) and closes;
    /// no reconnection follows. `on_disconnect` gets [`DisconnectReason::Local`](super::DisconnectReason::Local).
    pub fn disconnect(&mut self) {
        self.st.local_close = true;
        if self.st.phase == Phase::Online && !self.st.is_component() {
            self.send(Presence::unavailable());
        }
        self.st.close(self.cx, super::DisconnectReason::Local);
    }
}

/// Our presence as configured: show, status, priority and caps.
pub(crate) fn own_presence(st: &State) -> Presence {
    let mut p = Presence::available();
    p.set_show(st.show);
    p.set_status(st.status.as_deref());
    if st.config.priority != 0 {
        p.set_priority(st.config.priority);
    }
    let mut el = p.into_element();
    el.append_child(xep::caps_element(&st.config.software_name));
    // A <presence/> in jabber:client always converts; the fallback is unreachable.
    let p = Presence::try_from(el);
    debug_assert!(p.is_ok());
    p.unwrap_or_else(|_| Presence::available())
}
