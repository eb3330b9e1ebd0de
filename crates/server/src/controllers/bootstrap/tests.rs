use serde_json::json;

use super::*;

fn role_def() -> &'static Kind {
    rbac::cluster_roles()
}

#[test]
fn missing_rules_labels_and_subjects_are_added_never_removed() {
    let existing = json!({
        "metadata": {"name": "system:basic-user", "labels": {"mine": "yes"}},
        "rules": [{"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews"]},
                  {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"]}]
    });
    let expected = json!({
        "metadata": {"name": "system:basic-user", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
        "rules": [{"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]}]
    });
    let next = reconciled(role_def(), &existing, &expected).expect("something was missing");
    assert_eq!(
        next["metadata"]["labels"],
        json!({"mine": "yes", "kubernetes.io/bootstrapping": "rbac-defaults"})
    );
    let rules = next["rules"].as_array().unwrap();
    assert_eq!(
        rules.len(),
        3,
        "the administrator's extra rule stays: {rules:?}"
    );
    assert_eq!(
        rules[2],
        json!({"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectrulesreviews"]})
    );
    assert_eq!(
        reconciled(role_def(), &next, &expected),
        None,
        "a second pass changes nothing"
    );
}

#[test]
fn a_binding_gets_missing_subjects_and_a_changed_role_ref_is_replaced() {
    let def = rbac::cluster_role_bindings();
    let expected = json!({
        "metadata": {"name": "system:basic-user"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:basic-user"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}]
    });
    let emptied = json!({"metadata": {"name": "system:basic-user", "uid": "u"}, "roleRef": expected["roleRef"], "subjects": []});
    let next = reconciled(def, &emptied, &expected).unwrap();
    assert_eq!(next["subjects"], expected["subjects"]);
    let repointed = json!({"metadata": {"name": "system:basic-user", "uid": "u"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}});
    let replaced = reconciled(def, &repointed, &expected).unwrap();
    assert_eq!(replaced["roleRef"], expected["roleRef"]);
    assert_eq!(replaced["metadata"]["uid"], "u");
}
