//! The workload controllers through kubectl, as kube-controller-manager runs them: a Deployment
//! gets a ReplicaSet named with its pod-template hash and that ReplicaSet its pods, with the
//! labels and ownerReferences kube sets; scaling, a rollout, deletion with background, orphan
//! and foreground propagation; a Job's pod stays Pending without a node and completes on the
//! lab node, where StatefulSets and DaemonSets roll out as `kubectl rollout status` reads them.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;
use serde_json::Value;

/// Waits (10 s at most) until `kubectl get <what> --no-headers` prints `lines` lines.
fn wait_for(what: &str, lines: usize) -> String {
    format!(
        "for i in $(seq 100); do [ \"$(kubectl get {what} --no-headers 2>/dev/null | wc -l)\" = {lines} ] && break; sleep 0.1; done"
    )
}

fn json(cluster: &Cluster, args: &str) -> Value {
    let ran = steps::bash(cluster, &format!("kubectl get {args} -o json"));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    serde_json::from_str(&ran.stdout).expect("kubectl prints JSON")
}

#[test]
fn a_deployment_owns_a_replica_set_that_owns_its_pods() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create deployment web --image=nginx --replicas=2 && {}",
            wait_for("pods -l app=web", 2)
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let deployment = json(&cluster, "deployment web");
    let sets = json(&cluster, "rs -l app=web");
    let rs = &sets["items"][0];
    let hash = rs["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .expect("the hash label");
    let rs_name = format!("web-{hash}");
    assert_eq!(rs["metadata"]["name"], rs_name.as_str());
    assert_eq!(
        rs["spec"]["selector"]["matchLabels"]["pod-template-hash"],
        hash
    );
    assert_eq!(rs["spec"]["template"]["metadata"]["labels"]["app"], "web");
    assert_eq!(
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    let owner = &rs["metadata"]["ownerReferences"][0];
    assert_eq!(
        (
            &owner["kind"],
            &owner["name"],
            &owner["uid"],
            &owner["controller"]
        ),
        (
            &Value::from("Deployment"),
            &Value::from("web"),
            &deployment["metadata"]["uid"],
            &Value::from(true)
        )
    );
    let pods = json(&cluster, "pods -l app=web");
    for pod in pods["items"].as_array().expect("pods") {
        let name = pod["metadata"]["name"].as_str().unwrap_or("");
        assert!(
            name.starts_with(&format!("{rs_name}-")) && name.len() == rs_name.len() + 6,
            "{name}"
        );
        assert_eq!(pod["metadata"]["labels"]["pod-template-hash"], hash);
        assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
        assert_eq!(
            pod["metadata"]["ownerReferences"][0]["uid"],
            rs["metadata"]["uid"]
        );
    }
    let ran = steps::bash(
        &cluster,
        "kubectl get pods -l app=web --no-headers | awk '{print $2, $3}'",
    );
    assert_eq!(
        ran.stdout, "0/1 Pending\n0/1 Pending\n",
        "no node runs them"
    );

    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl scale deployment web --replicas=3 && {} && kubectl get rs --no-headers -o custom-columns=N:.metadata.name,D:.spec.replicas,C:.status.replicas",
            wait_for("pods -l app=web", 3)
        ),
    );
    assert_eq!(
        ran.stdout,
        format!("deployment.apps/web scaled\n{rs_name}   3     3\n")
    );

    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl delete deployment web && {} && {} && kubectl get deploy,rs,pods",
            wait_for("rs", 0),
            wait_for("pods", 0)
        ),
    );
    assert_eq!(
        (ran.stdout.as_str(), ran.stderr.as_str()),
        (
            "deployment.apps \"web\" deleted\n",
            "No resources found in default namespace.\n"
        )
    );

    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create deployment kept --image=nginx >/dev/null && {} && \
             kubectl delete deployment kept --cascade=orphan && sleep 0.5 && \
             kubectl get rs,pods --no-headers -l app=kept | wc -l && \
             kubectl get rs -l app=kept -o jsonpath='{{.items[0].metadata.ownerReferences}}'",
            wait_for("pods -l app=kept", 1)
        ),
    );
    assert_eq!(
        ran.stdout, "deployment.apps \"kept\" deleted\n2\n[]",
        "{}",
        ran.stderr
    );

    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create deployment fg --image=nginx >/dev/null && {} && \
             kubectl delete deployment fg --cascade=foreground && {} && kubectl get deploy,rs -l app=fg --no-headers",
            wait_for("pods -l app=fg", 1),
            wait_for("pods -l app=fg", 0)
        ),
    );
    assert_eq!(
        (ran.stdout.as_str(), ran.stderr.as_str()),
        (
            "deployment.apps \"fg\" deleted\n",
            "No resources found in default namespace.\n"
        )
    );
}

#[test]
fn a_job_runs_its_pod_on_the_lab_node_and_completes() {
    let cluster = Cluster::up_with(
        tempfile::tempdir().expect("a temporary folder"),
        &["--lab-node".to_string()],
    );
    let ran = steps::bash(
        &cluster,
        "kubectl create job hello --image=busybox --dry-run=client -o yaml -- echo hi | kubectl create -f - && \
         kubectl wait --for=condition=complete job/hello --timeout=30s && kubectl get job hello --no-headers && kubectl logs job/hello && \
         kubectl get pods -l job-name=hello -o jsonpath='{.items[0].metadata.ownerReferences[0].kind} {.items[0].status.phase}'",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines[0], "job.batch/hello created");
    assert_eq!(lines[1], "job.batch/hello condition met");
    let cells: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(&cells[..3], ["hello", "Complete", "1/1"]);
    assert_eq!(&lines[3..], ["hi", "Job Succeeded"]);
}

