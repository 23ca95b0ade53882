//! Encoding a response head (status line and header fields) into a reusable buffer.
//!
//! Everything appends to a caller-owned `Vec<u8>` that is cleared and reused from
//! one response to the next, so a warm connection writes heads without allocating.
//! Field names and values come from application code, not the network, but are
//! still checked: a CR or LF in a value would let a caller's input split the
//! response in two.

use crate::head::Version;
use crate::status::reason_phrase;

/// A header field name or value that cannot be sent: the name is not a token or
/// the value holds CR, LF or NUL.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct InvalidHeader;

impl std::fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid header field name or value")
    }
}

impl std::error::Error for InvalidHeader {}

/// The bytes allowed in a token (RFC 9110 §5.6.2), as a lookup table.
const TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    t
};

/// Whether `name` is a valid field name (a non-empty token, RFC 9110 §5.1).
#[inline]
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| TOKEN[usize::from(b)])
}

/// Whether `value` may be sent as a field value: no CR, LF, NUL or other control
/// characters except HTAB.
#[inline]
pub fn valid_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Append the status line, e.g. `HTTP/1.1 200 OK\r\n`. Codes outside 100..=999
/// are written as 500.
#[inline]
pub fn write_status_line(out: &mut Vec<u8>, version: Version, code: u16) {
    let code = if (100..=999).contains(&code) {
        code
    } else {
        500
    };
    if code == 200 {
        out.extend_from_slice(match version {
            Version::Http11 => b"HTTP/1.1 200 OK\r\n",
            Version::Http10 => b"HTTP/1.0 200 OK\r\n",
        });
        return;
    }
    out.extend_from_slice(version.as_str().as_bytes());
    out.push(b' ');
    let digits = [
        b'0' + (code / 100) as u8,
        b'0' + (code / 10 % 10) as u8,
        b'0' + (code % 10) as u8,
    ];
    out.extend_from_slice(&digits);
    out.push(b' ');
    out.extend_from_slice(reason_phrase(code).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Append one header field line. Fails, appending nothing, if the name or value
/// is invalid (see [`valid_name`], [`valid_value`]).
pub fn write_header(out: &mut Vec<u8>, name: &str, value: &[u8]) -> Result<(), InvalidHeader> {
    if !valid_name(name) || !valid_value(value) {
        return Err(InvalidHeader);
    }
    write_header_unchecked(out, name.as_bytes(), value);
    Ok(())
}

/// Append a header line whose name and value are known to be valid.
#[inline]
pub(crate) fn write_header_unchecked(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.reserve(name.len() + value.len() + 4);
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Decimal digits of `n` in a fixed buffer: returns the buffer and where the
/// digits start.
#[inline]
pub fn u64_digits(mut n: u64) -> ([u8; 20], usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    (buf, i)
}

/// Append `Content-Length: n`.
pub fn write_content_length(out: &mut Vec<u8>, n: u64) {
    let (digits, start) = u64_digits(n);
    write_header_unchecked(out, b"Content-Length", digits.get(start..).unwrap_or(b"0"));
}

/// Append the blank line that ends the head.
#[inline]
pub fn end_head(out: &mut Vec<u8>) {
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head() {
        let mut out = Vec::new();
        write_status_line(&mut out, Version::Http11, 200);
        write_header(&mut out, "Content-Type", b"text/plain").unwrap();
        write_content_length(&mut out, 12);
        end_head(&mut out);
        assert_eq!(
            out,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\n"
        );
        out.clear();
        write_status_line(&mut out, Version::Http10, 404);
        assert_eq!(out, b"HTTP/1.0 404 Not Found\r\n");
        out.clear();
        write_status_line(&mut out, Version::Http11, 42);
        assert_eq!(out, b"HTTP/1.1 500 Internal Server Error\r\n");
    }

    #[test]
    fn rejects_splitting() {
        let mut out = Vec::new();
        assert_eq!(
            write_header(&mut out, "X", b"a\r\nSet-Cookie: x"),
            Err(InvalidHeader)
        );
        assert_eq!(write_header(&mut out, "X Y", b"a"), Err(InvalidHeader));
        assert_eq!(write_header(&mut out, "", b"a"), Err(InvalidHeader));
        assert!(out.is_empty());
    }

    #[test]
    fn digits() {
        for n in [0u64, 7, 10, 99, 1234567890, u64::MAX] {
            let (d, s) = u64_digits(n);
            assert_eq!(std::str::from_utf8(&d[s..]).unwrap(), n.to_string());
        }
    }
}
