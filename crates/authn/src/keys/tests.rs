//! Tests of `keys`.

use super::*;
use crate::test_support::{Ca, ec_key_pem, rsa_key_pem};

#[test]
fn private_key_public_half_and_key_id() {
    let signing = SigningKey::from_pem(rsa_key_pem()).unwrap();
    assert_eq!(signing.algorithm(), "RS256");
    let keys = parse_verification_keys(rsa_key_pem()).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key_id(), signing.key_id());
    assert_eq!(keys[0].key_id(), key_id(keys[0].spki_der()));
    // 43 characters: 32 bytes of SHA-256, base64url without padding.
    assert_eq!(signing.key_id().len(), 43);
    assert!(!signing.key_id().contains(['=', '+', '/']));
}

#[test]
fn public_key_pem_has_the_same_key_id() {
    let pair = rcgen::KeyPair::from_pem(rsa_key_pem()).unwrap();
    let public = pair.public_key_pem();
    let keys = parse_verification_keys(&public).unwrap();
    assert_eq!(
        keys[0].key_id(),
        SigningKey::from_pem(rsa_key_pem()).unwrap().key_id()
    );
}

#[test]
fn ec_keys_sign_es256() {
    let pem = ec_key_pem();
    let signing = SigningKey::from_pem(&pem).unwrap();
    assert_eq!(signing.algorithm(), "ES256");
    assert_eq!(
        parse_verification_keys(&pem).unwrap()[0],
        *signing.public_key()
    );
}

#[test]
fn several_blocks_and_certificates() {
    let ca = Ca::new("ca");
    let bundle = format!("{}\n{}\n{}", rsa_key_pem(), ec_key_pem(), ca.pem);
    assert_eq!(parse_verification_keys(&bundle).unwrap().len(), 3);
}

#[test]
fn garbage_is_rejected() {
    assert_eq!(
        parse_verification_keys("nothing here"),
        Err(KeyError::NoPublicKeys)
    );
    assert_eq!(
        parse_verification_keys("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
        Err(KeyError::NoPublicKeys)
    );
    assert!(matches!(
        SigningKey::from_pem("x"),
        Err(KeyError::NoPrivateKey)
    ));
}
