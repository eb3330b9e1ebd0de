use serde_json::json;

use super::*;

fn pod(spec: Value) -> Value {
    json!({"metadata": {"name": "p"}, "spec": spec})
}

#[test]
fn a_quota_without_scopes_tracks_every_object() {
    let quota = json!({"spec": {"hard": {"pods": "2"}}});
    let scopes = requirements(&quota);
    assert!(matches(&scopes, "", "configmaps", &json!({})));
    assert!(matches(&scopes, "", "pods", &pod(json!({}))));
}

#[test]
fn scoped_quotas_track_only_the_pods_in_every_scope() {
    let best_effort = pod(json!({"containers": [{"name": "c"}]}));
    let burstable = pod(json!({"containers": [{"name": "c",
        "resources": {"requests": {"cpu": "100m"}}}], "activeDeadlineSeconds": 30}));
    let quota = json!({"spec": {"scopes": ["BestEffort"], "hard": {"pods": "1"}}});
    let scopes = requirements(&quota);
    assert!(matches(&scopes, "", "pods", &best_effort));
    assert!(!matches(&scopes, "", "pods", &burstable));
    assert!(
        !matches(&scopes, "", "configmaps", &json!({})),
        "no other kind"
    );

    let quota = json!({"spec": {"scopes": ["NotBestEffort", "Terminating"]}});
    let scopes = requirements(&quota);
    assert!(matches(&scopes, "", "pods", &burstable));
    assert!(!matches(&scopes, "", "pods", &best_effort));
}

#[test]
fn priority_class_selectors_match_as_label_selectors_on_the_class_name() {
    let high = pod(json!({"priorityClassName": "high", "containers": []}));
    let none = pod(json!({"containers": []}));
    let selector = |operator: &str, values: Value| {
        requirements(&json!({"spec": {"scopeSelector": {"matchExpressions": [
            {"scopeName": "PriorityClass", "operator": operator, "values": values}]}}}))
    };
    assert!(matches(
        &selector("In", json!(["high", "mid"])),
        "",
        "pods",
        &high
    ));
    assert!(!matches(&selector("In", json!(["mid"])), "", "pods", &high));
    assert!(matches(
        &selector("NotIn", json!(["mid"])),
        "",
        "pods",
        &none
    ));
    assert!(matches(&selector("Exists", json!(null)), "", "pods", &high));
    assert!(!matches(
        &selector("Exists", json!(null)),
        "",
        "pods",
        &none
    ));
    assert!(!matches(
        &selector("DoesNotExist", json!(null)),
        "",
        "pods",
        &none
    ));
}

#[test]
fn cross_namespace_affinity_is_a_term_with_namespaces_or_a_namespace_selector() {
    let quota = json!({"spec": {"scopes": ["CrossNamespacePodAffinity"]}});
    let scopes = requirements(&quota);
    let with = pod(json!({"affinity": {"podAntiAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1,
            "podAffinityTerm": {"topologyKey": "k", "namespaceSelector": {}}}]}}}));
    let without = pod(json!({"affinity": {"podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "k"}]}}}));
    assert!(matches(&scopes, "", "pods", &with));
    assert!(!matches(&scopes, "", "pods", &without));
}

fn messages(spec: Value) -> Vec<String> {
    validate(&spec).iter().map(ToString::to_string).collect()
}

#[test]
fn scopes_are_validated_in_kube_s_words() {
    assert!(messages(json!({"hard": {"pods": "1"}, "scopes": ["BestEffort"]})).is_empty());
    assert_eq!(
        messages(json!({"hard": {"pods": "1", "requests.cpu": "1"}, "scopes": ["BestEffort"]})),
        ["spec.scopes: Invalid value: [\"BestEffort\"]: unsupported scope applied to resource"]
    );
    assert_eq!(
        messages(json!({"scopes": ["Terminating", "NotTerminating", "Sometimes"]})),
        [
            "spec.scopes: Invalid value: [\"Terminating\",\"NotTerminating\",\"Sometimes\"]: unsupported scope",
            "spec.scopes: Invalid value: [\"Terminating\",\"NotTerminating\",\"Sometimes\"]: conflicting scopes",
        ]
    );
    assert_eq!(
        messages(json!({"scopeSelector": {"matchExpressions": [
            {"scopeName": "BestEffort", "operator": "In", "values": ["x"]},
            {"scopeName": "PriorityClass", "operator": "NotIn"}]}})),
        [
            "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
            "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
        ]
    );
}
