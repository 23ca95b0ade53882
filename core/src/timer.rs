//! Timers: a slab of slots plus a min-heap of deadlines with lazy rescheduling.
//!
//! Resetting a timer to a *later* deadline (an idle timeout pushed forward on every
//! request) only stores the new deadline in the slot: the heap entry stays where it is
//! and, when it comes due, is re-pushed at the slot's current deadline. Resetting to an
//! earlier deadline pushes a new entry. Cancelling frees the slot; its heap entries
//! become stale and are discarded when they surface, and the heap is rebuilt when stale
//! entries outnumber live ones. So set and cancel are O(log n), a forward reset is O(1).

use crate::{ConnId, Context, TimerId};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

/// A one-shot timer closure.
pub(crate) type OnceFn = Box<dyn FnOnce(&mut Context<'_>)>;
/// A repeating timer closure.
pub(crate) type EveryFn = Box<dyn FnMut(&mut Context<'_>)>;

/// What a timer does when it fires.
pub(crate) enum Target {
    /// Calls the connection's `Handler::on_timer`.
    Conn(ConnId),
    /// Calls a closure once.
    Once(Option<OnceFn>),
    /// Calls a closure every period (taken out while it runs).
    Every(Option<EveryFn>),
}

pub(crate) struct Slot {
    gen: u32,
    /// Nanoseconds since the timers' epoch when the timer is due.
    due: u64,
    /// The deadline of the newest heap entry for this slot.
    queued: u64,
    /// `Some(period)` for repeating timers.
    pub(crate) period: Option<u64>,
    pub(crate) target: Target,
}

pub(crate) struct Timers {
    epoch: Instant,
    slots: slab::Slab<Slot>,
    heap: BinaryHeap<Reverse<(u64, u32, u32)>>,
    next_gen: u32,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX / 4)
}

impl Timers {
    pub(crate) fn new(epoch: Instant) -> Timers {
        Timers {
            epoch,
            slots: slab::Slab::new(),
            heap: BinaryHeap::new(),
            next_gen: 1,
        }
    }

    pub(crate) fn ticks(&self, t: Instant) -> u64 {
        nanos(t.saturating_duration_since(self.epoch))
    }

    /// Number of live timers.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn insert(
        &mut self,
        now: Instant,
        after: Duration,
        period: Option<Duration>,
        target: Target,
    ) -> TimerId {
        let due = self.ticks(now).saturating_add(nanos(after));
        let gen = self.next_gen;
        self.next_gen = self.next_gen.wrapping_add(1).max(1);
        let key = self.slots.insert(Slot {
            gen,
            due,
            queued: due,
            period: period.map(nanos),
            target,
        });
        let key = u32::try_from(key).unwrap_or(u32::MAX);
        self.heap.push(Reverse((due, key, gen)));
        TimerId { key, gen }
    }

    fn slot_mut(&mut self, id: TimerId) -> Option<&mut Slot> {
        self.slots
            .get_mut(id.key as usize)
            .filter(|s| s.gen == id.gen)
    }

    pub(crate) fn contains(&self, id: TimerId) -> bool {
        self.slots
            .get(id.key as usize)
            .is_some_and(|s| s.gen == id.gen)
    }

    /// Moves the deadline to `now + after`. Returns false for a stale id.
    pub(crate) fn reset(&mut self, now: Instant, id: TimerId, after: Duration) -> bool {
        let due = self.ticks(now).saturating_add(nanos(after));
        let Some(slot) = self.slot_mut(id) else {
            return false;
        };
        slot.due = due;
        if due < slot.queued {
            slot.queued = due;
            self.heap.push(Reverse((due, id.key, id.gen)));
        }
        true
    }

    /// Removes a timer; returns its target (so the caller can drop a closure outside
    /// any borrow) or `None` for a stale id.
    pub(crate) fn cancel(&mut self, id: TimerId) -> Option<Target> {
        if !self.contains(id) {
            return None;
        }
        let slot = self.slots.remove(id.key as usize);
        self.maybe_compact();
        Some(slot.target)
    }

    fn maybe_compact(&mut self) {
        if self.heap.len() > 1024 && self.heap.len() > 2 * self.slots.len() {
            let mut entries = std::mem::take(&mut self.heap).into_vec();
            entries.clear();
            for (key, s) in self.slots.iter_mut() {
                s.queued = s.due;
                entries.push(Reverse((s.due, key as u32, s.gen)));
            }
            self.heap = BinaryHeap::from(entries);
        }
    }

    /// Time until the nearest deadline, if any.
    pub(crate) fn next_timeout(&mut self, now: Instant) -> Option<Duration> {
        if self.heap.is_empty() {
            return None;
        }
        let t = self.ticks(now);
        // Drop stale entries at the top so they don't wake the loop for nothing.
        while let Some(&Reverse((due, key, gen))) = self.heap.peek() {
            match self.slots.get(key as usize) {
                Some(s) if s.gen == gen && s.queued == due => {
                    return Some(Duration::from_nanos(due.saturating_sub(t)));
                }
                _ => {
                    self.heap.pop();
                }
            }
        }
        None
    }

    /// Pops the next timer that is due at `now`. For one-shot timers the slot is removed
    /// and its target returned; for repeating timers the slot is rescheduled and its
    /// closure (if any) taken out, to be put back with [`Timers::restore`].
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<(TimerId, Target)> {
        if self.heap.is_empty() {
            return None;
        }
        let t = self.ticks(now);
        loop {
            let &Reverse((due, key, gen)) = self.heap.peek()?;
            if due > t {
                return None;
            }
            self.heap.pop();
            let id = TimerId { key, gen };
            let Some(slot) = self.slot_mut(id) else {
                continue;
            };
            if slot.queued != due {
                continue; // superseded by an earlier reset
            }
            if slot.due > t {
                // Pushed forward lazily: requeue at the real deadline.
                let d = slot.due;
                slot.queued = d;
                self.heap.push(Reverse((d, key, gen)));
                continue;
            }
            match slot.period {
                None => {
                    let slot = self.slots.remove(key as usize);
                    return Some((id, slot.target));
                }
                Some(p) => {
                    // Next deadline from the scheduled one, but never in the past
                    // (a loop that stalled does not fire a burst of catch-up runs).
                    let next = slot.due.saturating_add(p.max(1)).max(t.saturating_add(1));
                    slot.due = next;
                    slot.queued = next;
                    let target = match &mut slot.target {
                        Target::Conn(c) => Target::Conn(*c),
                        Target::Every(f) => Target::Every(f.take()),
                        Target::Once(f) => Target::Once(f.take()),
                    };
                    self.heap.push(Reverse((next, key, gen)));
                    return Some((id, target));
                }
            }
        }
    }

    /// Puts a repeating timer's closure back after it ran (unless it was cancelled meanwhile).
    pub(crate) fn restore(&mut self, id: TimerId, f: EveryFn) {
        if let Some(slot) = self.slot_mut(id) {
            if let Target::Every(place) = &mut slot.target {
                *place = Some(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(t: &mut Timers, now: Instant) -> Vec<u32> {
        let mut v = Vec::new();
        while let Some((id, _)) = t.pop_due(now) {
            v.push(id.key);
        }
        v
    }

    #[test]
    fn fires_in_deadline_order() {
        let e = Instant::now();
        let mut t = Timers::new(e);
        let c = ConnId::NONE;
        let a = t.insert(e, Duration::from_millis(30), None, Target::Conn(c));
        let b = t.insert(e, Duration::from_millis(10), None, Target::Conn(c));
        let d = t.insert(e, Duration::from_millis(20), None, Target::Conn(c));
        assert_eq!(t.next_timeout(e), Some(Duration::from_millis(10)));
        assert!(ids(&mut t, e).is_empty());
        assert_eq!(
            ids(&mut t, e + Duration::from_millis(25)),
            vec![b.key, d.key]
        );
        assert_eq!(ids(&mut t, e + Duration::from_millis(30)), vec![a.key]);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn reset_forward_and_back() {
        let e = Instant::now();
        let mut t = Timers::new(e);
        let a = t.insert(
            e,
            Duration::from_millis(10),
            None,
            Target::Conn(ConnId::NONE),
        );
        assert!(t.reset(e, a, Duration::from_millis(50)));
        assert!(ids(&mut t, e + Duration::from_millis(20)).is_empty());
        assert!(t.reset(e, a, Duration::from_millis(5)));
        assert_eq!(ids(&mut t, e + Duration::from_millis(6)), vec![a.key]);
        assert!(
            !t.reset(e, a, Duration::from_millis(5)),
            "fired one-shot is stale"
        );
    }

    #[test]
    fn cancelled_never_fires_and_ids_are_not_aliased() {
        let e = Instant::now();
        let mut t = Timers::new(e);
        let a = t.insert(
            e,
            Duration::from_millis(10),
            None,
            Target::Conn(ConnId::NONE),
        );
        assert!(t.cancel(a).is_some());
        let b = t.insert(
            e,
            Duration::from_millis(10),
            None,
            Target::Conn(ConnId::NONE),
        );
        assert_eq!(a.key, b.key);
        assert!(
            t.cancel(a).is_none(),
            "stale id must not cancel the slot's new timer"
        );
        assert_eq!(ids(&mut t, e + Duration::from_secs(1)), vec![b.key]);
    }

    #[test]
    fn repeating_reschedules() {
        let e = Instant::now();
        let mut t = Timers::new(e);
        let a = t.insert(
            e,
            Duration::from_millis(10),
            Some(Duration::from_millis(10)),
            Target::Conn(ConnId::NONE),
        );
        assert_eq!(ids(&mut t, e + Duration::from_millis(10)), vec![a.key]);
        assert_eq!(ids(&mut t, e + Duration::from_millis(20)), vec![a.key]);
        assert!(t.contains(a));
    }

    #[test]
    fn heap_compacts_after_many_cancels() {
        let e = Instant::now();
        let mut t = Timers::new(e);
        for _ in 0..10_000 {
            let id = t.insert(e, Duration::from_secs(60), None, Target::Conn(ConnId::NONE));
            t.cancel(id);
        }
        assert!(
            t.heap.len() <= 2048,
            "heap holds {} stale entries",
            t.heap.len()
        );
    }
}
