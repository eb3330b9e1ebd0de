//! The backends under test, behind one fixture: a fresh empty store and a way to compact its
//! history up to a revision.

use std::sync::Arc;
use std::time::Duration;

use kubeward_store::{
    EtcdOptions, EtcdStore, ListScope, ObjectKey, RedbStore, Store, StoreError, StoreOptions,
    Watch, WatchEvent,
};
use kubeward_testkit::etcd::EtcdCluster;
use serde_json::{Value, json};

/// How many events the redb fixture keeps: compaction is emulated by writing past them.
const REDB_LOG: u64 = 16;

/// A store under test, with what keeps it alive.
pub struct Fixture {
    /// The store.
    pub store: Arc<dyn Store>,
    compact: Box<dyn Fn(u64) + Send + Sync>,
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

impl Fixture {
    /// Discards history before `revision`: etcd's compaction, or for redb writes elsewhere until
    /// its event log has moved past it.
    pub fn compact(&self, revision: u64) {
        (self.compact)(revision);
    }
}

/// A fresh redb store in a temporary directory.
pub fn redb() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        event_log_length: REDB_LOG,
        ..StoreOptions::default()
    };
    let store = Arc::new(RedbStore::open_with(&dir.path().join("store.redb"), options).unwrap());
    let writer = store.clone();
    Fixture {
        store,
        compact: Box::new(move |revision| {
            let mut filler = 0;
            while writer.revision().unwrap() + 1 < revision + REDB_LOG {
                let key = ObjectKey {
                    group: "example.com".to_string(),
                    resource: "fillers".to_string(),
                    namespace: None,
                    name: format!("f{filler}"),
                };
                writer.create(&key, object("f")).unwrap();
                filler += 1;
            }
        }),
        _keep: Box::new(dir),
    }
}

/// A fresh etcd store on a new 3-member cluster.
pub fn etcd() -> Fixture {
    let cluster = EtcdCluster::start(3);
    let store = Arc::new(connect(&cluster, "/registry"));
    let compacting = store.clone();
    Fixture {
        store,
        compact: Box::new(move |revision| compacting.compact(revision).unwrap()),
        _keep: Box::new(cluster),
    }
}

/// A store on `cluster` under `prefix`, with no compactor of its own.
pub fn connect(cluster: &EtcdCluster, prefix: &str) -> EtcdStore {
    EtcdStore::connect(etcd_options(cluster, prefix)).unwrap()
}

/// The options of a store on `cluster`: no compactor, short deadlines.
pub fn etcd_options(cluster: &EtcdCluster, prefix: &str) -> EtcdOptions {
    EtcdOptions {
        prefix: prefix.to_string(),
        compaction_interval: Duration::ZERO,
        request_timeout: Duration::from_secs(5),
        ..EtcdOptions::new(cluster.endpoints())
    }
}

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

/// The `metadata.resourceVersion` of `object` as a number.
pub fn revision_of(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// The names of listed objects.
pub fn names(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect()
}

/// The next event, failing the test instead of hanging when none comes.
pub async fn next(watch: &mut Watch) -> Option<WatchEvent> {
    tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .expect("no event within 10 s")
}

/// Whether the watch has nothing to deliver right now.
pub async fn is_quiet(watch: &mut Watch) -> bool {
    tokio::time::timeout(Duration::from_millis(200), watch.next())
        .await
        .is_err()
}

/// Increments the counter object at `key` by one with [`StoreExt::modify`].
pub fn increment(store: &dyn Store, key: &ObjectKey) {
    use kubeward_store::StoreExt as _;
    store
        .modify(key, |mut o| {
            let n = o["n"].as_u64().unwrap();
            o["n"] = json!(n + 1);
            Ok::<_, StoreError>(o)
        })
        .unwrap();
}
