//! What every [`Store`] does, checked on both backends: each case runs once on a fresh redb file
//! and once on a fresh 3-member etcd cluster.

use std::sync::Arc;

use kubeward_store::{
    Continue, EventType, ListOptions, ListScope, ObjectKey, ReadRevision, Step, Store, StoreError,
    StoreExt as _,
};
use serde_json::{Value, json};

use crate::support::{Fixture, increment, is_quiet, key, names, next, object, revision_of, scope};

/// One `#[tokio::test]` per backend for each case (a multi-threaded runtime: the cases call the
/// synchronous store from async code, as the API server does).
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redb() {
                super::$case(crate::support::redb()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn etcd() {
                super::$case(crate::support::etcd()).await;
            }
        }
    )*};
}

conformance!(
    create_get_update_delete,
    updates_and_deletes_honour_preconditions,
    concurrent_modifies_lose_no_update,
    concurrent_creates_get_distinct_increasing_revisions,
    lists_are_scoped_and_sorted,
    pages_continue_at_the_first_pages_revision,
    exact_and_not_older_than_reads,
    watches_resume_from_a_revision,
    compacted_revisions_are_gone,
    watch_all_delivers_every_resource_in_revision_order,
    invalid_keys_and_objects_write_nothing,
    transactions_write_every_step_or_none,
    a_transactions_writes_are_all_watched,
);

