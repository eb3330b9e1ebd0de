//! Durable object storage for kubeward's API server.
//!
//! Objects are JSON values (`serde_json::Value`) keyed by group, resource, namespace and name.
//! One writer bumps a global revision on every write; the revision is the objects'
//! `metadata.resourceVersion` (as a decimal string). Every acknowledged write is committed
//! durably (redb's default durability) before the call returns, so a `kill -9` loses nothing
//! that was acknowledged. Watchers get every event after a revision, from an event log kept in the
//! database (bounded; older revisions answer `Gone`, as etcd's compaction makes kube-apiserver
//! answer 410) and then live through a broadcast channel.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use redb::{
    Database, ReadableDatabase as _, ReadableTable as _, ReadableTableMetadata as _,
    TableDefinition,
};
use serde_json::Value;
use tokio::sync::broadcast;

mod keys;

use keys::{decode_key, encode_key, scope_range};

/// Where one object lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// API group, `""` for the core group.
    pub group: String,
    /// Plural resource name, e.g. `pods`, `rolebindings`.
    pub resource: String,
    /// Namespace; `None` for cluster-scoped resources.
    pub namespace: Option<String>,
    /// Object name.
    pub name: String,
}

/// A set of objects of one resource: one namespace, or all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListScope {
    /// API group, `""` for the core group.
    pub group: String,
    /// Plural resource name.
    pub resource: String,
    /// `Some(ns)` for one namespace, `None` for all namespaces (and for cluster-scoped
    /// resources).
    pub namespace: Option<String>,
}

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Created.
    Added,
    /// Updated.
    Modified,
    /// Deleted; the event carries the object as it was last stored, with the deleting revision.
    Deleted,
}

/// One change, as a watch delivers it.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    /// What happened.
    pub kind: EventType,
    /// Where.
    pub key: ObjectKey,
    /// The revision of the write.
    pub revision: u64,
    /// The object (with `metadata.resourceVersion` = `revision`).
    pub object: Value,
}

/// Objects of a list, with the revision the list was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The objects, sorted by namespace then name.
    pub items: Vec<Value>,
    /// The store's revision when the list was read (the list's `resourceVersion`).
    pub revision: u64,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum StoreError {
    /// No object at the key.
    #[error("not found")]
    NotFound,
    /// An object already exists at the key.
    #[error("already exists")]
    AlreadyExists,
    /// The object's `metadata.resourceVersion` (or the precondition) is not the stored one.
    #[error(
        "the object has been modified; please apply your changes to the latest version and try again"
    )]
    Conflict,
    /// The requested revision is older than the oldest one kept in the event log.
    #[error("too old resource version: {requested} ({oldest})")]
    Gone {
        /// The revision asked for.
        requested: u64,
        /// The oldest revision still available.
        oldest: u64,
    },
    /// The database failed (I/O, corruption); the message says how.
    #[error("storage error: {0}")]
    Backend(String),
}

/// Objects by encoded key (see `keys`), as JSON.
const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("objects");
/// The event log: revision → encoded event.
const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// Counters: `revision`.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const REVISION: &str = "revision";

/// How many events the log keeps by default (older revisions answer `Gone`).
pub const DEFAULT_EVENT_LOG_LENGTH: u64 = 10_000;
/// How many live events a slow watcher may fall behind before its watch ends.
const WATCH_BUFFER: usize = 4096;

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

/// The store.
pub struct Store {
    db: Database,
    /// Serializes writes so that live events go out in revision order.
    writes: Mutex<()>,
    live: broadcast::Sender<Arc<WatchEvent>>,
    event_log_length: u64,
}

/// A watch: first the backlog after the requested revision, then live events, filtered to a
/// scope.
pub struct Watch {
    scope: ListScope,
    backlog: VecDeque<WatchEvent>,
    live: broadcast::Receiver<Arc<WatchEvent>>,
    last_revision: u64,
}

impl Watch {
    /// The next event; `None` when the store is closed or the watcher fell too far behind (the
    /// client must re-list, as after a watch closed by kube-apiserver).
    pub async fn next(&mut self) -> Option<WatchEvent> {
        if let Some(event) = self.backlog.pop_front() {
            return Some(event);
        }
        loop {
            match self.live.recv().await {
                Ok(event) => {
                    if event.revision <= self.last_revision {
                        continue;
                    }
                    self.last_revision = event.revision;
                    if in_scope(&self.scope, &event.key) {
                        return Some((*event).clone());
                    }
                }
                Err(_) => return None,
            }
        }
    }
}

fn in_scope(scope: &ListScope, key: &ObjectKey) -> bool {
    key.group == scope.group
        && key.resource == scope.resource
        && (scope.namespace.is_none() || scope.namespace == key.namespace)
}

