//! Durable object storage for kubeward's API server.
//!
//! Objects are JSON values (`serde_json::Value`) keyed by group, resource, namespace and name.
//! One writer bumps a global revision on every write; the revision is the objects'
//! `metadata.resourceVersion` (as a decimal string). Every acknowledged write is committed
//! durably (redb's default durability) before the call returns, so a `kill -9` loses nothing
//! that was acknowledged. Watchers get every event after a revision, from an event log kept in the
//! database (bounded; older revisions answer `Gone`, as etcd's compaction makes kube-apiserver
//! answer 410) and then live through a broadcast channel.
//!
//! Every method but [`Watch::next`] is synchronous and may wait for the disk (a write waits for
//! an fsync); async callers that care should use `tokio::task::spawn_blocking`.
#![forbid(unsafe_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use redb::{
    Database, ReadableDatabase as _, ReadableTable as _, ReadableTableMetadata as _,
    TableDefinition,
};
use serde_json::Value;
use tokio::sync::broadcast;

mod events;
mod keys;
mod metadata;
mod watch;

use events::encode_event;
use keys::{check_key, encode_key, normalize, scope_range};
use metadata::{resource_version, set_resource_version};
pub use watch::Watch;

/// Where one object lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// API group, `""` for the core group.
    pub group: String,
    /// Plural resource name, e.g. `pods`, `rolebindings`.
    pub resource: String,
    /// Namespace; `None` for cluster-scoped resources (`Some("")` is the same as `None`).
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
    /// Where (an empty namespace is reported as `None`).
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
    /// The key or the object cannot be stored: a key part containing a NUL character, an empty
    /// name, an object that is not a JSON object. Nothing was written.
    #[error("invalid object: {0}")]
    Invalid(String),
    /// The database failed (I/O, corruption); the message says how.
    #[error("storage error: {0}")]
    Backend(String),
}

/// Objects by encoded key (see `keys`), as JSON.
const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("objects");
/// The event log: revision → encoded event (see `events`).
const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// Counters: `revision`.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// The key of the global revision in [`META`].
const REVISION: &str = "revision";

/// How many events the log keeps by default (older revisions answer `Gone`).
pub const DEFAULT_EVENT_LOG_LENGTH: u64 = 10_000;
/// How many live events a slow watcher may fall behind by default before its watch ends.
pub const DEFAULT_WATCH_BUFFER: usize = 4096;

/// How to open a store; [`Default`] gives the defaults above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How many events the log keeps for watch resumption (at least 1).
    pub event_log_length: u64,
    /// How many live events a watcher may fall behind before [`Watch::next`] ends it (at
    /// least 1).
    pub watch_buffer: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            event_log_length: DEFAULT_EVENT_LOG_LENGTH,
            watch_buffer: DEFAULT_WATCH_BUFFER,
        }
    }
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn decode_object(bytes: &[u8]) -> Result<Value, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|error| StoreError::Backend(format!("stored object is not JSON: {error}")))
}

/// The revision recorded in the `meta` table (0 before the first write).
fn stored_revision(meta: &impl redb::ReadableTable<&'static str, u64>) -> Result<u64, StoreError> {
    Ok(meta
        .get(REVISION)
        .map_err(backend)?
        .map_or(0, |revision| revision.value()))
}

/// The store. `Send + Sync`: share it in an `Arc`.
pub struct Store {
    db: Database,
    /// Serializes writes so that live events go out in revision order.
    writes: Mutex<()>,
    live: broadcast::Sender<Arc<WatchEvent>>,
    event_log_length: u64,
}

/// What a write does to the object at a key, decided inside the write transaction.
enum Change {
    /// Store this object, reporting this event type.
    Put(EventType, Value),
    /// Remove the object, which was this.
    Delete(Value),
}

impl Store {
    /// Opens (creating if needed) the database at `path` with the default options.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens the database keeping at most `event_log_length` events for watch resumption.
    pub fn open_with_log_length(path: &Path, event_log_length: u64) -> Result<Self, StoreError> {
        Self::open_with(
            path,
            StoreOptions {
                event_log_length,
                ..StoreOptions::default()
            },
        )
    }

