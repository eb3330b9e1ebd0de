//! Tests of `keys`.

use super::*;

const GENERATED: [Algorithm; 5] = [
    Algorithm::RS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::ES512,
    Algorithm::EdDSA,
];

#[test]
fn generated_keys_sign_and_verify_with_their_algorithm() {
    for alg in GENERATED {
        let key = SigningKey::generate(alg).unwrap();
        assert_eq!(key.algorithm(), alg);
        let sig = key.sign(b"message").unwrap();
        let public = key.public_key();
        assert_eq!(
            public.verify(alg.as_str(), b"message", &sig),
            Ok(()),
            "{alg}"
        );
        assert!(
            public.verify(alg.as_str(), b"massage", &sig).is_err(),
            "{alg}"
        );
        // 43 characters: 32 bytes of SHA-256, base64url without padding.
        assert_eq!(key.key_id().len(), 43);
        assert_eq!(key.key_id(), key_id(public.spki_der()));
    }
}

#[test]
fn pkcs8_pem_round_trips_with_the_same_key_id() {
    for alg in GENERATED {
        let key = SigningKey::generate(alg).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
        let again = SigningKey::from_pem(&pem).unwrap();
        assert_eq!(again.key_id(), key.key_id());
        assert_eq!(parse_verification_keys(&pem).unwrap()[0], *key.public_key());
    }
}

#[test]
fn public_key_pem_parses_to_the_same_key() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let pem = crate::pem::encode("PUBLIC KEY", key.public_key().spki_der());
    assert_eq!(
        parse_verification_keys(&pem).unwrap(),
        vec![key.public_key().clone()]
    );
}

#[test]
fn an_algorithm_that_does_not_fit_the_key_fails() {
    let rsa = SigningKey::generate(Algorithm::RS256).unwrap();
    let sig = rsa.sign(b"m").unwrap();
    for alg in ["ES256", "PS256", "HS256", "none", "EdDSA"] {
        assert!(rsa.public_key().verify(alg, b"m", &sig).is_err(), "{alg}");
    }
    assert_eq!(
        rsa.public_key().verify("HS256", b"m", &sig),
        Err("go-jose/go-jose: unexpected signature algorithm \"HS256\" for this key".into())
    );
    assert!(rsa.public_key().fits(Algorithm::PS512));
    assert!(!rsa.public_key().fits(Algorithm::ES256));
}

#[test]
fn several_blocks_contribute_one_key_each() {
    let a = SigningKey::generate(Algorithm::RS256).unwrap();
    let b = SigningKey::generate(Algorithm::ES256).unwrap();
    let bundle = format!(
        "comment\n{}\n{}",
        a.to_pkcs8_pem().unwrap(),
        crate::pem::encode("PUBLIC KEY", b.public_key().spki_der())
    );
    let keys = parse_verification_keys(&bundle).unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].key_id(), a.key_id());
    assert_eq!(keys[1].key_id(), b.key_id());
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
    assert!(matches!(
        SigningKey::generate(Algorithm::PS256),
        Err(KeyError::UnsupportedAlgorithm(Algorithm::PS256))
    ));
}

#[test]
fn another_key_id() {
    let key = SigningKey::generate(Algorithm::EdDSA)
        .unwrap()
        .with_key_id("2026-11");
    assert_eq!(key.key_id(), "2026-11");
    assert_eq!(key.public_key().key_id(), "2026-11");
    assert_eq!(
        format!("{key:?}"),
        "SigningKey { algorithm: EdDSA, key_id: \"2026-11\" }"
    );
}
