//! Reading a request body: streamed in pieces or delivered whole.
//!
//! A request callback registers what should happen with the body; the server
//! calls it as the bytes arrive, after the callback returns. Registering anything
//! is what "reading the body" means: only then is an `Expect: 100-continue`
//! answered with `100 Continue`. A body nobody registered for is read and thrown
//! away (up to [`Config::max_discard`](crate::Config::max_discard), beyond which
//! the connection closes after the response).

use crate::request::Request;

type DataFn = Box<dyn FnMut(&[u8])>;
type WholeFn = Box<dyn FnOnce(&[u8])>;

/// The callbacks registered for a request's body.
#[derive(Default)]
pub(crate) struct BodySink {
    pub data: Option<DataFn>,
    pub end: Option<Box<dyn FnOnce()>>,
    pub whole: Option<WholeFn>,
    pub abort: Option<Box<dyn FnOnce()>>,
}

impl BodySink {
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
}
