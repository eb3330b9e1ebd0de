//! kube-apiserver's buffered backend (`--audit-<plugin>-mode=batch`): each event is encoded on
//! the request's thread straight into that thread's queue (`lanes`: no lock or text shared with
//! the other requests' threads, each event numbered in one order by a shared counter) — up to
//! `--audit-<plugin>-batch-buffer-size` events waiting in all (past it, dropped and counted as
//! errors); a thread of its own collects the queues, merges them back into that order, takes
//! batches of at most `-batch-max-size`, waiting at most `-batch-max-wait` for a batch to fill,
//! paces the batches (`-batch-throttle-*`) and hands each to the plugin (the log writes a batch
//! at once). Shutting down delivers what is queued.
//!
//! While a batch fills, the thread sleeps until the deadline or until a full batch waits, when
//! the request that completes it wakes the thread: under load the cost of a thread switch is
//! paid once a batch, not once an event. The thread takes a queue's events by swapping the
//! queue's text with a spare one of its own, so that neither side allocates once both have
//! grown.

mod lanes;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

use super::throttle::TokenBucket;
use super::{Backend, Counters, Plugin};
use crate::emitted::EventJson;
use lanes::{Collector, Lanes, Pushed};

/// kube-apiserver's default queue size, for both plugins.
const DEFAULT_BUFFER_SIZE: usize = 10_000;

/// How batches are made and paced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchConfig {
    /// Events queued at most.
    pub buffer_size: usize,
    /// Events in a batch at most.
    pub max_batch_size: usize,
    /// How long a batch waits to fill.
    pub max_batch_wait: Duration,
    /// Batches a second and the burst, when throttled.
    pub throttle: Option<(f32, u32)>,
}

impl BatchConfig {
    /// kube-apiserver's defaults for the log: one event a batch, no pacing.
    pub fn log() -> Self {
        Self {
            buffer_size: DEFAULT_BUFFER_SIZE,
            max_batch_size: 1,
            max_batch_wait: Duration::ZERO,
            throttle: None,
        }
    }

    /// kube-apiserver's defaults for the webhook: 400 events, 30 s, 10 batches a second with a
    /// burst of 15.
    pub fn webhook() -> Self {
        Self {
            buffer_size: DEFAULT_BUFFER_SIZE,
            max_batch_size: 400,
            max_batch_wait: Duration::from_secs(30),
            throttle: Some((10.0, 15)),
        }
    }

    /// kube-apiserver's checks of the batch flags, with its words.
    pub fn validate(&self, plugin: Plugin) -> Result<(), String> {
        let name = plugin.as_str();
        if self.buffer_size == 0 {
            return Err(format!(
                "invalid audit batch {name} buffer size {}, must be a positive number",
                self.buffer_size
            ));
        }
        if self.max_batch_size == 0 {
            return Err(format!(
                "invalid audit batch {name} max batch size {}, must be a positive number",
                self.max_batch_size
            ));
        }
        if let Some((qps, burst)) = self.throttle {
            if qps <= 0.0 {
                return Err(format!(
                    "invalid audit batch {name} throttle QPS {qps}, must be a positive number"
                ));
            }
            if burst == 0 {
                return Err(format!(
                    "invalid audit batch {name} throttle burst {burst}, must be a positive number"
                ));
            }
        }
        Ok(())
    }
}

/// Encoded events one after another, and where each ends.
#[derive(Debug, Default)]
pub struct Batch {
    text: String,
    ends: Vec<usize>,
}

