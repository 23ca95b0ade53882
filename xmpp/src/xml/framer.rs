//! Push scanner that finds where the stream header and each top-level
//! stanza end, without building anything.
//!
//! The framer keeps its state between calls, so bytes are looked at once
//! however the input is split: [`Framer::advance`] resumes where the last call
//! stopped. It works on a caller-owned buffer and reports byte ranges into it;
//! the caller may drop the bytes before [`Framer::discardable`] and tell the
//! framer with [`Framer::shift`].
//!
//! It checks what can be checked from the byte stream alone and cheaply:
//! control characters, comments, DOCTYPE and other `<!` declarations,
//! processing instructions, character data at stream level, `<` in attribute
//! values, nesting depth and the size of each unit. Everything else (names,
//! attributes, references, matching end tags, UTF-8) is checked by the parser
//! that is handed each complete unit.

use std::ops::Range;

use super::XmlError;

/// A complete unit found in the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A processing instruction before the stream header; the parser checks
    /// that it is the XML declaration.
    Decl(Range<usize>),
    /// The start tag of the stream root element.
    Header {
        /// Where the tag is in the buffer.
        range: Range<usize>,
        /// `<stream:stream .../>`: the stream is closed at once.
        self_closing: bool,
    },
    /// A complete direct child of the stream root.
    Stanza(Range<usize>),
    /// The end tag of the stream root element.
    End(Range<usize>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the stream header.
    Prolog { decl_allowed: bool },
    /// Inside the stream root element.
    Stream,
    /// After the stream root element: remaining bytes are ignored.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    /// Character data.
    Text,
    /// Just after `<`.
    Lt,
    /// Inside a start tag; `quote` is the open quote character or 0, `slash`
    /// whether the previous byte was a `/` outside quotes.
    StartTag { quote: u8, slash: bool },
    /// Inside an end tag.
    EndTag,
    /// After `<!`, with how many bytes of `[CDATA[` matched so far.
    Bang { matched: u8 },
    /// Inside a CDATA section, with how many `]` were just seen (at most 2).
    CData { brackets: u8 },
    /// Inside a processing instruction; `question` whether the previous byte
    /// was `?`.
    Pi { question: bool },
}

const CDATA_OPEN: &[u8] = b"[CDATA[";

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether `b` ends a skip: one of `stops`, or a control character other than
/// whitespace (an error the byte-wise step reports).
fn is_stop(b: u8, stops: &[u8]) -> bool {
    stops.contains(&b) || (b < 0x20 && !is_ws(b))
}

/// The index of the first byte of `rest` that [`is_stop`] (or `rest.len()`).
/// Eight bytes at a time: a word with no byte below 0x20 and none equal to a stop
/// byte is skipped whole (the usual bit tricks; a word they flag, rarely wrongly
/// for whitespace, is looked at byte by byte). Text and attribute values, the bulk
/// of a stanza, pass at several bytes per cycle.
fn find_stop(rest: &[u8], stops: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    let mut words = rest.chunks_exact(8);
    for w in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(w);
        let x = u64::from_le_bytes(bytes);
        // Bytes below 0x20 (control characters and whitespace).
        let mut flag = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        for &c in stops {
            let y = x ^ (ONES * u64::from(c));
            flag |= y.wrapping_sub(ONES) & !y & HIGH;
        }
        if flag != 0 {
            if let Some(j) = w.iter().position(|&b| is_stop(b, stops)) {
                return i + j;
            }
        }
        i += 8;
    }
    let tail = words.remainder();
    i + tail
        .iter()
        .position(|&b| is_stop(b, stops))
        .unwrap_or(tail.len())
}

/// Incremental scanner for an XMPP stream; see the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct Framer {
    max_unit: usize,
    max_depth: usize,
    phase: Phase,
    lex: Lex,
    /// Open elements inside the stream root (0 between stanzas).
    depth: usize,
    /// Next byte to look at.
    pos: usize,
    /// Where the unit being scanned starts, when `in_unit`.
    unit_start: usize,
    in_unit: bool,
}

