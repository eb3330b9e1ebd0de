//! kube-apiserver's buffered backend (`--audit-<plugin>-mode=batch`): events are copied into a
//! queue of `--audit-<plugin>-batch-buffer-size` (dropped, and counted as errors, when it is
//! full); a thread of its own takes them in batches of at most `-batch-max-size`, waiting at
//! most `-batch-max-wait` for a batch to fill, paces the batches (`-batch-throttle-*`) and hands
//! each to the plugin. Shutting down delivers what is queued.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::thread::JoinHandle;
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
    /// Delivers a batch, or hands it to a task of its own (counting what it loses).
    fn deliver(&mut self, batch: Vec<Event>);
    /// Waits until every batch handed over is delivered or given up.
    fn finish(&mut self) {}
}

enum Message {
    Event(Box<Event>),
    Stop,
}

/// A plugin behind a queue and a thread.
pub struct Buffered {
    plugin: Plugin,
    sender: SyncSender<Message>,
    thread: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
}

impl Buffered {
    /// Starts the thread that batches events for `delegate`.
    pub fn start(
        plugin: Plugin,
        config: BatchConfig,
        delegate: impl Deliver,
        counters: Arc<Counters>,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::sync_channel(config.buffer_size.max(1));
        let thread = std::thread::Builder::new()
            .name(format!("audit-{}", plugin.as_str()))
            .spawn(move || run(receiver, config, delegate))?;
        Ok(Self {
            plugin,
            sender,
            thread: Mutex::new(Some(thread)),
            counters,
        })
    }
}

impl Backend for Buffered {
    fn process(&self, event: &Event) -> bool {
        match self
            .sender
            .try_send(Message::Event(Box::new(event.clone())))
        {
            Ok(()) => {}
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
            let _ = self.sender.send(Message::Stop);
            let _ = thread.join();
        }
    }
}

/// The thread: batches until told to stop, then what is left, then waits for the plugin.
fn run(receiver: Receiver<Message>, config: BatchConfig, mut delegate: impl Deliver) {
    let mut throttle = config
        .throttle
        .map(|(qps, burst)| TokenBucket::new(qps, burst));
    let max = config.max_batch_size.max(1);
    let mut stopping = false;
    while !stopping {
        let first = match receiver.recv() {
            Ok(Message::Event(event)) => *event,
            Ok(Message::Stop) | Err(_) => break,
        };
        let mut batch = vec![first];
        let deadline = Instant::now() + config.max_batch_wait;
        while batch.len() < max {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = if left.is_zero() {
                receiver.try_recv().map_err(|e| match e {
                    TryRecvError::Empty => RecvTimeoutError::Timeout,
                    TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                })
            } else {
                receiver.recv_timeout(left)
            };
            match next {
                Ok(Message::Event(event)) => batch.push(*event),
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => {
                    stopping = true;
                    break;
                }
                Err(RecvTimeoutError::Timeout) => break,
            }
        }
        if let Some(bucket) = throttle.as_mut() {
            std::thread::sleep(bucket.reserve(Instant::now()));
        }
        delegate.deliver(batch);
    }
    // What was queued behind the stop (requests that raced the shutdown).
    let rest: Vec<Event> = receiver
        .try_iter()
        .filter_map(|message| match message {
            Message::Event(event) => Some(*event),
            Message::Stop => None,
        })
        .collect();
    let mut rest = rest.into_iter().peekable();
    while rest.peek().is_some() {
        delegate.deliver(rest.by_ref().take(max).collect());
    }
    delegate.finish();
}

#[cfg(test)]
mod tests;
