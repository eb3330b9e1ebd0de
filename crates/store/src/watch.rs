//! Watches: the stored backlog after a revision, then live events from the broadcast channel,
//! with neither a gap nor a duplicate between the two.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::broadcast;

use crate::keys::in_scope;
use crate::model::{ListScope, WatchEvent};

/// A watch: first the backlog after the requested revision, then live events, filtered to a
/// scope (or of everything). Dropping it ends it.
pub struct Watch {
    /// `None`: every resource.
    scope: Option<ListScope>,
    backlog: VecDeque<WatchEvent>,
    /// `None` once the watch has ended (lagged or store gone).
    live: Option<broadcast::Receiver<Arc<WatchEvent>>>,
    /// The last revision delivered or skipped.
    last_revision: u64,
    /// Live events up to this revision were in the backlog (or before the watch began); later
    /// ones are all delivered, several of one revision too (the writes of an etcd
    /// transaction).
    cutoff: u64,
}

impl Watch {
    /// A watch of `scope` that delivers `backlog` (already filtered to the scope, in revision
    /// order), then the events of `live` after `last_revision`. `live` must have been subscribed
    /// before the backlog was read, so that nothing falls between the two.
    pub(crate) fn new(
        scope: Option<ListScope>,
        backlog: VecDeque<WatchEvent>,
        live: broadcast::Receiver<Arc<WatchEvent>>,
        last_revision: u64,
    ) -> Self {
        Self {
            scope,
            backlog,
            live: Some(live),
            last_revision,
            cutoff: last_revision,
        }
    }

    /// The next event in the scope, in revision order; `None` when the store is gone or the
    /// watcher fell too far behind the writers (the client must re-list, as after a watch closed
    /// by kube-apiserver). Once it has returned `None` it keeps returning `None`.
    ///
    /// Cancel-safe: dropping the future (e.g. in `tokio::select!`) loses no event.
    pub async fn next(&mut self) -> Option<WatchEvent> {
        if let Some(event) = self.backlog.pop_front() {
            return Some(event);
        }
        let live = self.live.as_mut()?;
        loop {
            match live.recv().await {
                Ok(event) => {
                    if event.revision <= self.cutoff {
                        continue;
                    }
                    self.last_revision = event.revision;
                    if self
                        .scope
                        .as_ref()
                        .is_none_or(|scope| in_scope(scope, &event.key))
                    {
                        return Some((*event).clone());
                    }
                }
                Err(_) => {
                    // Lagged or closed: end for good (a lagged receiver would otherwise resume
                    // after a gap).
                    self.live = None;
                    return None;
                }
            }
        }
    }

    /// The revision this watch has reached: the last event delivered or skipped, or the store's
    /// revision when it started. A bookmark may report it.
    pub fn revision(&self) -> u64 {
        match self.backlog.front() {
            Some(event) => event.revision.saturating_sub(1),
            None => self.last_revision,
        }
    }
}

#[cfg(test)]
mod tests;
