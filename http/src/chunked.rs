//! The chunked transfer coding (RFC 9112 §7.1): a push-style decoder for request
//! bodies and the encoder used for responses of unknown length.
//!
//! The decoder does no I/O and never copies: it is handed whatever bytes have
//! arrived and answers with how many it consumed and, when body data was found, the
//! range of that data inside the given bytes. Every line it has to look at (size
//! lines with their extensions, trailer fields) is bounded, so a hostile client
//! cannot make it buffer without end; line endings must be CRLF exactly.

use std::ops::Range;

/// Limits for [`ChunkedDecoder`].
#[derive(Clone, Debug)]
pub struct ChunkedLimits {
    /// Longest chunk-size line, extensions included, in bytes. Default 1 KiB:
    /// a size needs at most 16 hex digits and extensions are rarely used, so this
    /// only bounds the cost of skipping them.
    pub max_size_line: usize,
    /// Largest trailer section in bytes, the final blank line included. Default
    /// 8 KiB: trailers are small and rare; this bounds what the decoder scans.
    pub max_trailer_bytes: usize,
}

impl Default for ChunkedLimits {
    fn default() -> Self {
        ChunkedLimits {
            max_size_line: 1024,
            max_trailer_bytes: 8 * 1024,
        }
    }
}

/// Why a chunked body was refused. Every case is answered with 400 and the
/// connection closed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChunkedError {
    /// A chunk size had a non-hex digit, no digits, or bad whitespace.
    InvalidSize,
    /// A chunk size does not fit in 64 bits.
    SizeOverflow,
    /// A size line (with extensions) exceeded `max_size_line`.
    SizeLineTooLong,
    /// An extension or trailer held a control character.
    InvalidByte,
    /// Chunk data was not followed by CRLF, or a line ended in a bare CR or LF.
    InvalidLineEnding,
    /// The trailer section exceeded `max_trailer_bytes`.
    TrailersTooLarge,
    /// A trailer line was not `name: value`.
    InvalidTrailer,
}

impl std::fmt::Display for ChunkedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            ChunkedError::InvalidSize => "invalid chunk size",
            ChunkedError::SizeOverflow => "chunk size overflows",
            ChunkedError::SizeLineTooLong => "chunk size line too long",
            ChunkedError::InvalidByte => "invalid byte in chunk extension or trailer",
            ChunkedError::InvalidLineEnding => "invalid line ending in chunked body",
            ChunkedError::TrailersTooLarge => "trailer section too large",
            ChunkedError::InvalidTrailer => "malformed trailer field",
        };
        f.write_str(s)
    }
}

impl std::error::Error for ChunkedError {}

/// What one call to [`ChunkedDecoder::decode`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chunk {
    /// Body data at this range of the input. Consumed bytes include it.
    Data(Range<usize>),
    /// All input was consumed (framing only); more bytes are needed.
    Partial,
    /// The body, trailers included, is complete. Bytes after `consumed` belong to
    /// the next request.
    End,
}

/// One decoding step: how many input bytes were consumed and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Input bytes used; drop them before the next call.
    pub consumed: usize,
    /// What was found.
    pub chunk: Chunk,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a chunk size.
    Size { value: u64, digits: usize },
    /// After the digits: optional whitespace, then `;` or CR.
    SizeWs { value: u64 },
    /// Skipping a chunk extension up to CR.
    Ext { value: u64 },
    /// Expecting LF after the size line's CR.
    SizeLf { value: u64 },
    /// Inside chunk data.
    Data { remaining: u64 },
    /// Expecting CR after chunk data.
    DataCr,
    /// Expecting LF after chunk data.
    DataLf,
    /// At the start of a trailer line (or the final blank line).
    TrailerStart,
    /// Inside a trailer field name.
    TrailerName,
    /// Inside a trailer field value.
    TrailerValue,
    /// Expecting LF after a trailer line's CR.
    TrailerLf,
    /// Expecting LF after the final blank line's CR.
    EndLf,
    /// The body is complete.
    Done,
}

/// A push-style decoder of one chunked body.
///
/// Call [`decode`](Self::decode) with the unconsumed input; it returns after the
/// first piece of data, or when the input runs out, or at the end of the body.
/// Errors are final: the decoder stays failed.
#[derive(Clone, Debug)]
pub struct ChunkedDecoder {
    state: State,
    /// Bytes seen on the current size line or in the trailer section.
    line_len: usize,
    limits: ChunkedLimits,
    failed: Option<ChunkedError>,
    /// Trailer section bytes, kept when asked for (bounded by `max_trailer_bytes`).
    trailers: Option<Vec<u8>>,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new(ChunkedLimits::default())
    }
}

