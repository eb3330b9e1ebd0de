//! Mapping order and matching: aws-iam-authenticator's ConfigMap mapper (`TestMapper` of
//! configmap_test.go: roles before users, case-insensitive ARNs) and kubeward's additions
//! (role paths, globs, the nearest entry).

use super::*;
use crate::iam::access_entries::{AccessEntries, AccessEntry};
use crate::iam::arn::PrincipalType;

fn role_identity(role: &str, session: &str) -> Identity {
    Identity {
        arn: format!("arn:aws:sts::123456789012:assumed-role/{role}/{session}"),
        canonical_arn: format!("arn:aws:iam::123456789012:role/{role}"),
        principal_type: PrincipalType::AssumedRole,
        account_id: "123456789012".into(),
        user_id: "AROAEXAMPLE".into(),
        session_name: session.into(),
        access_key_id: "ASIAEXAMPLE".into(),
        sts_endpoint: "sts.amazonaws.com".into(),
    }
}

fn user_identity(name: &str) -> Identity {
    Identity {
        arn: format!("arn:aws:iam::123456789012:user/{name}"),
        canonical_arn: format!("arn:aws:iam::123456789012:user/{name}"),
        principal_type: PrincipalType::User,
        account_id: "123456789012".into(),
        user_id: "AIDAEXAMPLE".into(),
        session_name: String::new(),
        access_key_id: "AKIAEXAMPLE".into(),
        sts_endpoint: "sts.amazonaws.com".into(),
    }
}

fn role(arn: &str, username: &str, groups: &[&str]) -> RoleMapping {
    RoleMapping {
        rolearn: arn.into(),
        username: username.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..RoleMapping::default()
    }
}

fn user(arn: &str, username: &str, groups: &[&str]) -> UserMapping {
    UserMapping {
        userarn: arn.into(),
        username: username.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..UserMapping::default()
    }
}

fn config_map(roles: Vec<RoleMapping>, users: Vec<UserMapping>, accounts: &[&str]) -> Mappings {
    Mappings {
        config_map: MapperSet::new(
            roles,
            users,
            accounts.iter().map(|a| a.to_string()).collect(),
        ),
        ..Mappings::default()
    }
}

#[test]
fn a_role_session_maps_through_its_role_case_insensitively() {
    let m = config_map(
        vec![role(
            "arn:aws:iam::123456789012:role/KubeAdmin",
            "admin:{{SessionName}}",
            &["system:masters"],
        )],
        vec![],
        &[],
    );
    let mapped = m.map(&role_identity("kubeadmin", "alice@corp")).unwrap();
    assert_eq!(mapped.username, "admin:alice-corp");
    assert_eq!(mapped.groups, ["system:masters"]);
    assert_eq!(
        (mapped.source, mapped.kind),
        (Source::ConfigMap, EntryKind::Role)
    );
    assert!(m.map(&role_identity("notKubeAdmin", "a")).is_err());
}

#[test]
fn users_map_and_unmapped_users_do_not() {
    let m = config_map(
        vec![],
        vec![user(
            "arn:aws:iam::123456789012:user/Shanice",
            "Shanice",
            &["system:masters"],
        )],
        &[],
    );
    assert_eq!(
        m.map(&user_identity("shanice")).unwrap().username,
        "Shanice"
    );
    assert_eq!(
        m.map(&user_identity("notShanice")).unwrap_err(),
        MapError::NotMapped("arn:aws:iam::123456789012:user/notShanice".into())
    );
}

#[test]
fn the_last_duplicate_entry_wins() {
    let arn = "arn:aws:iam::123456789012:user/testuser";
    let m = config_map(
        vec![],
        vec![
            user(arn, "first", &["system:masters"]),
            user(arn, "second", &["system:authenticated"]),
        ],
        &[],
    );
    assert_eq!(
        m.map(&user_identity("testuser")).unwrap().username,
        "second"
    );
}

#[test]
fn mapped_accounts_get_their_canonical_arn() {
    let m = config_map(vec![], vec![], &["123456789012"]);
    let mapped = m.map(&role_identity("Dev", "s")).unwrap();
    assert_eq!(mapped.username, "arn:aws:iam::123456789012:role/Dev");
    assert!(mapped.groups.is_empty());
    assert_eq!(mapped.kind, EntryKind::Account);
}

