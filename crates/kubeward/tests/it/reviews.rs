//! The access reviews refused as kube-apiserver refuses them (its validation and registry), seen
//! through curl and kubectl, a SelfSubjectRulesReview answered as a new object, and the managed
//! fields a review's create records.

use std::process::Command;

use kubeward_testkit::cluster::{Cluster, ok};
use serde_json::Value;

/// POSTs `body` to `path` as the admin with curl: the status code and the JSON answer.
fn post(cluster: &Cluster, path: &str, body: &str) -> (u16, Value) {
    let pki = cluster.data_dir.join("pki");
    let output = Command::new("curl")
        .args(["-sS", "-w", "\n%{http_code}", "--cacert"])
        .arg(pki.join("ca.crt"))
        .arg("--cert")
        .arg(pki.join("admin.crt"))
        .arg("--key")
        .arg(pki.join("admin.key"))
        .args([
            "-H",
            "Content-Type: application/json",
            "-X",
            "POST",
            "-d",
            body,
        ])
        .arg(format!("{}{path}", cluster.server))
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let (json, code) = text
        .rsplit_once('\n')
        .expect("a status code after the body");
    let value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    (code.trim().parse().expect("a status code"), value)
}

const SAR: &str = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

#[test]
fn invalid_reviews_get_kube_apiservers_status_and_kubectl_prints_it() {
    let cluster = Cluster::up();

    let (code, status) = post(
        &cluster,
        SAR,
        r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","spec":{}}"#,
    );
    assert_eq!(code, 422, "{status}");
    assert_eq!(
        status["message"],
        ".authorization.k8s.io \"\" is invalid: [spec: Invalid value: null: exactly one of \
         nonResourceAttributes or resourceAttributes must be specified, spec.user: Invalid value: \
         \"\": at least one of user or group must be specified]"
    );
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(status["details"]["group"], "authorization.k8s.io");
    assert_eq!(status["details"]["causes"][1]["field"], "spec.user");

    // kubectl shows the same refusal (the Status names no kind, as kube-apiserver's).
    let file = cluster.scratch("sar.yaml");
    std::fs::write(
        &file,
        "apiVersion: authorization.k8s.io/v1\nkind: SubjectAccessReview\nspec:\n  resourceAttributes:\n    verb: get\n    resource: pods\n",
    )
    .unwrap();
    let refused = cluster.kubectl(&["create", "-f", file.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr).trim(),
        "The request is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified"
    );

    // A LocalSubjectAccessReview about another namespace.
    let (code, status) = post(
        &cluster,
        "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews",
        r#"{"spec":{"user":"minjun","resourceAttributes":{"namespace":"kube-system","verb":"get","resource":"pods"}}}"#,
    );
    assert_eq!(code, 422, "{status}");
    assert_eq!(
        status["message"],
        ".authorization.k8s.io \"\" is invalid: spec.resourceAttributes.namespace: Invalid value: \
         \"kube-system\": must match metadata.namespace"
    );
    let (code, status) = post(
        &cluster,
        "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews",
        r#"{"metadata":{"namespace":"dev"},"spec":{"user":"minjun","resourceAttributes":{"namespace":"dev"}}}"#,
    );
    assert_eq!((code, status["reason"].as_str()), (400, Some("BadRequest")));
    assert_eq!(
        status["message"],
        "the namespace of the provided object does not match the namespace sent on the request"
    );

    // A SelfSubjectRulesReview without a namespace, and one with.
    let rules = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
    let (code, status) = post(&cluster, rules, r#"{"spec":{}}"#);
    assert_eq!(
        (code, status["message"].as_str()),
        (400, Some("no namespace on request"))
    );
    let (code, review) = post(
        &cluster,
        rules,
        r#"{"metadata":{"name":"x"},"spec":{"namespace":"default"}}"#,
    );
    assert_eq!(code, 201, "{review}");
    assert_eq!(review["spec"], serde_json::json!({}), "{review}");
    assert_eq!(
        review["metadata"],
        serde_json::json!({"creationTimestamp": null}),
        "{review}"
    );
    assert_eq!(review["status"]["incomplete"], false);

    // A valid review with a group alone is answered.
    let (code, review) = post(
        &cluster,
        SAR,
        r#"{"spec":{"groups":["system:masters"],"nonResourceAttributes":{"path":"/healthz","verb":"get"}}}"#,
    );
    assert_eq!(code, 201, "{review}");
    assert_eq!(review["status"]["allowed"], true, "{review}");
    // It carries the managed fields kube's create path records for the request (curl's
    // User-Agent names the manager); the SelfSubjectRulesReview above, a new object, has none.
    let managed = &review["metadata"]["managedFields"][0];
    assert_eq!(
        (
            &managed["manager"],
            &managed["operation"],
            &managed["apiVersion"],
            &managed["fieldsType"]
        ),
        (
            &serde_json::json!("curl"),
            &serde_json::json!("Update"),
            &serde_json::json!("authorization.k8s.io/v1"),
            &serde_json::json!("FieldsV1")
        ),
        "{review}"
    );
    assert_eq!(
        managed["fieldsV1"],
        serde_json::json!({"f:spec": {"f:groups": {}, "f:nonResourceAttributes": {
            ".": {}, "f:path": {}, "f:verb": {}}}}),
        "{review}"
    );
    let _ = ok(&cluster.kubectl(&["auth", "can-i", "get", "pods", "-n", "default"]));
}
