use super::*;
use crate::model::{Client, User};

fn composite(name: &str, realm: &[&str], client: &[(&str, &str)]) -> Role {
    let mut role = Role::new(format!("id-{name}"), name, None);
    for r in realm {
        role.composites.add(None, r);
    }
    for (c, r) in client {
        role.composites.add(Some(c), r);
    }
    role
}

fn realm() -> Realm {
    let mut realm = Realm::new("r".into(), "demo".into());
    let mut client = Client::new("c1".into(), "kubernetes-client".into());
    client
        .roles
        .push(composite("admin", &[], &[("kubernetes-client", "view")]));
    client.roles.push(Role::new("c-view".into(), "view", None));
    realm.clients.push(client);
    realm.roles.push(composite(
        "ops",
        &["dev"],
        &[("kubernetes-client", "admin")],
    ));
    realm.roles.push(composite("dev", &["reader"], &[]));
    realm.roles.push(Role::new("reader".into(), "reader", None));
    realm
}

fn realm_only(names: &[&str]) -> RoleMappings {
    let mut m = RoleMappings::default();
    for n in names {
        m.add(None, n);
    }
    m
}

#[test]
fn composites_expand_transitively_across_realm_and_client_roles() {
    let held = realm().expand_composites(&realm_only(&["ops"]));
    assert_eq!(held.realm, vec!["dev", "ops", "reader"]);
    assert_eq!(held.client["kubernetes-client"], vec!["admin", "view"]);
}

#[test]
fn a_role_without_composites_is_itself_and_unknown_names_are_kept() {
    let held = realm().expand_composites(&realm_only(&["reader", "gone"]));
    assert_eq!(held.realm, vec!["gone", "reader"]);
    assert!(held.client.is_empty());
}

#[test]
fn cycles_end() {
    let mut realm = realm();
    realm.roles.push(composite("a", &["b"], &[]));
    realm.roles.push(composite("b", &["c"], &[]));
    realm.roles.push(composite("c", &["a", "reader"], &[]));
    let held = realm.expand_composites(&realm_only(&["b"]));
    assert_eq!(held.realm, vec!["a", "b", "c", "reader"]);
    let itself = composite("self", &["self"], &[]);
    realm.roles.push(itself);
    assert_eq!(
        realm.expand_composites(&realm_only(&["self"])).realm,
        vec!["self"]
    );
}

#[test]
fn a_user_holds_the_composites_of_roles_given_directly_and_through_groups() {
    let mut realm = realm();
    let mut group = crate::model::Group::new("g".into(), "developers", None);
    group.roles.add(Some("kubernetes-client"), "admin");
    realm.add_group(group).unwrap();
    let mut user = User::new("u".into(), "test");
    user.groups.push("g".into());
    user.roles.add(None, "dev");
    realm.add_user(user).unwrap();
    let held = realm.effective_roles(realm.user("u").unwrap());
    assert_eq!(held.realm, vec!["dev", "reader"]);
    assert_eq!(held.client["kubernetes-client"], vec!["admin", "view"]);
}

#[test]
fn a_deleted_role_is_forgotten_everywhere() {
    let mut realm = realm();
    let mut user = User::new("u".into(), "test");
    user.roles.add(None, "dev");
    realm.add_user(user).unwrap();
    realm.roles.retain(|r| r.name != "dev");
    realm.forget_role(None, "dev");
    assert!(realm.user("u").unwrap().roles.is_empty());
    assert!(
        realm
            .role_named(None, "ops")
            .unwrap()
            .composites
            .realm
            .is_empty()
    );
    realm.forget_role(Some("kubernetes-client"), "admin");
    assert!(realm.role_named(None, "ops").unwrap().composites.is_empty());
}
