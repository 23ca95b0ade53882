//! A connection's input buffer: initialised storage with a read window.

use std::io::{self, Read};

/// Bytes received and not yet consumed. The storage is always initialised (so reading
/// into it needs no zeroing per read) and is freed when a connection's window empties.
#[derive(Default)]
pub(crate) struct InBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}
// (Offsets stay `usize`: the buffer is bounded by `LoopConfig::max_input`, and the
// struct is taken out of the connection only while a callback runs.)

/// What one read attempt ended with.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReadEnd {
    /// The socket has nothing more now.
    WouldBlock,
    /// The buffer reached its limit; more may be waiting.
    Full,
    /// End of stream.
    Eof,
}

impl InBuf {
    pub(crate) fn with_capacity(n: usize) -> InBuf {
        InBuf {
            buf: vec![0; n],
            start: 0,
            end: 0,
        }
    }

    #[inline]
    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    #[inline]
    pub(crate) fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Frees the storage (for a connection's own buffer once it is empty).
    pub(crate) fn release(&mut self) {
        *self = InBuf::default();
    }

    /// Appends bytes, growing as needed.
    pub(crate) fn extend(&mut self, data: &[u8]) {
        self.make_room(data.len());
        self.buf[self.end..self.end + data.len()].copy_from_slice(data);
        self.end += data.len();
    }

    /// The bytes held, writable in place (TLS records are decrypted where they lie).
    #[cfg(feature = "tls")]
    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..self.end]
    }

    /// At least `n` writable bytes after the held ones (growing as needed), to be
    /// filled and then counted with [`commit`](Self::commit).
    #[cfg(feature = "tls")]
    pub(crate) fn spare(&mut self, n: usize) -> &mut [u8] {
        self.make_room(n);
        &mut self.buf[self.end..]
    }

    /// Counts `n` bytes written into [`spare`](Self::spare) as held.
    #[cfg(feature = "tls")]
    pub(crate) fn commit(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Frees the storage when nothing is held.
    #[cfg(feature = "tls")]
    pub(crate) fn release_if_empty(&mut self) {
        if self.is_empty() && !self.buf.is_empty() {
            self.release();
        }
    }

    /// Ensures at least `n` writable bytes after `end`.
    fn make_room(&mut self, n: usize) {
        if self.buf.len() - self.end >= n {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < n {
            let want = (self.end + n).max(self.buf.len() * 2).max(512);
            self.buf.resize(want, 0);
        }
    }

    /// One `read` into the spare room, at most up to `limit` buffered bytes. On success,
    /// the byte count and whether the read was short (returned less than asked for).
    pub(crate) fn read_from<R: Read>(
        &mut self,
        r: &mut R,
        limit: usize,
    ) -> io::Result<Result<(usize, bool), ReadEnd>> {
        let room = limit.saturating_sub(self.len());
        if room == 0 {
            return Ok(Err(ReadEnd::Full));
        }
        let want = room.min(64 * 1024);
        if self.buf.len() - self.end < want.min(4096) {
            self.make_room(want.min(16 * 1024));
        }
        let top = (self.end + want).min(self.buf.len());
        loop {
            match r.read(&mut self.buf[self.end..top]) {
                Ok(0) => return Ok(Err(ReadEnd::Eof)),
                Ok(n) => {
                    let short = self.end + n < top;
                    self.end += n;
                    return Ok(Ok((n, short)));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(Err(ReadEnd::WouldBlock))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}
