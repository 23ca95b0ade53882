//! [`Response`]: the handle through which a request is answered.

use super::pipeline::{finish_body, send_head, write_body, Pipeline, Slot};
use crate::framing::name_is;
use crate::response_head::{valid_name, valid_value};
use std::cell::RefCell;
use std::rc::Rc;

/// The answer to one request, node.js style: [`write_head`](Self::write_head) or
/// [`set_header`](Self::set_header), then [`write`](Self::write) any number of
/// times, then [`end`](Self::end).
///
/// The handle may be kept past the request callback — moved into a timer closure,
/// stored in loop state, captured by a body callback — and finished from any later
/// callback of the same loop; responses still leave in request order. It is not
/// `Send`: a response belongs to its loop.
///
/// Framing is automatic: `end(body)` without a prior `write` sends `Content-Length`;
/// `write` without a `Content-Length` header sends chunked on HTTP/1.1 and a
/// close-delimited body on HTTP/1.0. A `HEAD` request and 1xx/204/304 responses get
/// no body bytes whatever is written. A `Connection: close` from the client or the
/// handler closes the connection after the response.
///
/// Every method is a no-op (returning `false` where it returns anything) once the
/// response has ended or the connection is gone. Dropping a response that was never
/// ended ends it: with a 500 if nothing was sent yet, otherwise by closing the body
/// (or the connection, when a `Content-Length` was not met).
pub struct Response {
    pipe: Rc<RefCell<Pipeline>>,
    seq: u64,
    /// `end` ran: nothing left to do, dropping is free.
    ended: std::cell::Cell<bool>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response").field("seq", &self.seq).finish()
    }
}

impl Response {
    pub(crate) fn new(pipe: Rc<RefCell<Pipeline>>, seq: u64) -> Self {
        Response {
            pipe,
            seq,
            ended: std::cell::Cell::new(false),
        }
    }

    /// Set the status code (default 200) and add header fields. The head is sent
    /// with the first [`write`](Self::write) or with [`end`](Self::end), so
    /// [`set_header`](Self::set_header) still works after this. Invalid names or
    /// values (a CR or LF in a value, say) are skipped with a warning. A no-op once
    /// the head has been sent.
    #[inline]
    pub fn write_head(&self, status: u16, headers: &[(&str, &str)]) {
        let Ok(mut p) = self.pipe.try_borrow_mut() else {
            return;
        };
        p.with_target(self.seq, |slot, out, _| {
            if slot.head_sent {
                return;
            }
            let status = if (100..=999).contains(&status) {
                status
            } else {
                500
            };
            slot.set_status(out, status);
            for (name, value) in headers {
                add_header(slot, out, name, value.as_bytes());
            }
        });
    }

    /// Set only the status code (default 200). A no-op once the head was sent.
    pub fn set_status(&self, status: u16) {
        self.write_head(status, &[]);
    }

    /// Add a header field (repeatable: each call adds a line). Returns false if the
    /// head was already sent, the response ended, or the name or value is invalid.
    /// `Content-Length` and `Transfer-Encoding: chunked` set here decide the framing;
    /// `Connection: close` closes the connection after the response.
    pub fn set_header(&self, name: &str, value: &str) -> bool {
        self.set_header_bytes(name, value.as_bytes())
    }

    /// [`set_header`](Self::set_header) with a byte value.
    pub fn set_header_bytes(&self, name: &str, value: &[u8]) -> bool {
        let Ok(mut p) = self.pipe.try_borrow_mut() else {
            return false;
        };
        p.with_target(self.seq, |slot, out, _| {
            !slot.head_sent && add_header(slot, out, name, value)
        })
        .unwrap_or(false)
    }

    /// Whether the head has been sent (after the first `write` or `end`).
    pub fn headers_sent(&self) -> bool {
        match self.pipe.try_borrow_mut() {
            Ok(mut p) => p.slot_mut(self.seq).map_or(true, |s| s.head_sent),
            Err(_) => true,
        }
    }

    /// Send body bytes (the head first if not yet sent). Returns false when the
    /// caller should stop writing: the output buffered for this connection passed
    /// [`Config::high_water`](crate::Config::high_water) (wait for
    /// [`on_drain`](Self::on_drain)), or the response has ended or its connection is
    /// gone. Bytes beyond a declared `Content-Length` are dropped with a warning.
    pub fn write(&self, data: &[u8]) -> bool {
        let Ok(mut p) = self.pipe.try_borrow_mut() else {
            return false;
        };
        if p.gone {
            return false;
        }
        let written = p.with_target(self.seq, |slot, out, shared| {
            if !slot.head_sent {
                send_head(slot, out, shared, None);
            }
            if !write_body(slot, out, data) {
                log::warn!("response body longer than its Content-Length: extra bytes dropped");
            }
        });
        if written.is_none() {
            return false;
        }
        p.notify();
        let ok = p.below_high_water();
        if !ok {
            if let Some(slot) = p.slot_mut(self.seq) {
                slot.drain_wanted = true;
            }
        }
        ok
    }

