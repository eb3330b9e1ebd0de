//! Durable object storage for kubeward's API server and identity provider.
//!
//! [`Store`] is the interface: objects are JSON values (`serde_json::Value`) keyed by group,
//! resource, namespace and name; one global revision goes up by one on every write and is the
//! objects' `metadata.resourceVersion` (a decimal string); lists come in pages with continue
//! tokens and read a consistent snapshot at one revision; watches resume from a revision and
//! answer [`StoreError::Gone`] once that revision has been compacted away (kube-apiserver's
//! `410 Gone`). [`RedbStore`] is the embedded implementation (the default of `kubeward up`);
//! `EtcdStore` (cargo feature `etcd`) keeps the objects in etcd v3 as kube-apiserver does, so
//! that several replicas share them.
//!
//! Calls are synchronous. `create`, `update`, `delete` (and [`StoreExt::modify`]) may wait for
//! the disk or the network: async callers run them on blocking threads. `get`, `list`,
//! `revision` and `watch` answer from memory-mapped or cached state and may be called inline
//! (the etcd store's reads at an older revision wait for etcd).
#![forbid(unsafe_code)]

use serde_json::Value;

mod continuation;
#[cfg(feature = "etcd")]
mod etcd;
mod events;
mod keys;
mod metadata;
mod redb_store;
mod snapshot;
mod watch;

pub use continuation::{Continue, ContinueError};
#[cfg(feature = "etcd")]
pub use etcd::{
    DEFAULT_COMPACTION_INTERVAL, DEFAULT_PREFIX, DEFAULT_REQUEST_TIMEOUT, EtcdOptions, EtcdStore,
    EtcdTls, FRESHNESS_WAIT,
};
pub use redb_store::{
    DEFAULT_CACHE_SIZE, DEFAULT_EVENT_LOG_LENGTH, DEFAULT_WATCH_BUFFER, RedbStore, StoreOptions,
};
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

/// Which revision a list reads (`resourceVersion` and `resourceVersionMatch` of a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadRevision {
    /// The newest state (`resourceVersion` unset: a consistent read).
    #[default]
    Latest,
    /// Exactly this revision (`resourceVersionMatch=Exact`); [`StoreError::Gone`] once it is
    /// compacted away.
    Exact(u64),
    /// This revision or a newer one (`resourceVersionMatch=NotOlderThan`, or a plain
    /// `resourceVersion`).
    NotOlderThan(u64),
}

/// How to list: one page of at most `limit` objects that `predicate` selects, from where a
/// continue token left off, at a revision.
#[derive(Default)]
pub struct ListOptions<'a> {
    /// The most objects in the page (`None`: all).
    pub limit: Option<usize>,
    /// Where the previous page ended; the page is read at that page's revision (and `revision`
    /// is ignored).
    pub continue_from: Option<Continue>,
    /// The revision to read at.
    pub revision: ReadRevision,
    /// Which objects belong in the page (`None`: all); objects left out do not count towards
    /// `limit`.
    pub predicate: Option<&'a (dyn Fn(&Value) -> bool + Sync)>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The objects, sorted by namespace then name.
    pub items: Vec<Value>,
    /// The revision the page was read at (the list's `resourceVersion`).
    pub revision: u64,
    /// Where the next page starts, when objects remain after this page.
    pub continue_from: Option<Continue>,
    /// How many objects remain after this page (only when the list has no predicate:
    /// `remainingItemCount`).
    pub remaining: Option<u64>,
}

/// One step of a [`Store::transact`]: a write, or a check that writes nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Creates the object ([`StoreError::AlreadyExists`] when the key is taken).
    Create(ObjectKey, Value),
    /// Replaces the object, as [`Store::update`] does: a non-empty `metadata.resourceVersion`
    /// must be the stored one.
    Update(ObjectKey, Value),
    /// Deletes the object, as [`Store::delete`] does, with its precondition.
    Delete(ObjectKey, Option<u64>),
    /// Writes nothing: the object at the key is at this revision (`None`: there is none),
    /// [`StoreError::Conflict`] otherwise.
    Expect(ObjectKey, Option<u64>),
}

impl Step {
    /// The key the step is about.
    pub fn key(&self) -> &ObjectKey {
        match self {
            Self::Create(key, _) | Self::Update(key, _) | Self::Delete(key, _) => key,
            Self::Expect(key, _) => key,
        }
    }
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
    /// The requested revision is older than the oldest one the store still knows (compacted).
    #[error("too old resource version: {requested} ({oldest})")]
    Gone {
        /// The revision asked for.
        requested: u64,
        /// The oldest revision still available.
        oldest: u64,
    },
    /// The requested revision is newer than the store's.
    #[error("Too large resource version: {requested}, current: {current}")]
    TooLargeRevision {
        /// The revision asked for.
        requested: u64,
        /// The store's revision.
        current: u64,
    },
    /// The key or the object cannot be stored: a key part containing a NUL character, an empty
    /// name, an object that is not a JSON object. Nothing was written.
    #[error("invalid object: {0}")]
    Invalid(String),
    /// The database failed (I/O, corruption); the message says how.
    #[error("storage error: {0}")]
    Backend(String),
}

/// Durable objects with one global revision, paged consistent lists and resumable watches.
/// `Send + Sync`: share it as `Arc<dyn Store>`.
pub trait Store: Send + Sync {
    /// The object at `key`, with its `metadata.resourceVersion`.
    fn get(&self, key: &ObjectKey) -> Result<Option<Value>, StoreError>;

