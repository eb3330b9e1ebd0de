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

mod continuation;
#[cfg(feature = "etcd")]
mod etcd;
mod events;
mod keys;
mod metadata;
mod model;
mod redb_store;
mod snapshot;
mod store;
mod watch;

pub use continuation::{Continue, ContinueError};
#[cfg(feature = "etcd")]
pub use etcd::{
    DEFAULT_COMPACTION_INTERVAL, DEFAULT_PREFIX, DEFAULT_REQUEST_TIMEOUT, EtcdOptions, EtcdStore,
    EtcdTls, FRESHNESS_WAIT,
};
pub use model::{
    EventType, ListOptions, ListScope, Listing, ObjectKey, ReadRevision, Step, StoreError,
    WatchEvent,
};
pub use redb_store::{
    DEFAULT_CACHE_SIZE, DEFAULT_EVENT_LOG_LENGTH, DEFAULT_WATCH_BUFFER, RedbStore, StoreOptions,
};
pub use store::{Store, StoreExt};
pub use watch::Watch;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
