//! kube-apiserver's buffered backend (`--audit-<plugin>-mode=batch`): each event is encoded on
//! the request's thread (the plugin's line or JSON object: one allocation, no copy of the event)
//! and queued, up to `--audit-<plugin>-batch-buffer-size` (past it, dropped and counted as
//! errors); a thread of its own takes them in batches of at most `-batch-max-size`, waiting at
//! most `-batch-max-wait` for a batch to fill, paces the batches (`-batch-throttle-*`) and hands
//! each to the plugin (the log writes a batch at once). Shutting down delivers what is queued.
//!
//! While a batch fills, the thread sleeps until the deadline or until the queue holds a full
//! batch, when the request that completes it wakes the thread: a request hands its event over
//! without waking anyone, so under load the cost of a thread switch is paid once a batch, not
//! once an event.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

use super::throttle::TokenBucket;
use super::{Backend, Counters, Plugin};
use crate::event::Event;

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

/// What a plugin does with a batch.
pub trait Deliver: Send + 'static {
    /// Delivers a batch of encoded events, or hands it to a task of its own (counting what it
    /// loses).
    fn deliver(&mut self, batch: Vec<String>);
    /// Waits until every batch handed over is delivered or given up.
    fn finish(&mut self) {}
}

/// How a plugin encodes an event for its batches, on the request's thread.
pub type Encode = Box<dyn Fn(&Event) -> String + Send + Sync>;

enum Message {
    Event(String),
    Stop,
}

/// What the requests and the thread share besides the queue.
struct Shared {
    /// Events in the queue, or about to be (counted before they are queued, uncounted when
    /// taken).
    queued: AtomicUsize,
    /// Set by [`Backend::shutdown`]: a filling batch goes at once.
    stopping: AtomicBool,
}

/// A plugin behind a queue and a thread.
pub struct Buffered {
    plugin: Plugin,
    encode: Encode,
    sender: SyncSender<Message>,
    shared: Arc<Shared>,
    /// The queue's length at which the thread is woken: a full batch besides the one it holds.
    wake_at: usize,
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
        let (sender, receiver) = mpsc::sync_channel(config.buffer_size.max(1));
        let shared = Arc::new(Shared {
            queued: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
        });
        let running = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("audit-{}", plugin.as_str()))
            .spawn(move || run(receiver, config, &running, delegate))?;
        Ok(Self {
            plugin,
            encode,
            sender,
            shared,
            wake_at: config.max_batch_size.max(1) - 1,
            writer: thread.thread().clone(),
            thread: Mutex::new(Some(thread)),
            counters,
        })
    }
}

impl Backend for Buffered {
    fn process(&self, event: &Event) -> bool {
        // Counted before it is queued, so that the thread never takes more than was counted.
        let queued = self.shared.queued.fetch_add(1, Ordering::AcqRel) + 1;
        let sent = self.sender.try_send(Message::Event((self.encode)(event)));
        if sent.is_err() {
            self.shared.queued.fetch_sub(1, Ordering::AcqRel);
        }
        match sent {
            Ok(()) => {
                // A thread waiting for its batch to fill is woken once the batch is full (an
                // idle thread, blocked on the queue, is woken by the queue itself).
                if self.wake_at > 0 && queued >= self.wake_at {
                    self.writer.unpark();
                }
            }
            Err(TrySendError::Full(_)) => {
                self.counters
                    .failed(self.plugin, 1, &"audit buffer queue blocked");
            }
            Err(TrySendError::Disconnected(_)) => {
                self.counters
                    .failed(self.plugin, 1, &"audit backend shut down");
            }
        }
        true
    }

    fn shutdown(&self) {
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            self.shared.stopping.store(true, Ordering::Release);
            let _ = self.sender.send(Message::Stop);
            self.writer.unpark();
            let _ = thread.join();
        }
    }
}

/// The thread: batches until told to stop, then what is left, then waits for the plugin.
fn run(
    receiver: Receiver<Message>,
    config: BatchConfig,
    shared: &Shared,
    mut delegate: impl Deliver,
) {
    let mut throttle = config
        .throttle
        .map(|(qps, burst)| TokenBucket::new(qps, burst));
    let max = config.max_batch_size.max(1);
    let mut stopping = false;
    while !stopping {
        let first = match receiver.recv() {
            Ok(Message::Event(event)) => event,
            Ok(Message::Stop) | Err(_) => break,
        };
        shared.queued.fetch_sub(1, Ordering::AcqRel);
        let mut batch = vec![first];
        if max > 1 {
            fill(shared, max, config.max_batch_wait);
        }
        while batch.len() < max {
            match receiver.try_recv() {
                Ok(Message::Event(event)) => {
                    shared.queued.fetch_sub(1, Ordering::AcqRel);
                    batch.push(event);
                }
                Ok(Message::Stop) | Err(TryRecvError::Disconnected) => {
                    stopping = true;
                    break;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        if let Some(bucket) = throttle.as_mut() {
            std::thread::sleep(bucket.reserve(Instant::now()));
        }
        delegate.deliver(batch);
    }
    // What was queued behind the stop (requests that raced the shutdown).
    let rest: Vec<String> = receiver
        .try_iter()
        .filter_map(|message| match message {
            Message::Event(event) => Some(event),
            Message::Stop => None,
        })
        .collect();
    let mut rest = rest.into_iter().peekable();
    while rest.peek().is_some() {
        delegate.deliver(rest.by_ref().take(max).collect());
    }
    delegate.finish();
}

/// Waits, with one event of a batch of at most `max` in hand, until the queue holds the rest
/// of the batch, `wait` has passed, or the backend stops. Requests do not wake the thread for
/// each event they queue, only the one that completes a batch does.
fn fill(shared: &Shared, max: usize, wait: Duration) {
    let deadline = Instant::now() + wait;
    loop {
        if shared.queued.load(Ordering::Acquire) + 1 >= max
            || shared.stopping.load(Ordering::Acquire)
        {
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
