//! Request head parsing: the request line and header section of an HTTP/1.x request.
//!
//! [`parse_head`] is push-style and does no I/O: hand it whatever bytes have arrived
//! so far, and it answers [`Parse::Partial`] (wait for more), [`Parse::Complete`]
//! (a head was read; its length says where the body starts) or a [`HeadError`]
//! carrying the status code the protocol prescribes for that fault. After any
//! `HeadError` the connection must be closed: the framing of what follows is unknown.
//!
//! Syntax is checked by `httparse` with its strict defaults: a bare CR, obs-fold
//! (a header line starting with whitespace), a space before the colon, control
//! characters in a value, and several spaces between request-line parts are all
//! rejected. On top of that this module applies the RFC 9112 framing rules that
//! stop request smuggling (see [`crate::framing`]) and the `Host` rules.

use crate::framing::{self, BodyKind, Directives};
use httparse::Header;
use std::mem::MaybeUninit;

/// Re-exported from `httparse`: the header type [`parse_head`] fills in.
pub use httparse::Header as RawHeader;

/// Uninitialised header storage for [`parse_head`], `N` entries, free to create.
pub fn header_storage<'b, const N: usize>() -> [MaybeUninit<Header<'b>>; N] {
    [const { MaybeUninit::uninit() }; N]
}

/// The HTTP version of a request. Only HTTP/1.0 and HTTP/1.1 are spoken; any other
/// well-formed version is answered with 505.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Version {
    /// HTTP/1.0: connections close after each response unless `Connection: keep-alive`.
    Http10,
    /// HTTP/1.1: persistent connections unless `Connection: close`.
    Http11,
}

impl Version {
    /// The version as it appears on the wire, e.g. `"HTTP/1.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// Limits on the size of a request head. Each fault has its own status code.
#[derive(Clone, Debug)]
pub struct HeadLimits {
    /// Longest request line (method, target and version) in bytes; longer is
    /// answered with 414 URI Too Long. Default 8 KiB: the common server default
    /// (nginx, node), roomy for real URLs while bounding what a client can make the
    /// server buffer before it sees a single header.
    pub max_request_line: usize,
    /// Largest whole head (request line plus header section) in bytes; larger is
    /// answered with 431 Request Header Fields Too Large. Default 16 KiB, node's
    /// default: enough for large cookies, small enough that a slow client cannot
    /// pin much memory.
    pub max_head_bytes: usize,
    /// Most header fields in one request; more is answered with 431. Default 100,
    /// the same as hyper's. The parser uses at most this many entries of the
    /// caller's storage (the server's stack storage holds 256, its cap).
    pub max_headers: usize,
}

impl Default for HeadLimits {
    fn default() -> Self {
        HeadLimits {
            max_request_line: 8 * 1024,
            max_head_bytes: 16 * 1024,
            max_headers: 100,
        }
    }
}

/// Why a request head was refused: the status code to answer with and a short
/// reason for logs. The connection must be closed after answering.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct HeadError {
    /// The status code to answer with: 400, 414, 417, 431, 501 or 505.
    pub status: u16,
    /// A short description of the fault, for logs and the error body.
    pub reason: &'static str,
}

impl HeadError {
    pub(crate) const fn new(status: u16, reason: &'static str) -> Self {
        HeadError { status, reason }
    }
}

impl std::fmt::Display for HeadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.reason, self.status)
    }
}

impl std::error::Error for HeadError {}

/// The outcome of feeding bytes to a push parser.
#[derive(Debug, PartialEq, Eq)]
pub enum Parse<T> {
    /// More bytes are needed; nothing was consumed. Call again with the same bytes
    /// plus whatever arrives next.
    Partial,
    /// A complete item was parsed.
    Complete(T),
}

