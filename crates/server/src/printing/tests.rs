use serde_json::json;
use time::macros::datetime;

use super::*;
use crate::registry::find;

#[test]
fn human_duration_matches_go() {
    let cases = [
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (125, "2m5s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60, "3h1m"),
        (8 * 3600, "8h"),
        (86400, "24h"),
        (48 * 3600, "2d"),
        (49 * 3600, "2d1h"),
        (8 * 86400, "8d"),
        (2 * 365 * 86400, "2y"),
        (2 * 365 * 86400 + 86400, "2y1d"),
        (9 * 365 * 86400, "9y"),
    ];
    for (seconds, expected) in cases {
        assert_eq!(human_duration(seconds), expected, "{seconds}");
    }
}

#[test]
fn csr_row_has_kubernetes_columns() {
    let def = find("certificates.k8s.io", "v1", "certificatesigningrequests").unwrap();
    let csr = json!({
        "metadata": {"name": "minjun", "creationTimestamp": "2026-11-22T10:23:22Z"},
        "spec": {"signerName": "kubernetes.io/kube-apiserver-client", "username": "kubernetes-admin", "expirationSeconds": 86400},
        "status": {"conditions": [{"type": "Approved"}], "certificate": "LS0t"}
    });
    let table = table(def, &[csr], "9", datetime!(2026-11-22 10:23:26 UTC));
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
    let def = find("rbac.authorization.k8s.io", "v1", "rolebindings").unwrap();
    let binding = json!({
        "metadata": {"name": "b", "creationTimestamp": "2026-11-22T10:00:00Z"},
        "roleRef": {"kind": "Role", "name": "pod-reader"},
        "subjects": [
            {"kind": "User", "name": "minjun"},
            {"kind": "ServiceAccount", "name": "dev-k8s", "namespace": "dev-team"},
            {"kind": "Group", "name": "dev-team"}
        ]
    });
    let table = table(def, &[binding], "1", datetime!(2026-11-22 10:00:40 UTC));
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
    assert_eq!(csr_condition(&denied), "Denied");
    let failed = json!({"status": {"conditions": [{"type": "Approved"}, {"type": "Failed"}]}});
    assert_eq!(csr_condition(&failed), "Approved,Failed");
    assert_eq!(csr_condition(&json!({})), "Pending");
}
