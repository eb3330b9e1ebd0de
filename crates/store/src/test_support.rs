//! Helpers shared by the unit tests.

use serde_json::{Value, json};

use crate::model::{ListScope, ObjectKey};
use crate::redb_store::{RedbStore, StoreOptions};

/// A configmap key.
pub fn key(namespace: Option<&str>, name: &str) -> ObjectKey {
    ObjectKey {
        group: String::new(),
        resource: "configmaps".to_string(),
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
    }
}

/// The configmaps of one namespace, or of all.
pub fn scope(namespace: Option<&str>) -> ListScope {
    ListScope {
        group: String::new(),
        resource: "configmaps".to_string(),
        namespace: namespace.map(str::to_string),
    }
}

/// A configmap.
pub fn object(name: &str) -> Value {
    json!({"metadata": {"name": name}, "data": {"k": "v"}})
}

/// A fresh store in a temporary directory (kept alive by the returned guard).
pub fn open() -> (tempfile::TempDir, RedbStore) {
    open_with(StoreOptions::default())
}

/// A fresh store with `options`.
pub fn open_with(options: StoreOptions) -> (tempfile::TempDir, RedbStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open_with(&dir.path().join("store.redb"), options).unwrap();
    (dir, store)
}

/// The `metadata.resourceVersion` of `object` as a number.
pub fn revision_of(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}
