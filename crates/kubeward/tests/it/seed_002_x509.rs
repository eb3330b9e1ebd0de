//! Seed 002 end to end with the real kubectl: an x509 user onboarded through the
//! CertificateSigningRequest API, then given a Role; every output compared with what a real
//! kube-apiserver answered (`../shared/golden/a-x509-csr`).

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden::{self as steps, Compare};

#[test]
fn seed_002_csr_onboarding_and_role_as_on_a_real_cluster() {
    let cluster = Cluster::up();
    steps::check(&cluster, "a-x509-csr/01-genrsa", Compare::ExitCode);
    steps::check(&cluster, "a-x509-csr/02-req", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/03-csr-apply", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/04-get-csr-pending", Compare::Table);
    steps::check(&cluster, "a-x509-csr/06-approve", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/07-get-csr-issued", Compare::Table);

    // The certificate is the cluster CA's, for CN=minjun O=dev-team, client auth only.
    let certificate = steps::run(&cluster, "a-x509-csr/09-extract-cert");
    assert_eq!(certificate.code, 0, "{}", certificate.stderr);
    assert!(
        certificate
            .stdout
            .starts_with("subject=O = dev-team, CN = minjun\n")
    );
    assert!(certificate.stdout.contains("TLS Web Client Authentication"));
    assert!(certificate.stdout.contains("CA:FALSE"));

    steps::check(&cluster, "a-x509-csr/10-kubeconfig", Compare::Exact);
    steps::check(
        &cluster,
        "a-x509-csr/11-minjun-get-pods-before-rbac",
        Compare::Exact,
    );
    steps::check(&cluster, "a-x509-csr/12-create-role", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/13-create-rolebinding", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/16-minjun-get-pods", Compare::Exact);
    steps::check(
        &cluster,
        "a-x509-csr/17-minjun-get-deployments",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "a-x509-csr/18-minjun-get-pods-other-ns",
        Compare::Exact,
    );
    steps::check(&cluster, "a-x509-csr/21-minjun-whoami", Compare::Exact);
    steps::check(
        &cluster,
        "a-x509-csr/24-minjun-can-i-list-pods",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "a-x509-csr/25-minjun-can-i-create-pods",
        Compare::Exact,
    );
    steps::check(&cluster, "a-x509-csr/26-minjun-can-i-list", Compare::Exact);
    steps::check(
        &cluster,
        "a-x509-csr/27-minjun-approve-forbidden",
        Compare::Exact,
    );
    steps::check(
        &cluster,
        "a-x509-csr/28-minjun-get-csr-forbidden",
        Compare::Exact,
    );
}

/// Writes `$W/<name>-csr.yaml`: a CSR object for a new key with `subject`, and the given spec
/// lines (signer, usages, expiration), as the captures' scratch files were written.
fn csr_file(cluster: &Cluster, name: &str, subject: &str, spec: &str) {
    let manifest = [
        "apiVersion: certificates.k8s.io/v1",
        "kind: CertificateSigningRequest",
        "metadata:",
        &format!("  name: {name}"),
        "spec:",
        &format!("  request: $(base64 -w0 < $W/{name}.csr)"),
        spec,
    ]
    .join("\n");
    let script =
        format!("mkcsr {name} '{subject}' && cat > $W/{name}-csr.yaml <<EOF\n{manifest}\nEOF");
    let made = steps::bash(cluster, &script);
    assert_eq!(made.code, 0, "{}", made.stderr);
}

#[test]
fn csr_denial_and_api_errors_as_on_a_real_cluster() {
    let cluster = Cluster::up();
    let client = "  signerName: kubernetes.io/kube-apiserver-client\n  usages: [client auth]";
    csr_file(&cluster, "seoyeon", "/CN=seoyeon/O=dev-team", client);
    csr_file(
        &cluster,
        "badsigner3",
        "/CN=b3",
        "  signerName: not_a_valid_signer_name\n  usages: [client auth]",
    );
    csr_file(&cluster, "nosigner", "/CN=n", "  usages: [client auth]");
    csr_file(
        &cluster,
        "badusage2",
        "/CN=u2",
        "  signerName: kubernetes.io/kube-apiserver-client\n  usages: [not-a-usage]",
    );
    csr_file(
        &cluster,
        "shortexp",
        "/CN=s",
        "  signerName: kubernetes.io/kube-apiserver-client\n  expirationSeconds: 100\n  usages: [client auth]",
    );
    csr_file(&cluster, "masters", "/CN=eve/O=system:masters", client);
    steps::check(&cluster, "a-x509-csr/01-genrsa", Compare::ExitCode);
    steps::check(&cluster, "a-x509-csr/02-req", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/03-csr-apply", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/06-approve", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/29-deny-create", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/30-deny", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/33-deny-then-approve", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/34-approve-again", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/35-deny-approved", Compare::Exact);
    steps::check(&cluster, "a-x509-csr/38-create-dup-409", Compare::Exact);
    for step in [
        "a-x509-csr/42-bad-signer-format",
        "a-x509-csr/43-missing-signer",
        "a-x509-csr/46-bad-usage-unknown",
        "a-x509-csr/49-expiration-too-short",
        "a-x509-csr/50-system-masters-csr",
        "a-x509-csr/51-garbage-request",
    ] {
        steps::check(&cluster, step, Compare::Exact);
    }
}

#[test]
fn user_add_onboards_a_user_in_one_command() {
    let cluster = Cluster::up();
    let kubeconfig = cluster.scratch("minjun.kubeconfig");
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubeward"))
        .args([
            "user",
            "add",
            "minjun",
            "--group",
            "dev-team",
            "--approve",
            "--expiration",
            "24h",
            "-o",
        ])
        .arg(&kubeconfig)
        .env("KUBECONFIG", &cluster.admin_kubeconfig)
        .env("HOME", cluster.dir.path())
        .output()
        .expect("kubeward user add runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.starts_with(
        "certificatesigningrequest.certificates.k8s.io/minjun created\ncertificatesigningrequest.certificates.k8s.io/minjun approved\n"
    ));
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&kubeconfig)
        .expect("kubeconfig")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    // The new kubeconfig is seed 002's: minjun in dev-team, Forbidden until a Role is bound.
    let as_minjun = format!("kubectl --kubeconfig={}", kubeconfig.display());
    let whoami = steps::bash(&cluster, &format!("{as_minjun} auth whoami"));
    assert_eq!(
        steps::mask(&whoami.stdout),
        steps::mask(&kubeward_testkit::golden::stdout_of(
            "a-x509-csr/21-minjun-whoami"
        ))
    );
    let csr = steps::bash(&cluster, "kubectl get csr minjun");
    assert!(
        csr.stdout.contains("24h") && csr.stdout.contains("Approved,Issued"),
        "{}",
        csr.stdout
    );
    let forbidden = steps::bash(&cluster, &format!("{as_minjun} get pods -n default"));
    assert_eq!(
        forbidden.stderr,
        kubeward_testkit::golden::stderr_of("a-x509-csr/11-minjun-get-pods-before-rbac")
    );

    // A second request of the same name is refused with the server's message.
    let again = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubeward"))
        .args(["user", "add", "minjun", "--approve", "-o"])
        .arg(cluster.scratch("again.kubeconfig"))
        .env("KUBECONFIG", &cluster.admin_kubeconfig)
        .output()
        .expect("kubeward user add runs");
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr),
        "Error from server (AlreadyExists): certificatesigningrequests.certificates.k8s.io \"minjun\" already exists\n"
    );
}
