//! The managed fields kube-apiserver records beyond a user's own writes, through real kubectl
//! (1.33 and 1.27): past ten Update managers the oldest merge into `ancient-changes`; the
//! controllers' writes are `kube-controller-manager`'s (status apart, as subresource `status`),
//! aggregated ClusterRoles' rules applied by `clusterrole-aggregation-controller`, the bootstrap
//! objects `kube-apiserver`'s and the lab node's `kubelet`'s.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;

const KUBECTL_1_27: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.27";

/// A Python filter printing one line per managedFields entry of the JSON object on stdin:
/// manager, operation, subresource (`-` for none) and the fields (sorted JSON).
const ENTRIES: &str = "python3 -c '\
import json, sys\n\
o = json.load(sys.stdin)\n\
[print(e[\"manager\"], e[\"operation\"], e.get(\"subresource\", \"-\"), json.dumps(e[\"fieldsV1\"], sort_keys=True)) \
 for e in o[\"metadata\"].get(\"managedFields\", [])]'";

/// Waits (10 s at most) until `kubectl get <what> --no-headers` prints `lines` lines.
fn wait_for(what: &str, lines: usize) -> String {
    format!(
        "for i in $(seq 100); do [ \"$(kubectl get {what} --no-headers 2>/dev/null | wc -l)\" = {lines} ] && break; sleep 0.1; done"
    )
}

#[test]
fn past_ten_update_managers_the_oldest_become_ancient_changes() {
    let cluster = Cluster::up();
    let mut script = String::from("kubectl create configmap c --from-literal=a=1 >/dev/null");
    for i in 0..11 {
        let kubectl = if i % 2 == 0 { "kubectl" } else { KUBECTL_1_27 };
        script.push_str(&format!(
            " && {kubectl} label configmap c k{i}=v --field-manager=m{i:02} >/dev/null"
        ));
    }
    script.push_str(&format!(
        " && kubectl get configmap c -o json --show-managed-fields | {ENTRIES}"
    ));
    let ran = steps::bash(&cluster, &script);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    // Twelve updaters: the oldest (kubectl-create) is the first of v1, m00 and m01 merge with it.
    let mut expected = String::from(
        "ancient-changes Update - {\"f:data\": {\".\": {}, \"f:a\": {}}, \"f:metadata\": {\"f:labels\": {\".\": {}, \"f:k0\": {}, \"f:k1\": {}}}}\n",
    );
    for i in 2..11 {
        expected.push_str(&format!(
            "m{i:02} Update - {{\"f:metadata\": {{\"f:labels\": {{\"f:k{i}\": {{}}}}}}}}\n"
        ));
    }
    assert_eq!(ran.stdout, expected);
    // An applier does not count: one more label keeps ten updaters, the applier apart.
    let ran = steps::bash(
        &cluster,
        &format!(
            "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {{name: c, labels: {{owner: ops}}}}\\n' | \
             {KUBECTL_1_27} apply --server-side --field-manager=ops -f - >/dev/null && \
             kubectl label configmap c k11=v --field-manager=m11 >/dev/null && \
             kubectl get configmap c -o json --show-managed-fields | {ENTRIES} | cut -d' ' -f1,2 | tr '\\n' ' '"
        ),
    );
    assert_eq!(
        ran.stdout,
        "ops Apply ancient-changes Update m03 Update m04 Update m05 Update m06 Update m07 Update m08 Update m09 Update m10 Update m11 Update ",
        "{}",
        ran.stderr
    );
}

