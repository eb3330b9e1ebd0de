//! The buffered backend's queues, one per recording thread: a request appends its event to its
//! own thread's queue — under a lock no other request takes, into text that stays in its own
//! core's cache — and takes the event's place in the order of all events from one shared
//! counter. The writer thread collects the queues and merges them back into that order, so the
//! plugin sees the events exactly as one shared queue would have handed them over (a request's
//! `RequestReceived` before its `ResponseComplete`, whichever threads recorded them).
//!
//! Why the order holds: a thread takes an event's number and appends the event while it holds
//! its queue's lock; the collector reads the counter first and then locks each queue, so every
//! event numbered below what it read is already in its queue. It takes those and leaves the
//! later ones (appended meanwhile) for the next collection.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Batch, Encode};
use crate::emitted::EventJson;

/// A value on cache lines of its own: the counter every recording thread writes is kept apart
/// from what the writer thread writes.
#[repr(align(128))]
#[derive(Default)]
struct Padded<T>(T);

/// Queued events and each one's number, in order.
#[derive(Default)]
struct Run {
    events: Batch,
    numbers: Vec<u64>,
}

impl Run {
    fn clear(&mut self) {
        self.events.clear();
        self.numbers.clear();
    }

    /// Moves the events from the `at`-th on to the end of `into`.
    fn split_into(&mut self, at: usize, into: &mut Run) {
        for i in at..self.numbers.len() {
            into.events.push_text(self.events.event(i));
            into.numbers.push(self.numbers[i]);
        }
        self.events.truncate(at);
        self.numbers.truncate(at);
    }
}

/// One thread's queue.
#[derive(Default)]
struct Lane {
    run: Mutex<Run>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    /// This thread's queue of each backend it has recorded to, by the backend's number.
    static LANES: RefCell<Vec<(u64, Arc<Lane>)>> = const { RefCell::new(Vec::new()) };
}

/// Numbers the backends, for the threads' lookup of their queue.
static BACKENDS: AtomicU64 = AtomicU64::new(0);

/// What became of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pushed {
    /// Queued; `wake`: the writer thread should be woken (it was idle, or the batch is full).
    Queued {
        /// Whether to wake the writer thread.
        wake: bool,
    },
    /// The queue holds its maximum of events: dropped.
    Full,
    /// The writer thread has ended: dropped.
    Closed,
}

/// The queues of one backend and what the recording threads and the writer thread share.
pub(super) struct Lanes {
    id: u64,
    /// Every thread's queue; the writer thread forgets those of ended threads once empty.
    registry: Mutex<Vec<Arc<Lane>>>,
    /// For a thread whose own queue cannot be reached (while it ends).
    shared_lane: Arc<Lane>,
    /// The next event's number.
    next: Padded<AtomicU64>,
    /// Every event numbered below this has been handed to the plugin (or dropped).
    taken: Padded<AtomicU64>,
    /// The writer thread waits for a first event: the next one wakes it.
    idle: AtomicBool,
    /// The writer thread is ending: events are refused.
    closed: AtomicBool,
}

impl Lanes {
    /// No queue yet: each thread adds its own with its first event.
    pub(super) fn new() -> Self {
        let shared_lane = Arc::new(Lane::default());
        Self {
            id: BACKENDS.fetch_add(1, Ordering::Relaxed),
            registry: Mutex::new(vec![shared_lane.clone()]),
            shared_lane,
            next: Padded::default(),
            taken: Padded::default(),
            idle: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        }
    }

    /// Appends `event`, encoded by `encode`, to this thread's queue — unless `buffer_size`
    /// events wait already or the writer has ended. `full_at`: the number of waiting events at
    /// which the writer is woken to take a batch.
    pub(super) fn push(
        &self,
        encode: &Encode,
        event: EventJson<'_>,
        buffer_size: usize,
        full_at: usize,
    ) -> Pushed {
        let pushed = LANES.try_with(|lanes| {
            let mut lanes = lanes.borrow_mut();
            let index = match lanes.iter().position(|(id, _)| *id == self.id) {
                Some(index) => index,
                None => {
                    // Queues of backends that have gone are only held here: forgotten.
                    lanes.retain(|(_, lane)| Arc::strong_count(lane) > 1);
                    let lane = Arc::new(Lane::default());
                    lock(&self.registry).push(lane.clone());
                    lanes.push((self.id, lane));
                    lanes.len() - 1
                }
            };
            self.push_to(&lanes[index].1, encode, event, buffer_size)
        });
        let (pushed, waiting) = match pushed {
            Ok(pushed) => pushed,
            Err(_) => self.push_to(&self.shared_lane, encode, event, buffer_size),
        };
        match pushed {
            Pushed::Queued { .. } => {
                // An idle writer is woken by the first event; one waiting for its batch to
                // fill, by the event that fills it.
                let wake = waiting + 1 == full_at as u64
                    || (self.idle.load(Ordering::SeqCst)
                        && self.idle.swap(false, Ordering::SeqCst));
                Pushed::Queued { wake }
            }
            refused => refused,
        }
    }

