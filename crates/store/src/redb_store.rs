//! The embedded store: one redb file. One writer at a time bumps the revision; every
//! acknowledged write is committed durably (redb's default durability) before the call returns,
//! so a `kill -9` loses nothing that was acknowledged. The event log keeps the last events (each
//! with what it replaced) for watch resumption and for reading an older revision; older
//! revisions answer `Gone`, as etcd's compaction makes kube-apiserver answer 410. Live events
//! go to watchers through a broadcast channel.

use std::collections::VecDeque;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};

use redb::{
    Database, ReadableDatabase as _, ReadableTable as _, ReadableTableMetadata as _,
    TableDefinition,
};
use serde_json::Value;
use tokio::sync::broadcast;

use crate::continuation::Continue;
use crate::events::{decode_event, encode_event};
use crate::keys::{check_key, encode_key, in_scope, normalize, scope_range};
use crate::metadata::{resource_version, set_resource_version};
use crate::model::{
    EventType, ListOptions, ListScope, Listing, ObjectKey, ReadRevision, Step, StoreError,
    WatchEvent,
};
use crate::snapshot::Rollback;
use crate::store::Store;
use crate::watch::Watch;

/// Objects by encoded key (see `keys`), as JSON.
pub(crate) const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("objects");
/// The event log: revision → encoded event (see `events`).
pub(crate) const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// Counters: `revision`.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// The key of the global revision in [`META`].
const REVISION: &str = "revision";

/// How many events the log keeps by default (older revisions answer `Gone`).
pub const DEFAULT_EVENT_LOG_LENGTH: u64 = 10_000;
/// How many live events a slow watcher may fall behind by default before its watch ends.
pub const DEFAULT_WATCH_BUFFER: usize = 4096;
/// How many bytes of the database file redb keeps in memory by default. redb's own default (1 GiB)
/// lets the cache, and the allocator's fragmentation around it, grow with every page a stream of
/// writes touches; the objects of a kubeward cluster fit in far less, and pages beyond the cache are
/// read from the kernel's page cache.
pub const DEFAULT_CACHE_SIZE: usize = 16 * 1024 * 1024;

/// How to open a store; [`Default`] gives the defaults above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How many events the log keeps for watch resumption and older reads (at least 1).
    pub event_log_length: u64,
    /// How many live events a watcher may fall behind before [`Watch::next`] ends it (at
    /// least 1).
    pub watch_buffer: usize,
    /// Bytes of the database file kept in memory (redb's page cache).
    pub cache_size: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            event_log_length: DEFAULT_EVENT_LOG_LENGTH,
            watch_buffer: DEFAULT_WATCH_BUFFER,
            cache_size: DEFAULT_CACHE_SIZE,
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

/// The embedded store. `Send + Sync`: share it in an `Arc`.
pub struct RedbStore {
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

impl RedbStore {
    /// Opens (creating if needed) the database at `path` with the default options.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens (creating if needed) the database at `path` with `options`.
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Self, StoreError> {
        let db = Database::builder()
            .set_cache_size(options.cache_size)
            .create(path)
            .map_err(backend)?;
        Self::with_database(db, options)
    }

    /// A store that lives in memory only, for tests that need no disk.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::in_memory_with(StoreOptions::default())
    }