    /// Opens (creating if needed) the database at `path` with `options`.
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(backend)?;
        let txn = db.begin_write().map_err(backend)?;
        {
            txn.open_table(OBJECTS).map_err(backend)?;
            txn.open_table(EVENTS).map_err(backend)?;
            txn.open_table(META).map_err(backend)?;
        }
        txn.commit().map_err(backend)?;
        let (live, _) = broadcast::channel(options.watch_buffer.max(1));
        Ok(Self {
            db,
            writes: Mutex::new(()),
            live,
            event_log_length: options.event_log_length.max(1),
        })
    }

    /// The current revision (0 for an empty store, and when the database cannot be read; see
    /// [`Store::try_revision`]).
    pub fn revision(&self) -> u64 {
        self.try_revision().unwrap_or(0)
    }

    /// The current revision (0 for an empty store).
    pub fn try_revision(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let meta = txn.open_table(META).map_err(backend)?;
        stored_revision(&meta)
    }

    /// The object at `key`.
    pub fn get(&self, key: &ObjectKey) -> Result<Option<Value>, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let objects = txn.open_table(OBJECTS).map_err(backend)?;
        let found = objects.get(encode_key(key).as_str()).map_err(backend)?;
        found.map(|bytes| decode_object(bytes.value())).transpose()
    }

    /// The objects in `scope`, sorted by namespace then name, and the revision they were read
    /// at (one read transaction).
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
            items.push(decode_object(bytes.value())?);
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

    /// Reads, changes and writes one object atomically (in one write transaction, no other
    /// write in between): `change` gets the stored object and returns the new one, or an error
    /// of its own that is returned unchanged with nothing written. `change` runs while the
    /// store's writes wait: keep it short, and never write to the store from it (that deadlocks;
    /// reads are fine).
    pub fn modify<E: From<StoreError>>(
        &self,
        key: &ObjectKey,
        change: impl FnOnce(Value) -> Result<Value, E>,
    ) -> Result<Value, E> {
        self.write(key, |current| {
            let current = current.ok_or(StoreError::NotFound)?;
            Ok(Change::Put(EventType::Modified, change(current)?))
        })
    }

    /// Deletes the object at `key` and returns it as it was, with `metadata.resourceVersion` set
    /// to the deleting revision; with `precondition`, only if its revision is that one.
    pub fn delete(&self, key: &ObjectKey, precondition: Option<u64>) -> Result<Value, StoreError> {
        self.write(key, |current| {
            let current = current.ok_or(StoreError::NotFound)?;
            if let Some(wanted) = precondition
                && resource_version(&current) != wanted.to_string()
            {
                return Err(StoreError::Conflict);
            }
            Ok(Change::Delete(current))
        })
    }

    /// One write transaction: reads the object at `key`, applies `decide`, bumps the revision,
    /// records the event, trims the log, commits durably, then tells the watchers. An error
    /// anywhere aborts the transaction: nothing is written.
    fn write<E: From<StoreError>>(
        &self,
        key: &ObjectKey,
        decide: impl FnOnce(Option<Value>) -> Result<Change, E>,
    ) -> Result<Value, E> {
        check_key(key)?;
        let key = normalize(key);
        let encoded_key = encode_key(&key);
        // A panic while holding the lock (in a `modify` closure) leaves nothing half-done: the
        // transaction aborts when dropped, so a poisoned lock is safe to take.
        let _serialized = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let txn = self.db.begin_write().map_err(backend)?;
        let event = {
            let mut objects = txn.open_table(OBJECTS).map_err(backend)?;
            let mut events = txn.open_table(EVENTS).map_err(backend)?;
            let mut meta = txn.open_table(META).map_err(backend)?;
            let current = objects
                .get(encoded_key.as_str())
                .map_err(backend)?
                .map(|bytes| decode_object(bytes.value()))
                .transpose()?;
            let change = decide(current)?;
            let revision = stored_revision(&meta)? + 1;
            let (kind, mut object) = match change {
                Change::Put(kind, object) => (kind, object),
                Change::Delete(object) => (EventType::Deleted, object),
            };
            set_resource_version(&mut object, revision)?;
            if kind == EventType::Deleted {
                objects.remove(encoded_key.as_str()).map_err(backend)?;
            } else {
                let bytes = serde_json::to_vec(&object).map_err(backend)?;
                objects
                    .insert(encoded_key.as_str(), bytes.as_slice())
                    .map_err(backend)?;
            }
            let event = WatchEvent {
                kind,
                key,
                revision,
                object,
            };
            events
                .insert(revision, encode_event(&event)?.as_slice())
                .map_err(backend)?;
            while events.len().map_err(backend)? > self.event_log_length {
                events.pop_first().map_err(backend)?;
            }
            meta.insert(REVISION, revision).map_err(backend)?;
            event
        };
        txn.commit().map_err(backend)?;
        let object = event.object.clone();
        // No receiver is not an error: nobody watches.
        let _ = self.live.send(Arc::new(event));
        Ok(object)
    }
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