#[test]
fn the_controllers_writes_are_kube_controller_managers() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create deployment web --image=nginx --replicas=2 >/dev/null && {} && \
             for i in $(seq 100); do kubectl get deployment web -o jsonpath='{{.status.replicas}}' | grep -q 2 && break; sleep 0.1; done && \
             echo deployment && kubectl get deployment web -o json --show-managed-fields | {ENTRIES} | cut -d' ' -f1-3 | sort && \
             echo replicaset && {KUBECTL_1_27} get rs -l app=web -o json --show-managed-fields | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[\"items\"][0]))' | {ENTRIES} && \
             echo pod && kubectl get pods -l app=web -o json --show-managed-fields | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[\"items\"][0]))' | {ENTRIES} | cut -d' ' -f1-3",
            wait_for("pods -l app=web", 2)
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let mut lines = ran.stdout.lines();
    assert_eq!(
        lines.by_ref().take(4).collect::<Vec<_>>(),
        [
            "deployment",
            "kube-controller-manager Update -",
            "kube-controller-manager Update status",
            "kubectl-create Update -",
        ],
        "{}",
        ran.stdout
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest[0], "replicaset");
    assert!(
        rest[1].starts_with(
            "kube-controller-manager Update - {\"f:metadata\": {\"f:annotations\": {\".\": {}, \"f:deployment.kubernetes.io/desired-replicas\": {}, \"f:deployment.kubernetes.io/max-replicas\": {}, \"f:deployment.kubernetes.io/revision\": {}}, \"f:labels\": {\".\": {}, \"f:app\": {}, \"f:pod-template-hash\": {}}, \"f:ownerReferences\": {\".\": {}, \"k:{\\\"uid\\\":"
        ),
        "{}",
        rest[1]
    );
    assert_eq!(
        rest[2],
        "kube-controller-manager Update status {\"f:status\": {\"f:fullyLabeledReplicas\": {}, \"f:observedGeneration\": {}, \"f:replicas\": {}}}",
        "{}",
        ran.stdout
    );
    assert_eq!(rest[3..], ["pod", "kube-controller-manager Update -"]);

    // The objects kube-apiserver and kube-controller-manager make by themselves.
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl get namespace default -o json --show-managed-fields | {ENTRIES} && \
             {KUBECTL_1_27} get configmap kube-root-ca.crt -o json --show-managed-fields | {ENTRIES} && \
             kubectl get clusterrole view -o json --show-managed-fields | {ENTRIES} | cut -d' ' -f1-3"
        ),
    );
    assert_eq!(
        ran.stdout,
        "kube-apiserver Update - {\"f:metadata\": {\"f:labels\": {\".\": {}, \"f:kubernetes.io/metadata.name\": {}}}}\n\
         kube-controller-manager Update - {\"f:data\": {\".\": {}, \"f:ca.crt\": {}}, \"f:metadata\": {\"f:annotations\": {\".\": {}, \"f:kubernetes.io/description\": {}}}}\n\
         clusterrole-aggregation-controller Apply -\n\
         kube-apiserver Update -\n",
        "{}",
        ran.stderr
    );
}

#[test]
fn the_lab_nodes_writes_are_the_kubelets() {
    let cluster = crate::lab_node::lab();
    crate::lab_node::ok(
        &cluster,
        &cluster.kubectl(&[
            "run",
            "idle",
            "--image=busybox",
            "--command",
            "--",
            "sleep",
            "3600",
        ]),
    );
    crate::lab_node::wait_running(&cluster, "default", "idle");
    let ran = steps::bash(
        &cluster,
        &format!(
            "{KUBECTL_1_27} get pod idle -o json --show-managed-fields | {ENTRIES} | cut -d' ' -f1-3 && \
             kubectl get node lab -o json --show-managed-fields | {ENTRIES} | cut -d' ' -f1-3 | head -1"
        ),
    );
    assert_eq!(
        ran.stdout, "kubectl-run Update -\nkubelet Update status\nkubelet Update -\n",
        "{}",
        ran.stderr
    );
}

