use serde_json::json;

use super::*;
use crate::controllers::bootstrap::flow_control;

fn with_uids(mut objects: Vec<Value>) -> Vec<Value> {
    for object in &mut objects {
        let name = object["metadata"]["name"].as_str().unwrap().to_string();
        let kind = object["kind"].as_str().unwrap().to_string();
        object["metadata"]["uid"] = json!(format!("{kind}/{name}"));
    }
    objects
}

fn bootstrap() -> FlowSchemas {
    FlowSchemas::new(
        &with_uids(flow_control::flow_schemas("2026-12-05T00:00:00Z")),
        &with_uids(flow_control::priority_levels()),
    )
}

fn classified(user: &UserInfo, method: &str, path: &str) -> String {
    let request = RequestInfo::parse(method, path, "").unwrap();
    bootstrap()
        .classify(user, &request)
        .map(|c| format!("{} {}", c.flow_schema_uid, c.priority_level_uid))
        .unwrap_or_default()
}

#[test]
fn requests_are_classified_by_the_bootstrap_schemas_as_kube_classifies_them() {
    let admin = UserInfo::new(
        "kubernetes-admin",
        vec!["system:masters", "system:authenticated"],
    );
    assert_eq!(
        classified(&admin, "GET", "/api/v1/pods"),
        "FlowSchema/exempt PriorityLevelConfiguration/exempt"
    );
    let anonymous = UserInfo::new("system:anonymous", vec!["system:unauthenticated"]);
    assert_eq!(
        classified(&anonymous, "GET", "/healthz"),
        "FlowSchema/probes PriorityLevelConfiguration/exempt"
    );
    assert_eq!(
        classified(&anonymous, "GET", "/version"),
        "FlowSchema/global-default PriorityLevelConfiguration/global-default"
    );
    let sa = UserInfo::new(
        "system:serviceaccount:dev:app",
        vec![
            "system:serviceaccounts",
            "system:serviceaccounts:dev",
            "system:authenticated",
        ],
    );
    assert_eq!(
        classified(&sa, "GET", "/api/v1/namespaces/dev/pods"),
        "FlowSchema/service-accounts PriorityLevelConfiguration/workload-low"
    );
    let system_sa = UserInfo::new(
        "system:serviceaccount:kube-system:coredns",
        vec!["system:serviceaccounts", "system:authenticated"],
    );
    assert_eq!(
        classified(
            &system_sa,
            "GET",
            "/api/v1/namespaces/kube-system/configmaps"
        ),
        "FlowSchema/kube-system-service-accounts PriorityLevelConfiguration/workload-high"
    );
    assert_eq!(
        classified(
            &system_sa,
            "PUT",
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x"
        ),
        "FlowSchema/system-leader-election PriorityLevelConfiguration/leader-election"
    );
    let node = UserInfo::new(
        "system:node:n1",
        vec!["system:nodes", "system:authenticated"],
    );
    assert_eq!(
        classified(&node, "PATCH", "/api/v1/nodes/n1/status"),
        "FlowSchema/system-node-high PriorityLevelConfiguration/node-high"
    );
    assert_eq!(
        classified(&node, "GET", "/api/v1/namespaces/dev/secrets/s"),
        "FlowSchema/system-nodes PriorityLevelConfiguration/system"
    );
}

#[test]
fn a_schema_without_its_level_classifies_nothing_and_prefixes_match_paths() {
    let schema = json!({"metadata": {"name": "mine", "uid": "fs"}, "spec": {
        "priorityLevelConfiguration": {"name": "gone"}, "matchingPrecedence": 1,
        "rules": [{"subjects": [{"kind": "Group", "group": {"name": "*"}}],
                   "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}]}]}});
    let user = UserInfo::new("u", Vec::<String>::new());
    let request = RequestInfo::parse("GET", "/apis/", "").unwrap();
    assert!(
        FlowSchemas::new(std::slice::from_ref(&schema), &[])
            .classify(&user, &request)
            .is_none()
    );
    let level = json!({"metadata": {"name": "gone", "uid": "pl"}});
    let index = FlowSchemas::new(&[schema], &[level]);
    assert!(index.classify(&user, &request).is_some());
    let outside = RequestInfo::parse("GET", "/version", "").unwrap();
    assert!(index.classify(&user, &outside).is_none());
}
