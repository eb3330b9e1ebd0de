//! Unit tests of error reading and trust settings.

use super::*;

#[test]
fn oauth_errors_read_as_go_s_oauth2_package_prints_them() {
    let error = error_from(
        401,
        "https://idp/token".into(),
        br#"{"error":"invalid_client","error_description":"client authentication failed"}"#,
    );
    assert_eq!(
        error.to_string(),
        r#"oauth2: "invalid_client" "client authentication failed""#
    );
    let bare = error_from(400, "u".into(), br#"{"error":"invalid_grant"}"#);
    assert_eq!(bare.to_string(), r#"oauth2: "invalid_grant""#);
}

#[test]
fn other_failures_name_the_url_and_status() {
    let error = error_from(404, "https://idp/x".into(), b"<html>not found</html>");
    assert_eq!(
        error.to_string(),
        "https://idp/x: 404: <html>not found</html>"
    );
}

#[test]
fn a_missing_or_bad_certificate_authority_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.crt");
    let error = client(&TlsOptions {
        certificate_authorities: vec![missing.clone()],
        ..TlsOptions::default()
    })
    .unwrap_err();
    assert!(error.to_string().starts_with(&format!(
        "could not load the certificate from {}: could not read:",
        missing.display()
    )));
    let garbage = tmp.path().join("garbage.crt");
    std::fs::write(&garbage, "hello").unwrap();
    let error = client(&TlsOptions {
        certificate_authorities: vec![garbage],
        ..TlsOptions::default()
    })
    .unwrap_err();
    assert!(
        error.to_string().ends_with("invalid certificate"),
        "{error}"
    );
    let error = client(&TlsOptions {
        certificate_authority_data: vec!["%%%".into()],
        ..TlsOptions::default()
    })
    .unwrap_err();
    assert!(
        error.to_string().contains("could not decode base64"),
        "{error}"
    );
}
