use super::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

#[test]
fn the_current_context_names_the_server_ca_and_credentials() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "ca.crt", "CA PEM");
    write(dir.path(), "token", "s3cret\n");
    let config = write(
        dir.path(),
        "webhook.kubeconfig",
        "apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: 'https://other.example'}
- name: audit
  cluster:
    server: https://audit.example/events
    certificate-authority: ca.crt
users:
- name: apiserver
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
    tokenFile: token
contexts:
- name: other
  context: {cluster: other, user: ''}
- name: webhook
  context: {cluster: audit, user: apiserver}
current-context: webhook
",
    );
    let target = read(&config).expect("read");
    assert_eq!(target.url, "https://audit.example/events");
    assert_eq!(target.ca_pem.as_deref(), Some(&b"CA PEM"[..]));
    assert_eq!(
        target.client_identity_pem.as_deref(),
        Some(&b"CERT\nKEY"[..])
    );
    assert_eq!(target.token.as_deref(), Some("s3cret"));
    assert!(!target.insecure_skip_tls_verify);
}

#[test]
fn a_file_without_a_usable_context_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write(
        dir.path(),
        "webhook.kubeconfig",
        "clusters:
- name: a
  cluster: {server: 'http://127.0.0.1:1'}
contexts:
- name: a
  context: {cluster: a}
- name: b
  context: {cluster: b}
",
    );
    assert_eq!(
        read(&config).unwrap_err().to_string(),
        "no current-context is set"
    );
    let only = write(
        dir.path(),
        "only.kubeconfig",
        "clusters:
- name: a
  cluster: {server: 'http://127.0.0.1:1'}
contexts:
- name: a
  context: {cluster: a}
",
    );
    assert_eq!(read(&only).expect("read").url, "http://127.0.0.1:1");
}