    /// One page of the objects in `scope`, sorted by namespace then name, read at one revision.
    fn list(&self, scope: &ListScope, options: &ListOptions<'_>) -> Result<Listing, StoreError>;

    /// Stores a new object; sets its `metadata.resourceVersion` to the new revision and returns
    /// it as stored. [`StoreError::AlreadyExists`] when the key is taken.
    fn create(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError>;

    /// Creates each object as [`Store::create`] does, in one durable commit where the backend can
    /// (the embedded store; etcd creates them one by one): each gets its own revision and watch
    /// event, and a refused one ([`StoreError::AlreadyExists`], an invalid key) is reported in its
    /// slot without stopping the others. For writing many objects at once, as at bootstrap,
    /// without a disk flush per object. The outer error is the backend's: then nothing is known
    /// to be written.
    fn create_many(
        &self,
        items: Vec<(ObjectKey, Value)>,
    ) -> Result<Vec<Result<Value, StoreError>>, StoreError> {
        Ok(items
            .into_iter()
            .map(|(key, object)| self.create(&key, object))
            .collect())
    }

    /// Replaces the object at `key`. When `object` carries a non-empty
    /// `metadata.resourceVersion` it must equal the stored one ([`StoreError::Conflict`]
    /// otherwise), as kube-apiserver's optimistic concurrency requires.
    fn update(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError>;

    /// Deletes the object at `key` and returns it as it was, with `metadata.resourceVersion` set
    /// to the deleting revision; with `precondition`, only if its revision is that one.
    fn delete(&self, key: &ObjectKey, precondition: Option<u64>) -> Result<Value, StoreError>;

    /// Applies every step or none (one redb write transaction; one etcd transaction whose
    /// compares are the steps' conditions): when one is refused, nothing is written and its
    /// error ([`StoreError::AlreadyExists`], [`StoreError::NotFound`],
    /// [`StoreError::Conflict`], [`StoreError::Invalid`]) is returned. What several replicas
    /// need for a change of several objects (an object and the index entry of one of its
    /// fields). Each step's result is in its slot: the object written, the object deleted (at
    /// the deleting revision) or `null` for [`Step::Expect`]. A key may appear in one step only.
    ///
    /// The written objects' revisions increase in step order (etcd gives them one revision,
    /// the embedded store one each); watchers see one event per write. The default writes a
    /// single step with the methods above and refuses several ([`StoreError::Backend`]): it
    /// cannot make them atomic.
    fn transact(&self, steps: Vec<Step>) -> Result<Vec<Value>, StoreError> {
        if steps.len() > 1 {
            return Err(StoreError::Backend(
                "this store cannot write several objects in one transaction".to_string(),
            ));
        }
        steps
            .into_iter()
            .map(|step| match step {
                Step::Create(key, object) => self.create(&key, object),
                Step::Update(key, object) => self.update(&key, object),
                Step::Delete(key, precondition) => self.delete(&key, precondition),
                Step::Expect(key, revision) => {
                    let stored = self.get(&key)?;
                    let at = stored
                        .as_ref()
                        .map(|o| metadata::resource_version(o).parse::<u64>().unwrap_or(0));
                    if at == revision {
                        Ok(Value::Null)
                    } else {
                        Err(StoreError::Conflict)
                    }
                }
            })
            .collect()
    }

    /// Watches `scope` for events after revision `since`.
    ///
    /// - `since == 0`: only events written after this call.
    /// - `0 < since <= revision`: the stored events after `since`, then live ones;
    ///   [`StoreError::Gone`] when events after `since` have been compacted away (the client
    ///   must re-list).
    /// - `since > revision`: events after `since` only, as they happen.
    fn watch(&self, scope: &ListScope, since: u64) -> Result<Watch, StoreError>;

    /// Watches every object of every resource for events after revision `since`, as
    /// [`Store::watch`] does for one scope: what keeps in-memory state (the RBAC index) and the
    /// controllers in step with the store.
    fn watch_all(&self, since: u64) -> Result<Watch, StoreError>;

    /// The current revision (0 for an empty store).
    fn revision(&self) -> Result<u64, StoreError>;
}

/// How many times [`StoreExt::modify`] reads again after a concurrent write before it gives up
/// with [`StoreError::Conflict`].
const MODIFY_ATTEMPTS: usize = 64;

/// What every [`Store`] offers on top of its methods.
pub trait StoreExt: Store {
    /// Every object in `scope` at the newest revision (one page, no predicate).
    fn list_all(&self, scope: &ListScope) -> Result<Listing, StoreError> {
        self.list(scope, &ListOptions::default())
    }

    /// Reads, changes and writes one object with optimistic concurrency (kube-apiserver's
    /// `GuaranteedUpdate`): `change` gets the stored object and returns the new one, or an error
    /// of its own that is returned unchanged with nothing written. When another write came in
    /// between, the object is read again and `change` runs again, so it must not have effects
    /// of its own.
    fn modify<E: From<StoreError>>(
        &self,
        key: &ObjectKey,
        mut change: impl FnMut(Value) -> Result<Value, E>,
    ) -> Result<Value, E> {
        for _ in 0..MODIFY_ATTEMPTS {
            let current = self.get(key)?.ok_or(StoreError::NotFound)?;
            let revision = metadata::resource_version(&current).parse::<u64>().ok();
            let mut next = change(current.clone())?;
            if let Some(revision) = revision {
                // Written only if nothing changed the object since it was read.
                metadata::set_resource_version(&mut next, revision)?;
            }
            if next == current {
                // Nothing to write: the object keeps its resourceVersion and no watcher hears of
                // it, as kube-apiserver skips a write whose bytes equal the stored ones.
                return Ok(current);
            }
            match self.update(key, next) {
                Err(StoreError::Conflict) => continue,
                other => return other.map_err(E::from),
            }
        }
        Err(StoreError::Conflict.into())
    }
}

impl<S: Store + ?Sized> StoreExt for S {}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
