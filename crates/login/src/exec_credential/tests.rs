//! Unit tests of the ExecCredential output.

use super::*;

#[test]
fn follows_kubectl_s_requested_version() {
    let v1 = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}"#;
    assert_eq!(requested_api_version(Some(v1)).unwrap(), V1);
    let beta = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{}}"#;
    assert_eq!(requested_api_version(Some(beta)).unwrap(), V1BETA1);
}

#[test]
fn defaults_to_v1beta1_without_exec_info() {
    assert_eq!(requested_api_version(None).unwrap(), V1BETA1);
    assert_eq!(requested_api_version(Some("")).unwrap(), V1BETA1);
}

#[test]
fn refuses_unknown_versions_and_bad_json() {
    assert_eq!(
        requested_api_version(Some(
            r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#
        )),
        Err(ExecCredentialError::UnknownApiVersion(
            "client.authentication.k8s.io/v1alpha1".into()
        ))
    );
    assert!(matches!(
        requested_api_version(Some("{")),
        Err(ExecCredentialError::InvalidExecInfo(_))
    ));
}

#[test]
fn renders_the_token_and_its_expiry_in_rfc3339() {
    let line = render(V1, "t0k", 1_767_225_600).unwrap();
    assert_eq!(
        line,
        "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"spec\":{\"interactive\":false},\"status\":{\"expirationTimestamp\":\"2026-01-01T00:00:00Z\",\"token\":\"t0k\"}}\n"
    );
}
