use kubeward_store::RedbStore;

use super::*;
use crate::model::User;

fn open(dir: &tempfile::TempDir) -> Directory {
    let store: Arc<dyn Store> = Arc::new(RedbStore::open(&dir.path().join("db")).unwrap());
    Directory::open(store).unwrap()
}

#[test]
fn realms_survive_a_reopen_and_updates_are_atomic() {
    let dir = tempfile::tempdir().unwrap();
    {
        let d = open(&dir);
        d.create_realm(Realm::new("1".into(), "demo".into()))
            .unwrap();
        assert_eq!(
            d.create_realm(Realm::new("2".into(), "demo".into()))
                .unwrap_err(),
            DirectoryError::RealmExists
        );
        d.update_realm("demo", |r| Ok(r.add_user(User::new("u".into(), "test"))?))
            .unwrap();
        let refused = d.update_realm("demo", |r| {
            r.display_name = Some("changed".into());
            Ok(r.add_user(User::new("v".into(), "test"))?)
        });
        assert!(matches!(refused, Err(DirectoryError::Model(_))));
        assert_eq!(
            d.realm("demo").unwrap().display_name,
            None,
            "nothing half-done"
        );
    }
    let d = open(&dir);
    assert_eq!(d.realm("demo").unwrap().users.len(), 1);
    d.delete_realm("demo").unwrap();
    assert!(d.realm("demo").is_none());
    assert_eq!(d.delete_realm("demo"), Err(DirectoryError::RealmNotFound));
}

#[test]
fn the_user_index_is_of_the_realm_as_cached_and_follows_its_changes() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(&dir);
    d.create_realm(Realm::new("1".into(), "demo".into()))
        .unwrap();
    d.update_realm("demo", |r| Ok(r.add_user(User::new("u".into(), "bob"))?))
        .unwrap();
    let cached = d.realm("demo").unwrap();
    let index = d
        .user_index(&cached)
        .expect("the cached realm has an index");
    assert_eq!(index.username("bob"), &[0]);
    assert!(
        Arc::ptr_eq(&index, &d.user_index(&cached).unwrap()),
        "built once"
    );
    // Another copy of the realm (edited, overlaid) has none: it is scanned.
    assert!(d.user_index(&Arc::new(Realm::clone(&cached))).is_none());
    d.update_realm("demo", |r| Ok(r.add_user(User::new("v".into(), "amy"))?))
        .unwrap();
    assert!(d.user_index(&cached).is_none(), "the realm changed since");
    assert!(
        d.index_ready("demo"),
        "the change edited the index: the next search does not build it"
    );
    let now = d.realm("demo").unwrap();
    let index = d.user_index(&now).unwrap();
    assert_eq!(index.username("amy"), &[1]);
    assert_eq!(index.in_username_order(), &[1, 0]);
    d.update_realm("demo", |r| {
        r.users.retain(|u| u.username != "bob");
        Ok(())
    })
    .unwrap();
    let now = d.realm("demo").unwrap();
    assert_eq!(d.user_index(&now).unwrap().username("amy"), &[0]);
    assert!(d.user_index(&now).unwrap().username("bob").is_empty());
}

#[test]
fn sessions_and_keys_are_stored_per_realm() {
    let dir = tempfile::tempdir().unwrap();
    let d = open(&dir);
    let s = Session::new("s1".into(), "u".into(), 10, 10);
    d.create_session("demo", &s).unwrap();
    let changed = d
        .modify_session("demo", "s1", |s| {
            s.ended = true;
            ((), Write::Now)
        })
        .unwrap();
    assert_eq!(changed, Some(()));
    assert!(d.session("demo", "s1").unwrap().unwrap().ended);
    assert_eq!(d.session("other", "s1").unwrap(), None);
    let k = StoredKey {
        kid: "k1".into(),
        algorithm: "RS256".into(),
        private_pem: "pem".into(),
        secret: String::new(),
        created: 5,
        retired: None,
    };
    d.put_key("demo", &k).unwrap();
    d.put_key(
        "demo",
        &StoredKey {
            retired: Some(9),
            ..k.clone()
        },
    )
    .unwrap();
    assert_eq!(d.keys("demo").unwrap()[0].retired, Some(9));
}