fn event_name(kind: EventType) -> &'static str {
    match kind {
        EventType::Added => "ADDED",
        EventType::Modified => "MODIFIED",
        EventType::Deleted => "DELETED",
    }
}

fn encode_event(event: &WatchEvent) -> Vec<u8> {
    serde_json::json!({
        "type": event_name(event.kind),
        "key": encode_key(&event.key),
        "object": event.object,
    })
    .to_string()
    .into_bytes()
}

fn decode_event(revision: u64, bytes: &[u8]) -> Result<WatchEvent, StoreError> {
    let value: Value = serde_json::from_slice(bytes).map_err(backend)?;
    let kind = match value.get("type").and_then(Value::as_str) {
        Some("ADDED") => EventType::Added,
        Some("MODIFIED") => EventType::Modified,
        Some("DELETED") => EventType::Deleted,
        _ => return Err(StoreError::Backend(format!("event {revision} has no type"))),
    };
    let key = value
        .get("key")
        .and_then(Value::as_str)
        .and_then(decode_key)
        .ok_or_else(|| StoreError::Backend(format!("event {revision} has no key")))?;
    let object = value.get("object").cloned().unwrap_or(Value::Null);
    Ok(WatchEvent {
        kind,
        key,
        revision,
        object,
    })
}

fn set_resource_version(object: &mut Value, revision: u64) -> Result<(), StoreError> {
    let map = object
        .as_object_mut()
        .ok_or_else(|| StoreError::Backend("an object must be a JSON object".to_string()))?;
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    let metadata = metadata
        .as_object_mut()
        .ok_or_else(|| StoreError::Backend("metadata must be a JSON object".to_string()))?;
    metadata.insert(
        "resourceVersion".to_string(),
        Value::String(revision.to_string()),
    );
    Ok(())
}

