use serde_json::json;

use super::*;

fn key(namespace: Option<&str>, name: &str) -> ObjectKey {
    ObjectKey {
        group: String::new(),
        resource: "configmaps".to_string(),
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
    }
}

fn scope(namespace: Option<&str>) -> ListScope {
    ListScope {
        group: String::new(),
        resource: "configmaps".to_string(),
        namespace: namespace.map(str::to_string),
    }
}

fn object(name: &str) -> Value {
    json!({"metadata": {"name": name}, "data": {"k": "v"}})
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store.redb")).unwrap();
    (dir, store)
}

#[test]
fn create_sets_the_resource_version_and_get_returns_it() {
    let (_dir, store) = open();
    let stored = store.create(&key(Some("a"), "x"), object("x")).unwrap();
    assert_eq!(stored["metadata"]["resourceVersion"], "1");
    assert_eq!(store.get(&key(Some("a"), "x")).unwrap(), Some(stored));
    assert_eq!(store.get(&key(Some("a"), "y")).unwrap(), None);
    assert_eq!(store.revision(), 1);
    assert_eq!(
        store.create(&key(Some("a"), "x"), object("x")),
        Err(StoreError::AlreadyExists)
    );
}

#[test]
fn list_is_scoped_and_sorted_by_namespace_then_name() {
    let (_dir, store) = open();
    for (ns, name) in [("b", "z"), ("a", "y"), ("b", "a"), ("ab", "q")] {
        store.create(&key(Some(ns), name), object(name)).unwrap();
    }
    let other = ObjectKey {
        resource: "secrets".to_string(),
        ..key(Some("a"), "s")
    };
    store.create(&other, object("s")).unwrap();
    let names = |listing: Listing| -> Vec<String> {
        listing
            .items
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(store.list(&scope(None)).unwrap()),
        ["y", "q", "a", "z"]
    );
    assert_eq!(names(store.list(&scope(Some("b"))).unwrap()), ["a", "z"]);
    assert_eq!(names(store.list(&scope(Some("a"))).unwrap()), ["y"]);
    assert_eq!(store.list(&scope(None)).unwrap().revision, 5);
}

#[test]
fn update_checks_the_resource_version() {
    let (_dir, store) = open();
    let stored = store.create(&key(None, "x"), object("x")).unwrap();
    let mut changed = stored.clone();
    changed["data"]["k"] = json!("w");
    let updated = store.update(&key(None, "x"), changed.clone()).unwrap();
    assert_eq!(updated["metadata"]["resourceVersion"], "2");
    assert_eq!(
        store.update(&key(None, "x"), changed),
        Err(StoreError::Conflict),
        "the resourceVersion 1 is stale"
    );
    let mut unconditional = object("x");
    unconditional["data"]["k"] = json!("u");
    assert!(store.update(&key(None, "x"), unconditional).is_ok());
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
    store.create(&key(None, "x"), object("x")).unwrap();
    let refused = store.modify(&key(None, "x"), |_| Err::<Value, _>(Refused::Mine));
    assert_eq!(refused, Err(Refused::Mine));
    assert_eq!(store.revision(), 1);
    let missing = store.modify(&key(None, "y"), Ok::<Value, Refused>);
    assert_eq!(missing, Err(Refused::Store(StoreError::NotFound)));
    let changed = store
        .modify(&key(None, "x"), |mut o| {
            o["data"]["k"] = json!("m");
            Ok::<_, Refused>(o)
        })
        .unwrap();
    assert_eq!(changed["data"]["k"], "m");
    assert_eq!(changed["metadata"]["resourceVersion"], "2");
}

#[test]
fn delete_returns_the_object_and_honours_the_precondition() {
    let (_dir, store) = open();
    store.create(&key(None, "x"), object("x")).unwrap();
    assert_eq!(
        store.delete(&key(None, "x"), Some(7)),
        Err(StoreError::Conflict)
    );
    let deleted = store.delete(&key(None, "x"), Some(1)).unwrap();
    assert_eq!(deleted["metadata"]["name"], "x");
    assert_eq!(deleted["metadata"]["resourceVersion"], "2");
    assert_eq!(store.get(&key(None, "x")).unwrap(), None);
    assert_eq!(
        store.delete(&key(None, "x"), None),
        Err(StoreError::NotFound)
    );
}

#[test]
fn reopening_keeps_objects_and_the_revision() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    {
        let store = Store::open(&path).unwrap();
        store.create(&key(None, "x"), object("x")).unwrap();
        store.create(&key(None, "y"), object("y")).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.revision(), 2);
    assert!(store.get(&key(None, "y")).unwrap().is_some());
    let next = store.create(&key(None, "z"), object("z")).unwrap();
    assert_eq!(next["metadata"]["resourceVersion"], "3");
}

#[tokio::test]
async fn watch_delivers_the_backlog_then_live_events_without_gap_or_duplicate() {
    let (_dir, store) = open();
    store.create(&key(Some("a"), "x"), object("x")).unwrap();
    store.create(&key(Some("b"), "y"), object("y")).unwrap();
    store.delete(&key(Some("a"), "x"), None).unwrap();
    let mut watch = store.watch(&scope(Some("a")), 1).unwrap();
    store.create(&key(Some("a"), "z"), object("z")).unwrap();
    let first = watch.next().await.unwrap();
    assert_eq!((first.kind, first.revision), (EventType::Deleted, 3));
    let second = watch.next().await.unwrap();
    assert_eq!((second.kind, second.revision), (EventType::Added, 4));
    assert_eq!(second.key.name, "z");
}

#[tokio::test]
async fn watch_from_now_sees_only_future_events() {
    let (_dir, store) = open();
    store.create(&key(None, "old"), object("old")).unwrap();
    let mut watch = store.watch(&scope(None), 0).unwrap();
    store.create(&key(None, "new"), object("new")).unwrap();
    let event = watch.next().await.unwrap();
    assert_eq!(event.key.name, "new");
    assert_eq!(event.object["metadata"]["resourceVersion"], "2");
}

#[test]
fn trimmed_revisions_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with_log_length(&dir.path().join("s.redb"), 3).unwrap();
    for i in 0..6 {
        store
            .create(&key(None, &format!("o{i}")), object("o"))
            .unwrap();
    }
    assert!(matches!(
        store.watch(&scope(None), 1),
        Err(StoreError::Gone {
            requested: 1,
            oldest: 4
        })
    ));
    assert!(store.watch(&scope(None), 3).is_ok());
}

#[test]
fn concurrent_writers_get_unique_revisions() {
    let (_dir, store) = open();
    let store = std::sync::Arc::new(store);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|i| {
                        let stored = store
                            .create(&key(None, &format!("t{t}-{i}")), object("o"))
                            .unwrap();
                        stored["metadata"]["resourceVersion"]
                            .as_str()
                            .unwrap()
                            .parse::<u64>()
                            .unwrap()
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
}

#[test]
fn a_corrupt_value_is_a_backend_error_not_a_panic() {
    assert!(matches!(
        decode_event(1, b"not json"),
        Err(StoreError::Backend(_))
    ));
    assert_eq!(keys::decode_key("no-separators"), None);
}
