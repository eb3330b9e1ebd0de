//! API Priority and Fairness's bootstrap configuration, as kube-apiserver's `bootstrap`
//! package (v1.36) defines it: the mandatory `exempt` and `catch-all` objects and the suggested
//! priority levels and flow schemas, each annotated `apf.kubernetes.io/autoupdate-spec: "true"`,
//! the schemas with the `Dangling` condition the configuration controller gives a schema whose
//! priority level exists. Pure data: nothing here is enforced.

use serde_json::{Value, json};

/// The annotation that lets kube-apiserver keep a bootstrap object's spec up to date.
const AUTO_UPDATE: &str = "apf.kubernetes.io/autoupdate-spec";

fn priority_level(name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "PriorityLevelConfiguration",
        "metadata": {"name": name, "annotations": {AUTO_UPDATE: "true"}},
        "spec": spec,
    })
}

/// A `Limited` level of `shares` nominal shares lending `lendable` percent, queuing.
fn limited(name: &str, shares: i64, lendable: i64, queues: i64, hand_size: i64) -> Value {
    priority_level(
        name,
        json!({
            "type": "Limited",
            "limited": {
                "nominalConcurrencyShares": shares,
                "lendablePercent": lendable,
                "limitResponse": {"type": "Queue", "queuing": {
                    "queues": queues, "handSize": hand_size, "queueLengthLimit": 50,
                }},
            },
        }),
    )
}

/// The priority levels: `catch-all` and `exempt` (mandatory), then the suggested ones.
pub fn priority_levels() -> Vec<Value> {
    vec![
        priority_level(
            "catch-all",
            json!({"type": "Limited", "limited": {
                "nominalConcurrencyShares": 5,
                "lendablePercent": 0,
                "limitResponse": {"type": "Reject"},
            }}),
        ),
        priority_level(
            "exempt",
            json!({"type": "Exempt", "exempt": {
                "nominalConcurrencyShares": 0,
                "lendablePercent": 0,
            }}),
        ),
        limited("system", 30, 33, 64, 6),
        limited("node-high", 40, 25, 64, 6),
        limited("leader-election", 10, 0, 16, 4),
        limited("workload-high", 40, 50, 128, 6),
        limited("workload-low", 100, 90, 128, 6),
        limited("global-default", 20, 50, 128, 6),
    ]
}

fn groups(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|name| json!({"kind": "Group", "group": {"name": name}}))
        .collect()
}

fn users(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|name| json!({"kind": "User", "user": {"name": name}}))
        .collect()
}

/// Every ServiceAccount of `kube-system`.
fn kube_system_service_accounts() -> Vec<Value> {
    vec![json!({"kind": "ServiceAccount",
                "serviceAccount": {"name": "*", "namespace": "kube-system"}})]
}

/// A resource rule (`clusterScope` left out when false, as Go's `omitempty` does).
fn resource_rule(
    verbs: &[&str],
    groups: &[&str],
    resources: &[&str],
    cluster_scope: bool,
) -> Value {
    let mut rule = json!({
        "verbs": verbs,
        "apiGroups": groups,
        "resources": resources,
        "namespaces": ["*"],
    });
    if cluster_scope {
        rule["clusterScope"] = json!(true);
    }
    rule
}

/// Every verb on every resource, namespaced or not, and on every non-resource URL.
fn everything(subjects: Vec<Value>) -> Value {
    json!({
        "subjects": subjects,
        "resourceRules": [resource_rule(&["*"], &["*"], &["*"], true)],
        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
    })
}

fn flow_schema(
    name: &str,
    level: &str,
    precedence: i64,
    distinguisher: Option<&str>,
    rules: Value,
    now: &str,
) -> Value {
    let mut spec = json!({
        "priorityLevelConfiguration": {"name": level},
        "matchingPrecedence": precedence,
        "rules": [rules],
    });
    if let Some(kind) = distinguisher {
        spec["distinguisherMethod"] = json!({"type": kind});
    }
    json!({
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "FlowSchema",
        "metadata": {"name": name, "annotations": {AUTO_UPDATE: "true"}},
        "spec": spec,
        "status": {"conditions": [{
            "type": "Dangling",
            "status": "False",
            "lastTransitionTime": now,
            "reason": "Found",
            "message": format!(
                "This FlowSchema references the PriorityLevelConfiguration object named \"{level}\" and it exists"
            ),
        }]},
    })
}

/// The flow schemas, mandatory and suggested, with `now` as their condition's time.
pub fn flow_schemas(now: &str) -> Vec<Value> {
    let all = ["system:unauthenticated", "system:authenticated"];
    let leases = resource_rule(
        &["get", "create", "update"],
        &["coordination.k8s.io"],
        &["leases"],
        false,
    );
    let mut leader_election_subjects =
        users(&["system:kube-controller-manager", "system:kube-scheduler"]);
    leader_election_subjects.extend(kube_system_service_accounts());
    vec![
        flow_schema(
            "exempt",
            "exempt",
            1,
            None,
            everything(groups(&["system:masters"])),
            now,
        ),
        flow_schema(
            "probes",
            "exempt",
            2,
            None,
            json!({"subjects": groups(&all), "nonResourceRules": [
                {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/readyz", "/livez"]}
            ]}),
            now,
        ),
        flow_schema(
            "system-leader-election",
            "leader-election",
            100,
            Some("ByUser"),
            json!({"subjects": leader_election_subjects, "resourceRules": [leases.clone()]}),
            now,
        ),
        flow_schema(
            "system-node-high",
            "node-high",
            400,
            Some("ByUser"),
            json!({"subjects": groups(&["system:nodes"]), "resourceRules": [
                resource_rule(&["*"], &[""], &["nodes", "nodes/status"], true),
                resource_rule(&["*"], &["coordination.k8s.io"], &["leases"], false),
            ]}),
            now,
        ),
        flow_schema(
            "system-nodes",
            "system",
            500,
            Some("ByUser"),
            everything(groups(&["system:nodes"])),
            now,
        ),
        flow_schema(
            "kube-controller-manager",
            "workload-high",
            800,
            Some("ByNamespace"),
            everything(users(&["system:kube-controller-manager"])),
            now,
        ),
        flow_schema(
            "kube-scheduler",
            "workload-high",
            800,
            Some("ByNamespace"),
            everything(users(&["system:kube-scheduler"])),
            now,
        ),
        flow_schema(
            "kube-system-service-accounts",
            "workload-high",
            900,
            Some("ByNamespace"),
            everything(kube_system_service_accounts()),
            now,
        ),
        flow_schema(
            "service-accounts",
            "workload-low",
            9000,
            Some("ByUser"),
            everything(groups(&["system:serviceaccounts"])),
            now,
        ),
        flow_schema(
            "global-default",
            "global-default",
            9900,
            Some("ByUser"),
            everything(groups(&all)),
            now,
        ),
        flow_schema(
            "catch-all",
            "catch-all",
            10000,
            Some("ByUser"),
            everything(groups(&all)),
            now,
        ),
    ]
}