impl Framer {
    /// A framer at the start of a stream. Units longer than `max_unit` bytes
    /// and elements deeper than `max_depth` (a stanza being depth 1) are errors.
    pub(crate) fn new(max_unit: usize, max_depth: usize) -> Self {
        Framer {
            max_unit: max_unit.max(1),
            max_depth,
            phase: Phase::Prolog { decl_allowed: true },
            lex: Lex::Text,
            depth: 0,
            pos: 0,
            unit_start: 0,
            in_unit: false,
        }
    }

    /// Offset before which the buffer holds nothing the framer still needs.
    pub(crate) fn discardable(&self) -> usize {
        if self.in_unit {
            self.unit_start
        } else {
            self.pos
        }
    }

    /// Tells the framer that the first `n` bytes (at most
    /// [`discardable`](Self::discardable)) were removed from the buffer.
    pub(crate) fn shift(&mut self, n: usize) {
        self.pos = self.pos.saturating_sub(n);
        self.unit_start = self.unit_start.saturating_sub(n);
    }

    /// Whether the stream root element has been closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Scans `buf` from where the previous call stopped and returns the next
    /// complete unit, or `None` when all of `buf` was scanned without
    /// completing one. After an error the framer must not be used again.
    pub(crate) fn advance(&mut self, buf: &[u8]) -> Result<Option<Frame>, XmlError> {
        if self.phase == Phase::Closed {
            self.pos = buf.len();
            return Ok(None);
        }
        while let Some(&b) = buf.get(self.pos) {
            if b < 0x20 && !is_ws(b) {
                return Err(XmlError::InvalidChar);
            }
            self.pos += 1;
            if let Some(frame) = self.step(b)? {
                return Ok(Some(frame));
            }
            self.fast_forward(buf);
            if self.in_unit && self.pos - self.unit_start >= self.max_unit {
                return Err(XmlError::StanzaTooLarge);
            }
        }
        Ok(None)
    }

    /// Feeds one byte (already counted in `pos`).
    fn step(&mut self, b: u8) -> Result<Option<Frame>, XmlError> {
        match self.lex {
            Lex::Text => {
                if b == b'<' {
                    self.lex = Lex::Lt;
                    if !self.in_unit {
                        self.in_unit = true;
                        self.unit_start = self.pos - 1;
                    }
                } else if self.depth == 0 && !is_ws(b) {
                    return Err(match self.phase {
                        Phase::Stream => XmlError::TextAtStreamLevel,
                        _ => XmlError::Malformed,
                    });
                }
            }
            Lex::Lt => match b {
                b'/' if self.phase == Phase::Stream => self.lex = Lex::EndTag,
                b'!' => self.lex = Lex::Bang { matched: 0 },
                b'?' => {
                    if self.phase == (Phase::Prolog { decl_allowed: true }) {
                        self.lex = Lex::Pi { question: false };
                    } else {
                        return Err(XmlError::ProcessingInstruction);
                    }
                }
                b'/' | b'>' | b'<' | b'=' | b'"' | b'\'' => return Err(XmlError::Malformed),
                b if is_ws(b) => return Err(XmlError::Malformed),
                _ => {
                    self.lex = Lex::StartTag {
                        quote: 0,
                        slash: false,
                    }
                }
            },
            Lex::StartTag { quote, slash } => {
                if quote != 0 {
                    if b == quote {
                        self.lex = Lex::StartTag {
                            quote: 0,
                            slash: false,
                        };
                    } else if b == b'<' {
                        return Err(XmlError::Malformed);
                    }
                } else {
                    match b {
                        b'"' | b'\'' => {
                            self.lex = Lex::StartTag {
                                quote: b,
                                slash: false,
                            }
                        }
                        b'<' => return Err(XmlError::Malformed),
                        b'>' => {
                            self.lex = Lex::Text;
                            return self.start_tag_done(slash);
                        }
                        _ => {
                            self.lex = Lex::StartTag {
                                quote: 0,
                                slash: b == b'/',
                            }
                        }
                    }
                }
            }
            Lex::EndTag => match b {
                b'>' => {
                    self.lex = Lex::Text;
                    return Ok(self.end_tag_done());
                }
                b'<' | b'"' | b'\'' => return Err(XmlError::Malformed),
                _ => {}
            },
            Lex::Bang { matched } => {
                if matched == 0 {
                    match b {
                        b'[' => {}
                        b'-' => return Err(XmlError::Comment),
                        b'A'..=b'Z' => return Err(XmlError::Doctype),
                        _ => return Err(XmlError::Malformed),
                    }
                }
                if CDATA_OPEN.get(usize::from(matched)) != Some(&b) {
                    return Err(XmlError::Malformed);
                }
                let matched = matched + 1;
                if usize::from(matched) == CDATA_OPEN.len() {
                    if self.depth == 0 {
                        return Err(match self.phase {
                            Phase::Stream => XmlError::TextAtStreamLevel,
                            _ => XmlError::Malformed,
                        });
                    }
                    self.lex = Lex::CData { brackets: 0 };
                } else {
                    self.lex = Lex::Bang { matched };
                }
            }
            Lex::CData { brackets } => {
                self.lex = match b {
                    b']' => Lex::CData {
                        brackets: (brackets + 1).min(2),
                    },
                    b'>' if brackets == 2 => Lex::Text,
                    _ => Lex::CData { brackets: 0 },
                };
            }
            Lex::Pi { question } => match b {
                b'>' if question => {
                    self.lex = Lex::Text;
                    self.phase = Phase::Prolog {
                        decl_allowed: false,
                    };
                    self.in_unit = false;
                    return Ok(Some(Frame::Decl(self.unit_start..self.pos)));
                }
                _ => {
                    self.lex = Lex::Pi {
                        question: b == b'?',
                    }
                }
            },
        }
        Ok(None)
    }