impl ChunkedDecoder {
    /// A decoder at the start of a body, with the given limits.
    pub fn new(limits: ChunkedLimits) -> Self {
        ChunkedDecoder {
            state: State::Size {
                value: 0,
                digits: 0,
            },
            line_len: 0,
            limits,
            failed: None,
            trailers: None,
        }
    }

    /// Keep the trailer section's bytes, to be read with
    /// [`trailer_fields`](Self::trailer_fields) once the body is done. Off by
    /// default: trailers are checked and dropped.
    pub fn keep_trailers(&mut self) {
        if self.trailers.is_none() {
            self.trailers = Some(Vec::new());
        }
    }

    /// The trailer fields received, as (name, value) with the value's surrounding
    /// whitespace removed, in arrival order. Empty unless
    /// [`keep_trailers`](Self::keep_trailers) was called before the trailers arrived.
    pub fn trailer_fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.trailers
            .as_deref()
            .unwrap_or(&[])
            .split(|&b| b == b'\n')
            .filter_map(|line| {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let colon = line.iter().position(|&b| b == b':')?;
                let name = line.get(..colon)?;
                let value = line.get(colon + 1..)?.trim_ascii();
                (!name.is_empty()).then_some((name, value))
            })
    }

    /// Start over for a new body, keeping the limits.
    pub fn reset(&mut self) {
        self.state = State::Size {
            value: 0,
            digits: 0,
        };
        self.line_len = 0;
        self.failed = None;
        if let Some(t) = self.trailers.as_mut() {
            t.clear();
        }
    }

    /// Whether the terminating chunk and trailers have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decode from `input`, returning consumed bytes and the data range found, if any.
    ///
    /// Never panics on any input. Fails with a [`ChunkedError`] on malformed framing
    /// or exceeded limits; once failed every later call fails the same way.
    pub fn decode(&mut self, input: &[u8]) -> Result<Decoded, ChunkedError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        match self.step(input) {
            Ok(d) => Ok(d),
            Err(e) => {
                self.failed = Some(e);
                Err(e)
            }
        }
    }

    fn step(&mut self, input: &[u8]) -> Result<Decoded, ChunkedError> {
        let mut i = 0usize;
        loop {
            if let State::Data { remaining } = self.state {
                let avail = input.len() - i;
                if avail == 0 {
                    return Ok(Decoded {
                        consumed: i,
                        chunk: Chunk::Partial,
                    });
                }
                let take = usize::try_from(remaining).map_or(avail, |r| r.min(avail));
                let left = remaining - take as u64;
                self.state = if left == 0 {
                    State::DataCr
                } else {
                    State::Data { remaining: left }
                };
                return Ok(Decoded {
                    consumed: i + take,
                    chunk: Chunk::Data(i..i + take),
                });
            }
            if self.state == State::Done {
                return Ok(Decoded {
                    consumed: i,
                    chunk: Chunk::End,
                });
            }
            let b = match input.get(i) {
                Some(&b) => b,
                None => {
                    return Ok(Decoded {
                        consumed: i,
                        chunk: Chunk::Partial,
                    })
                }
            };
            i += 1;
            if let Some(t) = self.trailers.as_mut() {
                if matches!(
                    self.state,
                    State::TrailerStart
                        | State::TrailerName
                        | State::TrailerValue
                        | State::TrailerLf
                ) {
                    // Within max_trailer_bytes + 1: byte() fails past the bound.
                    t.push(b);
                }
            }
            self.byte(b)?;
        }
    }

    fn count_line_byte(&mut self) -> Result<(), ChunkedError> {
        self.line_len += 1;
        if self.line_len > self.limits.max_size_line {
            return Err(ChunkedError::SizeLineTooLong);
        }
        Ok(())
    }

    fn count_trailer_byte(&mut self) -> Result<(), ChunkedError> {
        self.line_len += 1;
        if self.line_len > self.limits.max_trailer_bytes {
            return Err(ChunkedError::TrailersTooLarge);
        }
        Ok(())
    }

    fn after_size_line(&mut self, value: u64) {
        self.line_len = 0;
        self.state = if value == 0 {
            State::TrailerStart
        } else {
            State::Data { remaining: value }
        };
    }

    /// Advance the framing state machine by one byte.
    fn byte(&mut self, b: u8) -> Result<(), ChunkedError> {
        self.state = match self.state {
            State::Size { value, digits } => {
                self.count_line_byte()?;
                if let Some(d) = hex_value(b) {
                    if value > (u64::MAX >> 4) {
                        return Err(ChunkedError::SizeOverflow);
                    }
                    State::Size {
                        value: (value << 4) | u64::from(d),
                        digits: digits + 1,
                    }
                } else if digits == 0 {
                    return Err(ChunkedError::InvalidSize);
                } else {
                    match b {
                        b'\r' => State::SizeLf { value },
                        b';' => State::Ext { value },
                        b' ' | b'\t' => State::SizeWs { value },
                        _ => return Err(ChunkedError::InvalidSize),
                    }
                }
            }
            State::SizeWs { value } => {
                self.count_line_byte()?;
                match b {
                    b' ' | b'\t' => State::SizeWs { value },
                    b';' => State::Ext { value },
                    b'\r' => State::SizeLf { value },
                    _ => return Err(ChunkedError::InvalidSize),
                }
            }
            State::Ext { value } => {
                self.count_line_byte()?;
                match b {
                    b'\r' => State::SizeLf { value },
                    b'\n' => return Err(ChunkedError::InvalidLineEnding),
                    b'\t' | 0x20..=0x7e | 0x80..=0xff => State::Ext { value },
                    _ => return Err(ChunkedError::InvalidByte),
                }
            }
            State::SizeLf { value } => {
                if b != b'\n' {
                    return Err(ChunkedError::InvalidLineEnding);
                }
                self.after_size_line(value);
                return Ok(());
            }
            State::DataCr => {
                if b != b'\r' {
                    return Err(ChunkedError::InvalidLineEnding);
                }
                State::DataLf
            }
            State::DataLf => {
                if b != b'\n' {
                    return Err(ChunkedError::InvalidLineEnding);
                }
                self.line_len = 0;
                State::Size {
                    value: 0,
                    digits: 0,
                }
            }
            State::TrailerStart => {
                self.count_trailer_byte()?;
                match b {
                    b'\r' => State::EndLf,
                    _ if is_token(b) => State::TrailerName,
                    _ => return Err(ChunkedError::InvalidTrailer),
                }
            }
            State::TrailerName => {
                self.count_trailer_byte()?;
                match b {
                    b':' => State::TrailerValue,
                    _ if is_token(b) => State::TrailerName,
                    _ => return Err(ChunkedError::InvalidTrailer),
                }
            }
            State::TrailerValue => {
                self.count_trailer_byte()?;
                match b {
                    b'\r' => State::TrailerLf,
                    b'\n' => return Err(ChunkedError::InvalidLineEnding),
                    b'\t' | 0x20..=0x7e | 0x80..=0xff => State::TrailerValue,
                    _ => return Err(ChunkedError::InvalidByte),
                }
            }
            State::TrailerLf => {
                self.count_trailer_byte()?;
                if b != b'\n' {
                    return Err(ChunkedError::InvalidLineEnding);
                }
                State::TrailerStart
            }
            State::EndLf => {
                if b != b'\n' {
                    return Err(ChunkedError::InvalidLineEnding);
                }
                State::Done
            }
            // Handled by the caller before reading a byte.
            State::Data { .. } | State::Done => self.state,
        };
        Ok(())
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
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
        )
}

