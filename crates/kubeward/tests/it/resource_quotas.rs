//! ResourceQuotas as a cluster enforces them, through real kubectl: `kubectl create quota`, the
//! admission's refusals in kube-apiserver's words (a container without the request a quota needs,
//! a pod beyond the quota), the usage kube-controller-manager keeps in the status and gives back
//! when a pod is deleted, and the REQUEST/LIMIT columns.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;

/// A pod manifest with one container `c` requesting `cpu` (none when empty).
fn pod(name: &str, cpu: &str) -> String {
    let resources = if cpu.is_empty() {
        String::new()
    } else {
        format!(
            ", \"resources\": {{\"requests\": {{\"cpu\": \"{cpu}\"}}, \"limits\": {{\"memory\": \"64Mi\"}}}}"
        )
    };
    format!(
        "echo '{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"{name}\"}}, \
         \"spec\": {{\"containers\": [{{\"name\": \"c\", \"image\": \"nginx\"{resources}}}]}}}}' \
         | kubectl apply -n q -f -"
    )
}

#[test]
fn quotas_refuse_charge_and_give_back_as_a_cluster_does() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create namespace q >/dev/null && \
             kubectl create quota compute -n q --hard=pods=2,requests.cpu=1,limits.memory=1Gi,count/configmaps=5 && \
             {}; {} && {} && {}; \
             kubectl get quota compute -n q -o jsonpath='{{.status.used}}'; echo",
            pod("bare", ""),
            pod("p1", "500m"),
            pod("p2", "250m"),
            pod("p3", "500m"),
        ),
    );
    assert_eq!(
        ran.stdout,
        "resourcequota/compute created\npod/p1 created\npod/p2 created\n\
         {\"count/configmaps\":\"1\",\"limits.memory\":\"128Mi\",\"pods\":\"2\",\"requests.cpu\":\"750m\"}\n",
        "{}",
        ran.stderr
    );
    assert_eq!(
        ran.stderr,
        "Error from server (Forbidden): error when creating \"STDIN\": pods \"bare\" is forbidden: \
         failed quota: compute: must specify limits.memory for: c; requests.cpu for: c\n\
         Error from server (Forbidden): error when creating \"STDIN\": pods \"p3\" is forbidden: \
         exceeded quota: compute, requested: pods=1,requests.cpu=500m, used: pods=2,requests.cpu=750m, \
         limited: pods=2,requests.cpu=1\n"
    );

    // Deleting a pod gives its share back; the columns show used/hard as kubectl prints them.
    let ran = steps::bash(
        &cluster,
        "kubectl delete pod p1 -n q --wait=false >/dev/null && \
         for i in $(seq 100); do \
           [ \"$(kubectl get quota compute -n q -o jsonpath='{.status.used.pods}')\" = 1 ] && break; \
           sleep 0.1; \
         done; \
         kubectl get quota -n q --no-headers | awk '{$2=\"\"; print}'",
    );
    assert_eq!(
        ran.stdout,
        "compute  count/configmaps: 1/5, pods: 1/2, requests.cpu: 250m/1 limits.memory: 64Mi/1Gi\n",
        "{}",
        ran.stderr
    );
}

#[test]
fn a_scoped_quota_tracks_only_the_pods_in_its_scopes() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create namespace q >/dev/null && \
             kubectl create quota best-effort -n q --hard=pods=1 --scopes=BestEffort && \
             {} && {} && {}; \
             kubectl get quota best-effort -n q -o jsonpath='{{.status.used}}'; echo",
            pod("free", ""),
            pod("sized", "100m"),
            pod("free2", ""),
        ),
    );
    assert_eq!(
        ran.stdout,
        "resourcequota/best-effort created\npod/free created\npod/sized created\n{\"pods\":\"1\"}\n",
        "{}",
        ran.stderr
    );
    assert_eq!(
        ran.stderr,
        "Error from server (Forbidden): error when creating \"STDIN\": pods \"free2\" is forbidden: \
         exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1\n"
    );

    // A scope that cannot limit what the quota names is refused as kube-apiserver refuses it.
    let refused = steps::bash(
        &cluster,
        "kubectl create quota bad -n q --hard=requests.cpu=1 --scopes=BestEffort; \
         kubectl create quota both -n q --hard=pods=1 --scopes=Terminating,NotTerminating",
    );
    assert_eq!(
        refused.stderr,
        "error: failed to create quota: ResourceQuota \"bad\" is invalid: spec.scopes: Invalid value: [\"BestEffort\"]: unsupported scope applied to resource\n\
         error: failed to create quota: ResourceQuota \"both\" is invalid: spec.scopes: Invalid value: [\"Terminating\",\"NotTerminating\"]: conflicting scopes\n"
    );
}
