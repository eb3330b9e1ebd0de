//! `kubeward rbac from-audit` on the recorded audit log of seed 004's ServiceAccount session
//! (`examples/seed-004-audit`, built by the audit recorder as kube-apiserver writes it): the
//! generated Role allows every request the session made and nothing it did not do, as
//! `kubeward rbac can-i --from` answers; `--diff` shows what the seed's Role grants beyond it.

use crate::support::{example, run};

const DEV_K8S: &str = "system:serviceaccount:dev-team:dev-k8s";

fn session() -> String {
    example("seed-004-audit/dev-k8s-session.log")
}

fn generate(dir: &tempfile::TempDir, extra: &[&str]) -> String {
    let log = session();
    let mut args = vec![
        "rbac",
        "from-audit",
        "-f",
        &log,
        "--serviceaccount",
        "dev-team:dev-k8s",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "stderr: {err}");
    let path = dir.path().join("generated.yaml");
    std::fs::write(&path, out).expect("written");
    path.display().to_string()
}

fn can_i(from: &str, question: &[&str]) -> bool {
    let mut args = vec!["rbac", "can-i"];
    args.extend_from_slice(question);
    args.extend_from_slice(&["--as", DEV_K8S, "--from", from]);
    let (code, out, err) = run(&args);
    match (code, out.as_str()) {
        (0, "yes\n") => true,
        (1, "no\n") => false,
        other => panic!("{question:?}: {other:?}, stderr {err}"),
    }
}

#[test]
fn the_generated_role_allows_what_the_session_did_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let generated = generate(&dir, &[]);
    let did: &[&[&str]] = &[
        &["list", "pods", "-n", "dev-team"],
        &["create", "deployments.apps", "-n", "dev-team"],
        &["get", "/api"],
        &["get", "/apis"],
        &["create", "selfsubjectaccessreviews.authorization.k8s.io"],
        &["create", "selfsubjectrulesreviews.authorization.k8s.io"],
        &["create", "selfsubjectreviews.authentication.k8s.io"],
    ];
    for question in did {
        assert!(can_i(&generated, question), "{question:?} was done");
    }
    let did_not: &[&[&str]] = &[
        // Refused in the session, so left out.
        &["list", "pods", "-n", "infra-team"],
        &["list", "namespaces", "-A"],
        &["list", "nodes", "-A"],
        // Never asked.
        &["get", "pods", "-n", "dev-team"],
        &["watch", "pods", "-n", "dev-team"],
        &["delete", "pods", "-n", "dev-team"],
        &["create", "pods", "-n", "dev-team"],
        &["get", "deployments.apps", "-n", "dev-team"],
        &["update", "deployments.apps/web", "-n", "dev-team"],
        &["list", "secrets", "-n", "dev-team"],
        &["create", "deployments.apps", "-n", "default"],
        &["get", "/metrics"],
    ];
    for question in did_not {
        assert!(!can_i(&generated, question), "{question:?} was not done");
    }
}

#[test]
fn include_denied_also_allows_what_was_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let generated = generate(&dir, &["--include-denied", "--name", "dev-k8s-all"]);
    assert!(can_i(&generated, &["list", "pods", "-n", "infra-team"]));
    assert!(can_i(&generated, &["list", "nodes", "-A"]));
    assert!(!can_i(&generated, &["get", "nodes", "-A"]));
    let text = std::fs::read_to_string(&generated).expect("read");
    assert!(
        text.contains("kind: ClusterRole\nmetadata:\n  name: dev-k8s-all\n"),
        "{text}"
    );
}

#[test]
fn the_summary_names_what_was_left_out() {
    let log = session();
    let (code, out, err) = run(&[
        "rbac",
        "from-audit",
        "-f",
        &log,
        "--serviceaccount",
        "dev-team:dev-k8s",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"),
        "{out}"
    );
    assert_eq!(
        err,
        "Read 36 events: 18 requests by system:serviceaccount:dev-team:dev-k8s (10 distinct).\n\
Already allowed to it by the default policy: get /api, get /apis, create selfsubjectreviews.authentication.k8s.io (cluster-wide), create selfsubjectaccessreviews.authorization.k8s.io (cluster-wide), create selfsubjectrulesreviews.authorization.k8s.io (cluster-wide).\n\
Refused by the authorizer, left out (--include-denied allows them): list namespaces (cluster-wide), list nodes (cluster-wide), list pods in infra-team.\n"
    );
}

#[test]
fn diff_shows_the_seed_s_role_wider_than_needed() {
    let log = session();
    let seed = example("seed-004-serviceaccounts");
    let (code, out, err) = run(&[
        "rbac",
        "from-audit",
        "-f",
        &log,
        "--serviceaccount",
        "dev-team:dev-k8s",
        "--diff",
        "--from",
        &seed,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "USAGE   SCOPE      VERB   RESOURCE   NAME   GRANTED BY                                                 USED FOR\n\
wider   dev-team   *      *.*               RoleBinding dev-team/roleB-dev-team → Role role-dev-team   list pods in dev-team; create deployments.apps in dev-team\n"
    );
    let (_, json, _) = run(&[
        "rbac",
        "from-audit",
        "-f",
        &log,
        "--serviceaccount",
        "dev-team:dev-k8s",
        "--diff",
        "--from",
        &seed,
        "-o",
        "json",
    ]);
    let rows: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(rows[0]["usage"], "wider");
    assert_eq!(
        rows[0]["used_for"][1],
        "create deployments.apps in dev-team"
    );
}

#[test]
fn bad_input_is_told_plainly() {
    let log = session();
    let (code, _, err) = run(&["rbac", "from-audit", "-f", &log, "--user", "nobody"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "error: No audit events matched user nobody\n")
    );
    let (code, _, err) = run(&[
        "rbac",
        "from-audit",
        "-f",
        &log,
        "--serviceaccount",
        "dev-k8s",
    ]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "error: --serviceaccount must be NAMESPACE:NAME, got \"dev-k8s\"\n"
        )
    );
    let (code, _, err) = run(&[
        "rbac",
        "from-audit",
        "-f",
        "/nonexistent/audit.log",
        "--user",
        "a",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: cannot read /nonexistent/audit.log: "),
        "{err}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mixed = dir.path().join("mixed.log");
    let first = std::fs::read_to_string(&log)
        .expect("read")
        .lines()
        .take(6)
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&mixed, format!("{first}\nnot json\n")).expect("written");
    let mixed = mixed.display().to_string();
    let (code, out, err) = run(&[
        "rbac",
        "from-audit",
        "-f",
        &mixed,
        "--serviceaccount",
        "dev-team:dev-k8s",
        "--include-denied",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with(&format!(
            "Warning: {mixed}: line 7: expected ident at line 7 column 2\n"
        )),
        "{err}"
    );
    assert!(out.contains("  - pods\n  verbs:\n  - list\n"), "{out}");
}