/// A parsed request head, borrowing the input buffer and the caller's header storage.
#[derive(Debug)]
pub struct Head<'b, 'h> {
    /// The method token, e.g. `GET`. Case-sensitive, as RFC 9110 says.
    pub method: &'b str,
    /// The request target as sent (origin-form `/a?b`, absolute-form or `*`).
    pub target: &'b str,
    /// The path part of the target, without query or fragment; `*` for asterisk-form.
    pub path: &'b str,
    /// The query after `?`, if any, without the `?`.
    pub query: Option<&'b str>,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The header fields in the order received; repeated fields are kept.
    pub headers: &'h [Header<'b>],
    /// Length of the head in bytes, including the blank line: the body starts here.
    pub len: usize,
    /// How the body is framed.
    pub body: BodyKind,
    /// Whether the connection may stay open after the response (version and
    /// `Connection` header).
    pub keep_alive: bool,
    /// Whether the client sent `Expect: 100-continue` (ignored from HTTP/1.0 clients).
    pub expect_continue: bool,
    /// Whether the client asks to switch protocols (`Connection: upgrade` with an
    /// `Upgrade` field).
    pub upgrade: bool,
}

/// Parse a request head from the start of `buf`.
///
/// `storage` is caller-supplied, uninitialised header storage (e.g.
/// `[const { MaybeUninit::uninit() }; 128]` on the stack, which costs nothing to
/// create); at most `limits.max_headers` of its entries are used. Nothing is
/// allocated.
///
/// Returns `Ok(Parse::Partial)` when the head is incomplete but within limits,
/// `Ok(Parse::Complete(head))` when a valid head was read, and `Err(HeadError)` when
/// the bytes can never become a valid head or exceed a limit: 400 (syntax, framing,
/// `Host`), 414 (request line), 417 (an `Expect` other than `100-continue`), 431
/// (header count or bytes), 501 (an unknown transfer coding) or 505 (an HTTP version
/// other than 1.0 and 1.1).
#[inline]
pub fn parse_head<'b, 'h>(
    buf: &'b [u8],
    storage: &'h mut [MaybeUninit<Header<'b>>],
    limits: &HeadLimits,
) -> Result<Parse<Head<'b, 'h>>, HeadError> {
    let max_headers = limits.max_headers.min(storage.len());
    let storage = match storage.get_mut(..max_headers) {
        Some(s) => s,
        None => return Err(HeadError::new(431, "too many header fields")),
    };
    let mut req = httparse::Request::new(&mut []);
    let status = match req.parse_with_uninit_headers(buf, storage) {
        Ok(s) => s,
        Err(e) => return Err(classify_error(e, buf, limits)),
    };
    let len = match status {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial => {
            check_partial(buf, limits)?;
            return Ok(Parse::Partial);
        }
    };
    let (method, target, minor) = match (req.method, req.path, req.version) {
        (Some(m), Some(p), Some(v)) => (m, p, v),
        _ => return Err(HeadError::new(400, "incomplete request line")),
    };
    // The request line is part of the head: only a long head needs the scan.
    if len > limits.max_request_line
        && request_line_len(buf).unwrap_or(len) > limits.max_request_line
    {
        return Err(HeadError::new(414, "request line too long"));
    }
    if len > limits.max_head_bytes {
        return Err(HeadError::new(431, "request header section too large"));
    }
    let version = if minor == 0 {
        Version::Http10
    } else {
        Version::Http11
    };
    let headers: &'h [Header<'b>] = req.headers;
    let (path, query) = split_target(method, target)?;
    let Directives {
        body,
        keep_alive,
        expect_continue,
        upgrade,
    } = framing::directives(version, headers)?;
    Ok(Parse::Complete(Head {
        method,
        target,
        path,
        query,
        version,
        headers,
        len,
        body,
        keep_alive,
        expect_continue,
        upgrade,
    }))
}

/// Skip the empty lines a client may send before the request line (RFC 9112 §2.2).
fn skip_leading_newlines(buf: &[u8]) -> &[u8] {
    let start = buf
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(buf.len());
    buf.get(start..).unwrap_or(&[])
}

/// Length of the request line, without its line ending, if its end has arrived.
fn request_line_len(buf: &[u8]) -> Option<usize> {
    let line = skip_leading_newlines(buf);
    let nl = line.iter().position(|&b| b == b'\n')?;
    let cr = usize::from(nl > 0 && line.get(nl - 1) == Some(&b'\r'));
    Some(nl - cr)
}

/// Limits on a head that has not fully arrived yet.
fn check_partial(buf: &[u8], limits: &HeadLimits) -> Result<(), HeadError> {
    match request_line_len(buf) {
        Some(n) if n > limits.max_request_line => {
            return Err(HeadError::new(414, "request line too long"))
        }
        Some(_) => {}
        None => {
            if skip_leading_newlines(buf).len() > limits.max_request_line {
                return Err(HeadError::new(414, "request line too long"));
            }
        }
    }
    if buf.len() > limits.max_head_bytes {
        return Err(HeadError::new(431, "request header section too large"));
    }
    Ok(())
}

