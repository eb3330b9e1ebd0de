use serde_json::json;

use super::*;

fn crd(group: &str, established: bool) -> Value {
    json!({
        "metadata": {"name": format!("widgets.{group}")},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [
                {"name": "v1beta1", "served": true, "storage": false, "schema": {"openAPIV3Schema": {"type": "object"}}},
                {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                 "schema": {"openAPIV3Schema": {"type": "object"}}},
                {"name": "v1alpha1", "served": false, "storage": false}
            ]
        },
        "status": {"conditions": [{"type": "Established", "status": if established { "True" } else { "False" }}]}
    })
}

#[test]
fn an_established_definition_serves_its_versions_until_deleted() {
    let group = "custom-tests.example.com";
    observe(&crd(group, false));
    assert!(find(group, "v1", "widgets").is_none());
    observe(&crd(group, true));
    let v1 = find(group, "v1", "widgets").expect("served");
    assert_eq!(
        (v1.kind, v1.namespaced, v1.subresources),
        ("Widget", true, &["status"][..])
    );
    assert!(find(group, "v1beta1", "widgets").is_some_and(|k| k.subresources.is_empty()));
    assert!(find(group, "v1alpha1", "widgets").is_none(), "not served");
    assert!(find_any(group, "v1", "widgets").is_some());
    assert!(serves_group_version(group, "v1beta1"));
    let entry = discovery_groups()
        .into_iter()
        .find(|g| g["metadata"]["name"] == group)
        .expect("a discovery entry");
    let versions: Vec<&str> = entry["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["version"].as_str())
        .collect();
    assert_eq!(versions, ["v1", "v1beta1"]);
    let resource = &entry["versions"][0]["resources"][0];
    assert_eq!(resource["shortNames"], json!(["wd"]));
    assert_eq!(resource["subresources"][0]["subresource"], "status");
    assert_eq!(resource["responseKind"]["version"], "v1");
    forget(&format!("widgets.{group}"));
    assert!(find(group, "v1", "widgets").is_none());
}

#[test]
fn versions_sort_as_kubernetes_sorts_them() {
    let mut versions = vec!["v1alpha1", "foo", "v2", "v1beta2", "v1", "v1beta1", "v10"];
    versions.sort_by(|a, b| compare_versions(a, b));
    assert_eq!(
        versions,
        ["v10", "v2", "v1", "v1beta2", "v1beta1", "v1alpha1", "foo"]
    );
}
