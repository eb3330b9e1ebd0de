//! Seed 004's ServiceAccount lab with the real kubectl: namespaces, ServiceAccounts,
//! `kubectl create token`, Forbidden before the Role, allowed after, other namespaces denied;
//! compared with a real kube-apiserver's answers (`../shared/golden/b-serviceaccount`).

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden::{self as steps, Compare};

fn token_kubeconfig(cluster: &Cluster) {
    let made = steps::bash(
        cluster,
        "kubectl config --kubeconfig=$W/dev-k8s.kubeconfig set-cluster c --server=$API --certificate-authority=$P/ca.crt --embed-certs=true >/dev/null \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig set-credentials dev-k8s --token=$(cat $W/dev-k8s.token) >/dev/null \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig set-context dev-k8s --cluster=c --user=dev-k8s >/dev/null \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig use-context dev-k8s >/dev/null",
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
}

#[test]
fn seed_004_service_account_lab_as_on_a_real_cluster() {
    let cluster = Cluster::up();
    steps::check(&cluster, "b-serviceaccount/01-ns-create", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/02-sa-create", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/04-sa-list", Compare::Table);
    let created = steps::run(&cluster, "b-serviceaccount/05-create-token");
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert!(
        created.stdout.starts_with("eyJhbGciOiJSUzI1NiIs"),
        "{}",
        created.stdout
    );
    token_kubeconfig(&cluster);

    let claims = steps::run(&cluster, "b-serviceaccount/07-token-claims");
    for line in [
        "\"iss\": \"https://kubernetes.default.svc\"",
        "\"namespace\": \"dev-team\"",
        "\"name\": \"dev-k8s\"",
        "\"sub\": \"system:serviceaccount:dev-team:dev-k8s\"",
    ] {
        assert!(claims.stdout.contains(line), "{line} in {}", claims.stdout);
    }

    steps::check(
        &cluster,
        "b-serviceaccount/08-sa-get-pods-forbidden",
        Compare::Exact,
    );
    steps::check(&cluster, "b-serviceaccount/10-sa-can-i-no", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/11-role-apply", Compare::Exact);
    steps::check(
        &cluster,
        "b-serviceaccount/12-sa-get-pods-ok",
        Compare::Exact,
    );
    steps::check(&cluster, "b-serviceaccount/13-sa-can-i-yes", Compare::Exact);
    steps::check(
        &cluster,
        "b-serviceaccount/14-sa-can-i-list",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "b-serviceaccount/15-sa-can-i-list-default",
        Compare::Exact,
    );
    steps::check(&cluster, "b-serviceaccount/17-sa-cross-ns", Compare::Exact);
    steps::check(
        &cluster,
        "b-serviceaccount/18-sa-cross-ns-can-i",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "b-serviceaccount/19-sa-cluster-scope",
        Compare::Exact,
    );
    steps::check(&cluster, "b-serviceaccount/20-sa-get-nodes", Compare::Exact);
    steps::check(
        &cluster,
        "b-serviceaccount/24-token-duration-too-short",
        Compare::Exact,
    );
}

/// `exp - iat` of the token payload a step printed.
fn lifetime(payload: &str) -> i64 {
    let claims: serde_json::Value = serde_json::from_str(payload).expect("a JSON payload");
    claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat")
}

#[test]
fn service_account_token_edge_cases_as_on_a_real_cluster() {
    let cluster = Cluster::up();
    let warmed = steps::bash(
        &cluster,
        "kubectl api-resources >/dev/null && openssl genrsa -out $P/wrong-sa.key 2048 2>/dev/null",
    );
    assert_eq!(warmed.code, 0, "{}", warmed.stderr);
    steps::check(&cluster, "b-serviceaccount/01-ns-create", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/02-sa-create", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/11-role-apply", Compare::Exact);
    assert_eq!(
        steps::run(&cluster, "b-serviceaccount/05-create-token").code,
        0
    );
    token_kubeconfig(&cluster);

    // Lifetimes and audiences as asked.
    let ten_minutes = steps::run(&cluster, "b-serviceaccount/23-token-duration-10m");
    assert_eq!(lifetime(&ten_minutes.stdout), 600);
    let two_days = steps::run(&cluster, "b-serviceaccount/25-token-duration-long");
    let exp_iat: Vec<i64> = two_days
        .stdout
        .lines()
        .filter_map(|l| {
            l.trim()
                .trim_end_matches(',')
                .split(": ")
                .nth(1)?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(exp_iat[0] - exp_iat[1], 48 * 3600, "{}", two_days.stdout);
    let vault = steps::run(&cluster, "b-serviceaccount/26-token-audience");
    assert!(
        vault.stdout.contains("\"aud\": [\n    \"vault\"\n  ]"),
        "{}",
        vault.stdout
    );

    // Rejected tokens: other audience, expired, foreign key, foreign issuer, uid mismatch,
    // deleted ServiceAccount — and the same claims re-signed with the real key are accepted.
    for step in [
        "b-serviceaccount/27-token-audience-rejected",
        "b-serviceaccount/28-token-expired",
        "b-serviceaccount/30-token-wrong-key",
        "b-serviceaccount/32-token-wrong-issuer",
        "b-serviceaccount/33-token-wrong-uid",
        "b-serviceaccount/34-sa-deleted",
    ] {
        steps::check(&cluster, step, Compare::Http);
    }
    steps::check(
        &cluster,
        "b-serviceaccount/29-token-expired-kubectl",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "b-serviceaccount/31-token-resigned-valid",
        Compare::Exact,
    );

    // Legacy tokens in kubernetes.io/service-account-token Secrets.
    let secret = steps::run(&cluster, "b-serviceaccount/35-legacy-secret-token");
    assert!(
        secret.stdout.starts_with("secret/dev-k8s-secret created\n"),
        "{}",
        secret.stderr
    );
    assert!(
        secret.stdout.contains("kubernetes.io/service-account.uid:"),
        "{}",
        secret.stdout
    );
    steps::check(
        &cluster,
        "b-serviceaccount/36-legacy-token-claims",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "b-serviceaccount/37-legacy-token-whoami",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "b-serviceaccount/39-sa-yaml-after",
        Compare::Exact,
    );
}
