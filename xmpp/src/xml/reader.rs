//! [`StreamReader`]: bytes in, stream events out.

use super::framer::{Frame, Framer};
use super::header::{check_decl, parse_header, StreamHeader};
use super::parse::{parse_element, Limits, Scope};
use super::{check_utf8, XmlError};
use crate::element::Element;

/// Limits of a [`StreamReader`]. Exceeding any of them is an error that maps
/// to the `policy-violation` stream error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest stanza, in bytes of its XML text, the reader accepts; the
    /// stream header and the XML declaration are held to it too. The reader
    /// never buffers more than this much of an incomplete stanza (plus what
    /// the caller feeds before asking for events). Default: 256 KiB.
    pub max_stanza_bytes: usize,
    /// Deepest element nesting accepted, a top-level stanza being at depth 1
    /// (the stream root is not counted). Default: 64.
    pub max_depth: usize,
    /// Most attributes (namespace declarations included) on one element,
    /// the stream header included. Default: 64.
    pub max_attributes: usize,
    /// Most namespace declarations in scope at once inside one stanza (the
    /// stream header's are not counted); bounds the cost of resolving
    /// prefixes. Default: 64.
    pub max_namespace_bindings: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_stanza_bytes: 256 * 1024,
            max_depth: 64,
            max_attributes: 64,
            max_namespace_bindings: 64,
        }
    }
}

/// What the reader found in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// The stream header (the root element's start tag) was read.
    Header(StreamHeader),
    /// A complete top-level element: a stanza, or stream-level elements such
    /// as `<stream:features/>`, `<starttls/>`, `<auth/>`, `<stream:error/>`.
    /// Elements in the stream's default namespace have that namespace.
    Stanza(Element),
    /// The stream root was closed (`</stream:stream>`). Bytes after it are
    /// ignored.
    End,
}

/// Incremental reader of an XMPP stream.
///
/// Feed it the bytes read from the connection with [`feed`](Self::feed),
/// however they are split, and take events with
/// [`next_event`](Self::next_event) until it returns `Ok(None)` (more bytes
/// needed). Each byte is scanned once; a complete stanza is then parsed
/// once, so the work is linear in the input.
///
/// After an error the reader is stuck: every call returns the same error and
/// fed bytes are dropped, until [`reset`](Self::reset). The caller should
/// send the stream error named by [`XmlError::stream_error_condition`] and
/// close the stream.
///
/// ```
/// use jaxl_xmpp::xml::{Config, StreamEvent, StreamReader};
///
/// let mut reader = StreamReader::new(Config::default());
/// reader.feed(b"<stream:stream xmlns='jabber:client' \
///     xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>\
///     <presence/>");
/// assert!(matches!(reader.next_event(), Ok(Some(StreamEvent::Header(_)))));
/// match reader.next_event() {
///     Ok(Some(StreamEvent::Stanza(el))) => assert!(el.is("presence", "jabber:client")),
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(reader.next_event(), Ok(None));
/// ```
#[derive(Debug, Clone)]
pub struct StreamReader {
    config: Config,
    limits: Limits,
    buf: Vec<u8>,
    framer: Framer,
    scope: Scope,
    root_name: String,
    failed: Option<XmlError>,
    pending_end: bool,
}

impl StreamReader {
    /// A reader at the start of a stream.
    pub fn new(config: Config) -> Self {
        StreamReader {
            limits: Limits::from(&config),
            framer: Framer::new(config.max_stanza_bytes, config.max_depth),
            config,
            buf: Vec::new(),
            scope: Scope::default(),
            root_name: String::new(),
            failed: None,
            pending_end: false,
        }
    }

    /// The limits this reader applies.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Appends bytes received from the peer. Never fails: problems are
    /// reported by [`next_event`](Self::next_event). Bytes fed after an
    /// error are dropped.
    pub fn feed(&mut self, data: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        let done = self.framer.discardable().min(self.buf.len());
        if done > 0 && done * 2 >= self.buf.len() {
            self.buf.drain(..done);
            self.framer.shift(done);
        }
        self.buf.extend_from_slice(data);
    }

    /// The next event, `Ok(None)` when the bytes fed so far hold no further
    /// complete event.
    ///
    /// # Errors
    /// The first [`XmlError`] in the stream; it is returned again by every
    /// later call until [`reset`](Self::reset).
    pub fn next_event(&mut self) -> Result<Option<StreamEvent>, XmlError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if self.pending_end {
            self.pending_end = false;
            return Ok(Some(StreamEvent::End));
        }
        let result = self.scan();
        match result {
            Err(e) => {
                self.failed = Some(e);
                self.buf = Vec::new();
            }
            Ok(None) => {
                // Everything fed has been returned: free the buffer, so an idle stream
                // holds no bytes (thousands of idle sessions are the common case).
                let done = self.framer.discardable();
                if done >= self.buf.len() && self.buf.capacity() > 0 {
                    self.framer.shift(self.buf.len());
                    self.buf = Vec::new();
                }
            }
            Ok(Some(_)) => {}
        }
        result
    }

    fn scan(&mut self) -> Result<Option<StreamEvent>, XmlError> {
        loop {
            let frame = match self.framer.advance(&self.buf)? {
                Some(f) => f,
                None => return Ok(None),
            };
            match frame {
                Frame::Decl(r) => check_decl(check_utf8(self.buf.get(r))?)?,
                Frame::Header {
                    range,
                    self_closing,
                } => {
                    let text = check_utf8(self.buf.get(range))?;
                    let (header, root) = parse_header(text, &mut self.scope, &self.limits)?;
                    self.root_name = root;
                    self.pending_end = self_closing;
                    return Ok(Some(StreamEvent::Header(header)));
                }
                Frame::Stanza(r) => {
                    let text = check_utf8(self.buf.get(r))?;
                    let el = parse_element(text, &mut self.scope, &self.limits)?;
                    return Ok(Some(StreamEvent::Stanza(el)));
                }
                Frame::End(r) => {
                    let text = check_utf8(self.buf.get(r))?;
                    let name = text
                        .strip_prefix("</")
                        .and_then(|t| t.strip_suffix('>'))
                        .map(|t| t.trim_end_matches([' ', '\t', '\n', '\r']));
                    if name != Some(self.root_name.as_str()) {
                        return Err(XmlError::MismatchedEndTag);
                    }
                    return Ok(Some(StreamEvent::End));
                }
            }
        }
    }

    /// Starts over at the beginning of a new stream, as after STARTTLS or
    /// successful SASL authentication (RFC 6120 §5.4.3.3, §6.4.6): the
    /// header's namespaces are forgotten, any error is cleared, and bytes
    /// fed but not yet returned as events are discarded, so that nothing
    /// received before the restart (such as plaintext injected after
    /// `<proceed/>`) is taken as part of the new stream.
    pub fn reset(&mut self) {
        self.buf.clear();
        self.framer = Framer::new(self.config.max_stanza_bytes, self.config.max_depth);
        self.scope.clear();
        self.root_name.clear();
        self.failed = None;
        self.pending_end = false;
    }

    /// Whether bytes were fed that have not yet formed an event (part of a
    /// stanza, or bytes not yet scanned). At the end of the connection this
    /// means the peer stopped in the middle of something.
    pub fn has_partial_data(&self) -> bool {
        !self.framer.is_closed()
            && self.failed.is_none()
            && self.framer.discardable() < self.buf.len()
    }

    /// How many bytes the reader holds (fed bytes not yet released; they are
    /// released when later bytes are fed).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether the stream root has been closed by the peer.
    pub fn is_closed(&self) -> bool {
        self.framer.is_closed() && !self.pending_end
    }
}