#[test]
fn a_role_arn_with_a_path_matches_its_sessions() {
    let m = config_map(
        vec![role(
            "arn:aws:iam::123456789012:role/teams/platform/Admin",
            "platform-admin",
            &["system:masters"],
        )],
        vec![],
        &[],
    );
    // STS names the session without the path.
    assert_eq!(
        m.map(&role_identity("Admin", "bob")).unwrap().username,
        "platform-admin"
    );
}

#[test]
fn role_globs() {
    let m = config_map(
        vec![
            role(
                "arn:aws:iam::123456789012:role/dev-*",
                "dev:{{SessionName}}",
                &["dev"],
            ),
            role(
                "arn:aws:iam::123456789012:role/dev-admin",
                "dev-admin",
                &["system:masters"],
            ),
        ],
        vec![],
        &[],
    );
    assert_eq!(
        m.map(&role_identity("dev-alice", "alice"))
            .unwrap()
            .username,
        "dev:alice"
    );
    // An exact entry is preferred to a glob.
    assert_eq!(
        m.map(&role_identity("dev-admin", "x")).unwrap().username,
        "dev-admin"
    );
    assert!(m.map(&role_identity("prod-alice", "alice")).is_err());
}

#[test]
fn sso_permission_sets() {
    let mut sso = role("", "sso:{{SessionName}}", &["viewers"]);
    sso.sso = Some(SsoMatcher {
        permission_set_name: "ViewOnlyAccess".into(),
        account_id: "123456789012".into(),
        partition: String::new(),
    });
    let m = config_map(vec![sso], vec![], &[]);
    assert_eq!(
        m.map(&role_identity(
            "AWSReservedSSO_ViewOnlyAccess_abcdefg",
            "carol"
        ))
        .unwrap()
        .username,
        "sso:carol"
    );
    assert!(
        m.map(&role_identity("AWSReservedSSO_Billing_hijklmn", "x"))
            .is_err()
    );
}

#[test]
fn backends_in_order_file_access_entries_config_map() {
    let arn = "arn:aws:iam::123456789012:user/testuser";
    let mut m = config_map(vec![], vec![user(arn, "from-configmap", &[])], &[]);
    m.access_entries = AccessEntries::new(vec![AccessEntry {
        principal_arn: arn.into(),
        kubernetes_groups: vec!["devs".into()],
        entry_type: "STANDARD".into(),
        ..AccessEntry::default()
    }]);
    let mapped = m.map(&user_identity("testuser")).unwrap();
    assert_eq!(mapped.source, Source::AccessEntries);
    assert_eq!(mapped.username, arn);
    m.file = MapperSet::new(vec![], vec![user(arn, "from-file", &[])], vec![]);
    assert_eq!(
        m.map(&user_identity("testuser")).unwrap().username,
        "from-file"
    );
}

#[test]
fn template_errors_name_the_mapper() {
    let m = config_map(
        vec![role(
            "arn:aws:iam::123456789012:role/nodes",
            "system:node:{{EC2PrivateDNSName}}",
            &[],
        )],
        vec![],
        &[],
    );
    assert_eq!(
        m.map(&role_identity("nodes", "alice"))
            .unwrap_err()
            .to_string(),
        "mapper EKSConfigMap renderTemplates error: error rendering username template \"system:node:{{EC2PrivateDNSName}}\": SessionName did not contain an instance id"
    );
}

#[test]
fn the_nearest_entry_of_an_unmapped_identity() {
    let m = config_map(
        vec![role("arn:aws:iam::123456789012:role/admins", "a", &[])],
        vec![user(
            "arn:aws:iam::123456789012:user/testuser",
            "testuser",
            &[],
        )],
        &[],
    );
    let (source, key, distance) = m.nearest("arn:aws:iam::123456789012:user/testusr").unwrap();
    assert_eq!(source, Source::ConfigMap);
    assert_eq!(key, "arn:aws:iam::123456789012:user/testuser");
    assert_eq!(distance, 1);
    assert_eq!(Mappings::default().nearest("x"), None);
}