#[test]
fn deferred_session_writes_reach_the_store() {
    let dir = tempfile::tempdir().unwrap();
    {
        let d = open(&dir);
        d.create_session("demo", &Session::new("s1".into(), "u".into(), 10, 10))
            .unwrap();
        d.modify_session("demo", "s1", |s| {
            s.last_refresh = 99;
            ((), Write::Later)
        })
        .unwrap();
        assert_eq!(d.session("demo", "s1").unwrap().unwrap().last_refresh, 99);
        std::thread::sleep(FLUSH_INTERVAL * 4);
        let stored = d.sessions("demo").unwrap();
        assert_eq!(stored[0].last_refresh, 99);
        d.modify_session("demo", "s1", |s| {
            s.last_refresh = 100;
            ((), Write::Later)
        })
        .unwrap();
    }
    // Dropping the directory flushed the last change.
    assert_eq!(
        open(&dir)
            .session("demo", "s1")
            .unwrap()
            .unwrap()
            .last_refresh,
        100
    );
}

/// Two directories on one store, as two replicas on one etcd.
fn replicas() -> (Directory, Directory) {
    let store: Arc<dyn Store> = Arc::new(RedbStore::in_memory().unwrap());
    (
        Directory::open_shared(store.clone()).unwrap(),
        Directory::open_shared(store).unwrap(),
    )
}

