//! Output queues and the loop's buffer pool.
//!
//! A connection holds no buffer while it has nothing queued: chunks come from the
//! loop's [`Pool`] when output is queued and go back when it is flushed, so an idle
//! connection costs a few words and a busy one allocates nothing in steady state.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

/// Capacity of a pooled chunk.
pub(crate) const CHUNK: usize = 16 * 1024;
/// Writes at least this long get a chunk of their own rather than being copied into
/// the tail chunk's spare room.
const BIG: usize = 8 * 1024;
/// How many slices one vectored write takes.
const IOV: usize = 64;

/// Free buffers of one loop.
pub(crate) struct Pool {
    free: Vec<Vec<u8>>,
    max: usize,
}

impl Pool {
    pub(crate) fn new(max: usize) -> Pool {
        Pool {
            free: Vec::new(),
            max,
        }
    }

    /// A cleared buffer with at least `want` bytes of capacity.
    pub(crate) fn get(&mut self, want: usize) -> Vec<u8> {
        match self.free.pop() {
            Some(mut v) => {
                v.reserve(want);
                v
            }
            None => Vec::with_capacity(want.max(CHUNK)),
        }
    }

    /// Returns a buffer; oversized ones and those beyond the pool's bound are freed.
    pub(crate) fn put(&mut self, mut v: Vec<u8>) {
        if v.capacity() >= CHUNK && v.capacity() <= 4 * CHUNK && self.free.len() < self.max {
            v.clear();
            self.free.push(v);
        }
    }
}

/// A connection's queue of bytes waiting to be written, in order.
#[derive(Default)]
pub(crate) struct OutQueue {
    chunks: VecDeque<Vec<u8>>,
    /// Bytes of the front chunk already written.
    head: usize,
    len: usize,
}

impl OutQueue {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies `data` to the end of the queue: into the tail chunk's spare room, then into
    /// pooled chunks, so queueing allocates nothing once the pool is warm.
    pub(crate) fn push(&mut self, mut data: &[u8], pool: &mut Pool) {
        self.len += data.len();
        while !data.is_empty() {
            if let Some(tail) = self.chunks.back_mut() {
                let room = tail.capacity() - tail.len();
                if room > 0 {
                    let n = room.min(data.len());
                    tail.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    continue;
                }
            }
            self.chunks.push_back(pool.get(CHUNK));
        }
    }

    pub(crate) fn push_owned(&mut self, data: Vec<u8>, pool: &mut Pool) {
        if data.len() < BIG {
            self.push(&data, pool);
            return;
        }
        self.len += data.len();
        self.chunks.push_back(data);
    }

    /// The queued bytes as slices, front first (at most `IOV`).
    pub(crate) fn slices(&self) -> impl Iterator<Item = &[u8]> {
        self.chunks
            .iter()
            .enumerate()
            .take(IOV)
            .map(move |(i, c)| if i == 0 { &c[self.head..] } else { &c[..] })
    }

    /// Drops `n` written bytes from the front.
    pub(crate) fn consume(&mut self, mut n: usize, pool: &mut Pool) {
        debug_assert!(n <= self.len);
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let left = front.len() - self.head;
            if n < left {
                self.head += n;
                return;
            }
            n -= left;
            self.head = 0;
            if let Some(c) = self.chunks.pop_front() {
                pool.put(c);
            }
        }
        if self.len == 0 {
            self.head = 0;
            while let Some(c) = self.chunks.pop_front() {
                pool.put(c);
            }
            // An idle connection holds no queue storage (the chunks went back to the pool).
            self.chunks = VecDeque::new();
        }
    }

    /// Writes as much as `w` takes with vectored writes. Returns `Ok(true)` when the
    /// queue emptied, `Ok(false)` when `w` would block.
    pub(crate) fn write_to<W: Write>(&mut self, w: &mut W, pool: &mut Pool) -> io::Result<bool> {
        while self.len > 0 {
            let res = if self.chunks.len() == 1 {
                w.write(&self.chunks[0][self.head..])
            } else {
                let mut iov: [IoSlice<'_>; IOV] = [IoSlice::new(&[]); IOV];
                let mut n = 0;
                for (slot, s) in iov.iter_mut().zip(self.slices()) {
                    *slot = IoSlice::new(s);
                    n += 1;
                }
                w.write_vectored(&iov[..n])
            };
            match res {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.consume(n, pool),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Frees everything queued.
    pub(crate) fn clear(&mut self, pool: &mut Pool) {
        let n = self.len;
        self.consume(n, pool);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes at most `cap` bytes per call and then blocks after `calls` calls.
    struct Trickle {
        out: Vec<u8>,
        cap: usize,
        calls: usize,
    }
    impl Write for Trickle {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.calls == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.calls -= 1;
            let n = b.len().min(self.cap);
            self.out.extend_from_slice(&b[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn keeps_order_across_partial_writes() {
        let mut pool = Pool::new(4);
        let mut q = OutQueue::default();
        let mut expect = Vec::new();
        for i in 0..2000u32 {
            let s = format!("line {i}\n");
            expect.extend_from_slice(s.as_bytes());
            q.push(s.as_bytes(), &mut pool);
        }
        q.push_owned(vec![7u8; 20_000], &mut pool);
        expect.extend_from_slice(&[7u8; 20_000]);
        assert_eq!(q.len(), expect.len());
        let mut w = Trickle {
            out: Vec::new(),
            cap: 1000,
            calls: 3,
        };
        assert!(!q.write_to(&mut w, &mut pool).unwrap());
        w.calls = usize::MAX;
        assert!(q.write_to(&mut w, &mut pool).unwrap());
        assert_eq!(w.out, expect);
        assert!(q.is_empty());
        assert!(
            q.chunks.is_empty() && q.chunks.capacity() <= 8,
            "an empty queue holds no buffer, only a few slots"
        );
    }
}
