//! The store interface ([`Store`]) and what every store offers on top of it ([`StoreExt`]).

use serde_json::Value;

use crate::metadata;
use crate::model::{ListOptions, ListScope, Listing, ObjectKey, Step, StoreError};
use crate::watch::Watch;

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
