use serde_json::json;

use super::*;

#[test]
fn pull_policy_follows_the_tag() {
    assert_eq!(pull_policy("nginx"), "Always");
    assert_eq!(pull_policy("nginx:latest"), "Always");
    assert_eq!(pull_policy("nginx:1.27"), "IfNotPresent");
    assert_eq!(pull_policy("registry:5000/nginx"), "Always");
    assert_eq!(pull_policy("nginx@sha256:abc"), "IfNotPresent");
}

#[test]
fn pod_templates_get_the_api_server_defaults() {
    let mut object = json!({"spec": {"template": {"spec": {
        "containers": [{"name": "a", "image": "busybox", "ports": [{"containerPort": 80}]}],
        "restartPolicy": "Never",
    }}}});
    default_pod_spec(&mut object, "/spec/template/spec");
    let spec = &object["spec"]["template"]["spec"];
    assert_eq!(spec["restartPolicy"], "Never");
    assert_eq!(spec["dnsPolicy"], "ClusterFirst");
    assert_eq!(spec["schedulerName"], "default-scheduler");
    assert_eq!(spec["terminationGracePeriodSeconds"], 30);
    let container = &spec["containers"][0];
    assert_eq!(container["imagePullPolicy"], "Always");
    assert_eq!(container["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(container["ports"][0]["protocol"], "TCP");
}

#[test]
fn selectors_must_select_the_template() {
    let object = json!({"spec": {
        "selector": {"matchLabels": {"app": "a"}},
        "template": {"metadata": {"labels": {"app": "b"}},
                     "spec": {"containers": [{"name": "c", "image": "i"}]}},
    }});
    let errors = selector_and_template(&object, "deployment");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "spec.template.metadata.labels");
    let missing =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}});
    assert_eq!(
        selector_and_template(&missing, "deployment")[0].field,
        "spec.selector"
    );
}

#[test]
fn expressions_select_as_kubernetes_does() {
    let selector = json!({"matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["web", "api"]},
        {"key": "legacy", "operator": "DoesNotExist"},
    ]});
    assert!(selects(&selector, &json!({"tier": "web"})));
    assert!(!selects(&selector, &json!({"tier": "db"})));
    assert!(!selects(&selector, &json!({"tier": "web", "legacy": "1"})));
}

#[test]
fn generation_counts_spec_changes() {
    let mut object = json!({"metadata": {}, "spec": {"replicas": 1}});
    first_generation(&mut object);
    let mut next = object.clone();
    next_generation(&object, &mut next);
    assert_eq!(next["metadata"]["generation"], 1);
    next["spec"]["replicas"] = json!(2);
    next_generation(&object, &mut next);
    assert_eq!(next["metadata"]["generation"], 2);
}
