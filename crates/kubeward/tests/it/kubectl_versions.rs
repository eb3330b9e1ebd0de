//! The oldest and newest supported kubectl (1.27 and 1.33) through the seeds' x509 and
//! ServiceAccount flows: the same answers as the kubectl of the captures.

use kubeward_testkit::cluster::{self, Cluster};
use kubeward_testkit::golden;
use kubeward_testkit::golden as steps;

/// Runs `steps` with kubectl 1.`minor` and compares exit codes, stdout and stderr with the
/// captures (kubectl 1.32), after masking credential ids and scratch paths.
fn same_answers(cluster: &Cluster, minor: u32, steps_to_run: &[&str]) {
    for step in steps_to_run {
        let ran = steps::run_with_kubectl(cluster, step, minor);
        let scratch = cluster.scratch("w").display().to_string();
        let clean = |text: &str| steps::mask(&text.replace(&scratch, "$W"));
        assert_eq!(
            ran.code,
            golden::exit_code_of(step),
            "kubectl 1.{minor} {step}: {}",
            ran.stderr
        );
        assert_eq!(
            clean(&ran.stdout),
            clean(&golden::stdout_of(step)),
            "kubectl 1.{minor} {step}: stdout"
        );
        assert_eq!(
            clean(&ran.stderr),
            clean(&golden::stderr_of(step)),
            "kubectl 1.{minor} {step}: stderr"
        );
    }
}

fn x509_and_service_account_flows(minor: u32) {
    let cluster = Cluster::up();
    let version =
        cluster::ok(&cluster.kubectl_version(minor, &["version", "--client", "-o", "json"]));
    assert!(
        version.contains(&format!("\"minor\": \"{minor}\"")),
        "{version}"
    );
    same_answers(
        &cluster,
        minor,
        &[
            "a-x509-csr/01-genrsa",
            "a-x509-csr/02-req",
            "a-x509-csr/03-csr-apply",
            "a-x509-csr/06-approve",
        ],
    );
    // The certificate's dates and issuer differ from the capture's; its subject does not.
    let certificate = steps::run_with_kubectl(&cluster, "a-x509-csr/09-extract-cert", minor);
    assert!(
        certificate
            .stdout
            .starts_with("subject=O = dev-team, CN = minjun\n"),
        "{}",
        certificate.stderr
    );
    same_answers(
        &cluster,
        minor,
        &[
            "a-x509-csr/10-kubeconfig",
            "a-x509-csr/11-minjun-get-pods-before-rbac",
            "a-x509-csr/12-create-role",
            "a-x509-csr/13-create-rolebinding",
            "a-x509-csr/16-minjun-get-pods",
            "a-x509-csr/17-minjun-get-deployments",
            "a-x509-csr/24-minjun-can-i-list-pods",
            "a-x509-csr/26-minjun-can-i-list",
            "a-x509-csr/21-minjun-whoami",
            "b-serviceaccount/01-ns-create",
            "b-serviceaccount/02-sa-create",
            "b-serviceaccount/11-role-apply",
            "b-serviceaccount/40-as-sa-impersonation",
        ],
    );
}

#[test]
fn kubectl_1_27_gets_the_same_answers() {
    x509_and_service_account_flows(27);
}

#[test]
fn kubectl_1_33_gets_the_same_answers() {
    x509_and_service_account_flows(33);
}

#[test]
fn every_kubectl_from_1_28_to_1_32_gets_the_same_answers() {
    for minor in 28..=32 {
        let cluster = Cluster::up();
        same_answers(
            &cluster,
            minor,
            &[
                "a-x509-csr/01-genrsa",
                "a-x509-csr/02-req",
                "a-x509-csr/03-csr-apply",
                "a-x509-csr/06-approve",
                "b-serviceaccount/01-ns-create",
                "b-serviceaccount/02-sa-create",
                "b-serviceaccount/11-role-apply",
                "b-serviceaccount/40-as-sa-impersonation",
                "c-default-rbac/02-can-i-list-authenticated",
            ],
        );
    }
}