/// The last chunk and the end of an empty trailer section: ends a chunked body.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// The CRLF that follows each chunk's data.
pub const CHUNK_END: &[u8] = b"\r\n";

/// The size line of a chunk of `len` bytes (`len` in hex, then CRLF), written
/// into a fixed buffer without allocating. Returns the buffer and the used length.
/// `len` must not be zero: a zero size line ends the body (use [`LAST_CHUNK`]).
pub fn chunk_size_line(len: usize) -> ([u8; 18], usize) {
    let mut out = [0u8; 18];
    let mut digits = [0u8; 16];
    let mut n = len;
    let mut count = 0usize;
    loop {
        let d = (n & 0xf) as u8;
        if let Some(slot) = digits.get_mut(count) {
            *slot = if d < 10 { b'0' + d } else { b'a' + d - 10 };
        }
        count += 1;
        n >>= 4;
        if n == 0 || count == digits.len() {
            break;
        }
    }
    for (k, slot) in out.iter_mut().take(count).enumerate() {
        *slot = digits.get(count - 1 - k).copied().unwrap_or(b'0');
    }
    if let Some(s) = out.get_mut(count..count + 2) {
        s.copy_from_slice(b"\r\n");
    }
    (out, count + 2)
}

/// Append `data` as one chunk (size line, data, CRLF) to `out`. Empty data writes
/// nothing, since an empty chunk would end the body.
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    let (line, n) = chunk_size_line(data.len());
    out.extend_from_slice(line.get(..n).unwrap_or(&[]));
    out.extend_from_slice(data);
    out.extend_from_slice(CHUNK_END);
}

#[cfg(test)]
mod tests;
