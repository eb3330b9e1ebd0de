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