/// Waits (at most 10 s) until `check` holds.
fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(std::time::Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_shared_directory_follows_the_realms_and_keys_another_one_writes() {
    let (a, b) = replicas();
    assert!(a.shared() && b.shared());
    a.create_realm(Realm::new("1".into(), "demo".into()))
        .unwrap();
    eventually("b sees the new realm", || b.realm("demo").is_some());
    b.update_realm("demo", |r| Ok(r.add_user(User::new("u".into(), "test"))?))
        .unwrap();
    eventually("a sees b's user", || {
        a.realm("demo").is_some_and(|r| r.users.len() == 1)
    });
    // a's cache may lag, but its change starts from what is stored: nothing of b's is lost.
    a.update_realm("demo", |r| Ok(r.add_user(User::new("v".into(), "other"))?))
        .unwrap();
    eventually("b sees both users", || {
        b.realm("demo").is_some_and(|r| r.users.len() == 2)
    });

    let before = b.keys_epoch();
    let key = StoredKey {
        kid: "k1".into(),
        algorithm: "HS512".into(),
        private_pem: String::new(),
        secret: "c2VjcmV0".into(),
        created: 1,
        retired: None,
    };
    a.put_key("demo", &key).unwrap();
    eventually("b hears of the new key", || b.keys_epoch() > before);

    b.delete_realm("demo").unwrap();
    eventually("a forgets the realm", || a.realm("demo").is_none());
}

#[test]
fn realm_changes_through_two_shared_directories_at_once_are_all_kept() {
    let (a, b) = replicas();
    a.create_realm(Realm::new("1".into(), "demo".into()))
        .unwrap();
    eventually("b sees the realm", || b.realm("demo").is_some());
    std::thread::scope(|scope| {
        for (side, directory) in [("a", &a), ("b", &b)] {
            scope.spawn(move || {
                for i in 0..20 {
                    let name = format!("{side}{i}");
                    directory
                        .update_realm("demo", |r| Ok(r.add_user(User::new(name.clone(), &name))?))
                        .unwrap();
                }
            });
        }
    });
    eventually("every user is stored and seen", || {
        [&a, &b]
            .iter()
            .all(|d| d.realm("demo").is_some_and(|r| r.users.len() == 40))
    });
}

#[test]
fn session_changes_through_two_shared_directories_are_compare_and_swap() {
    let (a, b) = replicas();
    a.create_session("demo", &Session::new("s1".into(), "u".into(), 10, 10))
        .unwrap();
    // Each change reads what is stored, never a copy of its own: 2 × 50 increments, none lost.
    std::thread::scope(|scope| {
        for directory in [&a, &b] {
            scope.spawn(move || {
                for _ in 0..50 {
                    directory
                        .modify_session("demo", "s1", |s| {
                            s.last_refresh += 1;
                            ((), Write::Later)
                        })
                        .unwrap();
                }
            });
        }
    });
    for directory in [&a, &b] {
        assert_eq!(
            directory
                .session("demo", "s1")
                .unwrap()
                .unwrap()
                .last_refresh,
            110
        );
    }
    // One outcome wins: the change that saw the other's write decides again.
    let mut seen = Vec::new();
    for directory in [&a, &b] {
        let outcome = directory
            .modify_session("demo", "s1", |s| {
                let first = !s.ended;
                s.ended = true;
                (first, Write::No)
            })
            .unwrap();
        seen.push(outcome);
    }
    assert_eq!(seen, [Some(true), Some(false)]);
    assert_eq!(
        b.modify_session("demo", "missing", |_| ((), Write::Now))
            .unwrap(),
        None
    );
}

/// The objects of `resource` in `namespace`, by name.
fn stored_names(store: &dyn Store, resource: &str, namespace: Option<&str>) -> Vec<String> {
    store
        .list_all(&ListScope {
            group: GROUP.to_string(),
            resource: resource.to_string(),
            namespace: namespace.map(str::to_string),
        })
        .unwrap()
        .items
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn users_are_stored_apart_from_their_realm_and_a_user_write_is_small() {
    let store: Arc<dyn Store> = Arc::new(RedbStore::in_memory().unwrap());
    let d = Directory::open(store.clone()).unwrap();
    d.create_realm(Realm::new("r1".into(), "demo".into()))
        .unwrap();
    for (id, name) in [("u1", "ann"), ("u2", "bob")] {
        d.update_realm("demo", |r| Ok(r.add_user(User::new(id.into(), name))?))
            .unwrap();
    }
    let realm_object = store.get(&key(REALMS, None, "demo")).unwrap().unwrap();
    assert_eq!(realm_object["spec"]["users"], json!([]));
    assert_eq!(
        stored_names(store.as_ref(), apart::USERS, Some("r1")),
        ["u1", "u2"]
    );
    assert_eq!(
        stored_names(store.as_ref(), apart::USERNAMES, Some("r1")),
        ["ann", "bob"]
    );

    // A change of one user writes that user alone: the realm's object keeps its revision.
    let before = store.revision().unwrap();
    d.update_realm("demo", |r| {
        r.users[1].email = Some("bob@example.com".into());
        r.users[1].username = "robert".into();
        Ok(())
    })
    .unwrap();
    assert_eq!(
        store.get(&key(REALMS, None, "demo")).unwrap().unwrap(),
        realm_object
    );
    let bob = store.get(&apart::user_key("r1", "u2")).unwrap().unwrap();
    assert_eq!(bob["spec"]["email"], "bob@example.com");
    assert!(revision(&bob) > before);
    assert_eq!(
        stored_names(store.as_ref(), apart::USERNAMES, Some("r1")),
        ["ann", "robert"]
    );

    // A change of the realm itself writes its object, without the users.
    d.update_realm("demo", |r| {
        r.display_name = Some("Demo".into());
        r.users.remove(0);
        Ok(())
    })
    .unwrap();
    let realm_object = store.get(&key(REALMS, None, "demo")).unwrap().unwrap();
    assert_eq!(realm_object["spec"]["displayName"], "Demo");
    assert_eq!(realm_object["spec"]["users"], json!([]));
    assert_eq!(
        stored_names(store.as_ref(), apart::USERS, Some("r1")),
        ["u2"]
    );

    // A taken username is refused by its index entry too, and nothing is written.
    let revision_before = store.revision().unwrap();
    let taken = d.update_realm("demo", |r| {
        r.users.push(User::new("u3".into(), "robert"));
        Ok(())
    });
    assert_eq!(taken.unwrap_err(), username_taken());
    assert_eq!(store.revision().unwrap(), revision_before);

    // Reopened: the realm is read back with its users.
    drop(d);
    let d = Directory::open(store.clone()).unwrap();
    let realm = d.realm("demo").unwrap();
    assert_eq!(realm.display_name.as_deref(), Some("Demo"));
    assert_eq!(realm.users.len(), 1);
    assert_eq!(realm.users[0].email.as_deref(), Some("bob@example.com"));
    d.delete_realm("demo").unwrap();
    assert!(stored_names(store.as_ref(), apart::USERS, Some("r1")).is_empty());
    assert!(stored_names(store.as_ref(), apart::USERNAMES, Some("r1")).is_empty());
}

#[test]
fn a_realm_stored_with_its_users_inside_is_moved_apart_at_open() {
    let store: Arc<dyn Store> = Arc::new(RedbStore::in_memory().unwrap());
    // As the previous version stored it: the whole realm, users included, in one object.
    let mut old = Realm::new("r1".into(), "demo".into());
    for i in 0..300 {
        let mut user = User::new(format!("u{i:03}"), &format!("user{i:03}"));
        user.created_timestamp = 1000 + i;
        user.password_hash = Some(format!("hash{i}"));
        old.users.push(user);
    }
    store
        .create(&key(REALMS, None, "demo"), wrap("demo", &old).unwrap())
        .unwrap();
    for shared in [false, true] {
        let d = if shared {
            Directory::open_shared(store.clone()).unwrap()
        } else {
            Directory::open(store.clone()).unwrap()
        };
        assert_eq!(*d.realm("demo").unwrap(), old, "shared: {shared}");
        let realm_object = store.get(&key(REALMS, None, "demo")).unwrap().unwrap();
        assert_eq!(realm_object["spec"]["users"], json!([]));
        assert_eq!(
            stored_names(store.as_ref(), apart::USERS, Some("r1")).len(),
            300
        );
        assert_eq!(
            stored_names(store.as_ref(), apart::USERNAMES, Some("r1")).len(),
            300
        );
        let stored = store.get(&apart::user_key("r1", "u007")).unwrap().unwrap();
        assert_eq!(stored["spec"]["passwordHash"], "hash7");
        // Written again as the previous version would, for the shared directory's turn.
        store
            .update(&key(REALMS, None, "demo"), wrap("demo", &old).unwrap())
            .unwrap();
    }
}

#[test]
fn shared_directories_follow_each_others_user_writes() {
    let (a, b) = replicas();
    a.create_realm(Realm::new("1".into(), "demo".into()))
        .unwrap();
    eventually("b sees the realm", || b.realm("demo").is_some());
    a.update_realm("demo", |r| Ok(r.add_user(User::new("u".into(), "ann"))?))
        .unwrap();
    eventually("b sees the user", || {
        b.realm("demo").is_some_and(|r| r.users.len() == 1)
    });
    b.update_realm("demo", |r| {
        r.users[0].email = Some("ann@example.com".into());
        Ok(())
    })
    .unwrap();
    eventually("a sees the change", || {
        a.realm("demo")
            .is_some_and(|r| r.users[0].email.as_deref() == Some("ann@example.com"))
    });
    // The same username created through both at once: one of them wins.
    let outcomes: Vec<bool> = std::thread::scope(|scope| {
        let handles: Vec<_> = [("a", &a), ("b", &b)]
            .into_iter()
            .map(|(side, d)| {
                scope.spawn(move || {
                    d.update_realm("demo", |r| {
                        Ok(r.add_user(User::new(format!("{side}-id"), "same"))?)
                    })
                    .is_ok()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{outcomes:?}");
    eventually("both see two users", || {
        [&a, &b]
            .iter()
            .all(|d| d.realm("demo").is_some_and(|r| r.users.len() == 2))
    });
    a.update_realm("demo", |r| {
        r.users.retain(|u| u.username != "same");
        Ok(())
    })
    .unwrap();
    eventually("b sees the deletion", || {
        b.realm("demo").is_some_and(|r| r.users.len() == 1)
    });
}
