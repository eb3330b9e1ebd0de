use serde_json::json;

use super::*;

fn amount(text: &str) -> Amount {
    Amount::parse(text).unwrap()
}

#[test]
fn sums_print_as_kubernetes_quantities() {
    assert_eq!(amount("500m").add(amount("250m")).canonical(), "750m");
    assert_eq!(amount("500m").add(amount("1500m")).canonical(), "2");
    assert_eq!(amount("1Gi").add(amount("512Mi")).canonical(), "1536Mi");
    assert_eq!(amount("1Gi").add(amount("1Gi")).canonical(), "2Gi");
    assert_eq!(amount("1500").canonical(), "1500");
    assert_eq!(amount("2000").canonical(), "2k");
    assert_eq!(Amount::default().add(amount("64Mi")).canonical(), "64Mi");
    assert_eq!(Amount::count(3).canonical(), "3");
    assert_eq!(Amount::default().canonical(), "0");
}

#[test]
fn a_pod_uses_its_containers_requests_and_limits() {
    let pod = json!({"spec": {
        "containers": [
            {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"},
                                         "limits": {"cpu": "500m", "memory": "128Mi"}}},
            {"name": "b", "resources": {"limits": {"cpu": "1"}}},
        ],
        "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "2"}}}],
    }});
    let usage = usage("", "pods", &pod);
    let text = |name: &str| usage[name].canonical();
    assert_eq!(text("pods"), "1");
    assert_eq!(text("count/pods"), "1");
    assert_eq!(
        text("requests.cpu"),
        "2",
        "the init container's 2 exceeds 1250m"
    );
    assert_eq!(text("cpu"), "2");
    assert_eq!(text("limits.cpu"), "1500m");
    assert_eq!(text("requests.memory"), "64Mi");
    assert_eq!(text("limits.memory"), "128Mi");
    let finished = json!({"spec": pod["spec"], "status": {"phase": "Succeeded"}});
    assert!(super::usage("", "pods", &finished).is_empty());
}

#[test]
fn objects_count_by_kind_and_legacy_name() {
    let deployment = usage("apps", "deployments", &json!({}));
    assert_eq!(
        deployment.keys().collect::<Vec<_>>(),
        ["count/deployments.apps"]
    );
    let service = usage(
        "",
        "services",
        &json!({"spec": {"type": "NodePort", "ports": [{"nodePort": 30001}, {"nodePort": 30002}]}}),
    );
    assert_eq!(service["services"].canonical(), "1");
    assert_eq!(service["services.nodeports"].canonical(), "2");
    assert!(!service.contains_key("services.loadbalancers"));
    assert_eq!(
        counted_kind("count/deployments.apps"),
        Some(("apps", "deployments"))
    );
    assert_eq!(counted_kind("requests.cpu"), Some(("", "pods")));
    assert_eq!(counted_kind("configmaps"), Some(("", "configmaps")));
    assert_eq!(counted_kind("example.com/gpus"), None);
}

#[test]
fn the_admission_refuses_in_kube_s_words() {
    let hard = amounts(json!({"pods": "2", "requests.cpu": "1"}).as_object());
    let used = amounts(json!({"pods": "2", "requests.cpu": "500m"}).as_object());
    let pod = usage(
        "",
        "pods",
        &json!({"spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "250m"}}}]}}),
    );
    assert_eq!(
        evaluate("compute", &hard, &used, &pod),
        Verdict::Exceeded(
            "exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2".into()
        )
    );
    let room = amounts(json!({"pods": "1"}).as_object());
    let Verdict::Fits(next) = evaluate("compute", &hard, &room, &pod) else {
        panic!("fits");
    };
    assert_eq!(
        to_map(&next),
        *json!({"pods": "2", "requests.cpu": "250m"})
            .as_object()
            .unwrap()
    );
    let config_map = usage("", "configmaps", &json!({}));
    assert_eq!(
        evaluate("compute", &hard, &used, &config_map),
        Verdict::Untouched
    );
}

#[test]
fn a_quota_on_cpu_makes_every_container_state_it() {
    let hard: BTreeSet<String> = ["requests.cpu", "limits.memory", "pods"]
        .map(String::from)
        .into();
    let pod = json!({"spec": {"containers": [
        {"name": "web", "resources": {"requests": {"cpu": "1"}}},
        {"name": "log"},
    ]}});
    assert_eq!(
        missing_in_containers(&pod, &hard).as_deref(),
        Some("must specify limits.memory for: log,web; requests.cpu for: log")
    );
    let counted_only: BTreeSet<String> = ["pods".to_string()].into();
    assert_eq!(missing_in_containers(&pod, &counted_only), None);
}