fn resource_version(object: &Value) -> &str {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The revision recorded in the `meta` table (0 before the first write).
fn stored_revision(meta: &impl redb::ReadableTable<&'static str, u64>) -> Result<u64, StoreError> {
    Ok(meta
        .get(REVISION)
        .map_err(backend)?
        .map(|v| v.value())
        .unwrap_or(0))
}

/// What a write does to the object at a key, decided inside the write transaction.
enum Change {
    Put(EventType, Value),
    Delete,
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with_log_length(path, DEFAULT_EVENT_LOG_LENGTH)
    }

    /// Opens the database keeping at most `event_log_length` events for watch resumption.
    pub fn open_with_log_length(path: &Path, event_log_length: u64) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(backend)?;
        let txn = db.begin_write().map_err(backend)?;
        {
            txn.open_table(OBJECTS).map_err(backend)?;
            txn.open_table(EVENTS).map_err(backend)?;
            txn.open_table(META).map_err(backend)?;
        }
        txn.commit().map_err(backend)?;
        let (live, _) = broadcast::channel(WATCH_BUFFER);
        Ok(Self {
            db,
            writes: Mutex::new(()),
            live,
            event_log_length: event_log_length.max(1),
        })
    }

    /// The current revision (0 for an empty store).
    pub fn revision(&self) -> u64 {
        self.read_revision().unwrap_or(0)
    }

    fn read_revision(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let meta = txn.open_table(META).map_err(backend)?;
        stored_revision(&meta)
    }

    /// The object at `key`.
    pub fn get(&self, key: &ObjectKey) -> Result<Option<Value>, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let objects = txn.open_table(OBJECTS).map_err(backend)?;
        let found = objects.get(encode_key(key).as_str()).map_err(backend)?;
        found
            .map(|bytes| serde_json::from_slice(bytes.value()).map_err(backend))
            .transpose()
    }

    /// The objects in `scope`.
    pub fn list(&self, scope: &ListScope) -> Result<Listing, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let objects = txn.open_table(OBJECTS).map_err(backend)?;
        let meta = txn.open_table(META).map_err(backend)?;
        let revision = stored_revision(&meta)?;
        let (start, end) = scope_range(scope);
        let mut items = Vec::new();
        for entry in objects
            .range(start.as_str()..end.as_str())
            .map_err(backend)?
        {
            let (_, bytes) = entry.map_err(backend)?;
            items.push(serde_json::from_slice(bytes.value()).map_err(backend)?);
        }
        Ok(Listing { items, revision })
    }

    /// Stores a new object; sets its `metadata.resourceVersion` to the new revision and returns
    /// it as stored.
    pub fn create(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError> {
        self.write(key, |current| match current {
            Some(_) => Err(StoreError::AlreadyExists),
            None => Ok(Change::Put(EventType::Added, object)),
        })
    }

    /// Replaces the object at `key`. When `object` carries a non-empty
    /// `metadata.resourceVersion` it must equal the stored one ([`StoreError::Conflict`]
    /// otherwise), as kube-apiserver's optimistic concurrency requires.
    pub fn update(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError> {
        self.write(key, |current| {
            let current = current.ok_or(StoreError::NotFound)?;
            let wanted = resource_version(&object);
            if !wanted.is_empty() && wanted != resource_version(&current) {
                return Err(StoreError::Conflict);
            }
            Ok(Change::Put(EventType::Modified, object))
        })
    }

    /// Reads, changes and writes one object atomically (no other write in between): `change`
    /// gets the stored object and returns the new one, or an error of its own that is returned
    /// unchanged with nothing written.
    pub fn modify<E: From<StoreError>>(
        &self,
        key: &ObjectKey,
        change: impl FnOnce(Value) -> Result<Value, E>,
    ) -> Result<Value, E> {
        let mut outcome: Option<E> = None;
        let result = self.write(key, |current| {
            let current = current.ok_or(StoreError::NotFound)?;
            match change(current) {
                Ok(next) => Ok(Change::Put(EventType::Modified, next)),
                Err(error) => {
                    outcome = Some(error);
                    Err(StoreError::Backend(String::new()))
                }
            }
        });
        match (result, outcome) {
            (_, Some(error)) => Err(error),
            (Ok(value), None) => Ok(value),
            (Err(error), None) => Err(E::from(error)),
        }
    }

    /// Deletes the object at `key` and returns it as it was; with `precondition`, only if its
    /// revision is that one.
    pub fn delete(&self, key: &ObjectKey, precondition: Option<u64>) -> Result<Value, StoreError> {
        self.write(key, |current| {
            let current = current.ok_or(StoreError::NotFound)?;
            if let Some(wanted) = precondition
                && resource_version(&current) != wanted.to_string()
            {
                return Err(StoreError::Conflict);
            }
            Ok(Change::Delete)
        })
    }

    /// One write transaction: reads the object at `key`, applies `decide`, bumps the revision,
    /// records the event, trims the log, commits durably, then tells the watchers.
    fn write(
        &self,
        key: &ObjectKey,
        decide: impl FnOnce(Option<Value>) -> Result<Change, StoreError>,
    ) -> Result<Value, StoreError> {
        let _serialized = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let encoded_key = encode_key(key);
        let txn = self.db.begin_write().map_err(backend)?;
        let event = {
            let mut objects = txn.open_table(OBJECTS).map_err(backend)?;
            let mut events = txn.open_table(EVENTS).map_err(backend)?;
            let mut meta = txn.open_table(META).map_err(backend)?;
            let current: Option<Value> = objects
                .get(encoded_key.as_str())
                .map_err(backend)?
                .map(|bytes| serde_json::from_slice(bytes.value()).map_err(backend))
                .transpose()?;
            let change = decide(current.clone())?;
            let revision = meta
                .get(REVISION)
                .map_err(backend)?
                .map(|v| v.value())
                .unwrap_or(0)
                + 1;
            let (kind, mut object) = match change {
                Change::Put(kind, object) => (kind, object),
                Change::Delete => (EventType::Deleted, current.unwrap_or(Value::Null)),
            };
            if object.is_object() {
                set_resource_version(&mut object, revision)?;
            }
            match kind {
                EventType::Deleted => {
                    objects.remove(encoded_key.as_str()).map_err(backend)?;
                }
                _ => {
                    let bytes = serde_json::to_vec(&object).map_err(backend)?;
                    objects
                        .insert(encoded_key.as_str(), bytes.as_slice())
                        .map_err(backend)?;
                }
            }
            let event = WatchEvent {
                kind,
                key: key.clone(),
                revision,
                object,
            };
            events
                .insert(revision, encode_event(&event).as_slice())
                .map_err(backend)?;
            while events.len().map_err(backend)? > self.event_log_length {
                events.pop_first().map_err(backend)?;
            }
            meta.insert(REVISION, revision).map_err(backend)?;
            event
        };
        txn.commit().map_err(backend)?;
        let object = event.object.clone();
        let _ = self.live.send(Arc::new(event));
        Ok(object)
    }

    /// Watches `scope` for events after revision `since` (0: only future events).
    pub fn watch(&self, scope: &ListScope, since: u64) -> Result<Watch, StoreError> {
        let live = self.live.subscribe();
        let txn = self.db.begin_read().map_err(backend)?;
        let events = txn.open_table(EVENTS).map_err(backend)?;
        let meta = txn.open_table(META).map_err(backend)?;
        let revision = stored_revision(&meta)?;
        let mut backlog = VecDeque::new();
        let mut last_revision = revision;
        if since > 0 && since < revision {
            let oldest = events
                .first()
                .map_err(backend)?
                .map(|(k, _)| k.value())
                .unwrap_or(revision + 1);
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
        } else if since > revision {
            last_revision = since;
        }
        Ok(Watch {
            scope: scope.clone(),
            backlog,
            live,
            last_revision,
        })
    }
}

#[cfg(test)]
mod tests;
