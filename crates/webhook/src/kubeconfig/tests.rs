use super::*;

const DOCUMENTED: &str = r#"
clusters:
  - name: name-of-remote-authn-service
    cluster:
      certificate-authority: /path/to/ca.pem
      server: https://authn.example.com/authenticate
users:
  - name: name-of-api-server
    user:
      client-certificate: /path/to/cert.pem
      client-key: /path/to/key.pem
current-context: webhook
contexts:
- context:
    cluster: name-of-remote-authn-service
    user: name-of-api-server
  name: webhook
"#;

#[test]
fn the_documented_file_is_read() {
    let config = parse(DOCUMENTED).unwrap();
    assert_eq!(config.server, "https://authn.example.com/authenticate");
    assert_eq!(
        config.certificate_authority,
        Some(Source::File("/path/to/ca.pem".into()))
    );
    assert_eq!(
        config.client_certificate,
        Some(Source::File("/path/to/cert.pem".into()))
    );
    assert_eq!(
        config.client_key,
        Some(Source::File("/path/to/key.pem".into()))
    );
    assert!(!config.insecure_skip_tls_verify);
    assert_eq!(config.token, None);
}

#[test]
fn embedded_data_and_tokens_are_read() {
    let text = r#"
apiVersion: v1
kind: Config
clusters:
- name: w
  cluster:
    server: https://10.0.0.5:8443/authorize
    certificate-authority-data: UEVN
users:
- name: apiserver
  user:
    token: s3cret
current-context: c
contexts:
- name: c
  context: {cluster: w, user: apiserver}
"#;
    let config = parse(text).unwrap();
    assert_eq!(
        config.certificate_authority,
        Some(Source::Data(b"PEM".to_vec()))
    );
    assert_eq!(config.token.as_deref(), Some("s3cret"));
    assert!(!format!("{config:?}").contains("s3cret"));
}

#[test]
fn unusable_files_are_refused() {
    assert!(matches!(
        parse(&DOCUMENTED.replace("current-context: webhook", "current-context: other")),
        Err(KubeconfigError::Invalid(_))
    ));
    assert!(matches!(
        parse("clusters: ["),
        Err(KubeconfigError::Decode(_))
    ));
    let exec = DOCUMENTED.replace(
        "      client-certificate: /path/to/cert.pem\n      client-key: /path/to/key.pem\n",
        "      exec: {command: x}\n",
    );
    assert_eq!(
        parse(&exec).unwrap_err().to_string(),
        "invalid configuration: credential plugins (exec, auth-provider) are not run for webhooks"
    );
    let half = DOCUMENTED.replace("      client-key: /path/to/key.pem\n", "");
    assert!(parse(&half).is_err());
}

#[test]
fn another_context_can_be_chosen() {
    let text = format!(
        "{DOCUMENTED}- context: {{cluster: other, user: name-of-api-server}}\n  name: second\nclusters2: []\n"
    );
    let text = text.replace(
        "clusters:\n",
        "clusters:\n  - name: other\n    cluster: {server: https://other:6443}\n",
    );
    assert_eq!(
        parse_context(&text, Some("second")).unwrap().server,
        "https://other:6443"
    );
    assert_eq!(
        parse(&text).unwrap().server,
        "https://authn.example.com/authenticate"
    );
    assert_eq!(
        parse_context(&text, Some("none")).unwrap_err().to_string(),
        "invalid configuration: context was not found for specified context: none"
    );
}
