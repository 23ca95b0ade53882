//! [`Request`]: an owned, reusable view of one request's head.
//!
//! A connection keeps one `Request` and refills it for every request it reads:
//! the head bytes are copied into a buffer the `Request` owns and the method,
//! target and fields are stored as offsets into it, so after warm-up reading a
//! request allocates nothing. Field lookup is case-insensitive and repeated
//! fields are all kept, in arrival order.

use crate::framing::{name_is, BodyKind};
use crate::head::{Head, Version};
use crate::router::Params;
use std::net::SocketAddr;
use std::ops::Range;

type Span = Range<u32>;

/// One incoming request: method, target, version, header fields, peer address,
/// and the route parameters when a router matched it.
///
/// Handed to the request callback by reference; copy out whatever must outlive
/// the callback. The body is read through the server's body API, not here.
#[derive(Debug, Default)]
pub struct Request {
    buf: Vec<u8>,
    method: Span,
    target: Span,
    path: Span,
    query: Option<Span>,
    version: Option<Version>,
    fields: Vec<(Span, Span)>,
    remote: Option<SocketAddr>,
    body: Option<BodyKind>,
    keep_alive: bool,
    expect_continue: bool,
    upgrade: bool,
    pub(crate) params: Params,
    pub(crate) sink: crate::body::BodySink,
}

