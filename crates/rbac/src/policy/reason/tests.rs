use super::*;
use crate::model::RoleRef;

fn binding(
    namespace: Option<&str>,
    name: &str,
    role: &str,
    subjects: Vec<Subject>,
) -> Arc<Binding> {
    Arc::new(Binding {
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
        role_ref: RoleRef {
            kind: RoleRefKind::ClusterRole,
            name: role.to_string(),
        },
        subjects,
    })
}

#[test]
fn a_kept_reason_is_copied_only_for_the_same_binding_and_subject() {
    let shared = binding(
        Some("dev"),
        "devs",
        "edit",
        vec![
            Subject::User("ann".to_string()),
            Subject::Group("team".to_string()),
            Subject::ServiceAccount {
                namespace: String::new(),
                name: "ci".to_string(),
            },
        ],
    );
    let ann = UserInfo::new("ann", ["team"]);
    let bob = UserInfo::new("bob", ["team"]);
    let ci = UserInfo::new("system:serviceaccount:dev:ci", ["system:serviceaccounts"]);
    let by = |user: &UserInfo| allow_reason(&shared, user);
    let to_ann = r#"RBAC: allowed by RoleBinding "devs/dev" of ClusterRole "edit" to User "ann""#;
    let to_team =
        r#"RBAC: allowed by RoleBinding "devs/dev" of ClusterRole "edit" to Group "team""#;
    let to_ci = r#"RBAC: allowed by RoleBinding "devs/dev" of ClusterRole "edit" to ServiceAccount "ci/dev""#;
    for (user, reason) in [
        (&ann, to_ann),
        (&ann, to_ann),
        (&bob, to_team),
        (&ann, to_ann),
        (&ci, to_ci),
        (&ci, to_ci),
        (&bob, to_team),
    ] {
        assert_eq!(by(user), reason);
    }
    // The same name and subjects in a binding replaced (another role): its own reason.
    let replaced = binding(Some("dev"), "devs", "view", shared.subjects.clone());
    assert_eq!(
        allow_reason(&replaced, &ann),
        r#"RBAC: allowed by RoleBinding "devs/dev" of ClusterRole "view" to User "ann""#
    );
    let cluster = binding(
        None,
        "devs",
        "edit",
        vec![Subject::Group("team".to_string())],
    );
    assert_eq!(
        allow_reason(&cluster, &bob),
        r#"RBAC: allowed by ClusterRoleBinding "devs" of ClusterRole "edit" to Group "team""#
    );
    assert_eq!(by(&ann), to_ann);
}

#[test]
fn reasons_of_bindings_asked_in_turn_are_each_copied_and_a_fifth_evicts_the_oldest() {
    let ann = UserInfo::new("ann", ["system:authenticated"]);
    let bindings: Vec<_> = (0..=SLOTS)
        .map(|n| {
            binding(
                None,
                &format!("b{n}"),
                "view",
                vec![Subject::Group("system:authenticated".to_string())],
            )
        })
        .collect();
    let expected = |n: usize| {
        format!(
            r#"RBAC: allowed by ClusterRoleBinding "b{n}" of ClusterRole "view" to Group "system:authenticated""#
        )
    };
    let kept = |b: &Arc<Binding>| KEPT.with(|kept| kept.borrow().find(b, Some(0)).is_some());
    // Two bindings in turn (an audited SelfSubjectAccessReview): both stay kept.
    for _ in 0..3 {
        assert_eq!(allow_reason(&bindings[0], &ann), expected(0));
        assert_eq!(allow_reason(&bindings[1], &ann), expected(1));
    }
    assert!(kept(&bindings[0]) && kept(&bindings[1]));
    // Every slot filled, then one more: the oldest kept reason goes, the others stay.
    for (n, b) in bindings.iter().enumerate().skip(2) {
        assert_eq!(allow_reason(b, &ann), expected(n));
    }
    assert!(!kept(&bindings[0]));
    assert!((1..=SLOTS).all(|n| kept(&bindings[n])));
    assert_eq!(allow_reason(&bindings[0], &ann), expected(0));
}
