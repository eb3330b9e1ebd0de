//! The generic verbs through kubectl: watch (with the Table kubectl asks for), patch by label,
//! delete of a collection, and a namespace's deletion taking its contents along.

use crate::cluster::Cluster;
use crate::steps;

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
        [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")],
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
            .ends_with("configmap \"b\" deleted\nconfigmap/a\n"),
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
    // A namespace created again with the same name starts empty, with a fresh default account.
    let again = steps::bash(
        &cluster,
        "kubectl create namespace gone >/dev/null && kubectl get configmaps,serviceaccounts -n gone -o name",
    );
    assert_eq!(again.stdout, "serviceaccount/default\n");
}
