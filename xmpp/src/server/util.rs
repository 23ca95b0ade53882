//! Small helpers of the server: ids, writing stanzas, timestamps.

use crate::{ns, Element};
use jaxl_core::{ConnId, Context};

/// A random id of 16 hex digits (stream ids, generated resources, push ids). Falls
/// back to a counter mixed with the clock if the OS has no randomness, which only
/// makes ids guessable, never repeated within a process.
pub(crate) fn random_id() -> String {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        b = (t ^ N.fetch_add(1, Ordering::Relaxed).rotate_left(32)).to_be_bytes();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Serialises a stanza in a client stream (`jabber:client` as default namespace).
pub(crate) fn client_bytes(el: &Element) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    el.write_to_in_ns(&mut out, ns::CLIENT);
    out
}

/// Writes a stanza to a client connection. False if the connection is gone.
pub(crate) fn send_client(cx: &Context<'_>, conn: ConnId, el: &Element) -> bool {
    cx.write_owned_to(conn, client_bytes(el))
}

/// Writes a stanza (held in `jabber:client`) to a component connection, in the
/// component namespace.
pub(crate) fn send_component(cx: &Context<'_>, conn: ConnId, el: &Element) -> bool {
    let mut el = el.clone();
    el.rewrite_ns(ns::CLIENT, ns::COMPONENT);
    let mut out = Vec::with_capacity(256);
    el.write_to_in_ns(&mut out, ns::COMPONENT);
    cx.write_owned_to(conn, out)
}

/// The current UTC time as XEP-0082 `CCYY-MM-DDThh:mm:ssZ`.
pub(crate) fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_format() {
        let s = super::utc_now();
        assert_eq!(s.len(), 20);
        assert!(s.ends_with('Z') && s.as_bytes()[10] == b'T');
    }

    #[test]
    fn ids_differ() {
        assert_ne!(super::random_id(), super::random_id());
        assert_eq!(super::random_id().len(), 16);
    }
}
