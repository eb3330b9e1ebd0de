//! Short-lived records of the browser flows and of brute-force detection — authorization codes,
//! logins in progress, a user's recent login failures — by realm and id. A provider alone on its
//! store keeps them in memory (as Keycloak keeps them in its caches); providers sharing a store
//! (etcd) keep them there, so that a code issued by one replica is redeemed on another exactly
//! once (every change is one compare-and-swap; a change another replica made in between is read
//! and decided again), a login started on one continues on another, and failures count across
//! replicas. A record's name in the store is the SHA-256 of its id: the store never holds a
//! usable code or login cookie.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kubeward_store::{ListScope, Store, StoreError, StoreExt as _};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{CHANGE_ATTEMPTS, DirectoryError, GROUP, at_revision, key, revision, unwrap, wrap};

/// Records of one kind.
pub struct Transient<T> {
    resource: &'static str,
    memory: Mutex<HashMap<(String, String), T>>,
    shared: Option<Arc<dyn Store>>,
}

/// The stored object of a record: its namespace is its realm.
fn object<T: Serialize>(
    realm: &str,
    name: &str,
    value: &T,
) -> Result<serde_json::Value, DirectoryError> {
    let mut object = wrap(name, value)?;
    object["metadata"]["namespace"] = serde_json::Value::from(realm);
    Ok(object)
}

fn name_of(id: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, id.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

impl<T: Clone + Serialize + DeserializeOwned> Transient<T> {
    /// Records kept under `resource` of the provider's API group in `shared`, or in memory.
    pub fn new(resource: &'static str, shared: Option<Arc<dyn Store>>) -> Self {
        Self {
            resource,
            memory: Mutex::new(HashMap::new()),
            shared,
        }
    }

    /// Whether the records are in a shared store.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), T>> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The record of `id` in `realm`.
    pub fn get(&self, realm: &str, id: &str) -> Result<Option<T>, DirectoryError> {
        let Some(store) = &self.shared else {
            return Ok(self.memory().get(&(realm.into(), id.into())).cloned());
        };
        store
            .get(&key(self.resource, Some(realm), &name_of(id)))?
            .map(|o| unwrap(self.resource, o))
            .transpose()
    }

    /// Stores a new record (its id is fresh and random).
    pub fn insert(&self, realm: &str, id: &str, value: T) -> Result<(), DirectoryError> {
        let Some(store) = &self.shared else {
            self.memory().insert((realm.into(), id.into()), value);
            return Ok(());
        };
        let name = name_of(id);
        store.create(
            &key(self.resource, Some(realm), &name),
            object(realm, &name, &value)?,
        )?;
        Ok(())
    }

    /// Changes the record of `id` atomically: `change` sees it (`None`: there is none) and may
    /// set, change or remove it; its result is returned. On a shared store, `change` runs
    /// again when another replica changed the record in between, so it must decide from what
    /// it is given alone.
    pub fn modify<R>(
        &self,
        realm: &str,
        id: &str,
        mut change: impl FnMut(&mut Option<T>) -> R,
    ) -> Result<R, DirectoryError> {
        let Some(store) = &self.shared else {
            let mut memory = self.memory();
            let k = (realm.to_string(), id.to_string());
            let mut value = memory.remove(&k);
            let result = change(&mut value);
            if let Some(value) = value {
                memory.insert(k, value);
            }
            return Ok(result);
        };
        let name = name_of(id);
        let k = key(self.resource, Some(realm), &name);
        for _ in 0..CHANGE_ATTEMPTS {
            let stored = store.get(&k)?;
            let at = stored.as_ref().map_or(0, revision);
            let before: Option<T> = stored.map(|o| unwrap(self.resource, o)).transpose()?;
            let before_json = serde_json::to_value(&before).ok();
            let mut value = before;
            let result = change(&mut value);
            if serde_json::to_value(&value).ok() == before_json {
                return Ok(result);
            }
            let written = match (&value, at) {
                (Some(v), 0) => store.create(&k, object(realm, &name, v)?).map(drop),
                (Some(v), at) => store
                    .update(&k, at_revision(object(realm, &name, v)?, at))
                    .map(drop),
                (None, at) => match store.delete(&k, Some(at)) {
                    Err(StoreError::NotFound) => Ok(()),
                    other => other.map(drop),
                },
            };
            match written {
                Ok(()) => return Ok(result),
                Err(StoreError::Conflict | StoreError::AlreadyExists | StoreError::NotFound) => {
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Removes the records of `realm` that `keep` refuses (of every realm with `None`).
    pub fn retain(
        &self,
        realm: Option<&str>,
        keep: impl Fn(&T) -> bool,
    ) -> Result<(), DirectoryError> {
        let Some(store) = &self.shared else {
            self.memory()
                .retain(|(r, _), v| realm.is_some_and(|name| name != r) || keep(v));
            return Ok(());
        };
        let scope = ListScope {
            group: GROUP.to_string(),
            resource: self.resource.to_string(),
            namespace: realm.map(str::to_string),
        };
        for object in store.list_all(&scope)?.items {
            let at = revision(&object);
            let namespace = object
                .pointer("/metadata/namespace")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string);
            let name = object
                .pointer("/metadata/name")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string();
            let Ok(value) = unwrap::<T>(self.resource, object) else {
                continue;
            };
            if !keep(&value) {
                let k = key(self.resource, namespace.as_deref(), &name);
                // Changed by another replica meanwhile: left for the next sweep.
                let _ = store.delete(&k, Some(at));
            }
        }
        Ok(())
    }
}