#[test]
fn the_scale_subresources_writers_own_the_replicas() {
    let cluster = Cluster::up();
    // Who owns spec.replicas (the controller's entries left out): manager, operation,
    // subresource, whether the entry has a time.
    let owners = "kubectl get deployment web -o json --show-managed-fields | python3 -c '\
import json, sys\n\
[print(e[\"manager\"], e[\"operation\"], e.get(\"subresource\", \"-\"), \"time\" in e, \"f:replicas\" in e[\"fieldsV1\"].get(\"f:spec\", {})) \
 for e in json.load(sys.stdin)[\"metadata\"][\"managedFields\"] if e[\"manager\"] != \"kube-controller-manager\"]'";
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create deployment web --image=nginx --replicas=1 >/dev/null && \
             kubectl scale deployment web --replicas=2 && {owners} && \
             {KUBECTL_1_27} patch deployment web --subresource=scale --type=merge -p '{{\"spec\":{{\"replicas\":3}}}}' && {owners}"
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "deployment.apps/web scaled\n\
         kubectl Update scale False True\n\
         kubectl-create Update - True False\n\
         scale.autoscaling/web patched\n\
         kubectl-patch Update scale False True\n\
         kubectl-create Update - True False\n"
    );
    // A server-side apply of a Scale: refused while kubectl-patch owns the replicas, then forced.
    let scale = r#"{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":4}}"#;
    let apply = |query: &str| {
        format!(
            "$ADMINCURL -X PATCH -H 'Content-Type: application/apply-patch+yaml' --data-binary '{scale}' \
             \"$API/apis/apps/v1/namespaces/default/deployments/web/scale?fieldManager=autoscaler{query}\" | sed -n '/^{{/,$p' | \
             python3 -c 'import json,sys; s=json.load(sys.stdin); print(s[\"kind\"], s.get(\"code\", \"\"), s.get(\"message\", s.get(\"spec\")))'"
        )
    };
    let ran = steps::bash(
        &cluster,
        &format!(
            "{} && {} && kubectl get deployment web -o jsonpath='{{.spec.replicas}}{{\"\\n\"}}' && {owners}",
            apply(""),
            apply("&force=true")
        ),
    );
    assert_eq!(
        ran.stdout,
        "Status 409 Apply failed with 1 conflict: conflict with \"kubectl-patch\" with subresource \"scale\" using apps/v1: .spec.replicas\n\
         Scale  {'replicas': 4}\n\
         4\n\
         autoscaler Apply scale False True\n\
         kubectl-create Update - True False\n",
        "{}",
        ran.stderr
    );
}

#[test]
fn kubectl_moves_between_client_side_and_server_side_apply() {
    let cluster = Cluster::up();
    let config_map = |value: u32| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {{a: \"{value}\"}}\n"
        )
    };
    for value in 1..4 {
        std::fs::write(
            cluster.scratch(&format!("c{value}.yaml")),
            config_map(value),
        )
        .expect("write");
    }
    // What the object holds: data, the last-applied annotation's data, the managers. kubectl
    // 1.33 moves client-side apply's fields to its own apply and the annotation to
    // `kubectl-last-applied` (its csaupgrade patch); client-side apply again takes them back.
    let state = "kubectl get configmap c -o json --show-managed-fields | python3 -c '\
import json, sys\n\
o = json.load(sys.stdin)\n\
last = json.loads(o[\"metadata\"][\"annotations\"][\"kubectl.kubernetes.io/last-applied-configuration\"])\n\
print(o[\"data\"], last[\"data\"], [(e[\"manager\"], e[\"operation\"]) for e in o[\"metadata\"][\"managedFields\"]])'";
    let ran = steps::bash(
        &cluster,
        &format!(
            "{KUBECTL_1_27} apply -f $A/c1.yaml && {state} && \
             kubectl apply --server-side -f $A/c2.yaml && {state} && \
             {KUBECTL_1_27} apply -f $A/c3.yaml && {state}"
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "configmap/c created\n\
         {'a': '1'} {'a': '1'} [('kubectl-client-side-apply', 'Update')]\n\
         configmap/c serverside-applied\n\
         {'a': '2'} {'a': '2'} [('kubectl', 'Apply'), ('kubectl-last-applied', 'Apply')]\n\
         configmap/c configured\n\
         {'a': '3'} {'a': '3'} [('kubectl-client-side-apply', 'Update')]\n"
    );
    // Changed by someone else meanwhile, the field is a conflict again.
    let ran = steps::bash(
        &cluster,
        "kubectl patch configmap c --type=merge -p '{\"data\":{\"a\":\"9\"}}' >/dev/null && \
         kubectl apply --server-side -f $A/c2.yaml",
    );
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"kubectl-patch\" using v1: .data.a\n"
        ),
        "{}",
        ran.stderr
    );
}

