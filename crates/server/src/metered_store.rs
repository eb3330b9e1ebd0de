//! The store, timed: every read and write observed in `etcd_request_duration_seconds`
//! (kube-apiserver's name for its storage's latency, whichever store is configured), labelled
//! with the operation and the objects' resource (`pods`, `deployments.apps`).

use std::sync::Arc;
use std::time::Instant;

use kubeward_store::{ListOptions, ListScope, Listing, ObjectKey, Step, Store, StoreError, Watch};
use serde_json::Value;

use crate::metrics::Metrics;

/// A store whose operations are timed.
pub struct Metered {
    inner: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

impl Metered {
    /// `inner`, timed into `metrics`.
    pub fn new(inner: Arc<dyn Store>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }

    fn timed<T>(
        &self,
        operation: &'static str,
        group: &str,
        resource: &str,
        run: impl FnOnce() -> T,
    ) -> T {
        let started = Instant::now();
        let result = run();
        let resource = if group.is_empty() {
            resource.to_string()
        } else {
            format!("{resource}.{group}")
        };
        self.metrics.storage(operation, resource, started.elapsed());
        result
    }
}

impl Store for Metered {
    fn get(&self, key: &ObjectKey) -> Result<Option<Value>, StoreError> {
        self.timed("get", &key.group, &key.resource, || self.inner.get(key))
    }

    fn list(&self, scope: &ListScope, options: &ListOptions<'_>) -> Result<Listing, StoreError> {
        self.timed("list", &scope.group, &scope.resource, || {
            self.inner.list(scope, options)
        })
    }

    fn create(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError> {
        self.timed("create", &key.group, &key.resource, || {
            self.inner.create(key, object)
        })
    }

    /// Not timed: a batch (the bootstrap's) is no request's latency.
    fn create_many(
        &self,
        items: Vec<(ObjectKey, Value)>,
    ) -> Result<Vec<Result<Value, StoreError>>, StoreError> {
        self.inner.create_many(items)
    }

    fn update(&self, key: &ObjectKey, object: Value) -> Result<Value, StoreError> {
        self.timed("update", &key.group, &key.resource, || {
            self.inner.update(key, object)
        })
    }

    fn transact(&self, steps: Vec<Step>) -> Result<Vec<Value>, StoreError> {
        let (group, resource) = steps
            .first()
            .map(|step| (step.key().group.clone(), step.key().resource.clone()))
            .unwrap_or_default();
        self.timed("transact", &group, &resource, || self.inner.transact(steps))
    }

    fn delete(&self, key: &ObjectKey, precondition: Option<u64>) -> Result<Value, StoreError> {
        self.timed("delete", &key.group, &key.resource, || {
            self.inner.delete(key, precondition)
        })
    }

    fn watch(&self, scope: &ListScope, since: u64) -> Result<Watch, StoreError> {
        self.inner.watch(scope, since)
    }

    fn watch_all(&self, since: u64) -> Result<Watch, StoreError> {
        self.inner.watch_all(since)
    }

    fn revision(&self) -> Result<u64, StoreError> {
        self.inner.revision()
    }
}
