//! HorizontalPodAutoscalers in both served versions: kubectl 1.27's `kubectl autoscale` writes
//! `autoscaling/v1`, newer kubectl and `get` read `autoscaling/v2`, and each version reads what
//! the other wrote, as kube-apiserver converts them.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;

const KUBECTL_1_27: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.27";

#[test]
fn kubectl_1_27_autoscales_through_v1_and_v2_clients_read_the_same_object() {
    let cluster = Cluster::up();
    let created = steps::bash(
        &cluster,
        &format!(
            "kubectl create deployment web --image=nginx && \
             {KUBECTL_1_27} autoscale deployment web --max=5 --cpu-percent=60 -v=6 2>&1 | \
               grep -oE 'POST https://[^ ]+|horizontalpodautoscaler[^ ]* autoscaled'"
        ),
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert!(
        created
            .stdout
            .contains("/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"),
        "kubectl 1.27 posts v1: {}",
        created.stdout
    );
    assert!(
        created
            .stdout
            .ends_with("horizontalpodautoscaler.autoscaling/web autoscaled\n"),
        "{}",
        created.stdout
    );

    // Newer kubectl reads the preferred v2: the CPU target is a metric, kube's defaults set.
    let v2 = steps::bash(
        &cluster,
        "kubectl get hpa web -o jsonpath='{.apiVersion} {.spec.minReplicas} {.spec.maxReplicas} \
         {.spec.metrics[0].resource.name} {.spec.metrics[0].resource.target.averageUtilization} \
         {.spec.behavior}'; echo; kubectl get hpa web --no-headers | awk '{print $1, $2, $3, $4, $5, $6, $7}'",
    );
    assert_eq!(v2.code, 0, "{}", v2.stderr);
    assert_eq!(
        v2.stdout,
        "autoscaling/v2 1 5 cpu 60 \nweb Deployment/web cpu: <unknown>/60% 1 5 0\n"
    );

    // A v2 object with a second metric and a behavior, read as v1: the CPU target is v1's own
    // field, the rest travels in kube's annotations.
    let applied = steps::bash(
        &cluster,
        "kubectl apply -f - <<'YAML'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 500Mi}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 60}
YAML
kubectl get horizontalpodautoscalers.v1.autoscaling api -o json | python3 -c '
import json, sys
o = json.load(sys.stdin)
print(o[\"apiVersion\"], o[\"spec\"])
for k, v in sorted(o[\"metadata\"].get(\"annotations\", {}).items()):
    if k.startswith(\"autoscaling.alpha\"): print(k, v)
print(o[\"status\"])'",
    );
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_eq!(
        applied.stdout,
        "horizontalpodautoscaler.autoscaling/api created\n\
         autoscaling/v1 {'maxReplicas': 4, 'minReplicas': 1, 'scaleTargetRef': {'apiVersion': 'apps/v1', 'kind': 'Deployment', 'name': 'web'}, 'targetCPUUtilizationPercentage': 70}\n\
         autoscaling.alpha.kubernetes.io/behavior {\"ScaleUp\":{\"StabilizationWindowSeconds\":0,\"SelectPolicy\":\"Max\",\"Policies\":[{\"Type\":\"Pods\",\"Value\":4,\"PeriodSeconds\":15},{\"Type\":\"Percent\",\"Value\":100,\"PeriodSeconds\":15}],\"Tolerance\":null},\"ScaleDown\":{\"StabilizationWindowSeconds\":60,\"SelectPolicy\":\"Max\",\"Policies\":[{\"Type\":\"Percent\",\"Value\":100,\"PeriodSeconds\":15}],\"Tolerance\":null}}\n\
         autoscaling.alpha.kubernetes.io/metrics [{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"targetAverageValue\":\"500Mi\"}}]\n\
         {'currentReplicas': 0, 'desiredReplicas': 0}\n"
    );

    // A v1 client's read-modify-write keeps what only v2 can say.
    let edited = steps::bash(
        &cluster,
        &format!(
            "{KUBECTL_1_27} get horizontalpodautoscalers.v1.autoscaling api -o json | \
               python3 -c 'import json,sys; o=json.load(sys.stdin); o[\"spec\"][\"maxReplicas\"]=8; print(json.dumps(o))' | \
               {KUBECTL_1_27} replace -f - && \
             kubectl get hpa api -o jsonpath='{{.spec.maxReplicas}} {{.spec.metrics[*].resource.name}} \
               {{.spec.behavior.scaleDown.stabilizationWindowSeconds}}'; echo; \
             kubectl get hpa api -o go-template='{{{{range $k, $v := .metadata.annotations}}}}{{{{$k}}}} {{{{end}}}}'"
        ),
    );
    assert_eq!(edited.code, 0, "{}", edited.stderr);
    assert_eq!(
        edited.stdout,
        // kube's round-trip annotations are not stored: only kubectl's own is left.
        "horizontalpodautoscaler.autoscaling/api replaced\n8 memory cpu 60\n\
         kubectl.kubernetes.io/last-applied-configuration "
    );

    // kube's validation answers for either version.
    let refused = steps::bash(
        &cluster,
        "kubectl create -f - <<'YAML'
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: bad}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 2
YAML",
    );
    assert_eq!(refused.code, 1);
    assert_eq!(
        refused.stderr,
        "The HorizontalPodAutoscaler \"bad\" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`\n"
    );
}