#[test]
fn each_manager_keeps_the_version_it_wrote_at_and_conflicts_name_it() {
    let cluster = Cluster::up();
    let schema = "schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}, color: {type: string}}}}}}";
    std::fs::write(
        cluster.scratch("crd.yaml"),
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
             metadata: {{name: widgets.example.com}}\n\
             spec:\n  group: example.com\n  scope: Namespaced\n\
             \x20 names: {{plural: widgets, singular: widget, kind: Widget}}\n\
             \x20 versions:\n\
             \x20 - {{name: v1, served: true, storage: true, {schema}}}\n\
             \x20 - {{name: v2, served: true, storage: false, {schema}}}\n"
        ),
    )
    .unwrap();
    let widget = |version: &str, spec: &str| {
        format!(
            "printf 'apiVersion: example.com/{version}\\nkind: Widget\\nmetadata: {{name: w}}\\nspec: {spec}\\n'"
        )
    };
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl apply -f $A/crd.yaml >/dev/null && \
             kubectl wait --for condition=established crd/widgets.example.com >/dev/null && \
             {} | kubectl apply --server-side --field-manager=alice -f - && \
             kubectl patch widgets.v1.example.com w --type=merge -p '{{\"spec\":{{\"color\":\"blue\"}}}}' --field-manager=painter && \
             {} | kubectl apply --server-side --field-manager=bob -f -; \
             {} | kubectl apply --server-side --field-manager=bob -f - && \
             kubectl get widgets.v2.example.com w -o json --show-managed-fields | {ENTRIES} | sort",
            widget("v1", "{size: 1, color: red}"),
            widget("v2", "{size: 1, color: green}"),
            widget("v2", "{size: 1}"),
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stderr.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"painter\" using example.com/v1: .spec.color\n"
        ),
        "{}",
        ran.stderr
    );
    assert_eq!(
        ran.stdout,
        "widget.example.com/w serverside-applied\n\
         widget.example.com/w patched\n\
         widget.example.com/w serverside-applied\n\
         alice Apply - {\"f:spec\": {\"f:size\": {}}}\n\
         bob Apply - {\"f:spec\": {\"f:size\": {}}}\n\
         painter Update - {\"f:spec\": {\"f:color\": {}}}\n"
    );
    let ran = steps::bash(
        &cluster,
        "kubectl get widgets.v1.example.com w -o jsonpath='{range .metadata.managedFields[*]}{.manager} {.apiVersion}{\"\\n\"}{end}' --show-managed-fields | sort",
    );
    assert_eq!(
        ran.stdout, "alice example.com/v1\nbob example.com/v2\npainter example.com/v1\n",
        "{}",
        ran.stderr
    );
}

#[test]
fn an_object_without_managed_fields_is_owned_by_before_first_apply_when_first_applied() {
    let cluster = Cluster::up();
    let config = |data: &str| {
        format!(
            "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {{name: c}}\\ndata: {data}\\n' | \
             kubectl apply --server-side --field-manager=ops -f -"
        )
    };
    // Stripped of its managed fields, the object stays without them through updates.
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create configmap c --from-literal=a=1 >/dev/null && \
             kubectl patch configmap c --type=merge -p '{{\"metadata\":{{\"managedFields\":[{{}}]}}}}' >/dev/null && \
             kubectl label configmap c team=x >/dev/null && \
             echo stripped && kubectl get configmap c -o json --show-managed-fields | {ENTRIES} && \
             {}; {} && kubectl get configmap c -o json --show-managed-fields | {ENTRIES}",
            config("{a: \"2\"}"),
            config("{a: \"1\", b: \"2\"}"),
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stderr.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"before-first-apply\" using v1: .data.a\n"
        ),
        "{}",
        ran.stderr
    );
    assert_eq!(
        ran.stdout,
        "stripped\n\
         configmap/c serverside-applied\n\
         ops Apply - {\"f:data\": {\"f:a\": {}, \"f:b\": {}}}\n\
         before-first-apply Update - {\"f:data\": {\".\": {}, \"f:a\": {}}, \"f:metadata\": {\"f:labels\": {\".\": {}, \"f:team\": {}}}}\n"
    );
}

