use std::sync::Arc;

use serde_json::json;

use redb::Database;
use serde_json::Value;

use super::*;
use crate::keys::encode_key;
use crate::redb_store::{EVENTS, OBJECTS};
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
    assert_eq!(store.revision().unwrap(), 0);
    let stored = store.create(&key(Some("a"), "x"), object("x")).unwrap();
    assert_eq!(stored["metadata"]["resourceVersion"], "1");
    assert_eq!(stored["data"]["k"], "v");
    assert_eq!(store.get(&key(Some("a"), "x")).unwrap(), Some(stored));
    assert_eq!(store.get(&key(Some("a"), "y")).unwrap(), None);
    assert_eq!(store.get(&key(Some("b"), "x")).unwrap(), None);
    assert_eq!(store.revision().unwrap(), 1);
    assert_eq!(store.revision(), Ok(1));
    assert_eq!(
        store.create(&key(Some("a"), "x"), object("x")),
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(
        store.revision().unwrap(),
        1,
        "a refused write bumps nothing"
    );
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
    let all = store.list_all(&scope(None)).unwrap();
    assert_eq!(names(&all), ["y", "q", "a", "z"]);
    assert_eq!(all.revision, 6);
    assert_eq!(
        names(&store.list_all(&scope(Some("b"))).unwrap()),
        ["a", "z"]
    );
    assert_eq!(names(&store.list_all(&scope(Some("a"))).unwrap()), ["y"]);
    assert!(store.list_all(&scope(Some("c"))).unwrap().items.is_empty());
    let secrets = ListScope {
        resource: "secrets".to_string(),
        ..scope(None)
    };
    assert_eq!(names(&store.list_all(&secrets).unwrap()), ["s"]);
}

#[test]
fn cluster_scoped_objects_list_by_name() {
    let (_dir, store) = open();
    for name in ["c", "a", "b"] {
        store.create(&key(None, name), object(name)).unwrap();
    }
    let listing = store.list_all(&scope(None)).unwrap();
    assert_eq!(names(&listing), ["a", "b", "c"]);
    assert_eq!(listing.revision, 3);
    // An empty namespace is no namespace.
    assert!(store.get(&key(Some(""), "a")).unwrap().is_some());
    assert_eq!(
        names(&store.list_all(&scope(Some(""))).unwrap()),
        ["a", "b", "c"]
    );
}

#[test]
fn an_empty_store_lists_nothing_at_revision_zero() {
    let (_dir, store) = open();
    assert_eq!(
        store.list_all(&scope(None)).unwrap(),
        Listing {
            items: Vec::new(),
            revision: 0,
            continue_from: None,
            remaining: None,
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
    assert_eq!(store.revision().unwrap(), 2);
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
    assert_eq!(store.revision().unwrap(), 1);
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
    assert!(store.list_all(&scope(None)).unwrap().items.is_empty());
    assert_eq!(
        store.delete(&key(None, "x"), None),
        Err(StoreError::NotFound)
    );
    assert_eq!(store.revision().unwrap(), 2);
    // The name is free again.
    let again = store.create(&key(None, "x"), object("x")).unwrap();
    assert_eq!(revision_of(&again), 3);
}

#[test]
fn every_write_bumps_the_revision_by_one() {
    let (_dir, store) = open();
    let mut seen = vec![store.revision().unwrap()];
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
        &store
            .modify(&key(None, "a"), |mut o| {
                o["data"] = json!({"k": "changed"});
                Ok::<_, StoreError>(o)
            })
            .unwrap(),
    ));
    seen.push(revision_of(&store.delete(&key(None, "a"), None).unwrap()));
    assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
    assert_eq!(store.revision().unwrap(), 5);
}

