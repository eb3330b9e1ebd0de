use super::*;
use crate::provider::RandomMinter;

fn seed() -> RealmRepresentation {
    serde_json::from_str(include_str!("../representation/seed-001-realm.json")).unwrap()
}

#[test]
fn applying_twice_changes_nothing_the_second_time() {
    let (realm, changes) = apply(None, &seed(), false, &mut RandomMinter).unwrap();
    assert_eq!(changes[0].to_string(), "realm kubernetes created");
    let (again, changes) = apply(Some(&realm), &seed(), false, &mut RandomMinter).unwrap();
    assert_eq!(changes, vec![]);
    assert_eq!(again, realm);
}

#[test]
fn apply_updates_and_prunes() {
    let (realm, _) = apply(None, &seed(), false, &mut RandomMinter).unwrap();
    let mut rep = seed();
    rep.users.as_mut().unwrap()[0].email = Some("new@example.com".into());
    rep.clients
        .as_mut()
        .unwrap()
        .retain(|c| c.client_id == "kubernetes-client");
    rep.users.as_mut().unwrap().push(UserRepresentation {
        username: "alice".into(),
        groups: vec!["/developers".into()],
        ..Default::default()
    });
    let (without_prune, changes) = apply(Some(&realm), &rep, false, &mut RandomMinter).unwrap();
    let said: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(said, vec!["user test updated", "user alice created"]);
    assert!(without_prune.client("kubelogin").is_some());
    let (pruned, changes) = apply(Some(&without_prune), &rep, true, &mut RandomMinter).unwrap();
    let said: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(said, vec!["client kubelogin deleted"]);
    assert!(pruned.client("kubelogin").is_none());
    assert!(
        pruned
            .user_by_login("service-account-kubernetes-client")
            .is_some()
    );
}

#[test]
fn a_changed_password_is_rehashed() {
    let (realm, _) = apply(None, &seed(), false, &mut RandomMinter).unwrap();
    let mut rep = seed();
    rep.users.as_mut().unwrap()[0].credentials[0].value = Some("other".into());
    let (changed, changes) = apply(Some(&realm), &rep, false, &mut RandomMinter).unwrap();
    assert_eq!(changes.len(), 1);
    let user = changed.user_by_login("test").unwrap();
    assert!(password::verify("other", user.password_hash.as_deref()));
}