#[test]
fn a_terminating_namespaces_conditions_and_finalize_are_the_controllers() {
    let cluster = Cluster::up();
    let conditions = "kubectl get namespace held -o jsonpath='{range .status.conditions[*]}{.type} {.status} {.reason}: {.message}{\"\\n\"}{end}'";
    let ran = steps::bash(
        &cluster,
        &format!(
            "printf 'apiVersion: v1\\nkind: Namespace\\nmetadata: {{name: held}}\\nspec: {{finalizers: [example.com/hold]}}\\n' | kubectl create -f - >/dev/null && \
             printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {{name: keep, namespace: held, finalizers: [example.com/hold]}}\\n' | kubectl create -f - >/dev/null && \
             kubectl delete namespace held --wait=false && \
             for i in $(seq 100); do {conditions} | grep -q SomeResourcesRemain && break; sleep 0.1; done && \
             kubectl get namespace held -o json --show-managed-fields | {ENTRIES} | sort && {conditions}"
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let condition_fields = |kind: &str| {
        format!(
            "\"k:{{\\\"type\\\":\\\"{kind}\\\"}}\": {{\".\": {{}}, \"f:lastTransitionTime\": {{}}, \"f:message\": {{}}, \"f:reason\": {{}}, \"f:status\": {{}}, \"f:type\": {{}}}}"
        )
    };
    let all = [
        "NamespaceContentRemaining",
        "NamespaceDeletionContentFailure",
        "NamespaceDeletionDiscoveryFailure",
        "NamespaceDeletionGroupVersionParsingFailure",
        "NamespaceFinalizersRemaining",
    ]
    .map(condition_fields)
    .join(", ");
    assert_eq!(
        ran.stdout,
        format!(
            "namespace \"held\" deleted\n\
             kube-controller-manager Update status {{\"f:status\": {{\"f:conditions\": {{\".\": {{}}, {all}}}}}}}\n\
             kubectl-create Update - {{\"f:metadata\": {{\"f:labels\": {{\".\": {{}}, \"f:kubernetes.io/metadata.name\": {{}}}}}}, \"f:spec\": {{\"f:finalizers\": {{}}}}}}\n\
             NamespaceDeletionDiscoveryFailure False ResourcesDiscovered: All resources successfully discovered\n\
             NamespaceDeletionGroupVersionParsingFailure False ParsedGroupVersions: All legacy kube types successfully parsed\n\
             NamespaceDeletionContentFailure False ContentDeleted: All content successfully deleted, may be waiting on finalization\n\
             NamespaceContentRemaining True SomeResourcesRemain: Some resources are remaining: configmaps. has 1 resource instances\n\
             NamespaceFinalizersRemaining True SomeFinalizersRemain: Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances\n"
        )
    );
    // The content gone, the controller finalizes: its `kubernetes` finalizer leaves through
    // the `finalize` subresource, the namespace's own finalizer holds it.
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl patch configmap keep -n held --type=json -p '[{{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}}]' >/dev/null && \
             for i in $(seq 100); do kubectl get namespace held -o jsonpath='{{.spec.finalizers}}' | grep -qv kubernetes && break; sleep 0.1; done && \
             kubectl get namespace held -o json --show-managed-fields | {ENTRIES} | cut -d' ' -f1-3 | sort && \
             kubectl get namespace held -o jsonpath='{{.spec}}{{\"\\n\"}}' && {conditions} | cut -d: -f1"
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "kube-controller-manager Update finalize\n\
         kube-controller-manager Update status\n\
         kubectl-create Update -\n\
         {\"finalizers\":[\"example.com/hold\"]}\n\
         NamespaceDeletionDiscoveryFailure False ResourcesDiscovered\n\
         NamespaceDeletionGroupVersionParsingFailure False ParsedGroupVersions\n\
         NamespaceDeletionContentFailure False ContentDeleted\n\
         NamespaceContentRemaining False ContentRemoved\n\
         NamespaceFinalizersRemaining False ContentHasNoFinalizers\n"
    );
}
