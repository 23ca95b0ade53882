//! Reading a request body: streamed in pieces or delivered whole.
//!
//! A request callback registers what should happen with the body; the server
//! calls it as the bytes arrive, after the callback returns. Registering anything
//! is what "reading the body" means: only then is an `Expect: 100-continue`
//! answered with `100 Continue`. A body nobody registered for is read and thrown
//! away (up to [`Config::max_discard`](crate::Config::max_discard), beyond which
//! the connection closes after the response).

use crate::framing::name_is;
use crate::request::Request;
use std::cell::RefCell;
use std::rc::Rc;

type DataFn = Box<dyn FnMut(&[u8])>;
type WholeFn = Box<dyn FnOnce(&[u8])>;

/// The callbacks registered for a request's body.
#[derive(Default)]
pub(crate) struct BodySink {
    pub data: Option<DataFn>,
    pub end: Option<Box<dyn FnOnce()>>,
    pub whole: Option<WholeFn>,
    pub abort: Option<Box<dyn FnOnce()>>,
    pub trailers: Option<Trailers>,
}

/// The trailer fields of a chunked request body, filled in when the body has
/// been read completely: from the moment `on_end` (or `on_body`) is called.
/// Get it with [`Request::trailers`]; cheap to clone (clones share the fields).
/// Empty for a body that was not chunked or had no trailers. Bounded by
/// [`ChunkedLimits::max_trailer_bytes`](crate::ChunkedLimits::max_trailer_bytes).
#[derive(Clone, Default)]
pub struct Trailers(Rc<RefCell<Fields>>);

/// Trailer fields as (name, value).
type Fields = Vec<(String, Vec<u8>)>;

impl Trailers {
    /// The first value of the trailer field `name` (case-insensitive) as text;
    /// `None` if absent or not UTF-8.
    pub fn get(&self, name: &str) -> Option<String> {
        self.get_bytes(name).and_then(|v| String::from_utf8(v).ok())
    }

    /// The first value of the trailer field `name` (case-insensitive).
    pub fn get_bytes(&self, name: &str) -> Option<Vec<u8>> {
        self.0
            .borrow()
            .iter()
            .find(|(n, _)| name_is(n, name))
            .map(|(_, v)| v.clone())
    }

    /// All trailer fields as (name, value), in arrival order.
    pub fn to_vec(&self) -> Vec<(String, Vec<u8>)> {
        self.0.borrow().clone()
    }

    /// Number of trailer fields.
    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// Whether there are no trailer fields (yet).
    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    pub(crate) fn fill<'a>(&self, fields: impl Iterator<Item = (&'a [u8], &'a [u8])>) {
        let mut t = self.0.borrow_mut();
        t.clear();
        for (n, v) in fields {
            // Names are tokens (checked by the decoder), so ASCII.
            t.push((String::from_utf8_lossy(n).into_owned(), v.to_vec()));
        }
    }
}

impl std::fmt::Debug for Trailers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.borrow().iter()).finish()
    }
}

impl BodySink {
    /// Nothing registered (the usual case): nothing to call.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.data.is_none()
            && self.end.is_none()
            && self.whole.is_none()
            && self.abort.is_none()
            && self.trailers.is_none()
    }

    #[inline]
    pub fn wants_body(&self) -> bool {
        self.data.is_some() || self.end.is_some() || self.whole.is_some()
    }
}

impl std::fmt::Debug for BodySink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodySink")
            .field("data", &self.data.is_some())
            .field("end", &self.end.is_some())
            .field("whole", &self.whole.is_some())
            .finish()
    }
}

impl Request {
    /// Stream the body: `f` is called with each piece as it arrives (chunked
    /// framing already removed), in order, possibly many times. Pieces are only
    /// valid during the call. Not bounded by `max_body`: the callback decides what
    /// to keep.
    pub fn on_data(&mut self, f: impl FnMut(&[u8]) + 'static) {
        self.sink.data = Some(Box::new(f));
    }

    /// Call `f` once the whole body has arrived (right after the head for a
    /// request without body). Not called if the body is cut short or malformed;
    /// see [`on_abort`](Self::on_abort).
    pub fn on_end(&mut self, f: impl FnOnce() + 'static) {
        self.sink.end = Some(Box::new(f));
    }

    /// Collect the body and call `f` with all of it once complete. A body larger
    /// than [`Config::max_body`](crate::Config::max_body) is refused: the server
    /// answers 413 itself, closes the connection, and `f` is never called.
    pub fn on_body(&mut self, f: impl FnOnce(&[u8]) + 'static) {
        self.sink.whole = Some(Box::new(f));
    }

    /// Call `f` if the body does not arrive completely: the connection closed or
    /// timed out, or the chunked framing was invalid.
    pub fn on_abort(&mut self, f: impl FnOnce() + 'static) {
        self.sink.abort = Some(Box::new(f));
    }

    /// The trailer fields of a chunked body, available once the body has been
    /// read: keep the handle and look at it in [`on_end`](Self::on_end) or
    /// [`on_body`](Self::on_body).
    ///
    /// ```no_run
    /// jaxl_http::create_server(|req, res| {
    ///     let trailers = req.trailers();
    ///     req.on_end(move || {
    ///         let sum = trailers.get("x-checksum").unwrap_or_default();
    ///         res.end(format!("checksum {sum}\n"));
    ///     });
    /// });
    /// ```
    pub fn trailers(&mut self) -> Trailers {
        self.sink
            .trailers
            .get_or_insert_with(Trailers::default)
            .clone()
    }
}
