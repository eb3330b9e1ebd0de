use super::*;

fn resources_of(document: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for item in document["items"].as_array().unwrap() {
        let group = item
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        for version in item["versions"].as_array().unwrap() {
            for resource in version["resources"].as_array().unwrap() {
                out.push(format!(
                    "{group}/{}/{}",
                    version["version"].as_str().unwrap(),
                    resource["resource"].as_str().unwrap()
                ));
            }
        }
    }
    out
}

#[test]
fn aggregated_discovery_lists_exactly_the_served_resources() {
    let mut served: Vec<String> = resources_of(&AGGREGATED_API);
    served.extend(resources_of(&AGGREGATED_APIS));
    for resource in &served {
        let mut parts = resource.splitn(3, '/');
        let (group, version, name) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert!(kinds::find(group, version, name).is_some(), "{resource}");
    }
    assert!(served.contains(&"/v1/pods".to_string()));
    assert!(served.contains(&"rbac.authorization.k8s.io/v1/rolebindings".to_string()));
    assert!(served.contains(&"certificates.k8s.io/v1/certificatesigningrequests".to_string()));
    assert!(served.contains(&"batch/v1/jobs".to_string()));
    // Kubernetes 1.33 does not serve resource.k8s.io/v1 (it came in 1.34).
    assert!(!served.iter().any(|r| r.starts_with("resource.k8s.io/")));
    // Every stored kind is discoverable.
    for kind in kinds::stored() {
        let name = format!("{}/{}/{}", kind.group, kind.version, kind.resource);
        assert!(served.contains(&name), "{name} is not in discovery");
    }
}

#[test]
fn legacy_resource_list_names_subresources_with_a_slash() {
    let list = resource_list("certificates.k8s.io", "v1");
    let names: Vec<&str> = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "certificatesigningrequests",
            "certificatesigningrequests/approval",
            "certificatesigningrequests/status"
        ]
    );
}

#[test]
fn legacy_group_has_kubernetes_shape() {
    let group = legacy_group("rbac.authorization.k8s.io").unwrap();
    assert_eq!(
        group,
        json!({
            "kind": "APIGroup",
            "apiVersion": "v1",
            "name": "rbac.authorization.k8s.io",
            "versions": [{"groupVersion": "rbac.authorization.k8s.io/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "rbac.authorization.k8s.io/v1", "version": "v1"}
        })
    );
}
