//! The generic verbs through kubectl: watch (with the Table kubectl asks for), patch by label,
//! delete of a collection, and a namespace's deletion taking its contents along.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;

#[test]
fn watch_patch_and_delete_collection_through_kubectl() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        "(timeout 6 kubectl get configmaps -w --output-watch-events > $W/watch.out 2>&1 &) ; sleep 1.5; \
         kubectl create configmap w1 --from-literal=a=b && kubectl label configmap w1 tier=web && \
         kubectl delete configmap w1 && sleep 5 && cat $W/watch.out",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let events: Vec<Vec<&str>> = ran
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("EVENT"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    let kinds: Vec<(&str, &str)> = events.iter().skip(1).map(|e| (e[0], e[1])).collect();
    assert_eq!(
        kinds,
        [
            ("ADDED", "kube-root-ca.crt"),
            ("ADDED", "w1"),
            ("MODIFIED", "w1"),
            ("DELETED", "w1")
        ],
        "{}",
        ran.stdout
    );

    let ran = steps::bash(
        &cluster,
        "kubectl create configmap a && kubectl create configmap b && kubectl label configmap a keep=yes && \
         kubectl delete configmaps -l '!keep' && kubectl get configmaps -o name",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout
            // kube-root-ca.crt has no `keep` label either: deleted, then published again.
            .ends_with(
                "configmap \"b\" deleted\nconfigmap \"kube-root-ca.crt\" deleted\n\
                 configmap/a\nconfigmap/kube-root-ca.crt\n"
            ),
        "{}",
        ran.stdout
    );
}

#[test]
fn deleting_a_namespace_deletes_what_it_holds() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        "kubectl create namespace gone && kubectl create configmap c1 -n gone && \
         kubectl create role r --verb=get --resource=pods -n gone && kubectl delete namespace gone && \
         kubectl get configmaps,roles,serviceaccounts -n gone; kubectl get namespace gone",
    );
    assert_eq!(ran.code, 1);
    assert!(
        ran.stdout.contains("namespace \"gone\" deleted"),
        "{}",
        ran.stdout
    );
    assert_eq!(
        ran.stderr,
        "No resources found in gone namespace.\nError from server (NotFound): namespaces \"gone\" not found\n"
    );
    // A namespace created again with the same name starts empty, with a fresh default account
    // and the cluster's CA bundle.
    let again = steps::bash(
        &cluster,
        "kubectl create namespace gone >/dev/null && kubectl get configmaps,serviceaccounts -n gone -o name",
    );
    assert_eq!(
        again.stdout,
        "configmap/kube-root-ca.crt\nserviceaccount/default\n"
    );
}

#[test]
fn kubectl_apply_merges_containers_by_name() {
    let cluster = Cluster::up();
    let manifest = |image: &str| {
        format!(
            "cat <<EOF | kubectl apply -f -\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n      - name: web\n        image: {image}\n        env: [{{name: A, value: \"1\"}}]\nEOF"
        )
    };
    let first = steps::bash(&cluster, &manifest("nginx:1"));
    assert_eq!(
        first.stdout, "deployment.apps/web created\n",
        "{}",
        first.stderr
    );
    // Something else adds a field to the container (as a controller or `kubectl set` would).
    let set = steps::bash(
        &cluster,
        "kubectl patch deployment web --type=strategic -p '{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"ports\":[{\"containerPort\":80}]}]}}}}'",
    );
    assert_eq!(set.code, 0, "{}", set.stderr);
    let second = steps::bash(&cluster, &manifest("nginx:2"));
    assert_eq!(
        second.stdout, "deployment.apps/web configured\n",
        "{}",
        second.stderr
    );
    let container = steps::bash(
        &cluster,
        "kubectl get deployment web -o jsonpath='{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].name} {.spec.template.spec.containers[0].ports[0].containerPort} {.metadata.generation}'",
    );
    assert_eq!(container.stdout, "nginx:2 A 80 3");
}

#[test]
fn every_namespace_holds_the_cluster_ca_in_kube_root_ca_crt() {
    let cluster = Cluster::up();
    let ca = std::fs::read_to_string(cluster.data_dir.join("pki/ca.crt")).unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl get configmaps -n kube-public --no-headers | awk '{print $1, $2}' && \
         kubectl create namespace fresh >/dev/null && \
         kubectl get configmap kube-root-ca.crt -n fresh -o jsonpath='{.data.ca\\.crt}' > $W/fresh.crt && \
         kubectl delete configmap kube-root-ca.crt -n fresh && \
         kubectl get configmap kube-root-ca.crt -n fresh -o jsonpath='{.metadata.annotations}{\"\\n\"}'",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let mut lines = ran.stdout.lines();
    assert_eq!(lines.next(), Some("kube-root-ca.crt 1"));
    assert_eq!(
        lines.next(),
        Some("configmap \"kube-root-ca.crt\" deleted"),
        "deleted, then published again by the root CA publisher: {}",
        ran.stdout
    );
    assert!(
        lines
            .next()
            .unwrap_or_default()
            .contains("Contains a CA bundle that can be used to verify the kube-apiserver"),
        "{}",
        ran.stdout
    );
    assert_eq!(
        std::fs::read_to_string(cluster.scratch("w/fresh.crt")).unwrap(),
        ca
    );
}
