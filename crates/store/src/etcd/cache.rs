//! The in-process copy of everything under the prefix, kept current by one etcd watch (as
//! kube-apiserver's watch cache): the objects by etcd key, the revision they are at, and a
//! window of the latest events for watches that resume from a recent revision. Reads take a
//! read lock and copy; the reflector applies each event under the write lock and sends it to the
//! live watchers there, so a watch started under the read lock has neither a gap nor a
//! duplicate between the window and the live events.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::broadcast;

use super::layout::range_end;
use super::paging;
use crate::keys::in_scope;
use crate::model::{EventType, ListOptions, ListScope, Listing, ObjectKey, StoreError, WatchEvent};
use crate::watch::Watch;

/// One cached object.
#[derive(Debug, Clone)]
struct Cached {
    key: ObjectKey,
    object: Value,
}

struct State {
    objects: BTreeMap<String, Cached>,
    /// Every event up to this revision has been applied.
    revision: u64,
    /// The latest events, oldest first.
    window: VecDeque<WatchEvent>,
    /// Every event after this revision is in the window.
    window_start: u64,
    live: broadcast::Sender<Arc<WatchEvent>>,
}

/// The cache of one store.
pub struct Cache {
    state: RwLock<State>,
    /// The revision published to waiters, after the state has reached it.
    reached: Mutex<u64>,
    advanced: Condvar,
    window_length: usize,
    watch_buffer: usize,
}

impl Cache {
    /// An empty cache at revision 0 that keeps `window_length` events and lets a watcher fall
    /// `watch_buffer` events behind.
    pub fn new(window_length: usize, watch_buffer: usize) -> Self {
        let watch_buffer = watch_buffer.max(1);
        Self {
            state: RwLock::new(State {
                objects: BTreeMap::new(),
                revision: 0,
                window: VecDeque::new(),
                window_start: 0,
                live: broadcast::channel(watch_buffer).0,
            }),
            reached: Mutex::new(0),
            advanced: Condvar::new(),
            window_length: window_length.max(1),
            watch_buffer,
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn publish(&self, revision: u64) {
        let mut reached = self.reached.lock().unwrap_or_else(|e| e.into_inner());
        *reached = (*reached).max(revision);
        self.advanced.notify_all();
    }

    /// Replaces everything with a list read at `revision` (the first list, or a list after the
    /// watch fell behind a compaction). Watches of the previous state end: their clients list
    /// again, as after kube-apiserver's watch cache re-lists.
    pub fn reset(&self, objects: Vec<(String, ObjectKey, Value)>, revision: u64) {
        {
            let mut state = self.write();
            state.objects = objects
                .into_iter()
                .map(|(etcd_key, key, object)| (etcd_key, Cached { key, object }))
                .collect();
            state.revision = revision;
            state.window.clear();
            state.window_start = revision;
            state.live = broadcast::channel(self.watch_buffer).0;
        }
        self.publish(revision);
    }

    /// Applies the events of one watch response (revisions increase; the writes of one
    /// transaction share a revision and come in one response): readers and waiters see them
    /// all at once.
    pub fn apply(&self, events: Vec<(String, WatchEvent)>) {
        let Some(last) = events.last().map(|(_, event)| event.revision) else {
            return;
        };
        {
            let mut state = self.write();
            let from = state.revision;
            for (etcd_key, event) in events {
                if event.revision <= from {
                    continue;
                }
                match event.kind {
                    EventType::Deleted => {
                        state.objects.remove(&etcd_key);
                    }
                    EventType::Added | EventType::Modified => {
                        let cached = Cached {
                            key: event.key.clone(),
                            object: event.object.clone(),
                        };
                        state.objects.insert(etcd_key, cached);
                    }
                }
                state.revision = state.revision.max(event.revision);
                state.window.push_back(event.clone());
                while state.window.len() > self.window_length {
                    if let Some(oldest) = state.window.pop_front() {
                        state.window_start = oldest.revision;
                    }
                }
                // No receiver is not an error: nobody watches.
                let _ = state.live.send(Arc::new(event));
            }
        }
        self.publish(last);
    }

    /// Notes that the watch has seen `revision` without an event for the cache (a key outside
    /// the layout).
    pub fn advance(&self, revision: u64) {
        {
            let mut state = self.write();
            if revision <= state.revision {
                return;
            }
            state.revision = revision;
        }
        self.publish(revision);
    }

    /// Forgets the events before `compacted` (etcd compacted them away), so that watches from
    /// before it answer `Gone` as etcd does.
    pub fn forget_before(&self, compacted: u64) {
        let mut state = self.write();
        while state
            .window
            .front()
            .is_some_and(|event| event.revision < compacted)
        {
            state.window.pop_front();
        }
        state.window_start = state.window_start.max(compacted.saturating_sub(1));
    }

    /// The revision the cache is at.
    pub fn revision(&self) -> u64 {
        self.read().revision
    }

    /// Waits until the cache is at `revision` or later, at most `timeout`; whether it is.
    pub fn wait_for(&self, revision: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut reached = self.reached.lock().unwrap_or_else(|e| e.into_inner());
        while *reached < revision {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            reached = self
                .advanced
                .wait_timeout(reached, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// The object at an etcd key.
    pub fn get(&self, etcd_key: &str) -> Option<Value> {
        self.read()
            .objects
            .get(etcd_key)
            .map(|cached| cached.object.clone())
    }

    /// A page of the objects under `prefix` (the scope's list key) from `start` (relative to
    /// it), read at the cache's revision; `None` when `at` is given and the cache is not at it.
    pub fn list(
        &self,
        scope: &ListScope,
        prefix: &str,
        start: Option<&str>,
        at: Option<u64>,
        options: &ListOptions<'_>,
    ) -> Option<Result<Listing, StoreError>> {
        let state = self.read();
        if at.is_some_and(|at| at != state.revision) {
            return None;
        }
        let from = format!("{prefix}{}", start.unwrap_or(""));
        let end = String::from_utf8_lossy(&range_end(prefix)).into_owned();
        if from >= end {
            let empty = paging::Filled {
                items: Vec::new(),
                last_key: None,
                more: false,
            };
            return Some(paging::listing(empty, state.revision, false, || Ok(0)));
        }
        let mut entries = state
            .objects
            .range::<str, _>((
                Bound::Included(from.as_str()),
                Bound::Excluded(end.as_str()),
            ))
            .filter(|(_, cached)| in_scope(scope, &cached.key))
            .map(|(etcd_key, cached)| {
                Ok((etcd_key[prefix.len()..].to_string(), cached.object.clone()))
            });
        Some(paging::fill(&mut entries, options).and_then(|filled| {
            paging::listing(filled, state.revision, options.predicate.is_some(), || {
                Ok(entries.count() as u64)
            })
        }))
    }

    /// A watch of `scope` (everything when `None`) for the events after `since`, from the window
    /// then live; `None` when the window does not reach back to `since`.
    pub fn watch(&self, scope: Option<&ListScope>, since: u64) -> Option<Watch> {
        let state = self.read();
        let live = state.live.subscribe();
        let revision = state.revision;
        if since == 0 || since >= revision {
            return Some(Watch::new(
                scope.cloned(),
                VecDeque::new(),
                live,
                revision.max(since),
            ));
        }
        if since < state.window_start {
            return None;
        }
        let backlog = state
            .window
            .iter()
            .filter(|event| event.revision > since)
            .filter(|event| scope.is_none_or(|scope| in_scope(scope, &event.key)))
            .cloned()
            .collect();
        Some(Watch::new(scope.cloned(), backlog, live, revision))
    }
}

#[cfg(test)]
mod tests;
