//! Message framing and connection directives from a request's header fields
//! (RFC 9112 §6 and §9, RFC 9110 §7.2 and §10.1.1).
//!
//! The rules here are the ones that stop request smuggling: when two parsers could
//! disagree on where a body ends, the request is refused with 400 and the
//! connection closed, instead of guessing.

use crate::head::{HeadError, Version};
use httparse::Header;

/// How a request body is delimited.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No body (no `Content-Length` nor `Transfer-Encoding`, or `Content-Length: 0`).
    Empty,
    /// Exactly this many bytes follow the head (`Content-Length`).
    Length(u64),
    /// The body is chunked (`Transfer-Encoding: chunked`); see [`crate::chunked`].
    Chunked,
}

/// What the header fields say about framing and the connection.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Directives {
    pub body: BodyKind,
    pub keep_alive: bool,
    pub expect_continue: bool,
    pub upgrade: bool,
}

/// Case-insensitive comparison of a header name with a lower-case ASCII name.
#[inline]
pub(crate) fn name_is(name: &str, lower: &str) -> bool {
    name.len() == lower.len() && name.eq_ignore_ascii_case(lower)
}

/// Iterate over the comma-separated, whitespace-trimmed, non-empty members of a
/// list-valued field.
pub(crate) fn list_members(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|m| !m.is_empty())
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Parse a `Content-Length` member: one or more ASCII digits, no sign, no overflow.
fn parse_length(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(n)
}

/// The bytes a `Host` value may hold (reg-name, IP literal and port), as a table.
const HOST_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'%'
                    | b'['
                    | b']'
            );
        b += 1;
    }
    t
};

/// Whether a `Host` value is a syntactically plausible `uri-host [ ":" port ]`.
#[inline]
fn host_is_valid(value: &[u8]) -> bool {
    // Clients send the same Host on every request: remember the last valid one
    // (per thread) and compare instead of checking every byte again.
    LAST_HOST.with(|last| {
        let mut last = last.borrow_mut();
        let (buf, len) = &mut *last;
        if buf.get(..usize::from(*len)) == Some(value) {
            return true;
        }
        let ok = value.iter().all(|&b| HOST_BYTE[usize::from(b)]);
        if ok {
            if let (Ok(n), Some(dst)) = (u8::try_from(value.len()), buf.get_mut(..value.len())) {
                dst.copy_from_slice(value);
                *len = n;
            }
        }
        ok
    })
}

thread_local! {
    /// The last `Host` value found valid on this thread (up to 64 bytes).
    static LAST_HOST: std::cell::RefCell<([u8; 64], u8)> =
        const { std::cell::RefCell::new(([0; 64], 0)) };
}

