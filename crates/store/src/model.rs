//! What the store interface speaks of: objects' keys and scopes, watch events, list options
//! and pages, transaction steps, and the errors, in kube-apiserver's terms.

use serde_json::Value;

use crate::continuation::Continue;

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
