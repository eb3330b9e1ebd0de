use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::test_support::{key, object, open, revision_of, scope};

fn names(listing: &Listing) -> Vec<&str> {
    listing
        .items
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect()
}

#[test]
fn create_sets_the_resource_version_and_get_returns_it() {
    let (_dir, store) = open();
    assert_eq!(store.revision(), 0);
    let stored = store.create(&key(Some("a"), "x"), object("x")).unwrap();
    assert_eq!(stored["metadata"]["resourceVersion"], "1");
    assert_eq!(stored["data"]["k"], "v");
    assert_eq!(store.get(&key(Some("a"), "x")).unwrap(), Some(stored));
    assert_eq!(store.get(&key(Some("a"), "y")).unwrap(), None);
    assert_eq!(store.get(&key(Some("b"), "x")).unwrap(), None);
    assert_eq!(store.revision(), 1);
    assert_eq!(store.try_revision(), Ok(1));
    assert_eq!(
        store.create(&key(Some("a"), "x"), object("x")),
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(store.revision(), 1, "a refused write bumps nothing");
}

#[test]
fn create_replaces_a_resource_version_supplied_by_the_caller() {
    let (_dir, store) = open();
    let stored = store
        .create(
            &key(None, "x"),
            json!({"metadata": {"name": "x", "resourceVersion": "99"}}),
        )
        .unwrap();
    assert_eq!(stored["metadata"]["resourceVersion"], "1");
}

#[test]
fn list_is_scoped_and_sorted_by_namespace_then_name() {
    let (_dir, store) = open();
    for (ns, name) in [("b", "z"), ("a", "y"), ("b", "a"), ("ab", "q")] {
        store.create(&key(Some(ns), name), object(name)).unwrap();
    }
    let other_resource = ObjectKey {
        resource: "secrets".to_string(),
        ..key(Some("a"), "s")
    };
    store.create(&other_resource, object("s")).unwrap();
    let other_group = ObjectKey {
        group: "example.com".to_string(),
        ..key(Some("a"), "g")
    };
    store.create(&other_group, object("g")).unwrap();
    let all = store.list(&scope(None)).unwrap();
    assert_eq!(names(&all), ["y", "q", "a", "z"]);
    assert_eq!(all.revision, 6);
    assert_eq!(names(&store.list(&scope(Some("b"))).unwrap()), ["a", "z"]);
    assert_eq!(names(&store.list(&scope(Some("a"))).unwrap()), ["y"]);
    assert!(store.list(&scope(Some("c"))).unwrap().items.is_empty());
    let secrets = ListScope {
        resource: "secrets".to_string(),
        ..scope(None)
    };
    assert_eq!(names(&store.list(&secrets).unwrap()), ["s"]);
}

#[test]
fn cluster_scoped_objects_list_by_name() {
    let (_dir, store) = open();
    for name in ["c", "a", "b"] {
        store.create(&key(None, name), object(name)).unwrap();
    }
    let listing = store.list(&scope(None)).unwrap();
    assert_eq!(names(&listing), ["a", "b", "c"]);
    assert_eq!(listing.revision, 3);
    // An empty namespace is no namespace.
    assert!(store.get(&key(Some(""), "a")).unwrap().is_some());
    assert_eq!(
        names(&store.list(&scope(Some(""))).unwrap()),
        ["a", "b", "c"]
    );
}

#[test]
fn an_empty_store_lists_nothing_at_revision_zero() {
    let (_dir, store) = open();
    assert_eq!(
        store.list(&scope(None)).unwrap(),
        Listing {
            items: Vec::new(),
            revision: 0
        }
    );
}

#[test]
fn update_checks_the_resource_version() {
    let (_dir, store) = open();
    let stored = store.create(&key(None, "x"), object("x")).unwrap();
    let mut changed = stored.clone();
    changed["data"]["k"] = json!("w");
    let updated = store.update(&key(None, "x"), changed.clone()).unwrap();
    assert_eq!(updated["metadata"]["resourceVersion"], "2");
    assert_eq!(updated["data"]["k"], "w");
    assert_eq!(
        store.update(&key(None, "x"), changed),
        Err(StoreError::Conflict),
        "the resourceVersion 1 is stale"
    );
    assert_eq!(store.revision(), 2);
    let mut unconditional = object("x");
    unconditional["data"]["k"] = json!("u");
    assert_eq!(
        revision_of(&store.update(&key(None, "x"), unconditional).unwrap()),
        3
    );
    let empty = json!({"metadata": {"name": "x", "resourceVersion": ""}, "data": {"k": "e"}});
    let updated = store.update(&key(None, "x"), empty).unwrap();
    assert_eq!(
        revision_of(&updated),
        4,
        "an empty resourceVersion is unconditional"
    );
    assert_eq!(store.get(&key(None, "x")).unwrap(), Some(updated));
    assert_eq!(
        store.update(&key(None, "missing"), object("missing")),
        Err(StoreError::NotFound)
    );
}

#[test]
fn modify_returns_the_callers_error_and_writes_nothing() {
    #[derive(Debug, PartialEq)]
    enum Refused {
        Mine,
        Store(StoreError),
    }
    impl From<StoreError> for Refused {
        fn from(error: StoreError) -> Self {
            Self::Store(error)
        }
    }
    let (_dir, store) = open();
    let original = store.create(&key(None, "x"), object("x")).unwrap();
    let refused = store.modify(&key(None, "x"), |_| Err::<Value, _>(Refused::Mine));
    assert_eq!(refused, Err(Refused::Mine));
    assert_eq!(store.revision(), 1);
    assert_eq!(store.get(&key(None, "x")).unwrap(), Some(original));
    let missing = store.modify(&key(None, "y"), Ok::<Value, Refused>);
    assert_eq!(missing, Err(Refused::Store(StoreError::NotFound)));
    let changed = store
        .modify(&key(None, "x"), |mut o| {
            assert_eq!(
                o["metadata"]["resourceVersion"], "1",
                "gets the stored object"
            );
            o["data"]["k"] = json!("m");
            Ok::<_, Refused>(o)
        })
        .unwrap();
    assert_eq!(changed["data"]["k"], "m");
    assert_eq!(changed["metadata"]["resourceVersion"], "2");
    assert_eq!(store.get(&key(None, "x")).unwrap(), Some(changed));
}

#[test]
fn concurrent_modifies_lose_no_update() {
    let (_dir, store) = open();
    store
        .create(&key(None, "counter"), json!({"metadata": {}, "n": 0}))
        .unwrap();
    let store = Arc::new(store);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    store
                        .modify(&key(None, "counter"), |mut o| {
                            let n = o["n"].as_u64().unwrap();
                            o["n"] = json!(n + 1);
                            Ok::<_, StoreError>(o)
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let counter = store.get(&key(None, "counter")).unwrap().unwrap();
    assert_eq!(counter["n"], 40);
    assert_eq!(revision_of(&counter), 41);
}

#[test]
fn delete_returns_the_object_and_honours_the_precondition() {
    let (_dir, store) = open();
    store.create(&key(None, "x"), object("x")).unwrap();
    assert_eq!(
        store.delete(&key(None, "x"), Some(7)),
        Err(StoreError::Conflict)
    );
    assert!(store.get(&key(None, "x")).unwrap().is_some());
    let deleted = store.delete(&key(None, "x"), Some(1)).unwrap();
    assert_eq!(deleted["metadata"]["name"], "x");
    assert_eq!(deleted["data"]["k"], "v");
    assert_eq!(deleted["metadata"]["resourceVersion"], "2");
    assert_eq!(store.get(&key(None, "x")).unwrap(), None);
    assert!(store.list(&scope(None)).unwrap().items.is_empty());
    assert_eq!(
        store.delete(&key(None, "x"), None),
        Err(StoreError::NotFound)
    );
    assert_eq!(store.revision(), 2);
    // The name is free again.
    let again = store.create(&key(None, "x"), object("x")).unwrap();
    assert_eq!(revision_of(&again), 3);
}

#[test]
fn every_write_bumps_the_revision_by_one() {
    let (_dir, store) = open();
    let mut seen = vec![store.revision()];
    seen.push(revision_of(
        &store.create(&key(None, "a"), object("a")).unwrap(),
    ));
    seen.push(revision_of(
        &store.create(&key(Some("n"), "a"), object("a")).unwrap(),
    ));
    seen.push(revision_of(
        &store.update(&key(None, "a"), object("a")).unwrap(),
    ));
    seen.push(revision_of(
        &store.modify(&key(None, "a"), Ok::<_, StoreError>).unwrap(),
    ));
    seen.push(revision_of(&store.delete(&key(None, "a"), None).unwrap()));
    assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
    assert_eq!(store.revision(), 5);
}

#[test]
fn reopening_keeps_objects_the_revision_and_the_event_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    {
        let store = Store::open(&path).unwrap();
        store.create(&key(None, "x"), object("x")).unwrap();
        store.create(&key(None, "y"), object("y")).unwrap();
        store.delete(&key(None, "x"), None).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.revision(), 3);
    assert_eq!(store.get(&key(None, "x")).unwrap(), None);
    assert_eq!(
        revision_of(&store.get(&key(None, "y")).unwrap().unwrap()),
        2
    );
    let next = store.create(&key(None, "z"), object("z")).unwrap();
    assert_eq!(next["metadata"]["resourceVersion"], "4");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut watch = store.watch(&scope(None), 1).unwrap();
    let revisions: Vec<(EventType, u64)> = runtime.block_on(async {
        let mut out = Vec::new();
        for _ in 0..3 {
            let event = watch.next().await.unwrap();
            out.push((event.kind, event.revision));
        }
        out
    });
    assert_eq!(
        revisions,
        [
            (EventType::Added, 2),
            (EventType::Deleted, 3),
            (EventType::Added, 4)
        ]
    );
}

#[test]
fn concurrent_writers_get_unique_revisions() {
    let (_dir, store) = open();
    let store = Arc::new(store);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|i| {
                        revision_of(
                            &store
                                .create(&key(None, &format!("t{t}-{i}")), object("o"))
                                .unwrap(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut revisions: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    revisions.sort_unstable();
    assert_eq!(revisions, (1..=100).collect::<Vec<_>>());
    assert_eq!(store.revision(), 100);
    assert_eq!(store.list(&scope(None)).unwrap().items.len(), 100);
}

#[test]
fn invalid_keys_and_objects_are_refused_and_write_nothing() {
    let (_dir, store) = open();
    for bad in [key(Some("a\0b"), "x"), key(None, "x\0y"), key(None, "")] {
        assert!(matches!(
            store.create(&bad, object("x")),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store.update(&bad, object("x")),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store.delete(&bad, None),
            Err(StoreError::Invalid(_))
        ));
    }
    for bad in [json!("text"), json!([1, 2]), json!({"metadata": "m"})] {
        assert!(matches!(
            store.create(&key(None, "x"), bad),
            Err(StoreError::Invalid(_))
        ));
    }
    store.create(&key(None, "x"), object("x")).unwrap();
    assert!(matches!(
        store.update(&key(None, "x"), json!(null)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.modify(&key(None, "x"), |_| Ok::<_, StoreError>(json!(1))),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.revision(), 1);
    assert_eq!(
        revision_of(&store.get(&key(None, "x")).unwrap().unwrap()),
        1
    );
}

/// Writes `bytes` as the stored object at `key`, behind the store's back.
fn corrupt_object(path: &std::path::Path, key: &ObjectKey, bytes: &[u8]) {
    let db = Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut objects = txn.open_table(OBJECTS).unwrap();
        objects.insert(encode_key(key).as_str(), bytes).unwrap();
    }
    txn.commit().unwrap();
}

#[test]
fn a_corrupt_stored_object_is_a_backend_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    drop(Store::open(&path).unwrap());
    corrupt_object(&path, &key(None, "bad"), b"\xff not json");
    let store = Store::open(&path).unwrap();
    assert!(matches!(
        store.get(&key(None, "bad")),
        Err(StoreError::Backend(_))
    ));
    assert!(matches!(
        store.list(&scope(None)),
        Err(StoreError::Backend(_))
    ));
    assert!(matches!(
        store.update(&key(None, "bad"), object("bad")),
        Err(StoreError::Backend(_))
    ));
    assert!(matches!(
        store.delete(&key(None, "bad"), None),
        Err(StoreError::Backend(_))
    ));
    assert_eq!(store.revision(), 0);
    // The rest of the store still works.
    store.create(&key(None, "good"), object("good")).unwrap();
    assert!(store.get(&key(None, "good")).unwrap().is_some());
}

#[test]
fn a_corrupt_stored_event_is_a_backend_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    {
        let store = Store::open(&path).unwrap();
        store.create(&key(None, "a"), object("a")).unwrap();
        store.create(&key(None, "b"), object("b")).unwrap();
    }
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut events = txn.open_table(EVENTS).unwrap();
            events.insert(2, b"garbage".as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert!(matches!(
        store.watch(&scope(None), 1),
        Err(StoreError::Backend(_))
    ));
}

#[test]
fn store_and_watch_can_be_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Store>();
    send_sync::<Arc<Store>>();
    send::<Watch>();
    send_sync::<StoreError>();
}

#[test]
fn options_default_to_the_documented_constants() {
    assert_eq!(
        StoreOptions::default(),
        StoreOptions {
            event_log_length: DEFAULT_EVENT_LOG_LENGTH,
            watch_buffer: DEFAULT_WATCH_BUFFER
        }
    );
}
