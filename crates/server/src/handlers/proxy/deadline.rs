//! The upstream's response timeout without a timer per request. `tokio::time::timeout` puts
//! each request's deadline into the runtime's timer wheel, and a deadline earlier than the
//! driver's next wake-up wakes the driver (a write to its eventfd): one more system call per
//! forwarded request. Here a request's deadline is an entry in its thread's list, and one task
//! per thread looks at the list every [`TICK`] while requests come, expiring what is past its
//! deadline; after a tick with no request in flight and none begun it sleeps until the next
//! request, so that an idle gateway (or one holding idle watches) does no work at all. A deadline
//! fires up to one tick late.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

/// How often the deadlines in flight are looked at.
pub const TICK: Duration = Duration::from_millis(100);

/// The future did not complete within its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

/// `future`'s output, or [`Elapsed`] once `timeout` has passed (give or take a [`TICK`]).
pub async fn within<F: Future>(timeout: Duration, future: F) -> Result<F::Output, Elapsed> {
    let entry = Registration::new(Instant::now() + timeout);
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if entry.expired(cx.waker()) {
            return Poll::Ready(Err(Elapsed));
        }
        Poll::Pending
    })
    .await
}

thread_local! {
    static REGISTRY: Arc<Registry> = Arc::new(Registry::default());
}

/// One thread's deadlines in flight.
#[derive(Default)]
struct Registry {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Slots, `None` when free.
    entries: Vec<Option<Entry>>,
    free: Vec<usize>,
    live: usize,
    /// A deadline was registered since the sweeper's last tick.
    registered: bool,
    sweeper: Sweeper,
}

struct Entry {
    deadline: Instant,
    expired: bool,
    waker: Option<Waker>,
}

/// Where the thread's sweeper task is.
#[derive(Default)]
enum Sweeper {
    /// None yet (or its runtime has gone): the next registration spawns one.
    #[default]
    Absent,
    /// Ticking.
    Running,
    /// Asleep until the next registration.
    Parked(Waker),
}

impl Registry {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn register(self: &Arc<Self>, deadline: Instant) -> usize {
        let mut state = self.state();
        let entry = Entry {
            deadline,
            expired: false,
            waker: None,
        };
        let key = match state.free.pop() {
            Some(key) => {
                state.entries[key] = Some(entry);
                key
            }
            None => {
                state.entries.push(Some(entry));
                state.entries.len() - 1
            }
        };
        state.live += 1;
        state.registered = true;
        let sweeper = std::mem::replace(&mut state.sweeper, Sweeper::Running);
        drop(state);
        match sweeper {
            Sweeper::Absent => {
                tokio::spawn(sweep(self.clone()));
            }
            Sweeper::Parked(waker) => waker.wake(),
            Sweeper::Running => {}
        }
        key
    }

    fn remove(&self, key: usize) {
        let mut state = self.state();
        if state.entries.get_mut(key).and_then(Option::take).is_some() {
            state.live -= 1;
            state.free.push(key);
        }
    }

    /// Whether the entry's deadline has passed; if not, `waker` is woken when it does.
    fn expired(&self, key: usize, waker: &Waker) -> bool {
        let mut state = self.state();
        let Some(Some(entry)) = state.entries.get_mut(key) else {
            return false;
        };
        if entry.expired {
            return true;
        }
        match &mut entry.waker {
            Some(known) if known.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        false
    }

    /// Marks what is past its deadline at `now`, and returns the wakers to wake; whether the
    /// sweeper may sleep (nothing in flight, nothing registered since the last tick).
    fn tick(&self, now: Instant) -> (Vec<Waker>, bool) {
        let mut state = self.state();
        let mut wake = Vec::new();
        for entry in state.entries.iter_mut().flatten() {
            if !entry.expired && entry.deadline <= now {
                entry.expired = true;
                wake.extend(entry.waker.take());
            }
        }
        let idle = state.live == 0 && !state.registered;
        state.registered = false;
        (wake, idle)
    }
}

/// A request's deadline, in the list of the thread it began on until dropped.
struct Registration {
    registry: Arc<Registry>,
    key: usize,
}

impl Registration {
    fn new(deadline: Instant) -> Self {
        let registry = REGISTRY.with(Arc::clone);
        let key = registry.register(deadline);
        Self { registry, key }
    }

    fn expired(&self, waker: &Waker) -> bool {
        self.registry.expired(self.key, waker)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.remove(self.key);
    }
}

/// The thread's sweeper: a tick every [`TICK`] while requests come, asleep otherwise.
async fn sweep(registry: Arc<Registry>) {
    let _gone = Gone(registry.clone());
    loop {
        tokio::time::sleep(TICK).await;
        let (wake, idle) = registry.tick(Instant::now());
        for waker in wake {
            waker.wake();
        }
        if idle {
            std::future::poll_fn(|cx| {
                let mut state = registry.state();
                if state.live > 0 || state.registered {
                    state.sweeper = Sweeper::Running;
                    return Poll::Ready(());
                }
                state.sweeper = Sweeper::Parked(cx.waker().clone());
                Poll::Pending
            })
            .await;
        }
    }
}

/// Dropped with the sweeper (its runtime shut down): the next registration starts another.
struct Gone(Arc<Registry>);

impl Drop for Gone {
    fn drop(&mut self) {
        self.0.state().sweeper = Sweeper::Absent;
    }
}

#[cfg(test)]
mod tests;
