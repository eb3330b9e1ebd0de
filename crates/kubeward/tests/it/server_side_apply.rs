//! Server-side apply through real kubectl (1.33 and 1.27): `kubectl apply --server-side` creates
//! and updates the seed's kinds (`… serverside-applied`), a key dropped from the manifest is
//! removed, `metadata.managedFields` is shown with `--show-managed-fields` only, a field another
//! manager owns is a conflict with kube-apiserver's message and kubectl's help, and
//! `--force-conflicts` moves its ownership; dry-run=server, a custom resource merged by its
//! schema's list keys, and the status subresource owned apart.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;

const KUBECTL_1_33: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";
const KUBECTL_1_27: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.27";

const SEED: &str = "\
apiVersion: v1
kind: ServiceAccount
metadata: {name: dev-kubectl, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- apiGroups: [\"\"]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: default}
subjects:
- {kind: ServiceAccount, name: dev-kubectl, namespace: default}
roleRef: {kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: default, labels: {app: web}}
data: {color: blue, size: large}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx}
";

const SEED_OUTPUT: &str = "serviceaccount/dev-kubectl serverside-applied\n\
role.rbac.authorization.k8s.io/pod-reader serverside-applied\n\
rolebinding.rbac.authorization.k8s.io/read-pods serverside-applied\n\
configmap/settings serverside-applied\n\
deployment.apps/web serverside-applied\n";

#[test]
fn the_seed_applied_server_side_with_kubectl_1_33_and_1_27() {
    let cluster = Cluster::up();
    std::fs::write(cluster.scratch("seed.yaml"), SEED).expect("write the manifest");
    let ran = steps::bash(
        &cluster,
        &format!(
            "{KUBECTL_1_33} apply --server-side -f $A/seed.yaml && \
             {KUBECTL_1_27} apply --server-side -f $A/seed.yaml && \
             {KUBECTL_1_27} apply --server-side --dry-run=server -f $A/seed.yaml"
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let dry = SEED_OUTPUT.replace('\n', " (server dry run)\n");
    assert_eq!(ran.stdout, format!("{SEED_OUTPUT}{SEED_OUTPUT}{dry}"));

    // The applied fields are kubectl's, shown only when asked for.
    let ran = steps::bash(
        &cluster,
        "kubectl get configmap settings -o yaml | grep -c managedFields; \
         kubectl get configmap settings -o yaml --show-managed-fields | \
         sed -n '/managedFields:/,/name: settings/p' | grep -v '  time:'",
    );
    assert_eq!(
        ran.stdout,
        "0\n  managedFields:\n  - apiVersion: v1\n    fieldsType: FieldsV1\n    fieldsV1:\n      f:data:\n        f:color: {}\n        f:size: {}\n      f:metadata:\n        f:labels:\n          f:app: {}\n    manager: kubectl\n    operation: Apply\n  name: settings\n",
        "{}",
        ran.stderr
    );
    // A key dropped from the manifest is removed; one another manager added stays.
    let ran = steps::bash(
        &cluster,
        "kubectl label configmap settings tier=front >/dev/null && \
         printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: settings}\\ndata: {color: blue}\\n' | \
         kubectl apply --server-side -f - && \
         kubectl get configmap settings -o jsonpath='{.data} {.metadata.labels}{\"\\n\"}' && \
         kubectl get configmap settings -o jsonpath='{range .metadata.managedFields[*]}{.manager}/{.operation} {end}{\"\\n\"}'",
    );
    assert_eq!(
        ran.stdout,
        "configmap/settings serverside-applied\n{\"color\":\"blue\"} {\"tier\":\"front\"}\nkubectl/Apply kubectl-label/Update \n",
        "{}",
        ran.stderr
    );
    // The Role and the RoleBinding work as any others: the account may read pods.
    let ran = steps::bash(
        &cluster,
        "kubectl auth can-i list pods --as=system:serviceaccount:default:dev-kubectl",
    );
    assert_eq!(ran.stdout, "yes\n", "{}", ran.stderr);
}

#[test]
fn conflicts_are_refused_with_kubes_message_until_forced() {
    let cluster = Cluster::up();
    let deployment = |replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n      - {{name: web, image: nginx}}\n"
        )
    };
    std::fs::write(cluster.scratch("two.yaml"), deployment(2)).expect("write");
    std::fs::write(cluster.scratch("three.yaml"), deployment(3)).expect("write");
    let ran = steps::bash(
        &cluster,
        "kubectl apply -f $A/two.yaml && kubectl apply --server-side --field-manager=ops -f $A/three.yaml",
    );
    assert_eq!(ran.code, 1);
    assert_eq!(ran.stdout, "deployment.apps/web created\n");
    assert!(
        ran.stderr.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas\n\
             Please review the fields above--they currently have other managers. Here\n\
             are the ways you can resolve this warning:\n\
             * If you intend to manage all of these fields, please re-run the apply\n  command with the `--force-conflicts` flag."
        ),
        "{}",
        ran.stderr
    );
    // The 409's details as kube-apiserver sends them.
    let ran = steps::bash(
        &cluster,
        "$ADMINCURL -X PATCH -H 'Content-Type: application/apply-patch+yaml' --data-binary @$A/three.yaml \
         \"$API/apis/apps/v1/namespaces/default/deployments/web?fieldManager=ops\" | sed -n '/^{/,$p' | \
         python3 -c 'import json,sys; s=json.load(sys.stdin); print(s[\"code\"], s[\"reason\"], s[\"message\"]); print(s[\"details\"])'",
    );
    assert_eq!(
        ran.stdout,
        "409 Conflict Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas\n\
         {'causes': [{'reason': 'FieldManagerConflict', 'message': 'conflict with \"kubectl-client-side-apply\" using apps/v1', 'field': '.spec.replicas'}]}\n",
        "{}",
        ran.stderr
    );
    // Forced, ops owns replicas; kubectl then moves what client-side apply still owned to ops
    // (its csaupgrade patch of managedFields), so ops is the only user's manager left.
    let ran = steps::bash(
        &cluster,
        "kubectl apply --server-side --field-manager=ops --force-conflicts -f $A/three.yaml && \
         kubectl get deployment web -o jsonpath='{.spec.replicas}{\"\\n\"}' && \
         kubectl get deployment web -o json --show-managed-fields | python3 -c '\
import json, sys\n\
[print(e[\"manager\"], e[\"operation\"], e.get(\"subresource\", \"-\"), \"f:replicas\" in e[\"fieldsV1\"].get(\"f:spec\", {})) \
 for e in json.load(sys.stdin)[\"metadata\"][\"managedFields\"]]'",
    );
    // The Deployment controller's revision annotation and status stay its own.
    assert_eq!(
        ran.stdout,
        "deployment.apps/web serverside-applied\n3\nops Apply - True\n\
         kube-controller-manager Update - False\nkube-controller-manager Update status False\n",
        "{}",
        ran.stderr
    );
    // Missing and bad field managers, in kube-apiserver's words.
    let long = "m".repeat(129);
    let ran = steps::bash(
        &cluster,
        &format!(
            "for q in '' 'fieldManager={long}'; do $ADMINCURL -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
             --data-binary @$A/three.yaml \"$API/apis/apps/v1/namespaces/default/deployments/web?$q\" | sed -n '/^{{/,$p' | \
             python3 -c 'import json,sys; s=json.load(sys.stdin); print(s[\"code\"], s[\"message\"])'; done"
        ),
    );
    assert_eq!(
        ran.stdout,
        "422 PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch\n\
         422 PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Too long: may not be more than 128 bytes\n",
        "{}",
        ran.stderr
    );
}

const CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gateways.lab.example.com}
spec:
  group: lab.example.com
  names: {kind: Gateway, plural: gateways, singular: gateway, listKind: GatewayList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              listeners:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  properties:
                    name: {type: string}
                    port: {type: integer}
          status:
            type: object
            properties:
              ready: {type: boolean}
";

#[test]
fn a_custom_resource_merges_by_its_list_keys_and_status_is_owned_apart() {
    let cluster = Cluster::up();
    std::fs::write(cluster.scratch("crd.yaml"), CRD).expect("write");
    let gateway = |manager_listener: &str| {
        format!(
            "apiVersion: lab.example.com/v1\nkind: Gateway\nmetadata: {{name: edge}}\nspec:\n  listeners:\n  - {{name: {manager_listener}, port: 80}}\n"
        )
    };
    std::fs::write(cluster.scratch("a.yaml"), gateway("http")).expect("write");
    std::fs::write(cluster.scratch("b.yaml"), gateway("metrics")).expect("write");
    let ran = steps::bash(
        &cluster,
        "kubectl apply --server-side -f $A/crd.yaml >/dev/null && \
         kubectl wait --for condition=established crd/gateways.lab.example.com >/dev/null && \
         kubectl apply --server-side -f $A/a.yaml && \
         kubectl apply --server-side --field-manager=monitoring -f $A/b.yaml && \
         kubectl get gateway edge -o jsonpath='{.spec.listeners}{\"\\n\"}' && \
         $ADMINCURL -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
         --data-binary '{\"apiVersion\":\"lab.example.com/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"edge\"},\"status\":{\"ready\":true}}' \
         \"$API/apis/lab.example.com/v1/namespaces/default/gateways/edge/status?fieldManager=controller\" -o /dev/null -w '%{http_code}\\n' && \
         kubectl get gateway edge -o json --show-managed-fields | python3 -c '\
import json, sys\n\
o = json.load(sys.stdin)\n\
print(o[\"status\"])\n\
[print(e[\"manager\"], e[\"operation\"], e.get(\"subresource\", \"-\"), json.dumps(e[\"fieldsV1\"], sort_keys=True)) \
 for e in sorted(o[\"metadata\"][\"managedFields\"], key=lambda e: e[\"manager\"])]'",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "gateway.lab.example.com/edge serverside-applied\n\
         gateway.lab.example.com/edge serverside-applied\n\
         [{\"name\":\"http\",\"port\":80},{\"name\":\"metrics\",\"port\":80}]\n\
         200\n\
         {'ready': True}\n\
         controller Apply status {\"f:status\": {\"f:ready\": {}}}\n\
         kubectl Apply - {\"f:spec\": {\"f:listeners\": {\"k:{\\\"name\\\":\\\"http\\\"}\": {\".\": {}, \"f:name\": {}, \"f:port\": {}}}}}\n\
         monitoring Apply - {\"f:spec\": {\"f:listeners\": {\"k:{\\\"name\\\":\\\"metrics\\\"}\": {\".\": {}, \"f:name\": {}, \"f:port\": {}}}}}\n"
    );
}
