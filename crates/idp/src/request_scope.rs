//! The request being served, for the events it causes: the `http` layer opens a scope around
//! each request (and carries it onto the blocking threads it hands work to); the provider's
//! events are held in it until the answer is known, then handed to the event listeners with
//! the request's facts and status code. Outside a scope (a background sync) events go out at
//! once.

use std::sync::{Arc, Mutex};

use crate::events::listener::{Origin, Recorded};

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

/// One request's scope.
#[derive(Debug, Default)]
pub struct Scope {
    origin: Origin,
    held: Mutex<Vec<Held>>,
}

/// An event held until the answer: the event, its realm's name and its user's username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The event.
    pub event: Recorded,
    /// Its realm's name.
    pub realm: String,
    /// Its user's username.
    pub username: String,
}

impl Scope {
    /// A scope for a request with these facts.
    pub fn new(origin: Origin) -> Self {
        Self {
            origin,
            held: Mutex::new(Vec::new()),
        }
    }

    /// The request's facts.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Holds an event until the answer.
    pub fn hold(&self, held: Held) {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(held);
    }

    /// The events held, in order; none are held after.
    pub fn take(&self) -> Vec<Held> {
        std::mem::take(&mut *self.held.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The scope of the request being served here, if any.
pub fn current() -> Option<Arc<Scope>> {
    SCOPE.try_with(Arc::clone).ok()
}

/// Runs `future` in `scope`.
pub async fn within<F: Future>(scope: Arc<Scope>, future: F) -> F::Output {
    SCOPE.scope(scope, future).await
}

/// Runs `f` in `scope` (on a thread of its own), or outside any without one.
pub fn within_sync<R>(scope: Option<Arc<Scope>>, f: impl FnOnce() -> R) -> R {
    match scope {
        Some(scope) => SCOPE.sync_scope(scope, f),
        None => f(),
    }
}
