use std::sync::Arc;
use std::time::Duration;

use crate::test_support::{key, object, open, open_with, revision_of, scope};
use crate::{EventType, ListScope, ObjectKey, RedbStore, Store, StoreError, StoreOptions};

/// The next event, failing the test instead of hanging when none comes.
async fn next(watch: &mut super::Watch) -> Option<crate::WatchEvent> {
    tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .expect("no event within 10 s")
}

/// Whether the watch has nothing to deliver right now.
async fn is_quiet(watch: &mut super::Watch) -> bool {
    tokio::time::timeout(Duration::from_millis(50), watch.next())
        .await
        .is_err()
}

#[tokio::test]
async fn watch_delivers_the_backlog_then_live_events_without_gap_or_duplicate() {
    let (_dir, store) = open();
    store.create(&key(Some("a"), "x"), object("x")).unwrap();
    store.create(&key(Some("b"), "y"), object("y")).unwrap();
    store.delete(&key(Some("a"), "x"), None).unwrap();
    let mut watch = store.watch(&scope(Some("a")), 1).unwrap();
    assert_eq!(watch.revision(), 2, "the backlog starts after 2");
    store.create(&key(Some("a"), "z"), object("z")).unwrap();
    let first = next(&mut watch).await.unwrap();
    assert_eq!((first.kind, first.revision), (EventType::Deleted, 3));
    assert_eq!(first.key, key(Some("a"), "x"));
    assert_eq!(first.object["metadata"]["resourceVersion"], "3");
    assert_eq!(first.object["data"]["k"], "v", "the last stored object");
    let second = next(&mut watch).await.unwrap();
    assert_eq!((second.kind, second.revision), (EventType::Added, 4));
    assert_eq!(second.key.name, "z");
    assert_eq!(watch.revision(), 4);
    assert!(is_quiet(&mut watch).await, "no duplicate of revision 4");
}

#[tokio::test]
async fn watch_from_now_sees_only_future_events() {
    let (_dir, store) = open();
    store.create(&key(None, "old"), object("old")).unwrap();
    let mut watch = store.watch(&scope(None), 0).unwrap();
    assert_eq!(watch.revision(), 1);
    assert!(is_quiet(&mut watch).await);
    store.update(&key(None, "old"), object("old")).unwrap();
    let event = next(&mut watch).await.unwrap();
    assert_eq!(
        (event.kind, event.key.name.as_str()),
        (EventType::Modified, "old")
    );
    assert_eq!(event.object["metadata"]["resourceVersion"], "2");
    assert_eq!(event.revision, 2);
}

#[tokio::test]
async fn watch_at_the_current_revision_has_no_backlog() {
    let (_dir, store) = open();
    store.create(&key(None, "a"), object("a")).unwrap();
    store.create(&key(None, "b"), object("b")).unwrap();
    let mut watch = store.watch(&scope(None), 2).unwrap();
    assert!(is_quiet(&mut watch).await);
    store.create(&key(None, "c"), object("c")).unwrap();
    assert_eq!(next(&mut watch).await.unwrap().revision, 3);
}

#[tokio::test]
async fn watch_from_a_future_revision_waits_for_it() {
    let (_dir, store) = open();
    store.create(&key(None, "a"), object("a")).unwrap();
    let mut watch = store.watch(&scope(None), 3).unwrap();
    store.create(&key(None, "b"), object("b")).unwrap();
    store.create(&key(None, "c"), object("c")).unwrap();
    store.create(&key(None, "d"), object("d")).unwrap();
    let event = next(&mut watch).await.unwrap();
    assert_eq!((event.revision, event.key.name.as_str()), (4, "d"));
}

#[tokio::test]
async fn live_events_are_filtered_to_the_scope() {
    let (_dir, store) = open();
    let mut namespaced = store.watch(&scope(Some("a")), 0).unwrap();
    let mut all = store.watch(&scope(None), 0).unwrap();
    let secrets = ListScope {
        resource: "secrets".to_string(),
        ..scope(None)
    };
    let mut other = store.watch(&secrets, 0).unwrap();
    store.create(&key(Some("b"), "x"), object("x")).unwrap();
    store.create(&key(Some("ab"), "x"), object("x")).unwrap();
    let secret = ObjectKey {
        resource: "secrets".to_string(),
        ..key(Some("a"), "s")
    };
    store.create(&secret, object("s")).unwrap();
    store.create(&key(Some("a"), "x"), object("x")).unwrap();
    let event = next(&mut namespaced).await.unwrap();
    assert_eq!((event.revision, event.key), (4, key(Some("a"), "x")));
    let revisions = [
        next(&mut all).await.unwrap().revision,
        next(&mut all).await.unwrap().revision,
        next(&mut all).await.unwrap().revision,
    ];
    assert_eq!(revisions, [1, 2, 4]);
    assert_eq!(next(&mut other).await.unwrap().key, secret);
    assert!(is_quiet(&mut namespaced).await);
    assert!(is_quiet(&mut other).await);
}

