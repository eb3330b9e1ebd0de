//! kube-apiserver's buffered backend (`--audit-<plugin>-mode=batch`): each event is encoded on
//! the request's thread straight into the queue — one text that every queued event is appended
//! to (the plugin's line or JSON object), no allocation of its own — up to
//! `--audit-<plugin>-batch-buffer-size` events (past it, dropped and counted as errors); a thread
//! of its own takes them in batches of at most `-batch-max-size`, waiting at most
//! `-batch-max-wait` for a batch to fill, paces the batches (`-batch-throttle-*`) and hands each
//! to the plugin (the log writes a batch at once). Shutting down delivers what is queued.
//!
//! While a batch fills, the thread sleeps until the deadline or until the queue holds a full
//! batch, when the request that completes it wakes the thread: a request hands its event over
//! under a short lock without waking anyone, so under load the cost of a thread switch is paid
//! once a batch, not once an event. The thread takes a batch by swapping the queue's text with
//! its own spare one, so that neither side allocates once both have grown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

use super::throttle::TokenBucket;
use super::{Backend, Counters, Plugin};
use crate::emitted::EventJson;

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
        (0..self.ends.len()).map(|i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.text[start..self.ends[i]]
        })
    }

    /// All the events' text, one after another.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn push(&mut self, encode: &Encode, event: EventJson<'_>) {
        encode(event, &mut self.text);
        self.ends.push(self.text.len());
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Moves the first `count` events to `into` (cleared first); the whole batch is swapped.
    fn take_into(&mut self, count: usize, into: &mut Batch) {
        into.clear();
        if count >= self.len() {
            std::mem::swap(self, into);
            return;
        }
        let end = self.ends[count - 1];
        into.text.push_str(&self.text[..end]);
        into.ends.extend_from_slice(&self.ends[..count]);
        self.text.drain(..end);
        self.ends.drain(..count);
        for e in &mut self.ends {
            *e -= end;
        }
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

/// The queue the requests and the thread share.
#[derive(Default)]
struct Queue {
    events: Batch,
    /// The thread waits for a first event: the next request wakes it.
    idle: bool,
    /// The thread has ended: events are refused.
    closed: bool,
}

/// What the requests and the thread share.
struct Shared {
    queue: Mutex<Queue>,
    /// Set by [`Backend::shutdown`]: a filling batch goes at once.
    stopping: AtomicBool,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
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
            queue: Mutex::new(Queue::default()),
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
        let refused = {
            let mut queue = self.shared.queue();
            if queue.closed {
                Some("audit backend shut down")
            } else if queue.events.len() >= self.buffer_size {
                Some("audit buffer queue blocked")
            } else {
                queue.events.push(&self.encode, event);
                // An idle thread is woken by the first event; a thread waiting for its batch to
                // fill, once the batch is full.
                let wake = queue.idle || queue.events.len() == self.full_at;
                queue.idle = false;
                drop(queue);
                if wake {
                    self.writer.unpark();
                }
                None
            }
        };
        if let Some(reason) = refused {
            self.counters.failed(self.plugin, 1, &reason);
        }
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
    let mut throttle = config
        .throttle
        .map(|(qps, burst)| TokenBucket::new(qps, burst));
    let max = config.max_batch_size.max(1);
    let mut batch = Batch::default();
    loop {
        {
            let mut queue = shared.queue();
            if queue.events.is_empty() {
                if shared.stopping.load(Ordering::Acquire) {
                    queue.closed = true;
                    break;
                }
                queue.idle = true;
                drop(queue);
                std::thread::park();
                continue;
            }
        }
        if max > 1 {
            fill(shared, max, config.max_batch_wait);
        }
        shared.queue().events.take_into(max, &mut batch);
        if let Some(bucket) = throttle.as_mut()
            && !shared.stopping.load(Ordering::Acquire)
        {
            std::thread::sleep(bucket.reserve(Instant::now()));
        }
        delegate.deliver(&batch);
    }
    delegate.finish();
}

/// Waits, with the first event of a batch of at most `max` queued, until the queue holds the
/// whole batch, `wait` has passed, or the backend stops. Requests do not wake the thread for
/// each event they queue, only the one that completes a batch does.
fn fill(shared: &Shared, max: usize, wait: Duration) {
    let deadline = Instant::now() + wait;
    loop {
        if shared.queue().events.len() >= max || shared.stopping.load(Ordering::Acquire) {
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
