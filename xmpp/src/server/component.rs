//! [`ComponentConn`]: the server side of an external component connection
//! (XEP-0114): the handshake, then stanzas to and from the component's domain.

use super::limits::RateLimit;
use super::routing::route;
use super::state::ServerState;
use super::util::random_id;
use crate::stanza::stream_error;
use crate::xml::{Config, StreamEvent, StreamReader, STREAM_END};
use crate::{ns, Element, Jid, StreamHeader};
use jaxl_core::{Close, Context, Handler, TimerId};
use sha1::{Digest, Sha1};

/// One component connection.
pub(crate) struct ComponentConn {
    reader: StreamReader,
    stream_id: Option<String>,
    domain: Option<String>,
    authenticated: bool,
    header_sent: bool,
    closing: bool,
    rate: RateLimit,
    auth_timer: Option<TimerId>,
}

/// The handshake value of XEP-0114 §3: lowercase hex of SHA-1(stream id + secret).
fn handshake_digest(id: &str, secret: &str) -> String {
    let d = Sha1::digest(format!("{id}{secret}").as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares in time independent of where the inputs differ.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl ComponentConn {
    pub(crate) fn new(max_stanza_bytes: usize, rate: RateLimit) -> ComponentConn {
        let config = Config {
            max_stanza_bytes,
            ..Config::default()
        };
        ComponentConn {
            reader: StreamReader::new(config),
            stream_id: None,
            domain: None,
            authenticated: false,
            header_sent: false,
            closing: false,
            rate,
            auth_timer: None,
        }
    }

    fn fail(&mut self, cx: &Context<'_>, condition: &str) {
        if self.closing {
            return;
        }
        if !self.header_sent {
            let mut h = StreamHeader::new(ns::COMPONENT).with_id(random_id());
            h.version = None;
            cx.write_owned(h.to_bytes());
        }
        let mut out = stream_error(condition, None);
        out.extend_from_slice(STREAM_END.as_bytes());
        cx.write_owned(out);
        cx.close();
        self.closing = true;
    }

    fn header(&mut self, st: &ServerState, cx: &Context<'_>, h: StreamHeader) {
        let id = random_id();
        let mut resp = StreamHeader::new(ns::COMPONENT).with_id(id.clone());
        resp.version = None;
        if let Some(to) = &h.to {
            resp = resp.with_from(to.clone());
        }
        cx.write_owned(resp.to_bytes());
        self.header_sent = true;
        if h.default_ns != ns::COMPONENT {
            return self.fail(cx, "invalid-namespace");
        }
        let domain = match h.to.as_deref().map(Jid::new) {
            Some(Ok(j))
                if j.node().is_none()
                    && j.resource().is_none()
                    && j.domain() != st.config.domain =>
            {
                j.domain().to_owned()
            }
            _ => return self.fail(cx, "host-unknown"),
        };
        self.stream_id = Some(id);
        self.domain = Some(domain);
    }

    fn element(&mut self, st: &mut ServerState, cx: &Context<'_>, mut el: Element) {
        let Some(domain) = self.domain.clone() else {
            return self.fail(cx, "invalid-xml");
        };
        if !self.authenticated {
            if !el.is("handshake", ns::COMPONENT) {
                return self.fail(cx, "not-authorized");
            }
            let (Some(secret), Some(id)) = (
                st.config.component_secret.as_deref(),
                self.stream_id.as_deref(),
            ) else {
                return self.fail(cx, "not-authorized");
            };
            let expected = handshake_digest(id, secret);
            if !ct_eq(
                el.text().trim().to_ascii_lowercase().as_bytes(),
                expected.as_bytes(),
            ) {
                return self.fail(cx, "not-authorized");
            }
            if st.components.get(&domain).is_some_and(|&c| cx.is_open(c)) {
                return self.fail(cx, "conflict");
            }
            st.components.insert(domain.clone(), cx.id());
            self.authenticated = true;
            if let Some(t) = self.auth_timer.take() {
                cx.cancel_timer(t);
            }
            log::info!("component {domain} connected");
            cx.write(b"<handshake/>");
            return;
        }
        if el.ns() != ns::COMPONENT || !matches!(el.name(), "message" | "presence" | "iq") {
            return self.fail(cx, "unsupported-stanza-type");
        }
        el.rewrite_ns(ns::COMPONENT, ns::CLIENT);
        let from = match el.attr("from").map(Jid::new) {
            Some(Ok(j)) if j.domain() == domain => j,
            None => match Jid::new(&domain) {
                Ok(j) => j,
                Err(_) => return,
            },
            _ => return self.fail(cx, "invalid-from"),
        };
        el.set_attr("from", from.as_str());
        let Some(Ok(to)) = el.attr("to").map(Jid::new) else {
            return self.fail(cx, "improper-addressing");
        };
        route(st, cx, el, &from, &to);
    }
}

impl Handler for ComponentConn {
    fn on_open(&mut self, cx: &mut Context<'_>) {
        let timeout = cx.try_state::<ServerState>().map(|s| s.config.auth_timeout);
        if let Some(t) = timeout {
            self.auth_timer = Some(cx.set_timer(t));
        }
    }

    fn on_data(&mut self, cx: &mut Context<'_>) {
        let n = cx.input().len();
        if self.closing {
            cx.consume(n);
            return;
        }
        if !self.rate.feed(cx, &mut self.reader) {
            return;
        }
        let Some(mut st) = cx.try_state::<ServerState>() else {
            return self.fail(cx, "internal-server-error");
        };
        while !self.closing {
            match self.reader.next_event() {
                Ok(None) => break,
                Ok(Some(StreamEvent::Header(h))) if !self.header_sent => self.header(&st, cx, h),
                Ok(Some(StreamEvent::Header(_))) => self.fail(cx, "invalid-xml"),
                Ok(Some(StreamEvent::Stanza(el))) => self.element(&mut st, cx, el),
                Ok(Some(StreamEvent::End)) => {
                    cx.write(STREAM_END.as_bytes());
                    cx.close();
                    self.closing = true;
                }
                Err(e) => self.fail(cx, e.stream_error_condition()),
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<'_>, timer: TimerId) {
        if Some(timer) == self.rate.timer {
            self.rate.timer = None;
            cx.resume_reading();
        } else if Some(timer) == self.auth_timer && !self.authenticated {
            self.fail(cx, "connection-timeout");
        }
    }

    fn on_shutdown(&mut self, cx: &mut Context<'_>) {
        self.fail(cx, "system-shutdown");
    }

    fn on_close(&mut self, cx: &mut Context<'_>, _reason: &Close) {
        if let (true, Some(domain)) = (self.authenticated, &self.domain) {
            if let Some(mut st) = cx.try_state::<ServerState>() {
                if st.components.get(domain) == Some(&cx.id()) {
                    st.components.remove(domain);
                    log::info!("component {domain} disconnected");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn handshake_digest_is_lowercase_sha1_hex() {
        assert_eq!(
            super::handshake_digest("", ""),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        assert_eq!(
            super::handshake_digest("a", "bc"),
            super::handshake_digest("ab", "c")
        );
    }
}
