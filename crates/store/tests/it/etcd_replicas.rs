//! Several stores on one etcd, as replicas of kubeward are: what one writes, the others read and
//! watch; compare-and-swap is exact across them; prefixes keep installations apart.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kubeward_store::{EventType, Store, StoreError, StoreExt as _};
use kubeward_testkit::etcd::EtcdCluster;
use serde_json::json;

use crate::support::{connect, increment, key, names, next, object, scope};

/// Polls `check` until it holds (at most 10 s).
fn eventually(mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "not within 10 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_replica_is_read_and_watched_on_the_others() {
    let cluster = EtcdCluster::start(3);
    let a = connect(&cluster, "/registry");
    let b = connect(&cluster, "/registry");
    let mut watch = b.watch(&scope(Some("ns")), 0).unwrap();
    let created = a.create(&key(Some("ns"), "x"), object("x")).unwrap();
    let event = next(&mut watch).await.unwrap();
    assert_eq!((event.kind, &event.object), (EventType::Added, &created));
    eventually(|| b.get(&key(Some("ns"), "x")).unwrap().as_ref() == Some(&created));
    let deleted = b.delete(&key(Some("ns"), "x"), None).unwrap();
    assert_eq!(
        a.delete(&key(Some("ns"), "x"), None),
        Err(StoreError::NotFound)
    );
    assert_eq!(next(&mut watch).await.unwrap().object, deleted);
    // A replica started later lists everything at once.
    b.create(&key(Some("ns"), "y"), object("y")).unwrap();
    let late = connect(&cluster, "/registry");
    assert_eq!(names(&late.list_all(&scope(None)).unwrap().items), ["y"]);
}

#[test]
fn compare_and_swap_is_exact_across_replicas() {
    let cluster = EtcdCluster::start(3);
    let replicas: Vec<Arc<dyn Store>> = (0..2)
        .map(|_| Arc::new(connect(&cluster, "/registry")) as Arc<dyn Store>)
        .collect();
    let counter = key(None, "counter");
    replicas[0]
        .create(&counter, json!({"metadata": {"name": "counter"}, "n": 0}))
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = replicas[t % 2].clone();
            let counter = counter.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    increment(&*store, &counter);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    // Every increment landed exactly once. A get is served from the replica's watch cache
    // (read-your-own-writes), so the other replica's last increment arrives within the bound.
    for replica in &replicas {
        eventually(|| replica.get(&counter).unwrap().unwrap()["n"] == 40);
    }

    // Two replicas create one name at once: one wins, and the loser reads the winner's object
    // right after its refusal.
    let racers: Vec<_> = replicas
        .iter()
        .map(|store| {
            let store = store.clone();
            std::thread::spawn(move || store.create(&key(None, "race"), object("race")))
        })
        .collect();
    let outcomes: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    let winner = outcomes
        .iter()
        .find_map(|o| o.as_ref().ok())
        .unwrap()
        .clone();
    assert_eq!(
        outcomes.iter().filter(|o| o.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    let loser = outcomes
        .iter()
        .position(|o| o == &Err(StoreError::AlreadyExists))
        .unwrap();
    assert_eq!(
        replicas[loser].get(&key(None, "race")).unwrap(),
        Some(winner)
    );
    let stale = replicas[loser]
        .modify(&key(None, "race"), |mut o| {
            o["data"]["k"] = json!("loser");
            Ok::<_, StoreError>(o)
        })
        .unwrap();
    assert_eq!(stale["data"]["k"], "loser");
}

#[test]
fn prefixes_keep_installations_apart() {
    let cluster = EtcdCluster::start(3);
    let one = connect(&cluster, "/registry");
    let other = connect(&cluster, "/other");
    one.create(&key(None, "x"), object("x")).unwrap();
    other.create(&key(None, "y"), object("y")).unwrap();
    assert_eq!(names(&one.list_all(&scope(None)).unwrap().items), ["x"]);
    assert_eq!(names(&other.list_all(&scope(None)).unwrap().items), ["y"]);
    assert_eq!(other.get(&key(None, "x")).unwrap(), None);
}