    /// Skips in one go the bytes that cannot change the state from the
    /// current one (ordinary text, attribute values, CDATA content, ...),
    /// stopping before the next byte that matters, a control character, or
    /// the size limit. Equivalent to stepping through them one by one.
    fn fast_forward(&mut self, buf: &[u8]) {
        match self.lex {
            Lex::Text if self.depth > 0 => {
                self.skip(buf, b"<");
            }
            Lex::StartTag { quote: 0, .. } => {
                let skipped = self.skip(buf, b"\"'<>/");
                if skipped > 0 {
                    self.lex = Lex::StartTag {
                        quote: 0,
                        slash: false,
                    };
                }
            }
            Lex::StartTag { quote, .. } => {
                self.skip(buf, &[quote, b'<']);
            }
            Lex::EndTag => {
                self.skip(buf, b"><\"'");
            }
            Lex::CData { brackets: 0 } => {
                self.skip(buf, b"]");
            }
            _ => {}
        }
    }

    /// Advances `pos` up to the first byte in `stops` or that is a control
    /// character, not past the size limit of the unit.
    fn skip(&mut self, buf: &[u8], stops: &[u8]) -> usize {
        let limit = if self.in_unit {
            buf.len().min(self.unit_start.saturating_add(self.max_unit))
        } else {
            buf.len()
        };
        let n = buf
            .get(self.pos..limit)
            .map_or(0, |rest| find_stop(rest, stops));
        self.pos += n;
        n
    }

    fn start_tag_done(&mut self, self_closing: bool) -> Result<Option<Frame>, XmlError> {
        match self.phase {
            Phase::Prolog { .. } => {
                self.in_unit = false;
                self.phase = if self_closing {
                    Phase::Closed
                } else {
                    Phase::Stream
                };
                Ok(Some(Frame::Header {
                    range: self.unit_start..self.pos,
                    self_closing,
                }))
            }
            Phase::Stream => {
                let depth = self.depth + 1;
                if depth > self.max_depth {
                    return Err(XmlError::TooDeep);
                }
                if !self_closing {
                    self.depth = depth;
                    Ok(None)
                } else if self.depth == 0 {
                    self.in_unit = false;
                    Ok(Some(Frame::Stanza(self.unit_start..self.pos)))
                } else {
                    Ok(None)
                }
            }
            Phase::Closed => Ok(None),
        }
    }