    /// [`RedbStore::in_memory`] with `options`.
    pub fn in_memory_with(options: StoreOptions) -> Result<Self, StoreError> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(backend)?;
        Self::with_database(db, options)
    }

    fn with_database(db: Database, options: StoreOptions) -> Result<Self, StoreError> {
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

    /// One write transaction: reads the object at `key`, applies `decide`, bumps the revision,
    /// records the event (with what it replaced), trims the log, commits durably, then tells the
    /// watchers. An error anywhere aborts the transaction: nothing is written.
    fn write(
        &self,
        key: &ObjectKey,
        decide: impl FnOnce(Option<Value>) -> Result<Change, StoreError>,
    ) -> Result<Value, StoreError> {
        let mut results = self.write_each(vec![(key, decide)])?;
        results.pop().unwrap_or(Err(StoreError::NotFound))
    }

    /// Several writes in one transaction and one durable commit: each key's `decide` is applied
    /// in turn, each write that it allows gets its own revision and event, and one that it refuses
    /// (or whose key is invalid) is reported in its slot without stopping the others. A database
    /// error aborts the transaction: nothing is written.
    fn write_each<D>(
        &self,
        writes: Vec<(&ObjectKey, D)>,
    ) -> Result<Vec<Result<Value, StoreError>>, StoreError>
    where
        D: FnOnce(Option<Value>) -> Result<Change, StoreError>,
    {
        // A panic while holding the lock leaves nothing half-done: the transaction aborts when
        // dropped, so a poisoned lock is safe to take.
        let _serialized = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let txn = self.db.begin_write().map_err(backend)?;
        let mut results = Vec::with_capacity(writes.len());
        let mut written = Vec::new();
        {
            let mut tables = Tables {
                objects: txn.open_table(OBJECTS).map_err(backend)?,
                events: txn.open_table(EVENTS).map_err(backend)?,
                meta: txn.open_table(META).map_err(backend)?,
            };
            for (key, decide) in writes {
                let outcome = match check_key(key) {
                    Ok(()) => self.write_one(&mut tables, key, decide)?,
                    Err(invalid) => Err(invalid),
                };
                results.push(outcome.map(|event| {
                    let object = event.object.clone();
                    written.push(event);
                    object
                }));
            }
        }
        txn.commit().map_err(backend)?;
        for event in written {
            // No receiver is not an error: nobody watches.
            let _ = self.live.send(Arc::new(event));
        }
        Ok(results)
    }

    /// One write inside an open transaction: the outer `Result` is a database error (abort), the
    /// inner one what `decide` refused.
    fn write_one(
        &self,
        tables: &mut Tables<'_>,
        key: &ObjectKey,
        decide: impl FnOnce(Option<Value>) -> Result<Change, StoreError>,
    ) -> Result<Result<WatchEvent, StoreError>, StoreError> {
        let key = normalize(key);
        let encoded_key = encode_key(&key);
        let current = tables
            .objects
            .get(encoded_key.as_str())
            .map_err(backend)?
            .map(|bytes| decode_object(bytes.value()))
            .transpose()?;
        let change = match decide(current.clone()) {
            Ok(change) => change,
            Err(refused) => return Ok(Err(refused)),
        };
        let revision = stored_revision(&tables.meta)? + 1;
        let (kind, mut object) = match change {
            Change::Put(kind, object) => (kind, object),
            Change::Delete(object) => (EventType::Deleted, object),
        };
        if let Err(invalid) = set_resource_version(&mut object, revision) {
            return Ok(Err(invalid));
        }
        if kind == EventType::Deleted {
            tables
                .objects
                .remove(encoded_key.as_str())
                .map_err(backend)?;
        } else {
            let bytes = serde_json::to_vec(&object).map_err(backend)?;
            tables
                .objects
                .insert(encoded_key.as_str(), bytes.as_slice())
                .map_err(backend)?;
        }
        let event = WatchEvent {
            kind,
            key,
            revision,
            object,
        };
        tables
            .events
            .insert(revision, encode_event(&event, current.as_ref())?.as_slice())
            .map_err(backend)?;
        while tables.events.len().map_err(backend)? > self.event_log_length {
            tables.events.pop_first().map_err(backend)?;
        }
        tables.meta.insert(REVISION, revision).map_err(backend)?;
        Ok(Ok(event))
    }
}