/// Map an httparse error to the status the protocol prescribes.
fn classify_error(e: httparse::Error, buf: &[u8], limits: &HeadLimits) -> HeadError {
    match e {
        httparse::Error::TooManyHeaders => HeadError::new(431, "too many header fields"),
        httparse::Error::Version => {
            if version_is_well_formed(buf) {
                HeadError::new(505, "HTTP version not supported")
            } else {
                HeadError::new(400, "malformed HTTP version")
            }
        }
        httparse::Error::Token => {
            // A URI longer than the limit that also holds a bad byte still says 414
            // when its line is over the limit; otherwise the syntax fault wins.
            if request_line_len(buf).unwrap_or_else(|| skip_leading_newlines(buf).len())
                > limits.max_request_line
            {
                HeadError::new(414, "request line too long")
            } else {
                HeadError::new(400, "malformed request line")
            }
        }
        httparse::Error::HeaderName => HeadError::new(400, "invalid header name"),
        httparse::Error::HeaderValue => HeadError::new(400, "invalid header value"),
        httparse::Error::NewLine => HeadError::new(400, "invalid line ending"),
        httparse::Error::Status => HeadError::new(400, "malformed request"),
    }
}

/// Whether the request line ends in a syntactically valid `HTTP/d.d` (or `HTTP/d`)
/// version: such a request is well-formed but for a version this server does not speak.
fn version_is_well_formed(buf: &[u8]) -> bool {
    let line = skip_leading_newlines(buf);
    let end = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
    let mut line = line.get(..end).unwrap_or(&[]);
    if let Some(rest) = line.strip_suffix(b"\r") {
        line = rest;
    }
    let version = match line.iter().rposition(|&b| b == b' ') {
        Some(sp) => line.get(sp + 1..).unwrap_or(&[]),
        None => return false,
    };
    let digits = match version.strip_prefix(b"HTTP/") {
        Some(d) => d,
        None => return false,
    };
    match digits {
        [major] => major.is_ascii_digit(),
        [major, b'.', minor] => major.is_ascii_digit() && minor.is_ascii_digit(),
        _ => false,
    }
}

/// Split a request target into path and query, checking its form (RFC 9112 §3.2).
#[inline]
fn split_target<'b>(
    method: &str,
    target: &'b str,
) -> Result<(&'b str, Option<&'b str>), HeadError> {
    if target == "*" {
        return if method == "OPTIONS" {
            Ok(("*", None))
        } else {
            Err(HeadError::new(
                400,
                "asterisk-form target on a method other than OPTIONS",
            ))
        };
    }
    let rest = if target.starts_with('/') {
        target
    } else if let Some(after_scheme) = strip_scheme(target) {
        // absolute-form: the path starts at the first '/' after the authority.
        let path_start = after_scheme
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(after_scheme.len());
        let rest = after_scheme.get(path_start..).unwrap_or("");
        if !rest.starts_with('/') {
            // "http://host" or "http://host?q": the path is "/".
            let query = rest.strip_prefix('?').map(|q| cut_at(q, b'#'));
            return Ok(("/", query));
        }
        rest
    } else if method == "CONNECT" {
        // authority-form: no path.
        return Ok((target, None));
    } else {
        return Err(HeadError::new(400, "malformed request target"));
    };
    // One pass over the bytes: the first '?' ends the path, the first '#' ends all.
    let bytes = rest.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' {
            return Ok((rest.get(..i).unwrap_or(rest), None));
        }
        if b == b'?' {
            let path = rest.get(..i).unwrap_or(rest);
            let query = rest.get(i + 1..).unwrap_or("");
            return Ok((path, Some(cut_at(query, b'#'))));
        }
    }
    Ok((rest, None))
}

/// `s` up to the first `stop` byte (an ASCII byte, so the cut is on a char boundary).
#[inline]
fn cut_at(s: &str, stop: u8) -> &str {
    match s.bytes().position(|b| b == stop) {
        Some(i) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

fn strip_scheme(target: &str) -> Option<&str> {
    let (scheme, rest) = target.split_once("://")?;
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        Some(rest)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
