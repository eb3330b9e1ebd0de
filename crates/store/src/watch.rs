//! Watches: the stored backlog after a revision, then live events from the broadcast channel,
//! with neither a gap nor a duplicate between the two.

use std::collections::VecDeque;
use std::sync::Arc;

use redb::{ReadableDatabase as _, ReadableTable as _};
use tokio::sync::broadcast;

use crate::events::decode_event;
use crate::keys::in_scope;
use crate::{EVENTS, ListScope, META, Store, StoreError, WatchEvent, backend, stored_revision};

/// A watch: first the backlog after the requested revision, then live events, filtered to a
/// scope. Dropping it ends it.
pub struct Watch {
    scope: ListScope,
    backlog: VecDeque<WatchEvent>,
    /// `None` once the watch has ended (lagged or store gone).
    live: Option<broadcast::Receiver<Arc<WatchEvent>>>,
    /// The last revision delivered or skipped: live events up to it are already accounted for.
    last_revision: u64,
}

impl Watch {
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
                    if event.revision <= self.last_revision {
                        continue;
                    }
                    self.last_revision = event.revision;
                    if in_scope(&self.scope, &event.key) {
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

impl Store {
    /// Watches `scope` for events after revision `since`.
    ///
    /// - `since == 0`: only events written after this call.
    /// - `0 < since <= revision`: the stored events after `since`, then live ones;
    ///   [`StoreError::Gone`] when events after `since` have been trimmed from the log (the client
    ///   must re-list).
    /// - `since > revision`: events after `since` only, as they happen.
    pub fn watch(&self, scope: &ListScope, since: u64) -> Result<Watch, StoreError> {
        // Subscribe before reading: every write committed after the read below is then in the
        // channel, and every one before it is in the read; `last_revision` drops the overlap.
        let live = self.live.subscribe();
        let txn = self.db.begin_read().map_err(backend)?;
        let events = txn.open_table(EVENTS).map_err(backend)?;
        let meta = txn.open_table(META).map_err(backend)?;
        let revision = stored_revision(&meta)?;
        let mut backlog = VecDeque::new();
        if since > 0 && since < revision {
            let oldest = events
                .first()
                .map_err(backend)?
                .map_or(revision + 1, |(rev, _)| rev.value());
            if since + 1 < oldest {
                return Err(StoreError::Gone {
                    requested: since,
                    oldest,
                });
            }
            for entry in events.range(since + 1..=revision).map_err(backend)? {
                let (rev, bytes) = entry.map_err(backend)?;
                let event = decode_event(rev.value(), bytes.value())?;
                if in_scope(scope, &event.key) {
                    backlog.push_back(event);
                }
            }
        }
        Ok(Watch {
            scope: scope.clone(),
            backlog,
            live: Some(live),
            last_revision: revision.max(since),
        })
    }
}

#[cfg(test)]
mod tests;