#[tokio::test]
async fn a_watch_started_among_concurrent_writes_has_no_gap_and_no_duplicate() {
    let (_dir, store) = open();
    let store = Arc::new(store);
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..20 {
                    store
                        .create(&key(Some("n"), &format!("t{t}-{i}")), object("o"))
                        .unwrap();
                }
            })
        })
        .collect();
    // Start watching while the writers run.
    while store.revision().unwrap() < 10 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let since = store.revision().unwrap() / 2;
    let mut watch = store.watch(&scope(None), since).unwrap();
    let mut revisions = Vec::new();
    while revisions.last() != Some(&80) {
        let event = next(&mut watch).await.unwrap();
        assert_eq!(event.revision, revision_of(&event.object));
        revisions.push(event.revision);
    }
    assert_eq!(revisions, (since + 1..=80).collect::<Vec<_>>());
    for writer in writers {
        writer.join().unwrap();
    }
}

#[test]
fn trimmed_revisions_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        event_log_length: 3,
        ..StoreOptions::default()
    };
    let store = RedbStore::open_with(&dir.path().join("s.redb"), options).unwrap();
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
    assert!(matches!(
        store.watch(&scope(None), 2),
        Err(StoreError::Gone {
            requested: 2,
            oldest: 4
        })
    ));
    assert!(store.watch(&scope(None), 3).is_ok());
    assert!(store.watch(&scope(None), 0).is_ok(), "now is never gone");
    assert!(store.watch(&scope(None), 6).is_ok());
}

#[tokio::test]
async fn the_oldest_resumable_revision_delivers_every_kept_event() {
    let (_dir, store) = open_with(StoreOptions {
        event_log_length: 3,
        ..StoreOptions::default()
    });
    for i in 0..6 {
        store
            .create(&key(None, &format!("o{i}")), object("o"))
            .unwrap();
    }
    let mut watch = store.watch(&scope(None), 3).unwrap();
    for revision in 4..=6 {
        assert_eq!(next(&mut watch).await.unwrap().revision, revision);
    }
    assert!(is_quiet(&mut watch).await);
}

#[tokio::test]
async fn a_lagging_watcher_ends_for_good() {
    let (_dir, store) = open_with(StoreOptions {
        watch_buffer: 2,
        ..StoreOptions::default()
    });
    let mut watch = store.watch(&scope(None), 0).unwrap();
    for i in 0..5 {
        store
            .create(&key(None, &format!("o{i}")), object("o"))
            .unwrap();
    }
    assert_eq!(next(&mut watch).await, None);
    store.create(&key(None, "later"), object("o")).unwrap();
    assert_eq!(
        next(&mut watch).await,
        None,
        "it does not resume after a gap"
    );
}

#[tokio::test]
async fn dropping_the_store_ends_its_watches() {
    let (_dir, store) = open();
    store.create(&key(None, "a"), object("a")).unwrap();
    let mut watch = store.watch(&scope(None), 0).unwrap();
    drop(store);
    assert_eq!(next(&mut watch).await, None);
}

#[tokio::test]
async fn watch_all_sees_every_resource_in_revision_order() {
    let store = RedbStore::in_memory().unwrap();
    store.create(&key(Some("a"), "x"), object("x")).unwrap();
    let mut watch = store.watch_all(1).unwrap();
    let secret = ObjectKey {
        resource: "secrets".to_string(),
        ..key(Some("b"), "s")
    };
    store.create(&secret, object("s")).unwrap();
    store.delete(&key(Some("a"), "x"), None).unwrap();
    let first = next(&mut watch).await.unwrap();
    assert_eq!(
        (first.key.resource.as_str(), first.revision),
        ("secrets", 2)
    );
    let second = next(&mut watch).await.unwrap();
    assert_eq!((second.kind, second.revision), (EventType::Deleted, 3));
    assert!(is_quiet(&mut watch).await);
}
