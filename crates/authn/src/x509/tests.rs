//! Tests of `x509`.

use rcgen::ExtendedKeyUsagePurpose;

use super::*;
use crate::test_support::{Ca, now};

#[test]
fn valid_certificate_gives_cn_groups_and_credential_id() {
    let ca = Ca::new("kubernetes-ca");
    let auth = ClientCertAuthenticator::from_pem(&ca.pem).unwrap();
    let leaf = ca.client("minjun", &["dev", "ops"]);
    let user = auth
        .authenticate(std::slice::from_ref(&leaf), now())
        .unwrap()
        .unwrap();
    assert_eq!(user.name, "minjun");
    assert_eq!(user.groups, vec!["dev", "ops"]);
    assert_eq!(user.uid, "");
    let id = &user.extra[CREDENTIAL_ID_KEY];
    assert_eq!(id, &vec![format!("X509SHA256={}", sha256_hex(&leaf))]);
    assert_eq!(id[0].len(), "X509SHA256=".len() + 64);
    assert!(
        id[0][11..]
            .chars()
            .all(|c| matches!(c, '0'..='9' | 'a'..='f'))
    );
}

#[test]
fn certificate_without_extended_key_usage_is_accepted() {
    let ca = Ca::new("ca");
    let auth = ClientCertAuthenticator::from_pem(&ca.pem).unwrap();
    let leaf = ca.leaf(Some("u"), &[], vec![], (2029, 2031));
    assert_eq!(
        auth.authenticate(&[leaf], now()).unwrap().unwrap().name,
        "u"
    );
}

#[test]
fn expired_certificate_fails() {
    let ca = Ca::new("ca");
    let auth = ClientCertAuthenticator::from_pem(&ca.pem).unwrap();
    let leaf = ca.leaf(
        Some("u"),
        &[],
        vec![ExtendedKeyUsagePurpose::ClientAuth],
        (2020, 2021),
    );
    let err = auth.authenticate(&[leaf], now()).unwrap_err();
    assert!(matches!(err, X509Error::Verify { .. }), "{err}");
    assert!(err.to_string().contains("expired"), "{err}");
}

#[test]
fn not_yet_valid_certificate_fails() {
    let ca = Ca::new("ca");
    let auth = ClientCertAuthenticator::from_pem(&ca.pem).unwrap();
    let leaf = ca.leaf(
        Some("u"),
        &[],
        vec![ExtendedKeyUsagePurpose::ClientAuth],
        (2035, 2036),
    );
    assert!(auth.authenticate(&[leaf], now()).is_err());
}

#[test]
fn unknown_ca_fails() {
    let ca = Ca::new("ca");
    let other = Ca::new("other");
    let auth = ClientCertAuthenticator::from_pem(&ca.pem).unwrap();
    let err = auth
        .authenticate(&[other.client("u", &[])], now())
        .unwrap_err();
    assert!(err.to_string().contains("unknown authority"), "{err}");
}

#[test]
fn server_auth_only_certificate_fails() {
    let ca = Ca::new("ca");
    let auth = ClientCertAuthenticator::from_pem(&ca.pem).unwrap();
    let leaf = ca.leaf(
        Some("u"),
        &[],
        vec![ExtendedKeyUsagePurpose::ServerAuth],
        (2029, 2031),
    );
    let err = auth.authenticate(&[leaf], now()).unwrap_err();
    assert!(err.to_string().contains("key usage"), "{err}");
}

#[test]
fn garbage_certificate_fails_without_panic() {
    let ca = Ca::new("ca");
    let auth = ClientCertAuthenticator::from_pem(&ca.pem).unwrap();
    assert!(auth.authenticate(&[vec![0x30, 0x03, 1, 2]], now()).is_err());
    assert!(auth.authenticate(&[Vec::new()], now()).is_err());
}

#[test]
fn no_certificate_is_not_applicable() {
    let ca = Ca::new("ca");
    let auth = ClientCertAuthenticator::from_pem(&ca.pem).unwrap();
    assert_eq!(auth.authenticate(&[], now()), Ok(None));
}

#[test]
fn certificate_without_common_name_is_not_applicable() {
    let ca = Ca::new("ca");
    let auth = ClientCertAuthenticator::from_pem(&ca.pem).unwrap();
    let leaf = ca.leaf(
        None,
        &["o"],
        vec![ExtendedKeyUsagePurpose::ClientAuth],
        (2029, 2031),
    );
    assert_eq!(auth.authenticate(&[leaf], now()), Ok(None));
}

#[test]
fn bundle_with_two_cas_accepts_both() {
    let (a, b) = (Ca::new("a"), Ca::new("b"));
    let auth = ClientCertAuthenticator::from_pem(&format!("{}\n{}", a.pem, b.pem)).unwrap();
    assert!(auth.authenticate(&[a.client("x", &[])], now()).is_ok());
    assert!(auth.authenticate(&[b.client("y", &[])], now()).is_ok());
    let _ = &a.der;
}

#[test]
fn bundle_without_certificates_is_rejected() {
    assert_eq!(
        ClientCertAuthenticator::from_pem("not a pem").unwrap_err(),
        X509Error::NoCertificates
    );
}
