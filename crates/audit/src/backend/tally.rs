//! A count added to by every request's thread: each thread adds to a slot of its own, on cache
//! lines of its own, so that counting an event does not move one shared line between cores; the
//! total is the slots' sum.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Slots; threads beyond this many share them.
const SLOTS: usize = 16;

/// A slot on cache lines of its own.
#[repr(align(128))]
#[derive(Debug, Default)]
struct Slot(AtomicU64);

/// The count.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    slots: [Slot; SLOTS],
}

/// Hands each thread its slot, in turn.
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SLOT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// This thread's slot.
fn slot() -> usize {
    SLOT.try_with(|slot| match slot.get() {
        Some(at) => at,
        None => {
            let at = NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOTS;
            slot.set(Some(at));
            at
        }
    })
    .unwrap_or(0)
}

impl Tally {
    /// Adds `count`.
    pub(crate) fn add(&self, count: u64) {
        self.slots[slot()].0.fetch_add(count, Ordering::Relaxed);
    }

    /// The sum of what was added.
    pub(crate) fn sum(&self) -> u64 {
        self.slots
            .iter()
            .map(|slot| slot.0.load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

#[cfg(test)]
mod tests;