#[test]
fn create_many_gives_each_object_its_revision_and_event_and_refuses_only_taken_keys() {
    let (_dir, store) = open();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut live = store.watch(&scope(None), 0).unwrap();
    store.create(&key(None, "b"), object("b")).unwrap();
    let results = store
        .create_many(vec![
            (key(None, "a"), object("a")),
            (key(None, "b"), object("b")),
            (key(None, ""), object("")),
            (key(None, "c"), object("c")),
        ])
        .unwrap();
    let outcome: Vec<Result<u64, String>> = results
        .iter()
        .map(|r| r.as_ref().map(revision_of).map_err(ToString::to_string))
        .collect();
    assert_eq!(outcome[0], Ok(2));
    assert_eq!(outcome[1], Err(StoreError::AlreadyExists.to_string()));
    assert!(outcome[2].is_err(), "an empty name is refused: {outcome:?}");
    assert_eq!(outcome[3], Ok(3));
    assert_eq!(store.revision().unwrap(), 3);
    let seen: Vec<(EventType, u64, String)> = runtime.block_on(async {
        let mut out = Vec::new();
        for _ in 0..3 {
            let event = live.next().await.unwrap();
            out.push((event.kind, event.revision, event.key.name.clone()));
        }
        out
    });
    assert_eq!(
        seen,
        [
            (EventType::Added, 1, "b".to_string()),
            (EventType::Added, 2, "a".to_string()),
            (EventType::Added, 3, "c".to_string()),
        ]
    );
    let resumed = store.watch(&scope(None), 1).unwrap();
    let replayed: Vec<u64> = runtime.block_on(async {
        let mut resumed = resumed;
        let mut out = Vec::new();
        for _ in 0..2 {
            out.push(resumed.next().await.unwrap().revision);
        }
        out
    });
    assert_eq!(replayed, [2, 3]);
}

#[test]
fn a_modify_that_changes_nothing_writes_nothing() {
    let (_dir, store) = open();
    let created = store.create(&key(None, "a"), object("a")).unwrap();
    let unchanged = store.modify(&key(None, "a"), Ok::<_, StoreError>).unwrap();
    assert_eq!(unchanged, created);
    assert_eq!(store.revision().unwrap(), revision_of(&created));
}

#[test]
fn reopening_keeps_objects_the_revision_and_the_event_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    {
        let store = RedbStore::open(&path).unwrap();
        store.create(&key(None, "x"), object("x")).unwrap();
        store.create(&key(None, "y"), object("y")).unwrap();
        store.delete(&key(None, "x"), None).unwrap();
    }
    let store = RedbStore::open(&path).unwrap();
    assert_eq!(store.revision().unwrap(), 3);
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
    assert_eq!(store.revision().unwrap(), 100);
    assert_eq!(store.list_all(&scope(None)).unwrap().items.len(), 100);
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
    assert_eq!(store.revision().unwrap(), 1);
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
    drop(RedbStore::open(&path).unwrap());
    corrupt_object(&path, &key(None, "bad"), b"\xff not json");
    let store = RedbStore::open(&path).unwrap();
    assert!(matches!(
        store.get(&key(None, "bad")),
        Err(StoreError::Backend(_))
    ));
    assert!(matches!(
        store.list_all(&scope(None)),
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
    assert_eq!(store.revision().unwrap(), 0);
    // The rest of the store still works.
    store.create(&key(None, "good"), object("good")).unwrap();
    assert!(store.get(&key(None, "good")).unwrap().is_some());
}

#[test]
fn a_corrupt_stored_event_is_a_backend_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    {
        let store = RedbStore::open(&path).unwrap();
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
    let store = RedbStore::open(&path).unwrap();
    assert!(matches!(
        store.watch(&scope(None), 1),
        Err(StoreError::Backend(_))
    ));
}

#[test]
fn store_and_watch_can_be_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<RedbStore>();
    send_sync::<Arc<dyn Store>>();

    send::<Watch>();
    send_sync::<StoreError>();
}

#[test]
fn options_default_to_the_documented_constants() {
    assert_eq!(
        StoreOptions::default(),
        StoreOptions {
            event_log_length: DEFAULT_EVENT_LOG_LENGTH,
            watch_buffer: DEFAULT_WATCH_BUFFER,
            cache_size: DEFAULT_CACHE_SIZE,
        }
    );
}

fn page(store: &RedbStore, limit: usize, from: Option<Continue>) -> Listing {
    store
        .list(
            &scope(None),
            &ListOptions {
                limit: Some(limit),
                continue_from: from,
                ..ListOptions::default()
            },
        )
        .unwrap()
}

#[test]
fn lists_come_in_pages_with_continue_tokens() {
    let (_dir, store) = open();
    for name in ["a", "b", "c", "d", "e"] {
        store.create(&key(Some("ns"), name), object(name)).unwrap();
    }
    let first = page(&store, 2, None);
    assert_eq!(names(&first), ["a", "b"]);
    assert_eq!(first.remaining, Some(3));
    let token = first.continue_from.clone().unwrap();
    assert_eq!(token.revision, Some(5));
    let second = page(&store, 2, Some(token));
    assert_eq!(names(&second), ["c", "d"]);
    assert_eq!(second.remaining, Some(1));
    let last = page(&store, 2, second.continue_from);
    assert_eq!(names(&last), ["e"]);
    assert_eq!((last.continue_from, last.remaining), (None, None));
    let exact = page(&store, 5, None);
    assert_eq!(names(&exact).len(), 5);
    assert_eq!(
        exact.continue_from, None,
        "nothing remains after a full page"
    );
}

