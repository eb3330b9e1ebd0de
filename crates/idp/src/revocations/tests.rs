use std::collections::BTreeMap;

use super::*;
use crate::flows::refresh::Family;
use crate::model::Group;

fn realm() -> Realm {
    let mut realm = Realm::new("r".into(), "kubernetes".into());
    let mut user = User::new("u1".into(), "test");
    user.groups = vec!["/developers".into()];
    user.roles.realm = vec!["admin".into()];
    realm.users.push(user);
    realm.users.push(User::new("u2".into(), "other"));
    let mut group = Group::new("g1".into(), "developers", None);
    group.roles.realm = vec!["viewer".into()];
    realm.groups.push(group);
    realm
}

fn changed(edit: impl FnOnce(&mut Realm)) -> Vec<(String, &'static str)> {
    let before = realm();
    let mut after = before.clone();
    edit(&mut after);
    realm_changes(&before, &after)
}

#[test]
fn disabling_deleting_or_taking_groups_and_roles_revokes_the_user() {
    assert_eq!(changed(|_| {}), vec![]);
    assert_eq!(
        changed(|r| r.users[0].enabled = false),
        vec![("u1".to_string(), "user disabled")]
    );
    assert_eq!(
        changed(|r| {
            r.users.remove(0);
        }),
        vec![("u1".to_string(), "user deleted")]
    );
    assert_eq!(
        changed(|r| r.users[0].groups.clear()),
        vec![("u1".to_string(), "group membership removed")]
    );
    assert_eq!(
        changed(|r| r.users[0].roles.realm.clear()),
        vec![("u1".to_string(), "role mapping removed")]
    );
    assert_eq!(
        changed(|r| r.groups[0].roles.realm.clear()),
        vec![("u1".to_string(), "group removed or its roles reduced")]
    );
    // Users found where they moved (by id): a reorder revokes nothing.
    assert_eq!(changed(|r| r.users.swap(0, 1)), vec![]);
    // Gaining something revokes nothing; neither does a change of another user's name.
    assert_eq!(
        changed(|r| {
            r.users[0].groups.push("/admins".into());
            r.users[1].username = "renamed".into();
        }),
        vec![]
    );
}

#[test]
fn logout_and_revoked_families_end_a_sessions_tokens() {
    let family = Family {
        id: "f".into(),
        client_id: "kubernetes".into(),
        generation: 1,
        scope: "openid".into(),
        revoked: false,
    };
    let before = Session {
        id: "s".into(),
        user_id: "u1".into(),
        auth_time: 1,
        started: 1,
        last_refresh: 1,
        ended: false,
        offline: false,
        families: BTreeMap::from([("f".to_string(), family)]),
        broker: None,
    };
    let mut after = before.clone();
    after.last_refresh = 2;
    after.families.get_mut("f").unwrap().generation = 2;
    assert!(!session_ended(&before, &after));
    let mut ended = before.clone();
    ended.ended = true;
    assert!(session_ended(&before, &ended));
    let mut revoked = before.clone();
    revoked.families.get_mut("f").unwrap().revoked = true;
    assert!(session_ended(&before, &revoked));
}

#[tokio::test]
async fn followers_get_the_list_then_each_new_entry() {
    let feed = Feed::default();
    feed.user("kubernetes", "u1", "user disabled");
    feed.session("other", "s9", "session ended");
    let (entries, mut receiver) = feed.subscribe("kubernetes");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].sub.as_deref(), Some("u1"));
    assert!(entries[0].not_before > 1_700_000_000);
    feed.session("kubernetes", "s1", "session ended");
    let next = receiver.recv().await.unwrap();
    assert_eq!(next.sid.as_deref(), Some("s1"));
}
