use serde_json::{Value, json};
use time::macros::datetime;

use super::*;

/// Every kind computes exactly one cell per column, for an empty object and a full one.
#[test]
fn every_kind_has_one_cell_per_column() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let full = json!({
        "metadata": {"name": "x", "namespace": "ns", "creationTimestamp": "2026-11-22T09:00:00Z"},
        "spec": {"containers": [{"name": "a", "image": "b"}], "ports": [{"port": 80}],
                 "template": {"spec": {"containers": [{"name": "a", "image": "b"}]}}},
        "subjects": [{"kind": "User", "name": "u"}],
        "roleRef": {"kind": "Role", "name": "r"},
    });
    for kind in all() {
        for object in [json!({}), full.clone()] {
            assert_eq!(
                (kind.cells)(&object, now).len(),
                kind.columns.len(),
                "{}",
                kind.resource
            );
        }
        // Every kind has one name column (events put it last).
        let names = kind.columns.iter().filter(|c| c.format == "name").count();
        assert_eq!(names, 1, "{}", kind.resource);
    }
}

#[test]
fn kinds_are_unique_and_found_by_group_version_resource() {
    let mut seen = std::collections::HashSet::new();
    for kind in all() {
        assert!(
            seen.insert((kind.group, kind.version, kind.resource)),
            "{} twice",
            kind.resource
        );
        assert_eq!(find(kind.group, kind.version, kind.resource), Some(kind));
    }
    assert!(find("", "v1", "widgets").is_none());
    // A resource's name alone does not find it: the group and version must match too.
    assert!(find("apps", "v1", "pods").is_none());
    assert!(find("", "v2", "pods").is_none());
    // A name two groups share is found in each.
    assert_eq!(find("", "v1", "events").map(|k| k.group), Some(""));
    assert_eq!(
        find("events.k8s.io", "v1", "events").map(|k| k.group),
        Some("events.k8s.io")
    );
    assert!(serves_group_version("apps", "v1"));
    assert!(!serves_group_version("apps", "v2"));
}

#[test]
fn accessors_name_the_right_kinds() {
    assert_eq!(core::namespaces().resource, "namespaces");
    assert_eq!(core::service_accounts().resource, "serviceaccounts");
    assert_eq!(core::secrets().resource, "secrets");
    assert_eq!(core::config_maps().resource, "configmaps");
    assert_eq!(core::pods().resource, "pods");
    assert_eq!(core::nodes().resource, "nodes");
    assert_eq!(core::extended::resource_quotas().resource, "resourcequotas");
    assert_eq!(rbac::roles().resource, "roles");
    assert_eq!(rbac::role_bindings().resource, "rolebindings");
    assert_eq!(rbac::cluster_roles().resource, "clusterroles");
    assert_eq!(
        rbac::cluster_role_bindings().resource,
        "clusterrolebindings"
    );
    assert_eq!(certificates::csrs().resource, "certificatesigningrequests");
}

#[test]
fn keys_and_scopes_follow_the_scope_of_the_kind() {
    let pods = core::pods();
    assert_eq!(pods.key("dev", "p").namespace.as_deref(), Some("dev"));
    assert_eq!(pods.scope("").namespace, None);
    let nodes = core::nodes();
    assert_eq!(nodes.key("ignored", "n").namespace, None);
    assert_eq!(nodes.scope("ignored").namespace, None);
    assert_eq!(rbac::roles().api_version(), "rbac.authorization.k8s.io/v1");
    assert_eq!(core::pods().api_version(), "v1");
}

#[test]
fn api_versions_are_recognised_without_building_them() {
    let roles = rbac::roles();
    assert!(roles.is_api_version("rbac.authorization.k8s.io/v1"));
    assert!(!roles.is_api_version("rbac.authorization.k8s.io/v1beta1"));
    assert!(!roles.is_api_version("v1"));
    assert!(!roles.is_api_version("rbac.authorization.k8s.io"));
    let pods = core::pods();
    assert!(pods.is_api_version("v1"));
    assert!(!pods.is_api_version("core/v1"));
    assert!(!pods.is_api_version("/v1"));
}