#[test]
fn later_pages_read_the_first_pages_revision() {
    let (_dir, store) = open();
    for name in ["a", "b", "c", "d"] {
        store.create(&key(Some("ns"), name), object(name)).unwrap();
    }
    let first = page(&store, 2, None);
    store.delete(&key(Some("ns"), "c"), None).unwrap();
    store.create(&key(Some("ns"), "bb"), object("bb")).unwrap();
    store
        .modify(&key(Some("ns"), "d"), |mut o| {
            o["data"]["k"] = json!("changed");
            Ok::<_, StoreError>(o)
        })
        .unwrap();
    let second = page(&store, 10, first.continue_from.clone());
    assert_eq!(names(&second), ["c", "d"], "as at revision 4");
    assert_eq!(second.items[1]["data"]["k"], "v");
    assert_eq!(second.items[1]["metadata"]["resourceVersion"], "4");
    assert_eq!(second.revision, 4);
    let now = store.list_all(&scope(None)).unwrap();
    assert_eq!(names(&now), ["a", "b", "bb", "d"]);
}

#[test]
fn an_exact_revision_reads_back_until_compacted() {
    let options = StoreOptions {
        event_log_length: 3,
        ..StoreOptions::default()
    };
    let (_dir, store) = crate::test_support::open_with(options);
    store.create(&key(None, "a"), object("a")).unwrap();
    store.create(&key(None, "b"), object("b")).unwrap();
    store.delete(&key(None, "a"), None).unwrap();
    let at = |revision| {
        store.list(
            &scope(None),
            &ListOptions {
                revision: ReadRevision::Exact(revision),
                ..ListOptions::default()
            },
        )
    };
    assert_eq!(names(&at(2).unwrap()), ["a", "b"]);
    assert_eq!(names(&at(1).unwrap()), ["a"]);
    assert_eq!(
        at(9),
        Err(StoreError::TooLargeRevision {
            requested: 9,
            current: 3
        })
    );
    store.create(&key(None, "c"), object("c")).unwrap();
    assert_eq!(names(&at(1).unwrap()), ["a"], "events 2, 3, 4 are kept");
    store.create(&key(None, "d"), object("d")).unwrap();
    assert_eq!(
        at(1),
        Err(StoreError::Gone {
            requested: 1,
            oldest: 3
        })
    );
    assert_eq!(names(&at(2).unwrap()), ["a", "b"]);
}

#[test]
fn a_predicate_fills_the_page_with_selected_objects() {
    let (_dir, store) = open();
    for name in ["a", "b", "c", "d", "e", "f"] {
        store.create(&key(None, name), object(name)).unwrap();
    }
    let vowel = |o: &Value| matches!(o["metadata"]["name"].as_str(), Some("a" | "e"));
    let listing = store
        .list(
            &scope(None),
            &ListOptions {
                limit: Some(1),
                predicate: Some(&vowel),
                ..ListOptions::default()
            },
        )
        .unwrap();
    assert_eq!(names(&listing), ["a"]);
    assert_eq!(listing.remaining, None, "not counted under a predicate");
    let rest = store
        .list(
            &scope(None),
            &ListOptions {
                limit: Some(5),
                predicate: Some(&vowel),
                continue_from: listing.continue_from,
                ..ListOptions::default()
            },
        )
        .unwrap();
    assert_eq!(names(&rest), ["e"]);
}

#[test]
fn a_continue_token_cannot_reach_outside_its_scope() {
    let (_dir, store) = open();
    store.create(&key(Some("a"), "x"), object("x")).unwrap();
    store.create(&key(Some("b"), "y"), object("y")).unwrap();
    // A start key that would lead past namespace `a` is read under `a`'s prefix.
    let outside = Continue {
        revision: Some(2),
        start: "\u{1}b\u{0}y".to_string(),
    };
    let listing = store
        .list(
            &scope(Some("a")),
            &ListOptions {
                continue_from: Some(outside),
                ..ListOptions::default()
            },
        )
        .unwrap();
    assert_eq!(names(&listing), ["x"], "only namespace a's objects");
    let from_start = Continue {
        revision: Some(2),
        start: "\u{0}".to_string(),
    };
    let listing = store
        .list(
            &scope(Some("a")),
            &ListOptions {
                continue_from: Some(from_start),
                ..ListOptions::default()
            },
        )
        .unwrap();
    assert_eq!(names(&listing), ["x"]);
}
