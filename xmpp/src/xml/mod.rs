//! Incremental reading and writing of XMPP's XML streams.
//!
//! [`StreamReader`] turns the bytes of a stream, split however the network
//! split them, into [`StreamEvent`]s: the [`StreamHeader`], each top-level
//! element as an [`Element`], and the end of the stream.
//! It works in two steps: a push scanner finds where each unit ends, keeping
//! its state between chunks, and only complete units are handed to
//! quick-xml to be parsed, with the namespace bindings of the stream header
//! in scope.
//!
//! The reader accepts the restricted XML of RFC 6120 §11: comments, DOCTYPE
//! and other markup declarations, processing instructions (other than the
//! XML declaration at the start) and references to entities other than the
//! predefined ones are errors, as are encodings other than UTF-8. Every
//! [`XmlError`] names the stream error to report.
//!
//! Writing: [`StreamHeader::write_to`] writes a header, [`STREAM_END`] closes
//! a stream, and [`Element::write_to_in_ns`](crate::Element::write_to_in_ns)
//! writes stanzas as they appear inside a stream.

pub(crate) mod chars;
mod error;
mod framer;
mod header;
pub(crate) mod parse;
mod reader;

pub use error::XmlError;
pub use header::StreamHeader;
pub use reader::{Config, StreamEvent, StreamReader};

use crate::element::Element;

/// The end tag that closes a stream.
pub const STREAM_END: &str = "</stream:stream>";

/// Checks that `bytes` (`None` if out of range) are UTF-8 holding only
/// characters allowed in XML.
fn check_utf8(bytes: Option<&[u8]>) -> Result<&str, XmlError> {
    let text = std::str::from_utf8(bytes.ok_or(XmlError::Malformed)?)
        .map_err(|_| XmlError::InvalidUtf8)?;
    if chars::has_noncharacter(text) {
        return Err(XmlError::InvalidChar);
    }
    Ok(text)
}

/// Parses a standalone element (see [`Element::parse_with`]).
pub(crate) fn parse_fragment(xml: &str, config: &Config) -> Result<Element, XmlError> {
    if xml
        .bytes()
        .any(|b| b < 0x20 && !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        || chars::has_noncharacter(xml)
    {
        return Err(XmlError::InvalidChar);
    }
    let limits = parse::Limits::from(config);
    parse::parse_element(xml, &mut parse::Scope::default(), &limits)
}

#[cfg(test)]
mod tests;
