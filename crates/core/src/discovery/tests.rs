//! Tests of the built-in catalogue and kubectl-style resource resolution.

use super::*;

#[test]
fn builtin_documents_parse() {
    for document in [AGGREGATED_API_JSON, AGGREGATED_APIS_JSON] {
        let mut catalog = ResourceCatalog::default();
        catalog.extend_from_json(document).unwrap();
        assert!(catalog.iter().count() > 10);
    }
}

fn resolved(argument: &str) -> Option<(String, String, bool)> {
    builtin()
        .resolve(argument)
        .map(|r| (r.group.clone(), r.resource.clone(), r.namespaced))
}

#[test]
fn resolves_names_singulars_short_names_and_kinds() {
    let pods = Some((String::new(), "pods".to_string(), true));
    for argument in ["pods", "pod", "po", "Pod", "PODS"] {
        assert_eq!(resolved(argument), pods, "{argument}");
    }
    let deployments = Some(("apps".to_string(), "deployments".to_string(), true));
    for argument in [
        "deployments",
        "deploy",
        "deployments.apps",
        "deployments.v1.apps",
    ] {
        assert_eq!(resolved(argument), deployments, "{argument}");
    }
    assert_eq!(
        resolved("nodes"),
        Some((String::new(), "nodes".to_string(), false))
    );
    assert_eq!(
        resolved("csr"),
        Some((
            "certificates.k8s.io".to_string(),
            "certificatesigningrequests".to_string(),
            false
        ))
    );
}

#[test]
fn core_group_wins_without_a_group_and_the_group_selects_otherwise() {
    assert_eq!(resolved("events").unwrap().0, "");
    assert_eq!(resolved("events.events.k8s.io").unwrap().0, "events.k8s.io");
    assert_eq!(resolved("ev.events.k8s.io").unwrap().0, "events.k8s.io");
}

#[test]
fn unknown_resources_and_groups_do_not_resolve() {
    assert_eq!(resolved("widgets"), None);
    assert_eq!(resolved("pods.apps"), None);
    assert_eq!(resolved("deployments.v9.apps"), None);
    assert_eq!(resolved(""), None);
    assert_eq!(resolved("..."), None);
}

#[test]
fn group_resource_is_qualified_outside_the_core_group() {
    let catalog = builtin();
    assert_eq!(catalog.get("", "pods").unwrap().group_resource(), "pods");
    assert_eq!(
        catalog.get("apps", "deployments").unwrap().group_resource(),
        "deployments.apps"
    );
    assert!(
        catalog
            .get("", "pods")
            .unwrap()
            .subresources
            .contains(&"log".to_string())
    );
}
