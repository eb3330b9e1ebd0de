use std::collections::BTreeMap;

use super::*;
use crate::model::{Component, LDAP_MAPPER, USER_STORAGE};

fn component(provider_id: &str, kind: &str, config: &[(&str, &str)]) -> Component {
    Component {
        id: format!("{provider_id}-id"),
        name: provider_id.into(),
        provider_id: provider_id.into(),
        provider_type: kind.into(),
        parent_id: "realm".into(),
        sub_type: None,
        config: config
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn ldap() -> LdapSettings {
    settings(&component(
        "ldap",
        USER_STORAGE,
        &[
            ("connectionUrl", "ldap://127.0.0.1:3890"),
            ("usersDn", "ou=people,dc=corp,dc=example"),
            ("usernameLDAPAttribute", "uid"),
            ("customUserSearchFilter", "(employeeType=staff)"),
        ],
    ))
    .expect("settings")
}

fn groups() -> GroupSettings {
    let m = component(
        GROUP_MAPPER,
        LDAP_MAPPER,
        &[("groups.dn", "ou=groups,dc=corp,dc=example")],
    );
    group_settings(&[&m])
        .expect("valid")
        .expect("a group mapper")
}

fn person(uid: &str) -> Entry {
    Entry::new(
        &format!("uid={uid},ou=people,dc=corp,dc=example"),
        [
            ("uid".to_string(), vec![uid.to_string()]),
            ("entryUUID".to_string(), vec![format!("uuid-{uid}")]),
            ("mail".to_string(), vec![format!("{uid}@corp.example")]),
            ("cn".to_string(), vec![uid.to_uppercase()]),
        ],
    )
}

#[test]
fn filters_escape_what_rfc_4515_asks_and_keep_the_custom_filter() {
    assert_eq!(escape("a*(b)\\"), "a\\2a\\28b\\29\\5c");
    assert_eq!(
        user_filter(&ldap(), "ann*"),
        "(&(uid=ann\\2a)(&(objectclass=inetOrgPerson)(objectclass=organizationalPerson)(employeeType=staff)))"
    );
    assert_eq!(
        member_filter(&groups(), &person("ann")),
        "(&(member=uid=ann,ou=people,dc=corp,dc=example)(&(objectclass=groupOfNames)))"
    );
}

#[test]
fn settings_are_refused_as_keycloak_refuses_them() {
    let bad = component("ldap", USER_STORAGE, &[("connectionUrl", "http://x")]);
    assert!(settings(&bad).is_err());
    assert!(check_custom_filter(Some("uid=x")).is_err());
    assert!(check_custom_filter(Some("(uid=x)")).is_ok());
    assert_eq!(ldap().edit_mode, EditMode::ReadOnly);
    assert_eq!(ldap().uuid_attribute, "entryUUID");
    assert!(ldap().import);
    let config = [
        ("connectionUrl", "ldap://127.0.0.1:3890"),
        ("usersDn", "ou=people,dc=corp,dc=example"),
        ("usernameLDAPAttribute", "uid"),
        ("importEnabled", "false"),
    ];
    let off = settings(&component("ldap", USER_STORAGE, &config)).expect("valid");
    assert!(!off.import);
    let unsynced = [config.as_slice(), &[("editMode", "UNSYNCED")]].concat();
    let refused = settings(&component("ldap", USER_STORAGE, &unsynced));
    assert_eq!(
        refused.map(|_| ()).map_err(|e| e.to_string()),
        Err("Can not disable Importing users when LDAP provider mode is UNSYNCED".into())
    );
}

#[test]
fn an_entry_becomes_a_linked_user_found_again_by_its_uuid() {
    let mut realm = Realm::new("r".into(), "r".into());
    let mappings = vec![
        AttributeMapping {
            ldap: "mail".into(),
            model: "email".into(),
            read_only: false,
        },
        AttributeMapping {
            ldap: "cn".into(),
            model: "firstName".into(),
            read_only: false,
        },
    ];
    let s = ldap();
    let added = import_user(
        &mut realm,
        "c1",
        &s,
        &mappings,
        &person("Ann"),
        || "u1".into(),
        5,
    )
    .expect("imported");
    assert_eq!(added, Imported::Added("u1".into()));
    let user = realm.user("u1").expect("the user");
    assert_eq!(user.username, "ann");
    assert_eq!(user.email.as_deref(), Some("Ann@corp.example"));
    assert_eq!(user.federation_link.as_deref(), Some("c1"));
    assert_eq!(user.attributes[LDAP_ID], vec!["uuid-Ann".to_string()]);
    let again = import_user(
        &mut realm,
        "c1",
        &s,
        &mappings,
        &person("Ann"),
        || "u2".into(),
        5,
    );
    assert_eq!(again, Ok(Imported::Unchanged("u1".into())));
    let mut renamed = person("Ann");
    renamed
        .attributes
        .insert("mail".into(), vec!["new@corp.example".into()]);
    let updated = import_user(&mut realm, "c1", &s, &mappings, &renamed, || "u3".into(), 5);
    assert_eq!(updated, Ok(Imported::Updated("u1".into())));
    // A local user of the same name is not taken over.
    let clash = import_user(
        &mut realm,
        "c2",
        &s,
        &mappings,
        &person("ann"),
        || "u4".into(),
        5,
    );
    assert!(clash.is_err());
}

#[test]
fn memberships_in_ldap_groups_follow_ldap_and_other_groups_stay() {
    let mut realm = Realm::new("r".into(), "r".into());
    realm
        .add_group(Group::new("local".into(), "local", None))
        .expect("a group");
    let s = ldap();
    import_user(&mut realm, "c1", &s, &[], &person("ann"), || "u1".into(), 0).expect("ann");
    realm.users[0].groups.push("local".into());
    let g = groups();
    let sre = Entry::new(
        "cn=sre,ou=groups,dc=corp,dc=example",
        [
            ("cn".to_string(), vec!["sre".to_string()]),
            (
                "member".to_string(),
                vec!["UID=ann, ou=people,dc=corp,dc=example".to_string()],
            ),
        ],
    );
    assert!(is_member(&g, &sre, &person("ann")));
    let mut n = 0;
    let mut ids = || {
        n += 1;
        format!("g{n}")
    };
    let changed = sync_memberships(&mut realm, &g, &[sre], &[("u1".into(), vec![0])], &mut ids)
        .expect("synced");
    assert!(changed.contains("u1"));
    assert_eq!(
        realm.users[0].groups,
        vec!["local".to_string(), "g1".to_string()]
    );
    // Ann left sre in LDAP.
    let changed =
        sync_memberships(&mut realm, &g, &[], &[("u1".into(), vec![])], &mut ids).expect("synced");
    assert!(changed.contains("u1"));
    assert_eq!(realm.users[0].groups, vec!["local".to_string()]);
}

#[test]
fn a_group_mappers_sync_adds_updates_and_drops_groups() {
    let mut realm = Realm::new("r".into(), "r".into());
    realm
        .add_group(Group::new("local".into(), "local", None))
        .expect("a group");
    let g = groups();
    let group = |cn: &str| {
        Entry::new(
            &format!("cn={cn},ou=groups,dc=corp,dc=example"),
            [("cn".to_string(), vec![cn.to_string()])],
        )
    };
    let mut n = 0;
    let mut ids = || {
        n += 1;
        format!("g{n}")
    };
    let first = sync_groups(
        &mut realm,
        &g,
        &[group("sre"), group("devs")],
        true,
        &mut ids,
    )
    .expect("synced");
    assert_eq!((first.added, first.updated, first.removed), (2, 0, 0));
    assert_eq!(
        first.status,
        "2 imported users, 0 updated users, 0 removed users"
    );
    // devs is gone from LDAP: dropped; the local group stays.
    let second = sync_groups(&mut realm, &g, &[group("sre")], true, &mut ids).expect("synced");
    assert_eq!((second.added, second.updated, second.removed), (0, 1, 1));
    let names: Vec<&str> = realm.groups.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["local", "sre"]);
}

#[test]
fn a_writable_users_changes_become_ldap_replacements() {
    let mapping = |ldap: &str, model: &str, read_only: bool| AttributeMapping {
        ldap: ldap.into(),
        model: model.into(),
        read_only,
    };
    let mappings = [
        mapping("uid", "username", false),
        mapping("mail", "email", false),
        mapping("sn", "lastName", false),
        mapping("createTimestamp", "createTimestamp", true),
    ];
    let mut before = User::new("u1".into(), "ann");
    before.email = Some("ann@corp.example".into());
    before.last_name = Some("Lee".into());
    let mut after = before.clone();
    after.email = Some("ann.lee@corp.example".into());
    after.last_name = None;
    assert_eq!(
        ldap_changes(&mappings, &before, &after),
        Ok(vec![
            ("mail".to_string(), vec!["ann.lee@corp.example".to_string()]),
            ("sn".to_string(), Vec::new()),
        ])
    );
    let mut renamed = before.clone();
    renamed.username = "anne".into();
    assert_eq!(
        ldap_changes(&mappings, &before, &renamed),
        Err(FederationError::ReadOnly)
    );
    let mut stamped = before.clone();
    stamped
        .attributes
        .insert("createTimestamp".into(), vec!["now".into()]);
    assert_eq!(
        ldap_changes(&mappings, &before, &stamped),
        Err(FederationError::ReadOnly)
    );
}

#[test]
fn generalized_time_is_utc_as_ldap_writes_it() {
    assert_eq!(generalized_time(0), "19700101000000Z");
    assert_eq!(generalized_time(1_796_446_469), "20261205045429Z");
}