    fn end_tag_done(&mut self) -> Option<Frame> {
        if self.depth == 0 {
            self.in_unit = false;
            self.phase = Phase::Closed;
            return Some(Frame::End(self.unit_start..self.pos));
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.in_unit = false;
            return Some(Frame::Stanza(self.unit_start..self.pos));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8], chunk: usize) -> Result<Vec<(char, Vec<u8>)>, XmlError> {
        let mut f = Framer::new(1 << 20, 16);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            buf.extend_from_slice(piece);
            while let Some(frame) = f.advance(&buf)? {
                let (tag, r) = match frame {
                    Frame::Decl(r) => ('d', r),
                    Frame::Header { range, .. } => ('h', range),
                    Frame::Stanza(r) => ('s', r),
                    Frame::End(r) => ('e', r),
                };
                out.push((tag, buf[r].to_vec()));
            }
            let d = f.discardable();
            buf.drain(..d);
            f.shift(d);
        }
        Ok(out)
    }

    #[test]
    fn splits() {
        let input = b"<?xml version='1.0'?>\n<stream:stream a='>'>  <a b=\"/>\"/>\n<b><c><![CDATA[</b>]]]></c>x&amp;</b> </stream:stream> junk";
        let want = frames(input, input.len()).unwrap();
        let kinds: String = want.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, "dhsse");
        assert_eq!(want[2].1, b"<a b=\"/>\"/>");
        assert_eq!(want[3].1, b"<b><c><![CDATA[</b>]]]></c>x&amp;</b>");
        for chunk in 1..input.len() {
            assert_eq!(frames(input, chunk).unwrap(), want, "chunk {chunk}");
        }
    }

    #[test]
    fn errors() {
        let table: &[(&[u8], XmlError)] = &[
            (b"<!-- x --><stream>", XmlError::Comment),
            (b"<!DOCTYPE x><stream>", XmlError::Doctype),
            (b"<s>x", XmlError::TextAtStreamLevel),
            (b"<s><a><!-- --></a>", XmlError::Comment),
            (b"<s><a><?pi?></a>", XmlError::ProcessingInstruction),
            (b"<s><![CDATA[x]]>", XmlError::TextAtStreamLevel),
            (b"<s><a b='<'/>", XmlError::Malformed),
            (b"<s><a>\x01</a>", XmlError::InvalidChar),
            (b"<s><a>\x00</a>", XmlError::InvalidChar),
            (b"hello", XmlError::Malformed),
            (b"</s>", XmlError::Malformed),
            (
                b"<?xml version='1.0'?><?xml version='1.0'?>",
                XmlError::ProcessingInstruction,
            ),
            (b"<s>< a/>", XmlError::Malformed),
            (b"<s><a><![CDAX", XmlError::Malformed),
        ];
        for (input, err) in table {
            let got = frames(input, input.len()).map(|_| ());
            assert_eq!(got, Err(*err), "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn limits() {
        let mut f = Framer::new(10, 2);
        assert!(matches!(f.advance(b"<s>"), Ok(Some(Frame::Header { .. }))));
        assert_eq!(f.advance(b"<s><a>123456789"), Err(XmlError::StanzaTooLarge));
        let mut f = Framer::new(100, 2);
        assert!(f.advance(b"<s>").is_ok());
        assert_eq!(f.advance(b"<s><a><b><c>"), Err(XmlError::TooDeep));
        let mut f = Framer::new(100, 2);
        assert!(f.advance(b"<s>").is_ok());
        assert_eq!(f.advance(b"<s><a><b/></a>"), Ok(Some(Frame::Stanza(3..14))));
    }
}

#[cfg(test)]
mod find_stop_tests {
    use super::{find_stop, is_stop};

    /// The word-at-a-time search agrees with the byte-wise definition at every
    /// position, for every byte value and several stop sets.
    #[test]
    fn agrees_with_bytewise() {
        let sets: [&[u8]; 5] = [b"<", b"\"'<>/", b"'<", b"><\"'", b"]"];
        for stops in sets {
            for len in 0..24 {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut v = vec![b'a'; len];
                        v[at] = b;
                        let want = v.iter().position(|&c| is_stop(c, stops)).unwrap_or(len);
                        assert_eq!(find_stop(&v, stops), want, "{stops:?} {v:?}");
                    }
                }
            }
            // High bytes (UTF-8) and whitespace never stop.
            let v = "é\t\n\r ü€".repeat(5).into_bytes();
            assert_eq!(find_stop(&v, stops), v.len());
        }
    }
}