/// Apply the framing, `Host`, `Connection` and `Expect` rules to a request's fields.
///
/// Fails with 400 for: `Content-Length` together with `Transfer-Encoding`; a
/// malformed `Content-Length` or several differing values; a `Transfer-Encoding`
/// whose final coding is not `chunked`, that repeats `chunked`, or that arrives
/// on HTTP/1.0; an HTTP/1.1 request without exactly one valid `Host`. Fails with 501
/// for a transfer coding other than `chunked` before a final `chunked`, and with
/// 417 for an `Expect` other than `100-continue`.
#[inline]
pub(crate) fn directives(
    version: Version,
    headers: &[Header<'_>],
) -> Result<Directives, HeadError> {
    let mut length: Option<u64> = None;
    let mut saw_te = false;
    let mut chunked_last = false;
    let mut unknown_coding = false;
    let mut hosts = 0usize;
    let mut conn_close = false;
    let mut conn_keep_alive = false;
    let mut conn_upgrade = false;
    let mut has_upgrade_field = false;
    let mut expect_continue = false;

    for h in headers {
        let name = h.name;
        // Dispatch on length first: most fields are rejected by one comparison.
        match name.len() {
            4 if name_is(name, "host") => {
                hosts += 1;
                if hosts > 1 {
                    return Err(HeadError::new(400, "more than one Host field"));
                }
                if !host_is_valid(h.value) {
                    return Err(HeadError::new(400, "invalid Host field"));
                }
            }
            14 if name_is(name, "content-length") => {
                let mut any = false;
                for member in h.value.split(|&b| b == b',').map(trim_ows) {
                    any = true;
                    let n = parse_length(member)
                        .ok_or(HeadError::new(400, "malformed Content-Length"))?;
                    match length {
                        Some(prev) if prev != n => {
                            return Err(HeadError::new(400, "differing Content-Length values"))
                        }
                        _ => length = Some(n),
                    }
                }
                if !any {
                    return Err(HeadError::new(400, "malformed Content-Length"));
                }
            }
            17 if name_is(name, "transfer-encoding") => {
                saw_te = true;
                let mut members = 0usize;
                for coding in list_members(h.value) {
                    members += 1;
                    // A coding may carry parameters ("gzip;q=1"): compare the name only.
                    let coding_name =
                        trim_ows(coding.split(|&b| b == b';').next().unwrap_or(coding));
                    if coding_name.eq_ignore_ascii_case(b"chunked") {
                        if chunked_last {
                            return Err(HeadError::new(400, "chunked applied more than once"));
                        }
                        if coding_name.len() != coding.len() {
                            return Err(HeadError::new(400, "parameters on chunked"));
                        }
                        chunked_last = true;
                    } else {
                        if chunked_last {
                            return Err(HeadError::new(
                                400,
                                "chunked is not the final transfer coding",
                            ));
                        }
                        unknown_coding = true;
                    }
                }
                if members == 0 {
                    return Err(HeadError::new(400, "empty Transfer-Encoding"));
                }
            }
            10 if name_is(name, "connection") => {
                for opt in list_members(h.value) {
                    if opt.eq_ignore_ascii_case(b"close") {
                        conn_close = true;
                    } else if opt.eq_ignore_ascii_case(b"keep-alive") {
                        conn_keep_alive = true;
                    } else if opt.eq_ignore_ascii_case(b"upgrade") {
                        conn_upgrade = true;
                    }
                }
            }
            7 if name_is(name, "upgrade") => has_upgrade_field = !h.value.is_empty(),
            // HTTP/1.0 clients cannot expect anything (RFC 9110 §10.1.1): ignored.
            6 if version == Version::Http11 && name_is(name, "expect") => {
                if h.value.eq_ignore_ascii_case(b"100-continue") {
                    expect_continue = true;
                } else {
                    return Err(HeadError::new(417, "unsupported expectation"));
                }
            }
            _ => {}
        }
    }

    if version == Version::Http11 && hosts == 0 {
        return Err(HeadError::new(400, "HTTP/1.1 request without Host"));
    }
    let body = if saw_te {
        if length.is_some() {
            return Err(HeadError::new(
                400,
                "both Content-Length and Transfer-Encoding",
            ));
        }
        if version == Version::Http10 {
            return Err(HeadError::new(400, "Transfer-Encoding on HTTP/1.0"));
        }
        if !chunked_last {
            return Err(HeadError::new(
                400,
                "chunked is not the final transfer coding",
            ));
        }
        if unknown_coding {
            return Err(HeadError::new(501, "unsupported transfer coding"));
        }
        BodyKind::Chunked
    } else {
        match length {
            None | Some(0) => BodyKind::Empty,
            Some(n) => BodyKind::Length(n),
        }
    };
    let keep_alive = match version {
        Version::Http11 => !conn_close,
        Version::Http10 => conn_keep_alive && !conn_close,
    };
    Ok(Directives {
        body,
        keep_alive,
        expect_continue,
        upgrade: conn_upgrade && has_upgrade_field,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(parse_length(b"0"), Some(0));
        assert_eq!(parse_length(b"00012"), Some(12));
        assert_eq!(parse_length(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_length(b"18446744073709551616"), None);
        assert_eq!(parse_length(b"+1"), None);
        assert_eq!(parse_length(b"-1"), None);
        assert_eq!(parse_length(b""), None);
        assert_eq!(parse_length(b"1 2"), None);
        assert_eq!(parse_length(b"0x10"), None);
    }

    #[test]
    fn members() {
        let v: Vec<&[u8]> = list_members(b" a ,, b\t,c ").collect();
        assert_eq!(v, vec![&b"a"[..], b"b", b"c"]);
    }

    #[test]
    fn hosts() {
        assert!(host_is_valid(b"example.com:8080"));
        assert!(host_is_valid(b"[::1]:80"));
        assert!(host_is_valid(b""));
        assert!(!host_is_valid(b"a b"));
        assert!(!host_is_valid(b"a/b"));
        assert!(!host_is_valid(b"user@host"));
    }
}
