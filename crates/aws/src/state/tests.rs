//! The state in a real store: users, keys, roles, sessions, and what survives a restart.

use std::time::{Duration, UNIX_EPOCH};

use kubeward_store::RedbStore;

use super::*;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_385_600)
}

#[test]
fn the_account_is_made_once() {
    let store = Arc::new(RedbStore::in_memory().unwrap());
    let (state, created) = State::open(store.clone(), now()).unwrap();
    let created = created.expect("first start");
    assert_eq!(created.account_id, state.account_id());
    assert_eq!(created.account_id.len(), 12);
    assert!(created.root_key.access_key_id.starts_with("AKIA"));
    assert_eq!(created.root_key.access_key_id.len(), 20);
    assert_eq!(created.root_key.secret_access_key.len(), 40);
    let (again, none) = State::open(store, now()).unwrap();
    assert!(none.is_none());
    assert_eq!(again.account_id(), state.account_id());
    assert!(!format!("{:?}", created.root_key).contains(&created.root_key.secret_access_key));
}

#[test]
fn users_keys_and_roles() {
    let store = Arc::new(RedbStore::in_memory().unwrap());
    let (state, _) = State::open(store, now()).unwrap();
    let user = state.create_user("testuser", "/", now()).unwrap();
    assert_eq!(
        user.arn,
        format!("arn:aws:iam::{}:user/testuser", state.account_id())
    );
    assert_eq!(user.create_date, "2026-12-04T12:00:00Z");
    assert_eq!(
        state
            .create_user("testuser", "/", now())
            .unwrap_err()
            .message,
        "User with name testuser already exists."
    );
    state
        .set_user_policies(
            "testuser",
            vec!["arn:aws:iam::aws:policy/AdministratorAccess".into()],
        )
        .unwrap();
    assert_eq!(
        state.user("testuser").unwrap().unwrap().attached_policies,
        ["arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    let key = state.new_access_key("testuser", now()).unwrap();
    assert_eq!(
        state.access_key(&key.access_key_id).unwrap(),
        Some(key.clone())
    );
    let role = state
        .create_role("dev", "/teams/", "{}", 3600, now())
        .unwrap();
    assert_eq!(
        role.arn,
        format!("arn:aws:iam::{}:role/teams/dev", state.account_id())
    );
    let session = state
        .new_session(&role, "alice", Duration::from_secs(3600), now())
        .unwrap();
    assert!(session.access_key_id.starts_with("ASIA"));
    assert_eq!(
        state.session(&session.access_key_id).unwrap(),
        Some(session)
    );
}