    /// Finish the response with a last piece of body (may be empty). Without a prior
    /// `write` and without a `Content-Length` header, `Content-Length` is set to
    /// `data.len()`. Later calls do nothing.
    #[inline]
    pub fn end(&self, data: impl AsRef<[u8]>) {
        let data = data.as_ref();
        if self.ended.get() {
            return;
        }
        let Ok(mut p) = self.pipe.try_borrow_mut() else {
            return;
        };
        self.ended.set(true);
        let done = p.with_target(self.seq, |slot, out, shared| {
            if !slot.head_sent {
                send_head(slot, out, shared, Some(data.len() as u64));
            }
            if !write_body(slot, out, data) {
                log::warn!("response body longer than its Content-Length: extra bytes dropped");
            }
            finish_body(slot, out);
        });
        if done.is_some() {
            p.advance();
            p.notify();
        }
    }

    /// Call `f` once the connection's buffered output has drained below the
    /// low-water mark after a `write` returned false. Replaces an earlier callback.
    pub fn on_drain(&self, f: impl FnMut() + 'static) {
        let Ok(mut p) = self.pipe.try_borrow_mut() else {
            return;
        };
        if let Some(slot) = p.slot_mut(self.seq) {
            slot.extra().on_drain = Some(Box::new(f));
        }
    }

    /// Whether the response ended or its connection is gone.
    pub fn is_finished(&self) -> bool {
        match self.pipe.try_borrow_mut() {
            Ok(mut p) => p.gone || p.slot_mut(self.seq).is_none(),
            Err(_) => false,
        }
    }

    /// Accept a protocol upgrade: send `101 Switching Protocols` with `headers`
    /// (`Upgrade` and `Connection: upgrade` are added when missing) and, once it is
    /// written, hand the connection's byte stream to `handler`: its `on_open` runs,
    /// then `on_data` with any bytes the client already sent after the request.
    /// Only for a request whose [`is_upgrade`](crate::Request::is_upgrade) is true;
    /// returns false otherwise or if the head was already sent.
    pub fn upgrade(
        &self,
        protocol: &str,
        headers: &[(&str, &str)],
        handler: impl jaxl_core::Handler,
    ) -> bool {
        let Ok(mut p) = self.pipe.try_borrow_mut() else {
            return false;
        };
        let accepted = p.with_target(self.seq, |slot, out, _| {
            if slot.head_sent || !slot.init.upgrade {
                return false;
            }
            slot.clear_head(out);
            slot.status = 101;
            add_header(slot, out, "Upgrade", protocol.as_bytes());
            slot.push_field(out, b"Connection", b"Upgrade");
            for (name, value) in headers {
                if !name_is(name, "connection") && !name_is(name, "upgrade") {
                    add_header(slot, out, name, value.as_bytes());
                }
            }
            slot.extra().upgrade = Some(Box::new(handler));
            slot.close_after = false;
            true
        });
        drop(p);
        if accepted != Some(true) {
            return false;
        }
        self.end([]);
        true
    }
}

/// Record one header line on a slot, noting the fields that change framing.
#[inline]
fn add_header(slot: &mut Slot, out: &mut Vec<u8>, name: &str, value: &[u8]) -> bool {
    if !valid_name(name) || !valid_value(value) {
        log::warn!("invalid response header {name:?} skipped");
        return false;
    }
    match name.len() {
        14 if name_is(name, "content-length") => {
            let parsed = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok());
            match parsed {
                Some(n) => slot.user_length = Some(n),
                None => {
                    log::warn!("invalid Content-Length response header skipped");
                    return false;
                }
            }
        }
        17 if name_is(name, "transfer-encoding") => {
            // Only chunked is produced; other codings are the caller's business
            // inside the chunks, so the value must end with chunked.
            let last = value.rsplit(|&b| b == b',').next().unwrap_or(value);
            if !last.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                log::warn!("Transfer-Encoding without final chunked skipped");
                return false;
            }
            if slot.init.version == crate::head::Version::Http10 {
                // HTTP/1.0 clients do not understand chunked.
                return true;
            }
            slot.user_chunked = true;
        }
        10 if name_is(name, "connection") => {
            if value
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
            {
                slot.close_after = true;
            }
            // The server writes its own Connection field.
            return true;
        }
        4 if name_is(name, "date") => slot.user_date = true,
        _ => {}
    }
    slot.push_field(out, name.as_bytes(), value);
    true
}

impl Drop for Response {
    fn drop(&mut self) {
        if self.ended.get() {
            return;
        }
        let Ok(mut p) = self.pipe.try_borrow_mut() else {
            return;
        };
        if p.gone {
            return;
        }
        let abandoned = p.with_target(self.seq, |slot, out, shared| {
            if std::thread::panicking() {
                // Dropped by a panicking handler: its state is unknown, so this
                // connection reads no more requests.
                slot.close_after = true;
            }
            if !slot.head_sent {
                slot.clear_head(out);
                slot.status = 500;
                slot.user_length = None;
                slot.user_chunked = false;
                slot.user_date = false;
                send_head(slot, out, shared, Some(0));
            }
            finish_body(slot, out);
        });
        if abandoned.is_some() {
            log::warn!("response dropped without end(); finished it");
            p.advance();
            p.notify();
        }
    }
}