impl RedbStore {
    /// [`Store::transact`]: every step in one write transaction, aborted at the first refusal.
    fn transact_all(&self, steps: Vec<Step>) -> Result<Vec<Value>, StoreError> {
        let _serialized = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let txn = self.db.begin_write().map_err(backend)?;
        let mut results = Vec::with_capacity(steps.len());
        let mut written = Vec::new();
        let mut refused = None;
        {
            let mut tables = Tables {
                objects: txn.open_table(OBJECTS).map_err(backend)?,
                events: txn.open_table(EVENTS).map_err(backend)?,
                meta: txn.open_table(META).map_err(backend)?,
            };
            for step in steps {
                if let Err(invalid) = check_key(step.key()) {
                    refused = Some(invalid);
                    break;
                }
                let outcome = match step {
                    Step::Expect(key, revision) => {
                        let current = tables
                            .objects
                            .get(encode_key(&normalize(&key)).as_str())
                            .map_err(backend)?
                            .map(|bytes| decode_object(bytes.value()))
                            .transpose()?;
                        let at = current
                            .as_ref()
                            .map(|o| resource_version(o).parse::<u64>().unwrap_or(0));
                        if at == revision {
                            Ok(None)
                        } else {
                            Err(StoreError::Conflict)
                        }
                    }
                    Step::Create(key, object) => self
                        .write_one(&mut tables, &key, |current| create(current, object))?
                        .map(Some),
                    Step::Update(key, object) => self
                        .write_one(&mut tables, &key, |current| update(current, object))?
                        .map(Some),
                    Step::Delete(key, precondition) => self
                        .write_one(&mut tables, &key, |current| delete(current, precondition))?
                        .map(Some),
                };
                match outcome {
                    Ok(Some(event)) => {
                        results.push(event.object.clone());
                        written.push(event);
                    }
                    Ok(None) => results.push(Value::Null),
                    Err(error) => {
                        refused = Some(error);
                        break;
                    }
                }
            }
        }
        if let Some(error) = refused {
            txn.abort().map_err(backend)?;
            return Err(error);
        }
        txn.commit().map_err(backend)?;
        for event in written {
            // No receiver is not an error: nobody watches.
            let _ = self.live.send(Arc::new(event));
        }
        Ok(results)
    }
}

/// What a creation does to the object at its key.
fn create(current: Option<Value>, object: Value) -> Result<Change, StoreError> {
    match current {
        Some(_) => Err(StoreError::AlreadyExists),
        None => Ok(Change::Put(EventType::Added, object)),
    }
}

/// What an update does: a resourceVersion in `object` must be the stored one.
fn update(current: Option<Value>, object: Value) -> Result<Change, StoreError> {
    let current = current.ok_or(StoreError::NotFound)?;
    let wanted = resource_version(&object);
    if !wanted.is_empty() && wanted != resource_version(&current) {
        return Err(StoreError::Conflict);
    }
    Ok(Change::Put(EventType::Modified, object))
}

/// What a deletion does, with its precondition.
fn delete(current: Option<Value>, precondition: Option<u64>) -> Result<Change, StoreError> {
    let current = current.ok_or(StoreError::NotFound)?;
    if let Some(wanted) = precondition
        && resource_version(&current) != wanted.to_string()
    {
        return Err(StoreError::Conflict);
    }
    Ok(Change::Delete(current))
}

/// The tables a write transaction changes.
struct Tables<'txn> {
    objects: redb::Table<'txn, &'static str, &'static [u8]>,
    events: redb::Table<'txn, u64, &'static [u8]>,
    meta: redb::Table<'txn, &'static str, u64>,
}

/// The key range of one page: after the continue token's start (inclusive), within the scope.
fn page_range(scope: &ListScope, from: Option<&Continue>) -> (String, String) {
    let (start, end) = scope_range(scope);
    match from {
        Some(token) => (format!("{start}{}", token.start), end),
        None => (start, end),
    }
}

impl RedbStore {
    /// [`Store::watch`] of one scope, or of everything.
    fn watch_scope(&self, scope: Option<&ListScope>, since: u64) -> Result<Watch, StoreError> {
        // Subscribe before reading: every write committed after the read below is then in the
        // channel, and every one before it is in the read; the watch drops the overlap.
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
                let event = decode_event(rev.value(), bytes.value())?.event;
                if scope.is_none_or(|scope| in_scope(scope, &event.key)) {
                    backlog.push_back(event);
                }
            }
        }
        Ok(Watch::new(
            scope.cloned(),
            backlog,
            live,
            revision.max(since),
        ))
    }
}