/// The offset range of `part` inside `base`, or an empty range if it is not inside
/// (which cannot happen for slices httparse returns from `base`).
fn span_of(base: &[u8], part: &[u8]) -> Span {
    let start = (part.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
    match start.checked_add(part.len()) {
        Some(end) if end <= base.len() => (start as u32)..(end as u32),
        _ => 0..0,
    }
}

impl Request {
    /// An empty request, to be filled by [`fill`](Self::fill).
    pub fn new() -> Self {
        Self::default()
    }

    /// Refill from a parsed head. `buf` must be the buffer `head` was parsed from
    /// (only `buf[..head.len]` is kept). Reuses this request's storage; allocates
    /// only when a head is larger than any before on this connection.
    #[inline]
    pub fn fill(&mut self, buf: &[u8], head: &Head<'_, '_>, remote: Option<SocketAddr>) {
        let src = buf.get(..head.len).unwrap_or(buf);
        self.buf.clear();
        self.buf.extend_from_slice(src);
        self.method = span_of(src, head.method.as_bytes());
        self.target = span_of(src, head.target.as_bytes());
        self.path = if head.path == "/" && !head.target.starts_with('/') && head.target != "*" {
            // absolute-form without a path: the path is a literal "/" not in the buffer.
            Span::default()
        } else {
            span_of(src, head.path.as_bytes())
        };
        self.query = head.query.map(|q| span_of(src, q.as_bytes()));
        self.version = Some(head.version);
        self.fields.clear();
        for h in head.headers {
            self.fields
                .push((span_of(src, h.name.as_bytes()), span_of(src, h.value)));
        }
        self.remote = remote;
        self.body = Some(head.body);
        self.keep_alive = head.keep_alive;
        self.expect_continue = head.expect_continue;
        self.upgrade = head.upgrade;
        if !self.params.is_empty() {
            self.params.clear();
        }
        if !self.sink.is_empty() {
            self.sink = crate::body::BodySink::default();
        }
    }

    fn text(&self, span: &Span) -> &str {
        self.buf
            .get(span.start as usize..span.end as usize)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    fn bytes(&self, span: &Span) -> &[u8] {
        self.buf
            .get(span.start as usize..span.end as usize)
            .unwrap_or(&[])
    }

    /// The method, e.g. `"GET"` (case-sensitive).
    pub fn method(&self) -> &str {
        self.text(&self.method)
    }

    /// The request target as sent, e.g. `"/search?q=rust"`.
    pub fn target(&self) -> &str {
        self.text(&self.target)
    }

    /// The path without query, e.g. `"/search"`; `"/"` for an absolute-form target
    /// without a path. Not percent-decoded.
    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            "/"
        } else {
            self.text(&self.path)
        }
    }

    /// The query after `?` without the `?`, if there was one. Not decoded.
    pub fn query(&self) -> Option<&str> {
        self.query.as_ref().map(|q| self.text(q))
    }

    /// HTTP/1.0 or HTTP/1.1.
    pub fn version(&self) -> Version {
        self.version.unwrap_or(Version::Http11)
    }

    /// The first value of the field `name` (case-insensitive) as text; `None` if
    /// absent or not valid UTF-8 (use [`header_bytes`](Self::header_bytes) then).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_bytes(name)
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The first value of the field `name` (case-insensitive), as bytes.
    pub fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| name_is(self.text(n), name))
            .map(|(_, v)| self.bytes(v))
    }

    /// Every value of the field `name` (case-insensitive), in arrival order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| name_is(self.text(n), name))
            .map(move |(_, v)| self.bytes(v))
    }

    /// All fields as (name, value) in arrival order; names keep the client's case.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.fields
            .iter()
            .map(move |(n, v)| (self.text(n), self.bytes(v)))
    }

    /// Number of header fields.
    pub fn header_count(&self) -> usize {
        self.fields.len()
    }

    /// The peer's address, when the connection is TCP.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote
    }

    /// How the body is framed: none, a known length, or chunked.
    pub fn body_kind(&self) -> BodyKind {
        self.body.unwrap_or(BodyKind::Empty)
    }

    /// The body length announced by `Content-Length`; `None` for chunked bodies.
    pub fn content_length(&self) -> Option<u64> {
        match self.body_kind() {
            BodyKind::Empty => Some(0),
            BodyKind::Length(n) => Some(n),
            BodyKind::Chunked => None,
        }
    }

    /// Whether the client allows the connection to stay open after this request
    /// (HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `keep-alive`).
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// Whether the client sent `Expect: 100-continue` and waits before sending the
    /// body.
    pub fn expects_continue(&self) -> bool {
        self.expect_continue
    }

    /// Whether the client asks to switch protocols (`Connection: upgrade` and an
    /// `Upgrade` field); the requested protocol is `header("upgrade")`.
    pub fn is_upgrade(&self) -> bool {
        self.upgrade
    }

    /// The route parameter `name` captured by the router (e.g. `id` for
    /// `/users/:id`), percent-decoded (`a%20b` is `a b`); `None` without a router
    /// or without that parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name, self.path())
    }

    /// Every captured route parameter as (name, value), percent-decoded.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.params.iter(self.path())
    }

    /// Bytes held by this request's reusable storage (for memory accounting).
    pub fn capacity_bytes(&self) -> usize {
        self.buf.capacity() + self.fields.capacity() * std::mem::size_of::<(Span, Span)>()
    }

    /// Release storage grown past `keep` bytes, so an idle connection does not
    /// hold on to the largest head it ever saw.
    pub fn shrink(&mut self, keep: usize) {
        if self.buf.capacity() > keep {
            self.buf = Vec::new();
            self.fields = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head::{parse_head, HeadLimits, Parse};

    fn request(buf: &[u8]) -> Request {
        let mut storage = crate::head::header_storage::<16>();
        let head = match parse_head(buf, &mut storage, &HeadLimits::default()) {
            Ok(Parse::Complete(h)) => h,
            other => panic!("{other:?}"),
        };
        let mut req = Request::new();
        req.fill(buf, &head, "127.0.0.1:9".parse().ok());
        req
    }

    #[test]
    fn accessors() {
        let req = request(
            b"GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nAccept: a\r\nACCEPT: b\r\nX-Bin: \xff\r\n\r\nbody",
        );
        assert_eq!(req.method(), "GET");
        assert_eq!(req.path(), "/a/b");
        assert_eq!(req.query(), Some("x=1"));
        assert_eq!(req.target(), "/a/b?x=1");
        assert_eq!(req.version(), Version::Http11);
        assert_eq!(req.header("host"), Some("h"));
        assert_eq!(req.header("accept"), Some("a"));
        let all: Vec<&[u8]> = req.header_all("Accept").collect();
        assert_eq!(all, vec![&b"a"[..], b"b"]);
        assert_eq!(req.header("x-bin"), None);
        assert_eq!(req.header_bytes("x-bin"), Some(&b"\xff"[..]));
        assert_eq!(req.header_count(), 4);
        assert_eq!(req.remote_addr(), "127.0.0.1:9".parse().ok());
        assert_eq!(req.content_length(), Some(0));
        assert!(req.keep_alive());
    }

    #[test]
    fn absolute_form() {
        let req = request(b"GET http://h HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(req.path(), "/");
        let req = request(b"GET http://h/x/y?z HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(req.path(), "/x/y");
        assert_eq!(req.query(), Some("z"));
    }

    #[test]
    fn reuse_keeps_storage() {
        let mut storage = crate::head::header_storage::<16>();
        let buf = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
        let mut req = Request::new();
        for _ in 0..3 {
            let head = match parse_head(buf, &mut storage, &HeadLimits::default()) {
                Ok(Parse::Complete(h)) => h,
                other => panic!("{other:?}"),
            };
            req.fill(buf, &head, None);
        }
        let cap = req.capacity_bytes();
        assert!(cap >= buf.len());
        req.shrink(8);
        assert_eq!(req.capacity_bytes(), 0);
    }
}