impl Batch {
    /// How many events.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Each event as its plugin encoded it, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> {
        (0..self.ends.len()).map(|i| self.event(i))
    }

    /// All the events' text, one after another.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn push(&mut self, encode: &Encode, event: EventJson<'_>) {
        encode(event, &mut self.text);
        self.ends.push(self.text.len());
    }

    /// Appends an event's encoded text.
    fn push_text(&mut self, text: &str) {
        self.text.push_str(text);
        self.ends.push(self.text.len());
    }

    /// The `i`-th event's text.
    fn event(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Keeps the first `count` events.
    fn truncate(&mut self, count: usize) {
        if count < self.ends.len() {
            let end = if count == 0 { 0 } else { self.ends[count - 1] };
            self.text.truncate(end);
            self.ends.truncate(count);
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
}

/// What a plugin does with a batch.
pub trait Deliver: Send + 'static {
    /// Delivers a batch of encoded events, or hands it to a task of its own (counting what it
    /// loses).
    fn deliver(&mut self, batch: &Batch);
    /// Waits until every batch handed over is delivered or given up.
    fn finish(&mut self) {}
}

/// How a plugin encodes an event for its batches, on the request's thread: appended to the
/// queue's text.
pub type Encode = Box<dyn Fn(EventJson<'_>, &mut String) + Send + Sync>;

/// What the requests and the thread share.
struct Shared {
    lanes: Lanes,
    /// Set by [`Backend::shutdown`]: a filling batch goes at once.
    stopping: AtomicBool,
}

/// A plugin behind a queue and a thread.
pub struct Buffered {
    plugin: Plugin,
    encode: Encode,
    shared: Arc<Shared>,
    buffer_size: usize,
    /// The queue's length at which a filling batch is full and the thread is woken.
    full_at: usize,
    writer: Thread,
    thread: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
}

impl Buffered {
    /// Starts the thread that batches events for `delegate`, each encoded by `encode`.
    pub fn start(
        plugin: Plugin,
        config: BatchConfig,
        encode: Encode,
        delegate: impl Deliver,
        counters: Arc<Counters>,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            lanes: Lanes::new(),
            stopping: AtomicBool::new(false),
        });
        let running = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("audit-{}", plugin.as_str()))
            .spawn(move || run(&running, config, delegate))?;
        Ok(Self {
            plugin,
            encode,
            shared,
            buffer_size: config.buffer_size.max(1),
            full_at: config.max_batch_size.max(1),
            writer: thread.thread().clone(),
            thread: Mutex::new(Some(thread)),
            counters,
        })
    }
}

impl Backend for Buffered {
    fn process(&self, event: EventJson<'_>) -> bool {
        let pushed = self
            .shared
            .lanes
            .push(&self.encode, event, self.buffer_size, self.full_at);
        let refused = match pushed {
            Pushed::Queued { wake } => {
                if wake {
                    self.writer.unpark();
                }
                return true;
            }
            Pushed::Full => "audit buffer queue blocked",
            Pushed::Closed => "audit backend shut down",
        };
        self.counters.failed(self.plugin, 1, &refused);
        true
    }

    fn shutdown(&self) {
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            self.shared.stopping.store(true, Ordering::Release);
            self.writer.unpark();
            let _ = thread.join();
        }
    }
}

/// The thread: batches until told to stop, then what is left, then waits for the plugin.
fn run(shared: &Shared, config: BatchConfig, mut delegate: impl Deliver) {
    let lanes = &shared.lanes;
    let mut throttle = config
        .throttle
        .map(|(qps, burst)| TokenBucket::new(qps, burst));
    let max = config.max_batch_size.max(1);
    let mut collector = Collector::default();
    let mut batch = Batch::default();
    loop {
        let stopping = shared.stopping.load(Ordering::Acquire);
        if stopping {
            // Events from now on are refused: what the collections below find is the rest.
            lanes.close();
        }
        collector.collect(lanes);
        if collector.is_empty() {
            collector.caught_up(lanes);
            if stopping {
                break;
            }
            lanes.wait_for_event(collector.upto());
            continue;
        }
        if max > 1 && !stopping && lanes.waiting() < max as u64 {
            fill(shared, max, config.max_batch_wait);
        }
        // Again, whether or not it waited: events counted as waiting may have been numbered
        // after the collection above.
        collector.collect(lanes);
        collector.take(max, &mut batch, lanes);
        if let Some(bucket) = throttle.as_mut()
            && !shared.stopping.load(Ordering::Acquire)
        {
            std::thread::sleep(bucket.reserve(Instant::now()));
        }
        if !batch.is_empty() {
            delegate.deliver(&batch);
        }
    }
    delegate.finish();
}

/// Waits, with the first event of a batch of at most `max` queued, until the queues hold the
/// whole batch, `wait` has passed, or the backend stops. Requests do not wake the thread for
/// each event they queue, only the one that completes a batch does.
fn fill(shared: &Shared, max: usize, wait: Duration) {
    let deadline = Instant::now() + wait;
    loop {
        if shared.lanes.waiting() >= max as u64 || shared.stopping.load(Ordering::Acquire) {
            return;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::park_timeout(left);
    }
}

#[cfg(test)]
mod tests;