async fn create_get_update_delete(fixture: Fixture) {
    let store = &*fixture.store;
    let created = store.create(&key(Some("a"), "x"), object("x")).unwrap();
    let first = revision_of(&created);
    assert!(first > 0);
    assert_eq!(created["data"]["k"], "v");
    assert_eq!(store.revision().unwrap(), first);
    assert_eq!(
        store.get(&key(Some("a"), "x")).unwrap(),
        Some(created.clone())
    );
    assert_eq!(store.get(&key(Some("b"), "x")).unwrap(), None);
    assert_eq!(
        store.create(&key(Some("a"), "x"), object("x")),
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(
        store.revision().unwrap(),
        first,
        "a refused write bumps nothing"
    );

    let mut changed = created.clone();
    changed["data"]["k"] = json!("w");
    let updated = store.update(&key(Some("a"), "x"), changed).unwrap();
    assert!(revision_of(&updated) > first);
    assert_eq!(
        store.get(&key(Some("a"), "x")).unwrap(),
        Some(updated.clone())
    );

    let deleted = store.delete(&key(Some("a"), "x"), None).unwrap();
    assert_eq!(deleted["data"]["k"], "w", "the last stored object");
    assert!(
        revision_of(&deleted) > revision_of(&updated),
        "at the deleting revision"
    );
    assert_eq!(store.revision().unwrap(), revision_of(&deleted));
    assert_eq!(store.get(&key(Some("a"), "x")).unwrap(), None);
    assert_eq!(
        store.delete(&key(Some("a"), "x"), None),
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update(&key(Some("a"), "x"), object("x")),
        Err(StoreError::NotFound)
    );
    let again = store.create(&key(Some("a"), "x"), object("x")).unwrap();
    assert!(
        revision_of(&again) > revision_of(&deleted),
        "the name is free again"
    );
    let caller_version = json!({"metadata": {"name": "y", "resourceVersion": "999999"}});
    let created = store.create(&key(None, "y"), caller_version).unwrap();
    assert_eq!(
        revision_of(&created),
        store.revision().unwrap(),
        "the store sets it"
    );
}

async fn updates_and_deletes_honour_preconditions(fixture: Fixture) {
    let store = &*fixture.store;
    let stored = store.create(&key(None, "x"), object("x")).unwrap();
    let mut next_version = stored.clone();
    next_version["data"]["k"] = json!("1");
    let updated = store.update(&key(None, "x"), next_version.clone()).unwrap();
    assert_eq!(
        store.update(&key(None, "x"), next_version),
        Err(StoreError::Conflict),
        "the resourceVersion is stale"
    );
    for garbage in ["0", "not-a-number", "-4"] {
        let mut bad = updated.clone();
        bad["metadata"]["resourceVersion"] = json!(garbage);
        assert_eq!(
            store.update(&key(None, "x"), bad),
            Err(StoreError::Conflict),
            "{garbage}"
        );
    }
    let mut stale_missing = updated.clone();
    stale_missing["metadata"]["name"] = json!("missing");
    assert_eq!(
        store.update(&key(None, "missing"), stale_missing),
        Err(StoreError::NotFound),
        "NotFound before Conflict"
    );
    let unconditional =
        json!({"metadata": {"name": "x", "resourceVersion": ""}, "data": {"k": "u"}});
    let forced = store.update(&key(None, "x"), unconditional).unwrap();
    assert_eq!(forced["data"]["k"], "u");

    let stale = revision_of(&updated);
    assert_eq!(
        store.delete(&key(None, "x"), Some(stale)),
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.delete(&key(None, "x"), Some(0)),
        Err(StoreError::Conflict)
    );
    assert!(store.get(&key(None, "x")).unwrap().is_some());
    assert_eq!(
        store.delete(&key(None, "nope"), Some(stale)),
        Err(StoreError::NotFound)
    );
    let deleted = store
        .delete(&key(None, "x"), Some(revision_of(&forced)))
        .unwrap();
    assert_eq!(deleted["data"]["k"], "u");
}

async fn concurrent_modifies_lose_no_update(fixture: Fixture) {
    let counter = key(None, "counter");
    fixture
        .store
        .create(&counter, json!({"metadata": {"name": "counter"}, "n": 0}))
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let store = fixture.store.clone();
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
    let stored = fixture.store.get(&counter).unwrap().unwrap();
    assert_eq!(stored["n"], 40);
    // The caller's error comes back unchanged and nothing is written.
    let before = fixture.store.revision().unwrap();
    let refused = fixture.store.modify(&counter, |_| {
        Err::<Value, _>(StoreError::Invalid("mine".to_string()))
    });
    assert_eq!(refused, Err(StoreError::Invalid("mine".to_string())));
    assert_eq!(fixture.store.revision().unwrap(), before);
}

async fn concurrent_creates_get_distinct_increasing_revisions(fixture: Fixture) {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = fixture.store.clone();
            std::thread::spawn(move || {
                (0..15)
                    .map(|i| {
                        let created =
                            store.create(&key(Some("n"), &format!("t{t}-{i}")), object("o"));
                        revision_of(&created.unwrap())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all = Vec::new();
    for thread in threads {
        let revisions = thread.join().unwrap();
        assert!(
            revisions.windows(2).all(|w| w[0] < w[1]),
            "one writer's revisions increase"
        );
        all.extend(revisions);
    }
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 60, "every write has a revision of its own");
    assert_eq!(fixture.store.revision().unwrap(), *all.last().unwrap());
    assert_eq!(
        fixture.store.list_all(&scope(None)).unwrap().items.len(),
        60
    );
}

async fn lists_are_scoped_and_sorted(fixture: Fixture) {
    let store = &*fixture.store;
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
    let last = store.create(&other_group, object("g")).unwrap();
    let all = store.list_all(&scope(None)).unwrap();
    assert_eq!(names(&all.items), ["y", "q", "a", "z"]);
    assert_eq!(all.revision, revision_of(&last));
    assert_eq!(
        names(&store.list_all(&scope(Some("b"))).unwrap().items),
        ["a", "z"]
    );
    assert_eq!(
        names(&store.list_all(&scope(Some("a"))).unwrap().items),
        ["y"]
    );
    assert!(store.list_all(&scope(Some("c"))).unwrap().items.is_empty());
    let cluster_scoped = ListScope {
        resource: "namespaces".to_string(),
        ..scope(None)
    };
    for name in ["c", "a", "b"] {
        let namespace = ObjectKey {
            resource: "namespaces".to_string(),
            ..key(None, name)
        };
        store.create(&namespace, object(name)).unwrap();
    }
    assert_eq!(
        names(&store.list_all(&cluster_scoped).unwrap().items),
        ["a", "b", "c"]
    );
}

/// One page of the configmaps of namespace `ns`.
fn page(store: &dyn Store, limit: usize, from: Option<Continue>) -> kubeward_store::Listing {
    store
        .list(
            &scope(Some("ns")),
            &ListOptions {
                limit: Some(limit),
                continue_from: from,
                ..ListOptions::default()
            },
        )
        .unwrap()
}

async fn pages_continue_at_the_first_pages_revision(fixture: Fixture) {
    let store = &*fixture.store;
    for name in ["a", "b", "c", "d", "e"] {
        store.create(&key(Some("ns"), name), object(name)).unwrap();
    }
    let first = page(store, 2, None);
    assert_eq!(names(&first.items), ["a", "b"]);
    assert_eq!(first.remaining, Some(3));
    let token = first.continue_from.clone().unwrap();
    assert_eq!(token.revision, Some(first.revision));
    // The token survives the trip through a client.
    let token = Continue::decode(&token.encode()).unwrap();

    // Writes after the first page are not seen by the later pages.
    store.delete(&key(Some("ns"), "c"), None).unwrap();
    store.create(&key(Some("ns"), "bb"), object("bb")).unwrap();
    store
        .modify(&key(Some("ns"), "d"), |mut o| {
            o["data"]["k"] = json!("changed");
            Ok::<_, StoreError>(o)
        })
        .unwrap();
    let second = page(store, 2, Some(token));
    assert_eq!(
        names(&second.items),
        ["c", "d"],
        "as at the first page's revision"
    );
    assert_eq!(second.items[1]["data"]["k"], "v");
    assert_eq!(second.revision, first.revision);
    assert_eq!(second.remaining, Some(1));
    let last = page(store, 2, second.continue_from);
    assert_eq!(names(&last.items), ["e"]);
    assert_eq!((last.continue_from, last.remaining), (None, None));

    let now = store.list_all(&scope(Some("ns"))).unwrap();
    assert_eq!(names(&now.items), ["a", "b", "bb", "d", "e"]);
    let whole = page(store, 5, None);
    assert_eq!(
        whole.continue_from, None,
        "nothing remains after a full page"
    );

    let vowel = |o: &Value| matches!(o["metadata"]["name"].as_str(), Some("a" | "e"));
    let selected = store
        .list(
            &scope(Some("ns")),
            &ListOptions {
                limit: Some(1),
                predicate: Some(&vowel),
                ..ListOptions::default()
            },
        )
        .unwrap();
    assert_eq!(names(&selected.items), ["a"]);
    assert_eq!(selected.remaining, None, "not counted under a predicate");
    let rest = store
        .list(
            &scope(Some("ns")),
            &ListOptions {
                limit: Some(5),
                predicate: Some(&vowel),
                continue_from: selected.continue_from,
                ..ListOptions::default()
            },
        )
        .unwrap();
    assert_eq!(names(&rest.items), ["e"]);
}

async fn exact_and_not_older_than_reads(fixture: Fixture) {
    let store = &*fixture.store;
    let a = store.create(&key(None, "a"), object("a")).unwrap();
    let b = store.create(&key(None, "b"), object("b")).unwrap();
    let deleted = store.delete(&key(None, "a"), None).unwrap();
    let at = |revision| {
        store.list(
            &scope(None),
            &ListOptions {
                revision,
                ..ListOptions::default()
            },
        )
    };
    let listed = at(ReadRevision::Exact(revision_of(&b))).unwrap();
    assert_eq!(names(&listed.items), ["a", "b"]);
    assert_eq!(listed.revision, revision_of(&b));
    assert_eq!(
        names(&at(ReadRevision::Exact(revision_of(&a))).unwrap().items),
        ["a"]
    );
    let current = revision_of(&deleted);
    assert_eq!(
        names(&at(ReadRevision::Exact(current)).unwrap().items),
        ["b"]
    );
    let newest = at(ReadRevision::NotOlderThan(revision_of(&a))).unwrap();
    assert_eq!(names(&newest.items), ["b"]);
    assert_eq!(newest.revision, current);
    for too_new in [
        ReadRevision::Exact(current + 100),
        ReadRevision::NotOlderThan(current + 100),
    ] {
        assert!(
            matches!(
                at(too_new),
                Err(StoreError::TooLargeRevision { requested, current: c })
                    if requested == current + 100 && c >= current
            ),
            "{too_new:?}"
        );
    }
}

async fn watches_resume_from_a_revision(fixture: Fixture) {
    let store = &*fixture.store;
    let x = store.create(&key(Some("a"), "x"), object("x")).unwrap();
    store.create(&key(Some("b"), "y"), object("y")).unwrap();
    let deleted = store.delete(&key(Some("a"), "x"), None).unwrap();
    let mut resumed = store.watch(&scope(Some("a")), revision_of(&x)).unwrap();
    let mut from_now = store.watch(&scope(None), 0).unwrap();
    let mut from_future = store
        .watch(&scope(None), revision_of(&deleted) + 1)
        .unwrap();
    assert!(is_quiet(&mut from_now).await, "nothing before the call");
    let z = store.create(&key(Some("a"), "z"), object("z")).unwrap();

    let first = next(&mut resumed).await.unwrap();
    assert_eq!(
        (first.kind, first.revision),
        (EventType::Deleted, revision_of(&deleted))
    );
    assert_eq!(first.key, key(Some("a"), "x"));
    assert_eq!(
        first.object, deleted,
        "the last object, at the deleting revision"
    );
    let second = next(&mut resumed).await.unwrap();
    assert_eq!(
        (second.kind, second.revision),
        (EventType::Added, revision_of(&z))
    );
    assert_eq!(second.object, z);
    assert!(is_quiet(&mut resumed).await, "no duplicate");

    let live = next(&mut from_now).await.unwrap();
    assert_eq!((live.kind, live.key.name.as_str()), (EventType::Added, "z"));
    let updated = store.update(&key(Some("a"), "z"), object("z")).unwrap();
    let modified = next(&mut from_now).await.unwrap();
    assert_eq!(
        (modified.kind, modified.object),
        (EventType::Modified, updated)
    );
    // The future watch skips what is not after its revision.
    let future = next(&mut from_future).await.unwrap();
    assert!(future.revision > revision_of(&deleted) + 1);
}

async fn compacted_revisions_are_gone(fixture: Fixture) {
    let store = &*fixture.store;
    let first = store.create(&key(None, "a"), object("a")).unwrap();
    for name in ["b", "c", "d"] {
        store.create(&key(None, name), object(name)).unwrap();
    }
    let kept = store.create(&key(None, "e"), object("e")).unwrap();
    fixture.compact(revision_of(&kept));
    let early = revision_of(&first);
    assert!(
        matches!(
            store.watch(&scope(None), early),
            Err(StoreError::Gone { requested, oldest }) if requested == early && oldest >= revision_of(&kept)
        ),
        "watch from before the compaction"
    );
    assert!(matches!(
        store.list(
            &scope(None),
            &ListOptions {
                revision: ReadRevision::Exact(early),
                ..ListOptions::default()
            }
        ),
        Err(StoreError::Gone { requested, .. }) if requested == early
    ));
    assert!(store.watch(&scope(None), 0).is_ok(), "now is never gone");
    let mut watch = store.watch(&scope(None), revision_of(&kept)).unwrap();
    let after = store.create(&key(None, "f"), object("f")).unwrap();
    assert_eq!(next(&mut watch).await.unwrap().object, after);
    assert_eq!(
        names(&store.list_all(&scope(None)).unwrap().items),
        ["a", "b", "c", "d", "e", "f"]
    );
}

async fn watch_all_delivers_every_resource_in_revision_order(fixture: Fixture) {
    let store = fixture.store.clone();
    let start = store.create(&key(Some("a"), "x"), object("x")).unwrap();
    let mut all = store.watch_all(revision_of(&start)).unwrap();
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            for i in 0..20 {
                let resource = ["secrets", "configmaps", "serviceaccounts"][i % 3];
                let key = ObjectKey {
                    resource: resource.to_string(),
                    ..key(Some("b"), &format!("o{i}"))
                };
                store.create(&key, object("o")).unwrap();
            }
            store.delete(&key(Some("a"), "x"), None).unwrap()
        })
    };
    let mut revisions = Vec::new();
    let mut resources = std::collections::BTreeSet::new();
    for _ in 0..21 {
        let event = next(&mut all).await.unwrap();
        assert_eq!(event.revision, revision_of(&event.object));
        revisions.push(event.revision);
        resources.insert(event.key.resource);
    }
    let deleted = writer.join().unwrap();
    assert!(revisions.windows(2).all(|w| w[0] < w[1]), "{revisions:?}");
    assert_eq!(*revisions.last().unwrap(), revision_of(&deleted));
    assert_eq!(resources.len(), 3);
    assert!(is_quiet(&mut all).await);
    let _ = Arc::strong_count(&store);
}

async fn invalid_keys_and_objects_write_nothing(fixture: Fixture) {
    let store = &*fixture.store;
    store.create(&key(None, "x"), object("x")).unwrap();
    let before = store.revision().unwrap();
    let empty_resource = ObjectKey {
        resource: String::new(),
        ..key(None, "x")
    };
    for bad in [
        key(Some("a\0b"), "x"),
        key(None, "x\0y"),
        key(None, ""),
        empty_resource,
    ] {
        assert!(
            matches!(store.create(&bad, object("x")), Err(StoreError::Invalid(_))),
            "{bad:?}"
        );
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
            store.create(&key(None, "y"), bad),
            Err(StoreError::Invalid(_))
        ));
    }
    assert!(matches!(
        store.update(&key(None, "x"), json!(null)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.modify(&key(None, "x"), |_| Ok::<_, StoreError>(json!(1))),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.revision().unwrap(), before);
    assert_eq!(store.get(&key(None, "y")).unwrap(), None);
}

async fn transactions_write_every_step_or_none(fixture: Fixture) {
    let store = &*fixture.store;
    let (a, b, c) = (
        key(Some("t"), "a"),
        key(Some("t"), "b"),
        key(Some("t"), "c"),
    );
    let written = store
        .transact(vec![
            Step::Create(a.clone(), object("a")),
            Step::Expect(c.clone(), None),
            Step::Create(b.clone(), object("b")),
        ])
        .unwrap();
    assert_eq!(written.len(), 3);
    assert_eq!(written[1], Value::Null, "a check writes nothing");
    let (at_a, at_b) = (revision_of(&written[0]), revision_of(&written[2]));
    assert!(at_a > 0 && at_b >= at_a, "{at_a} {at_b}");
    assert_eq!(store.get(&a).unwrap(), Some(written[0].clone()));
    assert_eq!(store.get(&b).unwrap(), Some(written[2].clone()));
    let before = store.revision().unwrap();
    assert_eq!(before, at_b);

    // One refused step: nothing is written, and the error says which condition failed.
    let mut changed = written[0].clone();
    changed["data"]["k"] = json!("changed");
    let refusals = [
        (
            vec![
                Step::Update(a.clone(), changed.clone()),
                Step::Create(b.clone(), object("b")),
            ],
            StoreError::AlreadyExists,
        ),
        (
            vec![
                Step::Update(a.clone(), changed.clone()),
                Step::Delete(c.clone(), None),
            ],
            StoreError::NotFound,
        ),
        (
            vec![
                Step::Expect(b.clone(), Some(at_b + 100)),
                Step::Update(a.clone(), changed.clone()),
            ],
            StoreError::Conflict,
        ),
        (
            vec![
                Step::Update(a.clone(), changed.clone()),
                Step::Expect(c.clone(), Some(at_a)),
            ],
            StoreError::Conflict,
        ),
        (
            vec![
                Step::Create(c.clone(), object("c")),
                Step::Delete(b.clone(), Some(at_b + 100)),
            ],
            StoreError::Conflict,
        ),
    ];
    for (steps, refusal) in refusals {
        assert_eq!(store.transact(steps.clone()), Err(refusal), "{steps:?}");
        assert_eq!(
            store.revision().unwrap(),
            before,
            "nothing written: {steps:?}"
        );
        assert_eq!(store.get(&a).unwrap(), Some(written[0].clone()));
        assert_eq!(store.get(&c).unwrap(), None);
    }

    // An update at the stored revision, a deletion with its precondition and a creation.
    let done = store
        .transact(vec![
            Step::Update(a.clone(), changed),
            Step::Delete(b.clone(), Some(at_b)),
            Step::Create(c.clone(), object("c")),
        ])
        .unwrap();
    assert_eq!(done[0]["data"]["k"], "changed");
    assert_eq!(done[1]["metadata"]["name"], "b", "the deleted object");
    assert!(revision_of(&done[1]) > before);
    assert_eq!(store.get(&a).unwrap(), Some(done[0].clone()));
    assert_eq!(store.get(&b).unwrap(), None);
    assert_eq!(store.get(&c).unwrap(), Some(done[2].clone()));
    assert_eq!(
        names(&store.list_all(&scope(Some("t"))).unwrap().items),
        ["a", "c"]
    );
    assert_eq!(store.transact(Vec::new()), Ok(Vec::new()));
}

async fn a_transactions_writes_are_all_watched(fixture: Fixture) {
    let store = &*fixture.store;
    let first = store
        .create(&key(Some("w"), "before"), object("before"))
        .unwrap();
    let mut watch = store.watch(&scope(Some("w")), revision_of(&first)).unwrap();
    let mut everything = store.watch_all(0).unwrap();
    store
        .transact(vec![
            Step::Create(key(Some("w"), "x"), object("x")),
            Step::Create(key(Some("w"), "y"), object("y")),
            Step::Delete(key(Some("w"), "before"), None),
        ])
        .unwrap();
    let after = store.create(&key(Some("w"), "z"), object("z")).unwrap();
    for watch in [&mut watch, &mut everything] {
        let mut seen = Vec::new();
        for _ in 0..4 {
            let event = next(watch).await.expect("an event");
            seen.push((event.kind, event.key.name));
        }
        assert_eq!(
            seen,
            [
                (EventType::Added, "x".to_string()),
                (EventType::Added, "y".to_string()),
                (EventType::Deleted, "before".to_string()),
                (EventType::Added, "z".to_string()),
            ]
        );
        assert!(is_quiet(watch).await, "no duplicate");
    }
    // A watch that resumes from before the transaction sees its writes too.
    let mut resumed = store.watch(&scope(Some("w")), revision_of(&first)).unwrap();
    let mut names = Vec::new();
    for _ in 0..4 {
        names.push(next(&mut resumed).await.expect("an event").key.name);
    }
    assert_eq!(names, ["x", "y", "before", "z"]);
    assert_eq!(revision_of(&after), store.revision().unwrap());
}
