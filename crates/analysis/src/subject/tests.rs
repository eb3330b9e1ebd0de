//! Tests of subject parsing and matching.

use kubeward_rbac::{Binding, RoleRef, RoleRefKind, Subject};

use super::*;

#[test]
fn kinds_parse_case_insensitively_and_unknown_kinds_are_named() {
    assert_eq!("group".parse::<SubjectKind>(), Ok(SubjectKind::Group));
    assert_eq!(
        "ServiceAccount".parse::<SubjectKind>(),
        Ok(SubjectKind::ServiceAccount)
    );
    assert_eq!(
        "Robot".parse::<SubjectKind>().unwrap_err().to_string(),
        "\"Robot\" is unknown SubjectKind (use User, Group or ServiceAccount)"
    );
}

#[test]
fn service_accounts_take_their_namespace_from_the_name_or_the_flag() {
    let sa = |ns: &str, n: &str| Subject::ServiceAccount {
        namespace: ns.into(),
        name: n.into(),
    };
    assert_eq!(
        parse(SubjectKind::ServiceAccount, "a:b", None),
        Ok(sa("a", "b"))
    );
    assert_eq!(
        parse(
            SubjectKind::ServiceAccount,
            "system:serviceaccount:a:b",
            Some("x")
        ),
        Ok(sa("a", "b"))
    );
    assert_eq!(
        parse(SubjectKind::ServiceAccount, "b", Some("x")),
        Ok(sa("x", "b"))
    );
    assert_eq!(
        parse(SubjectKind::ServiceAccount, "b", None),
        Err(SubjectError::NoNamespace("b".into()))
    );
}

#[test]
fn a_role_binding_names_a_service_account_of_its_own_namespace_without_one() {
    let binding = Binding {
        namespace: Some("dev".into()),
        name: "rb".into(),
        role_ref: RoleRef {
            kind: RoleRefKind::Role,
            name: "r".into(),
        },
        subjects: vec![Subject::ServiceAccount {
            namespace: String::new(),
            name: "bot".into(),
        }],
    };
    let bot = |ns: &str| Subject::ServiceAccount {
        namespace: ns.into(),
        name: "bot".into(),
    };
    assert!(binding_names(&binding, &bot("dev")));
    assert!(!binding_names(&binding, &bot("prod")));
}
