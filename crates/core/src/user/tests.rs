//! Tests of user-name helpers and the impersonated user's groups.

use super::*;

fn groups(user: &UserInfo) -> Vec<&str> {
    user.groups.iter().map(String::as_str).collect()
}

#[test]
fn service_account_user_names_split_only_when_well_formed() {
    assert_eq!(
        split_service_account_username("system:serviceaccount:dev-team:dev-k8s"),
        Some(("dev-team", "dev-k8s"))
    );
    for name in [
        "system:serviceaccount:dev-team",
        "system:serviceaccount::x",
        "system:serviceaccount:ns:",
        "system:serviceaccount:ns:a:b",
        "minjun",
    ] {
        assert_eq!(split_service_account_username(name), None, "{name}");
    }
    assert_eq!(
        service_account_username("dev-team", "dev-k8s"),
        "system:serviceaccount:dev-team:dev-k8s"
    );
}

#[test]
fn impersonated_users_get_system_authenticated() {
    assert_eq!(
        groups(&impersonated_user("minjun", vec![])),
        ["system:authenticated"]
    );
    assert_eq!(
        groups(&impersonated_user("test", vec!["dev-team".into()])),
        ["dev-team", "system:authenticated"]
    );
    assert_eq!(
        groups(&impersonated_user(
            "test",
            vec!["system:authenticated".into()]
        )),
        ["system:authenticated"]
    );
    assert_eq!(
        groups(&impersonated_user(
            "test",
            vec!["system:unauthenticated".into()]
        )),
        ["system:unauthenticated"]
    );
}

#[test]
fn impersonated_service_accounts_get_their_groups_only_without_explicit_groups() {
    assert_eq!(
        groups(&impersonated_user(
            "system:serviceaccount:dev-team:dev-k8s",
            vec![]
        )),
        [
            "system:serviceaccounts",
            "system:serviceaccounts:dev-team",
            "system:authenticated"
        ]
    );
    assert_eq!(
        groups(&impersonated_user(
            "system:serviceaccount:dev-team:dev-k8s",
            vec!["x".into()]
        )),
        ["x", "system:authenticated"]
    );
}

#[test]
fn impersonated_anonymous_gets_system_unauthenticated() {
    assert_eq!(
        groups(&impersonated_user("system:anonymous", vec![])),
        ["system:unauthenticated"]
    );
}