    /// Numbers and appends an event to `lane`; with the number of events waiting before it.
    fn push_to(
        &self,
        lane: &Lane,
        encode: &Encode,
        event: EventJson<'_>,
        buffer_size: usize,
    ) -> (Pushed, u64) {
        let mut run = lock(&lane.run);
        // Numbered before the check of `closed`, both under the queue's lock: an event the
        // writer's last collection does not see is one refused here.
        let number = self.next.0.fetch_add(1, Ordering::SeqCst);
        if self.closed.load(Ordering::SeqCst) {
            return (Pushed::Closed, 0);
        }
        let waiting = number.saturating_sub(self.taken.0.load(Ordering::Acquire));
        if waiting >= buffer_size as u64 {
            return (Pushed::Full, waiting);
        }
        run.events.push(encode, event);
        run.numbers.push(number);
        (Pushed::Queued { wake: false }, waiting)
    }

    /// Events numbered but not handed to the plugin yet.
    pub(super) fn waiting(&self) -> u64 {
        let next = self.next.0.load(Ordering::SeqCst);
        next.saturating_sub(self.taken.0.load(Ordering::Acquire))
    }

    /// From now on events are refused (the writer's last collections follow).
    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// The writer thread parks until an event numbered `upto` or later comes, or it is
    /// unparked.
    pub(super) fn wait_for_event(&self, upto: u64) {
        self.idle.store(true, Ordering::SeqCst);
        if self.next.0.load(Ordering::SeqCst) == upto {
            std::thread::park();
        }
        self.idle.store(false, Ordering::SeqCst);
    }
}

/// What the writer thread has collected and not handed over yet, in runs of each queue.
#[derive(Default)]
pub(super) struct Collector {
    /// Runs, each with the index of its first event not handed over.
    runs: Vec<(Run, usize)>,
    /// Emptied runs, kept for their capacity.
    spare: Vec<Run>,
    /// Every event numbered below this was collected (or refused).
    upto: u64,
}

impl Collector {
    /// Takes what the queues hold.
    pub(super) fn collect(&mut self, lanes: &Lanes) {
        let upto = lanes.next.0.load(Ordering::SeqCst);
        let mut registry = lock(&lanes.registry);
        registry.retain(|lane| {
            let mut run = lock(&lane.run);
            if run.numbers.first().is_some_and(|n| *n < upto) {
                // The queue's run is taken whole and the queue keeps an empty one with room.
                let mut taken = self.spare.pop().unwrap_or_default();
                std::mem::swap(&mut *run, &mut taken);
                // Events numbered past `upto` were appended while collecting: they stay.
                let keep = taken.numbers.partition_point(|n| *n < upto);
                taken.split_into(keep, &mut run);
                self.runs.push((taken, 0));
            }
            // The queue of a thread that has ended (only the registry holds it) goes once empty.
            let ended = Arc::strong_count(lane) == 1 && !Arc::ptr_eq(lane, &lanes.shared_lane);
            !(ended && run.numbers.is_empty())
        });
        self.upto = upto;
    }

    /// Whether nothing collected waits.
    pub(super) fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Every event numbered below this was collected or refused.
    pub(super) fn upto(&self) -> u64 {
        self.upto
    }

    /// Moves the first `max` events collected, in order, into `batch` (emptied first), and
    /// tells `lanes` how far the plugin has them.
    pub(super) fn take(&mut self, max: usize, batch: &mut Batch, lanes: &Lanes) {
        batch.clear();
        let mut last = None;
        if let [(run, 0)] = self.runs.as_slice()
            && run.numbers.len() <= max
        {
            // One run, taken whole: its text becomes the batch as it is.
            let (mut run, _) = self.runs.remove(0);
            std::mem::swap(&mut run.events, batch);
            run.clear();
            self.spare.push(run);
        }
        while batch.len() < max {
            let first = (0..self.runs.len()).min_by_key(|&i| {
                let (run, at) = &self.runs[i];
                run.numbers[*at]
            });
            let Some(i) = first else { break };
            let (run, at) = &mut self.runs[i];
            batch.push_text(run.events.event(*at));
            last = Some(run.numbers[*at]);
            *at += 1;
            if *at == run.numbers.len() {
                let (mut run, _) = self.runs.swap_remove(i);
                run.clear();
                self.spare.push(run);
            }
        }
        let taken = match last {
            Some(last) if !self.runs.is_empty() => last + 1,
            _ => self.upto,
        };
        lanes.taken.0.store(taken, Ordering::Release);
    }

    /// Nothing collected: tells `lanes` that everything numbered so far was handed over.
    pub(super) fn caught_up(&self, lanes: &Lanes) {
        lanes.taken.0.store(self.upto, Ordering::Release);
    }
}

#[cfg(test)]
mod tests;