impl Store for RedbStore {
    fn get(&self, key: &ObjectKey) -> Result<Option<Value>, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let objects = txn.open_table(OBJECTS).map_err(backend)?;
        let found = objects.get(encode_key(key).as_str()).map_err(backend)?;
        found.map(|bytes| decode_object(bytes.value())).transpose()
    }

    fn list(&self, scope: &ListScope, options: &ListOptions<'_>) -> Result<Listing, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let objects = txn.open_table(OBJECTS).map_err(backend)?;
        let events = txn.open_table(EVENTS).map_err(backend)?;
        let meta = txn.open_table(META).map_err(backend)?;
        let current = stored_revision(&meta)?;
        let wanted = match &options.continue_from {
            Some(token) => token
                .revision
                .map_or(ReadRevision::Latest, ReadRevision::Exact),
            None => options.revision,
        };
        let at = match wanted {
            ReadRevision::Latest => current,
            ReadRevision::Exact(requested) | ReadRevision::NotOlderThan(requested)
                if requested > current =>
            {
                return Err(StoreError::TooLargeRevision { requested, current });
            }
            ReadRevision::Exact(requested) => requested,
            ReadRevision::NotOlderThan(_) => current,
        };
        let (start, end) = page_range(scope, options.continue_from.as_ref());
        let prefix_len = scope_range(scope).0.len();
        let mut rollback = Rollback::default();
        if at < current {
            let oldest = events
                .first()
                .map_err(backend)?
                .map_or(current + 1, |(revision, _)| revision.value());
            if at + 1 < oldest {
                return Err(StoreError::Gone {
                    requested: at,
                    oldest,
                });
            }
            for entry in events.range(at + 1..=current).map_err(backend)?.rev() {
                let (revision, bytes) = entry.map_err(backend)?;
                let stored = decode_event(revision.value(), bytes.value())?;
                if !in_scope(scope, &stored.event.key) {
                    continue;
                }
                let key = encode_key(&stored.event.key);
                if key < start {
                    continue;
                }
                // An event of an earlier version does not say what it replaced: this revision
                // cannot be read back.
                let previous = stored.previous.ok_or(StoreError::Gone {
                    requested: at,
                    oldest: revision.value(),
                })?;
                rollback.undo(key, previous);
            }
        }
        let mut entries = Vec::new();
        if start < end {
            let range = objects
                .range::<&str>((
                    Bound::Included(start.as_str()),
                    Bound::Excluded(end.as_str()),
                ))
                .map_err(backend)?;
            entries.reserve(range.size_hint().0);
            for entry in range {
                let (key, bytes) = entry.map_err(backend)?;
                entries.push(Ok::<_, StoreError>((
                    key.value().to_string(),
                    decode_object(bytes.value())?,
                )));
            }
        }
        let mut merged = rollback.apply(entries.into_iter()).peekable();
        let limit = options.limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
        let mut items = Vec::new();
        let mut last_key = None;
        while items.len() < limit {
            let Some(entry) = merged.next() else { break };
            let (key, object) = entry?;
            if options.predicate.is_none_or(|selects| selects(&object)) {
                items.push(object);
                last_key = Some(key);
            }
        }
        let mut listing = Listing {
            items,
            revision: at,
            continue_from: None,
            remaining: None,
        };
        if merged.peek().is_some()
            && let Some(last_key) = last_key
        {
            listing.continue_from = Some(Continue {
                revision: Some(at),
                start: format!("{}\u{0}", &last_key[prefix_len..]),
            });
            if options.predicate.is_none() {
                listing.remaining = Some(merged.count() as u64);
            }
        }
        Ok(listing)
    }

    fn create(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError> {
        self.write(key, |current| create(current, object))
    }

    fn create_many(
        &self,
        items: Vec<(ObjectKey, Value)>,
    ) -> Result<Vec<Result<Value, StoreError>>, StoreError> {
        let (keys, objects): (Vec<ObjectKey>, Vec<Value>) = items.into_iter().unzip();
        let writes = keys
            .iter()
            .zip(objects)
            .map(|(key, object)| (key, move |current: Option<Value>| create(current, object)))
            .collect();
        self.write_each(writes)
    }

    fn update(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError> {
        self.write(key, |current| update(current, object))
    }

    fn delete(&self, key: &ObjectKey, precondition: Option<u64>) -> Result<Value, StoreError> {
        self.write(key, |current| delete(current, precondition))
    }

    fn transact(&self, steps: Vec<Step>) -> Result<Vec<Value>, StoreError> {
        self.transact_all(steps)
    }

    fn watch(&self, scope: &ListScope, since: u64) -> Result<Watch, StoreError> {
        self.watch_scope(Some(scope), since)
    }

    fn watch_all(&self, since: u64) -> Result<Watch, StoreError> {
        self.watch_scope(None, since)
    }

    fn revision(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(backend)?;
        let meta = txn.open_table(META).map_err(backend)?;
        stored_revision(&meta)
    }
}
