//! `kubectl explain` on the built-in kinds with the oldest and newest supported kubectl (1.27
//! and 1.33): OpenAPI v3 (kubectl's default) and v2 in protobuf (`--output
//! plaintext-openapiv2`), field paths and `--recursive`, with Kubernetes' own descriptions.

use kubeward_testkit::cluster::{Cluster, ok};

fn explain(cluster: &Cluster, minor: u32, args: &[&str]) -> String {
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    ok(&cluster.kubectl_version(minor, &all))
}

fn explains_built_in_kinds(minor: u32) {
    let cluster = Cluster::up();

    let containers = explain(&cluster, minor, &["pod.spec.containers"]);
    assert!(containers.contains("Pod"), "{containers}");
    assert!(containers.contains("containers"), "{containers}");
    assert!(
        containers.contains("List of containers belonging to the pod."),
        "{containers}"
    );
    assert!(containers.contains("image\t<string>") || containers.contains("image <string>") || containers.contains("image"), "{containers}");
    assert!(containers.contains("livenessProbe"), "{containers}");

    let deployment = explain(&cluster, minor, &["deployment", "--recursive"]);
    assert!(deployment.contains("apps"), "{deployment}");
    assert!(deployment.contains("Deployment enables declarative updates for Pods and ReplicaSets."), "{deployment}");
    for field in ["replicas", "template", "containers", "strategy", "rollingUpdate"] {
        assert!(deployment.contains(field), "{field}: {deployment}");
    }

    let v2 = explain(&cluster, minor, &["pods.spec.restartPolicy", "--output", "plaintext-openapiv2"]);
    assert!(v2.contains("Pod"), "{v2}");
    assert!(v2.contains("restartPolicy"), "{v2}");
    assert!(v2.contains("Restart policy for all containers within the pod."), "{v2}");

    // Kinds of other groups, and a review kind.
    for kind in ["cronjobs.spec.jobTemplate", "ingress.spec.rules", "clusterrolebinding.roleRef", "subjectaccessreview.spec"] {
        let out = explain(&cluster, minor, &[kind]);
        assert!(out.contains("DESCRIPTION"), "{kind}: {out}");
    }
}

#[test]
fn kubectl_1_33_explains_built_in_kinds() {
    explains_built_in_kinds(33);
}

#[test]
fn kubectl_1_27_explains_built_in_kinds() {
    explains_built_in_kinds(27);
}

#[test]
fn openapi_v3_index_names_each_documents_hash_and_serves_it_with_its_etag() {
    let cluster = Cluster::up();
    let index: serde_json::Value =
        serde_json::from_str(&ok(&cluster.kubectl(&["get", "--raw", "/openapi/v3"]))).unwrap();
    let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_string();
    let hash = url.split("hash=").nth(1).unwrap_or("");
    assert_eq!(hash.len(), 128, "{url}");
    let document: serde_json::Value =
        serde_json::from_str(&ok(&cluster.kubectl(&["get", "--raw", &url]))).unwrap();
    assert_eq!(
        document["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"],
        serde_json::json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
    );
}
