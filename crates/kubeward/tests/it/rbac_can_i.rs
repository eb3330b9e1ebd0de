//! `kubeward rbac can-i`: the answers the seeds show, and kubectl's `--list` table to the
//! character, compared with what a real kube-apiserver and kubectl printed.

use kubeward_testkit::golden::stdout_of as golden_out;

use crate::support::{example, run};

const DEV_K8S: &str = "system:serviceaccount:dev-team:dev-k8s";

fn can_i(args: &[&str], from: &str) -> (i32, String, String) {
    let mut full = vec!["rbac", "can-i"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--from", from]);
    run(&full)
}

fn assert_answer(args: &[&str], from: &str, yes: bool) {
    let (code, out, err) = can_i(args, from);
    let expected = if yes { (0, "yes\n") } else { (1, "no\n") };
    assert_eq!((code, out.as_str()), expected, "{args:?}: stderr {err}");
}

#[test]
fn seed_002_minjun_reads_pods_in_default_only() {
    let from = example("seed-002-x509");
    let minjun = ["--as", "minjun", "--as-group", "dev-team"];
    let ask = |extra: &[&'static str]| [extra, &minjun[..]].concat();
    assert_answer(&ask(&["list", "pods", "-n", "default"]), &from, true);
    assert_answer(&ask(&["get", "po", "-n", "default"]), &from, true);
    assert_answer(&ask(&["watch", "pods"]), &from, true);
    assert_answer(&ask(&["create", "pods", "-n", "default"]), &from, false);
    assert_answer(
        &ask(&["list", "deployments", "-n", "default"]),
        &from,
        false,
    );
    assert_answer(&ask(&["get", "pods", "-n", "kube-system"]), &from, false);
}

#[test]
fn seed_004_service_accounts_are_denied_before_the_role_and_allowed_after() {
    let before = example("seed-004-serviceaccounts/00-namespaces-and-serviceaccounts.yaml");
    assert_answer(
        &["get", "pods", "-n", "dev-team", "--as", DEV_K8S],
        &before,
        false,
    );
    let after = example("seed-004-serviceaccounts");
    assert_answer(
        &["get", "pods", "-n", "dev-team", "--as", DEV_K8S],
        &after,
        true,
    );
    assert_answer(
        &[
            "create",
            "deployments.apps",
            "-n",
            "dev-team",
            "--as",
            DEV_K8S,
        ],
        &after,
        true,
    );
    assert_answer(
        &["get", "pods", "-n", "infra-team", "--as", DEV_K8S],
        &after,
        false,
    );
    assert_answer(&["get", "namespaces", "--as", DEV_K8S, "-A"], &after, false);
    let infra = "system:serviceaccount:infra-team:infra-k8s";
    assert_answer(
        &["get", "pods", "-n", "infra-team", "--as", infra],
        &after,
        true,
    );
}

#[test]
fn seed_001_oidc_user_test_reads_namespaces_and_pods_cluster_wide() {
    let from = example("seed-001-keycloak");
    assert_answer(
        &["get", "namespaces", "default", "--as", "test"],
        &from,
        true,
    );
    assert_answer(&["list", "pods", "-A", "--as", "test"], &from, true);
    assert_answer(&["delete", "pods", "--as", "test"], &from, false);
}

#[test]
fn seed_003_service_account_reads_nodes_through_a_cluster_role_binding() {
    let from = example("seed-003-basics");
    let jonnung = "system:serviceaccount:default:jonnung";
    let (code, out, err) = can_i(&["list", "nodes", "--as", jonnung], &from);
    assert_eq!((code, out.as_str()), (0, "yes\n"));
    // kubectl warns when a cluster-scoped resource is asked about in a namespace.
    assert!(
        err.contains("Warning: resource 'nodes' is not namespace scoped"),
        "{err}"
    );
    assert_answer(&["delete", "nodes", "--as", jonnung, "-A"], &from, false);
}

#[test]
fn bootstrap_policy_answers_for_everyone() {
    let from = example("seed-002-x509");
    // system:masters holds cluster-admin.
    assert_answer(
        &[
            "delete",
            "nodes",
            "-A",
            "--as",
            "admin",
            "--as-group",
            "system:masters",
        ],
        &from,
        true,
    );
    // system:public-info-viewer and system:discovery, for authenticated users.
    assert_answer(&["get", "/healthz", "--as", "minjun"], &from, true);
    assert_answer(&["get", "/apis/apps", "--as", "minjun"], &from, true);
    assert_answer(&["get", "/metrics", "--as", "minjun"], &from, false);
    // Anonymous users get system:public-info-viewer only.
    assert_answer(
        &["get", "/version", "--as", "system:anonymous"],
        &from,
        true,
    );
    assert_answer(&["get", "/api", "--as", "system:anonymous"], &from, false);
    // --no-bootstrap leaves it out.
    assert_answer(
        &["get", "/healthz", "--as", "minjun", "--no-bootstrap"],
        &from,
        false,
    );
}

#[test]
fn a_slash_names_the_object_and_subresources_need_the_flag() {
    let from = example("seed-002-x509");
    // `pods/log` is the pod named "log", which pod-reader covers.
    assert_answer(&["get", "pods/log", "--as", "minjun"], &from, true);
    assert_answer(&["get", "pods", "log", "--as", "minjun"], &from, true);
    // The log subresource is not covered by a rule for "pods".
    assert_answer(
        &["get", "pods", "--subresource=log", "--as", "minjun"],
        &from,
        false,
    );
}

fn assert_list_equals_golden(args: &[&str], from: &str, step: &str) {
    let (code, out, err) = can_i(args, from);
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(out, golden_out(step), "{args:?} vs golden {step}");
}

#[test]
fn list_for_minjun_equals_kubectl() {
    assert_list_equals_golden(
        &[
            "--list",
            "-n",
            "default",
            "--as",
            "minjun",
            "--as-group",
            "dev-team",
        ],
        &example("seed-002-x509"),
        "a-x509-csr/26-minjun-can-i-list",
    );
}

#[test]
fn list_for_the_service_account_equals_kubectl_in_both_namespaces() {
    let from = example("seed-004-serviceaccounts");
    assert_list_equals_golden(
        &["--list", "-n", "dev-team", "--as", DEV_K8S],
        &from,
        "b-serviceaccount/14-sa-can-i-list",
    );
    assert_list_equals_golden(
        &["--list", "-n", "default", "--as", DEV_K8S],
        &from,
        "b-serviceaccount/15-sa-can-i-list-default",
    );
}

#[test]
fn list_for_an_authenticated_user_and_for_the_admin_equals_kubectl() {
    let from = example("seed-002-x509");
    assert_list_equals_golden(
        &[
            "--list",
            "--as",
            "test",
            "--as-group",
            "system:authenticated",
        ],
        &from,
        "c-default-rbac/02-can-i-list-authenticated",
    );
    assert_list_equals_golden(
        &[
            "--list",
            "--as",
            "kubernetes-admin",
            "--as-group",
            "system:masters",
        ],
        &from,
        "c-default-rbac/03-can-i-list-admin",
    );
}

#[test]
fn list_without_headers() {
    let (code, out, _) = can_i(
        &["--list", "--no-headers", "--as", "minjun"],
        &example("seed-002-x509"),
    );
    assert_eq!(code, 0);
    assert!(!out.contains("Resources"));
    assert!(out.lines().any(|l| l.starts_with("pods ")), "{out}");
}

#[test]
fn unknown_resources_and_verbs_draw_kubectls_warnings() {
    let from = example("seed-002-x509");
    let (code, out, err) = can_i(&["get", "widgets", "--as", "minjun"], &from);
    assert_eq!((code, out.as_str()), (1, "no\n"));
    assert!(
        err.contains("Warning: the server doesn't have a resource type 'widgets'"),
        "{err}"
    );
    let (_, _, err) = can_i(&["frobnicate", "pods", "--as", "minjun"], &from);
    assert!(
        err.contains("Warning: verb 'frobnicate' is not a known verb"),
        "{err}"
    );
}

#[test]
fn bad_arguments_exit_2_with_kubectls_messages() {
    let from = example("seed-002-x509");
    let (code, _, err) = can_i(&["get", "--as", "minjun"], &from);
    assert_eq!(code, 2);
    assert!(err.contains("you must specify two arguments"), "{err}");
    let (code, _, err) = can_i(&["--list", "get", "pods", "--as", "minjun"], &from);
    assert_eq!(code, 2);
    assert!(
        err.contains("list option must be specified with no arguments"),
        "{err}"
    );
    let (code, _, err) = can_i(
        &["get", "/healthz", "--subresource", "log", "--as", "minjun"],
        &from,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("--subresource can not be used with NonResourceURL"),
        "{err}"
    );
    let (code, _, err) = run(&["rbac", "can-i", "get", "pods", "--as", "x"]);
    assert_eq!(code, 2, "--from is required: {err}");
}

#[test]
fn unreadable_and_malformed_manifests_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yaml").display().to_string();
    let (code, out, err) = can_i(&["get", "pods", "--as", "x"], &missing);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("missing.yaml"), "{err}");

    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "kind: Role\nmetadata:\n  name: [oops\n").unwrap();
    let (code, _, err) = can_i(&["get", "pods", "--as", "x"], &bad.display().to_string());
    assert_eq!(code, 2);
    assert!(err.contains("bad.yaml:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_binding_to_a_missing_role_is_reported_and_grants_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dangling.yaml");
    std::fs::write(
        &file,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: dangling\n  namespace: default\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: nowhere\nsubjects:\n- kind: User\n  name: minjun\n",
    )
    .unwrap();
    let (code, out, err) = can_i(
        &["get", "pods", "--as", "minjun"],
        &file.display().to_string(),
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "no - RBAC: role.rbac.authorization.k8s.io \"nowhere\" not found\n"
    );
    assert!(
        err.contains(
            "Warning: RoleBinding \"default/dangling\" grants nothing: role.rbac.authorization.k8s.io \"nowhere\" not found"
        ),
        "{err}"
    );
}
