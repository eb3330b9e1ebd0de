//! What the streaming handlers write through, whichever protocol carries it: a [`Writer`] per
//! outgoing stream or channel, and [`Outgoing`] commands to the connection's driver.

use std::collections::VecDeque;

use tokio::sync::mpsc;

/// A command to a connection driver.
#[derive(Debug)]
pub enum Outgoing {
    /// Bytes on a stream (SPDY) or channel (WebSocket).
    Data(u32, Vec<u8>),
    /// This side is done writing the stream (SPDY FIN; nothing on WebSocket).
    Fin(u32),
    /// End the connection: SPDY resets every stream and sends GOAWAY; WebSocket sends a normal
    /// close and waits for the client's.
    Close,
}

/// Writes to one stream or channel.
#[derive(Debug, Clone)]
pub struct Writer {
    target: u32,
    out: mpsc::Sender<Outgoing>,
}

impl Writer {
    /// A writer for `target` through `out`.
    pub fn new(target: u32, out: mpsc::Sender<Outgoing>) -> Self {
        Self { target, out }
    }

    /// Sends bytes; `false` once the connection is gone.
    pub async fn write(&self, bytes: Vec<u8>) -> bool {
        self.out
            .send(Outgoing::Data(self.target, bytes))
            .await
            .is_ok()
    }

    /// Half-closes the stream.
    pub async fn finish(&self) {
        let _ = self.out.send(Outgoing::Fin(self.target)).await;
    }
}

/// Bytes arriving on one stream or channel; `None` at its end.
pub type Reader = mpsc::Receiver<Vec<u8>>;

/// Flushes every queue; the future that waits for the first one still blocked, if any.
pub fn flush_all<'a>(
    queues: impl Iterator<Item = &'a mut Inbound>,
) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
    let mut blocked = None;
    for queue in queues {
        if queue.flush() && blocked.is_none() {
            blocked = Some(queue.ready());
        }
    }
    blocked
}

/// Data received for one stream that its reader has not taken yet (`None` marks the end).
/// Drivers stop reading the connection while a queue is not empty, so a slow reader slows
/// the peer down instead of filling memory.
#[derive(Debug)]
pub struct Inbound {
    sender: Option<mpsc::Sender<Vec<u8>>>,
    queue: VecDeque<Option<Vec<u8>>>,
}

impl Inbound {
    /// An inbound queue and the reader it feeds.
    pub fn new() -> (Self, Reader) {
        let (sender, reader) = mpsc::channel(32);
        (
            Self {
                sender: Some(sender),
                queue: VecDeque::new(),
            },
            reader,
        )
    }

    /// Queues bytes.
    pub fn push(&mut self, bytes: Vec<u8>) {
        if self.sender.is_some() {
            self.queue.push_back(Some(bytes));
        }
    }

    /// Queues the end.
    pub fn finish(&mut self) {
        if self.sender.is_some() {
            self.queue.push_back(None);
        }
    }

    /// Moves what the reader can take now; `true` while something is left.
    pub fn flush(&mut self) -> bool {
        loop {
            let Some(front) = self.queue.front() else {
                return false;
            };
            let Some(sender) = self.sender.clone() else {
                self.queue.clear();
                return false;
            };
            if front.is_none() {
                self.sender = None;
                self.queue.clear();
                return false;
            }
            match sender.try_reserve() {
                Ok(permit) => {
                    if let Some(Some(bytes)) = self.queue.pop_front() {
                        permit.send(bytes);
                    }
                }
                Err(mpsc::error::TrySendError::Full(())) => return true,
                Err(mpsc::error::TrySendError::Closed(())) => {
                    self.sender = None;
                    self.queue.clear();
                    return false;
                }
            }
        }
    }

    /// A future that completes when the reader can take more (or is gone); it owns what it
    /// needs, so the driver can keep using the queue meanwhile.
    pub fn ready(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let sender = self.sender.clone();
        async move {
            if let Some(sender) = sender {
                let _ = sender.reserve().await;
            }
        }
    }

    /// Whether the stream ended and was handed over.
    pub fn is_done(&self) -> bool {
        self.sender.is_none() && self.queue.is_empty()
    }
}