#[test]
fn stateful_and_daemon_sets_roll_out_on_the_lab_node() {
    let cluster = Cluster::up_with(
        tempfile::tempdir().expect("a temporary folder"),
        &["--lab-node".to_string()],
    );
    let manifest = "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: busybox, command: [sleep, '3600']}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: busybox, command: [sleep, '3600']}]}
";
    std::fs::write(cluster.scratch("sets.yaml"), manifest).unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl apply -f $A/sets.yaml >/dev/null && \
         kubectl rollout status sts/db --timeout=60s && kubectl rollout status ds/agent --timeout=60s && \
         kubectl get pods -l app=db -o jsonpath='{range .items[*]}{.metadata.name}:{.status.phase} {end}' && echo && \
         kubectl get pods -l app=agent -o jsonpath='{.items[*].spec.nodeName}'",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    // kubectl prints `Waiting for N pods to be ready...` while the pods come up one by one.
    let lines: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| !(l.starts_with("Waiting for ") && l.ends_with(" pods to be ready...")))
        .collect();
    // The defaulted RollingUpdate has `partition: 0`, so kubectl reports a partitioned roll-out,
    // as it does against a real cluster.
    assert_eq!(
        lines[0], "partitioned roll out complete: 3 new pods have been updated...",
        "{}",
        ran.stdout
    );
    assert_eq!(lines[1], "daemon set \"agent\" successfully rolled out");
    assert_eq!(lines[2], "db-0:Running db-1:Running db-2:Running ");
    assert_eq!(lines[3], "lab");

    // Scaled down, the highest ordinals go first.
    let scaled = steps::bash(
        &cluster,
        &format!(
            "kubectl scale sts db --replicas=1 >/dev/null && {} && kubectl get pods -l app=db --no-headers -o name",
            wait_for("pods -l app=db", 1)
        ),
    );
    assert_eq!(scaled.stdout, "pod/db-0\n", "{}", scaled.stderr);
}

#[test]
fn controllers_record_the_events_kubectl_describe_shows() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create deployment web --image=nginx --replicas=2 >/dev/null && {} && \
             kubectl scale deployment web --replicas=1 >/dev/null && {} && \
             for i in $(seq 100); do \
               [ \"$(kubectl get events --no-headers 2>/dev/null | wc -l)\" -ge 5 ] && break; sleep 0.1; \
             done; \
             kubectl get events --sort-by=.metadata.creationTimestamp \
               -o custom-columns=NAME:.metadata.name,KIND:.involvedObject.kind,REASON:.reason,FROM:.source.component,MESSAGE:.message \
               --no-headers; \
             kubectl describe deployment web | sed -n '/^Events:/,$p' | awk 'NR > 3 {{$3 = \"\"; print}}'",
            wait_for("pods -l app=web", 2),
            wait_for("pods -l app=web", 1),
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let rs = json(&cluster, "rs -l app=web")["items"][0]["metadata"]["name"]
        .as_str()
        .expect("the ReplicaSet")
        .to_string();
    let pods: Vec<String> = ran
        .stdout
        .lines()
        .filter(|l| l.contains("Created pod: "))
        .map(|l| l.rsplit(' ').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(pods.len(), 2, "{}", ran.stdout);
    let deleted = ran
        .stdout
        .lines()
        .find(|l| l.contains("Deleted pod: "))
        .map(|l| l.rsplit(' ').next().unwrap_or("").to_string())
        .unwrap_or_default();
    assert!(pods.contains(&deleted), "{}", ran.stdout);
    // Events in the order they were recorded: their names end in the time in hex nanoseconds
    // (the creation timestamps are whole seconds). The describe lines have no name.
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (mut listed, described): (Vec<&str>, Vec<&str>) = ran
        .stdout
        .lines()
        .partition(|l| l.contains("-controller ") && !l.starts_with("Normal"));
    let recorded = |line: &&str| {
        let name = line.split_whitespace().next().unwrap_or("");
        u128::from_str_radix(name.rsplit('.').next().unwrap_or(""), 16).unwrap_or(0)
    };
    listed.sort_by_key(recorded);
    let lines: Vec<String> = listed
        .iter()
        .map(|l| squeeze(l.split_once(' ').map_or("", |(_, rest)| rest)))
        .chain(described.iter().map(|l| squeeze(l)))
        .collect();
    assert_eq!(
        lines,
        [
            format!(
                "Deployment ScalingReplicaSet deployment-controller Scaled up replica set {rs} from 0 to 2"
            ),
            format!(
                "ReplicaSet SuccessfulCreate replicaset-controller Created pod: {}",
                pods[0]
            ),
            format!(
                "ReplicaSet SuccessfulCreate replicaset-controller Created pod: {}",
                pods[1]
            ),
            format!(
                "Deployment ScalingReplicaSet deployment-controller Scaled down replica set {rs} from 2 to 1"
            ),
            format!("ReplicaSet SuccessfulDelete replicaset-controller Deleted pod: {deleted}"),
            format!(
                "Normal ScalingReplicaSet deployment-controller Scaled up replica set {rs} from 0 to 2"
            ),
            format!(
                "Normal ScalingReplicaSet deployment-controller Scaled down replica set {rs} from 2 to 1"
            ),
        ],
        "{}",
        ran.stdout
    );
}
