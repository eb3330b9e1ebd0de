use super::*;

fn group(id: &str, name: &str, parent: Option<&str>) -> Group {
    Group::new(id.into(), name, parent)
}

#[test]
fn usernames_are_unique_and_case_insensitive() {
    let mut realm = Realm::new("r".into(), "demo".into());
    realm.add_user(User::new("1".into(), "Test")).unwrap();
    assert_eq!(realm.user_by_login("TEST").unwrap().id, "1");
    assert_eq!(
        realm.add_user(User::new("2".into(), "test")),
        Err(ModelError::Conflict {
            what: "User",
            field: "username"
        })
    );
    assert_eq!(
        ModelError::Conflict {
            what: "User",
            field: "username"
        }
        .to_string(),
        "User exists with same username"
    );
}

#[test]
fn group_paths_and_inherited_roles() {
    let mut realm = Realm::new("r".into(), "demo".into());
    let mut parent = group("g1", "eng", None);
    parent.roles.realm.push("viewer".into());
    realm.add_group(parent).unwrap();
    let mut child = group("g2", "developers", Some("g1"));
    child
        .roles
        .client
        .insert("kubernetes-client".into(), vec!["admin".into()]);
    realm.add_group(child).unwrap();
    let mut user = User::new("u".into(), "test");
    user.groups.push("g2".into());
    user.roles.realm.push("viewer".into());
    realm.add_user(user).unwrap();
    let g = realm.group("g2").unwrap();
    assert_eq!(realm.group_path(g), "/eng/developers");
    assert_eq!(realm.group_by_path("/eng/developers").unwrap().id, "g2");
    assert_eq!(realm.group_by_path("developers").unwrap().id, "g2");
    let roles = realm.effective_roles(realm.user("u").unwrap());
    assert_eq!(roles.realm, vec!["viewer".to_string()]);
    assert_eq!(roles.client["kubernetes-client"], vec!["admin".to_string()]);
}