#[test]
fn schemas_are_the_kubernetes_types() {
    let configmap = json!({"metadata": {"name": "c"}, "data": {"k": "v"}, "colour": "red"});
    let known: Value = (core::config_maps().schema.unwrap().check.unwrap())(&configmap).unwrap();
    assert!(known.get("colour").is_none());
    assert!((core::config_maps().schema.unwrap().check.unwrap())(&json!({"data": 3})).is_err());
}

#[test]
fn csr_row_has_kubernetes_columns() {
    let kind = find("certificates.k8s.io", "v1", "certificatesigningrequests").unwrap();
    let csr = json!({
        "metadata": {"name": "minjun", "creationTimestamp": "2026-11-22T10:23:22Z"},
        "spec": {"signerName": "kubernetes.io/kube-apiserver-client", "username": "kubernetes-admin", "expirationSeconds": 86400},
        "status": {"conditions": [{"type": "Approved"}], "certificate": "LS0t"}
    });
    let table = kind.table(&[csr], "9", datetime!(2026-11-22 10:23:26 UTC));
    assert_eq!(
        table["rows"][0]["cells"],
        json!([
            "minjun",
            "4s",
            "kubernetes.io/kube-apiserver-client",
            "kubernetes-admin",
            "24h",
            "Approved,Issued"
        ])
    );
    let names: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Name",
            "Age",
            "SignerName",
            "Requestor",
            "RequestedDuration",
            "Condition"
        ]
    );
}

#[test]
fn binding_row_lists_subjects_by_kind() {
    let kind = find("rbac.authorization.k8s.io", "v1", "rolebindings").unwrap();
    let binding = json!({
        "metadata": {"name": "b", "creationTimestamp": "2026-11-22T10:00:00Z"},
        "roleRef": {"kind": "Role", "name": "pod-reader"},
        "subjects": [
            {"kind": "User", "name": "minjun"},
            {"kind": "ServiceAccount", "name": "dev-k8s", "namespace": "dev-team"},
            {"kind": "Group", "name": "dev-team"}
        ]
    });
    let table = kind.table(&[binding], "1", datetime!(2026-11-22 10:00:40 UTC));
    assert_eq!(
        table["rows"][0]["cells"],
        json!([
            "b",
            "Role/pod-reader",
            "40s",
            "minjun",
            "dev-team",
            "dev-team/dev-k8s"
        ])
    );
}

#[test]
fn denied_and_failed_conditions() {
    let denied = json!({"status": {"conditions": [{"type": "Denied"}]}});
    assert_eq!(certificates::condition(&denied), "Denied");
    let failed = json!({"status": {"conditions": [{"type": "Approved"}, {"type": "Failed"}]}});
    assert_eq!(certificates::condition(&failed), "Approved,Failed");
    assert_eq!(certificates::condition(&json!({})), "Pending");
}

#[test]
fn lease_rows_name_the_holder_and_its_numbers_are_checked() {
    let kind = coordination::leases();
    let lease = json!({
        "metadata": {"name": "kube-controller-manager", "namespace": "kube-system", "creationTimestamp": "2026-11-22T10:00:00Z"},
        "spec": {"holderIdentity": "host_1234", "leaseDurationSeconds": 15, "leaseTransitions": 2}
    });
    let table = kind.table(
        std::slice::from_ref(&lease),
        "9",
        datetime!(2026-11-22 10:05:00 UTC),
    );
    assert_eq!(
        table["rows"][0]["cells"],
        json!(["kube-controller-manager", "host_1234", "5m"])
    );
    assert!(kind.strategy.validate(&lease).is_empty());
    let bad = json!({"spec": {"leaseDurationSeconds": 0, "leaseTransitions": -1}});
    let fields: Vec<String> = kind
        .strategy
        .validate(&bad)
        .iter()
        .map(|e| format!("{}: {}", e.field, e.detail))
        .collect();
    assert_eq!(
        fields,
        [
            "spec.leaseDurationSeconds: must be greater than 0",
            "spec.leaseTransitions: must be greater than or equal to 0"
        ]
    );
}
