use super::*;

#[test]
fn rotation_keeps_the_old_key_published_until_it_expires() {
    let mut old = generate("RS256", 10).unwrap();
    let new = generate("ES256", 20).unwrap();
    old.retired = Some(20);
    let mut old_secret = generate_secret(10).unwrap();
    old_secret.retired = Some(20);
    let secret = generate_secret(20).unwrap();
    let keys = [old.clone(), old_secret.clone(), new.clone(), secret.clone()];
    let ring = Keyring::load(&keys, 100, 50).unwrap();
    assert_eq!(ring.active().key_id(), new.kid);
    assert_eq!(ring.active().algorithm().as_str(), "ES256");
    let jwks: serde_json::Value = serde_json::from_str(ring.jwks()).unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(
        kids,
        vec![old.kid.as_str(), new.kid.as_str()],
        "secrets are never published"
    );
    assert!(!ring.jwks().contains(&secret.secret));
    assert_eq!(ring.refresh().key_id(), secret.kid);
    assert_eq!(ring.refresh_verification().len(), 2);
    let later = Keyring::load(&keys, 100, 120).unwrap();
    assert_eq!(
        later.verification().len(),
        1,
        "dropped after every token expired"
    );
    assert_eq!(later.refresh_verification().len(), 1);
}

#[test]
fn a_realm_needs_both_an_active_signature_key_and_an_active_secret() {
    let key = generate("RS256", 0).unwrap();
    let secret = generate_secret(0).unwrap();
    assert_eq!(
        Keyring::load(std::slice::from_ref(&key), 10, 1).unwrap_err(),
        KeyringError::NoActiveKey
    );
    assert_eq!(
        Keyring::load(std::slice::from_ref(&secret), 10, 1).unwrap_err(),
        KeyringError::NoActiveKey
    );
    let mut broken = secret.clone();
    broken.secret = "short".into();
    assert!(matches!(
        Keyring::load(&[key, broken], 10, 1).unwrap_err(),
        KeyringError::Stored { .. }
    ));
}

#[test]
fn eddsa_and_bad_algorithms() {
    assert_eq!(generate("EdDSA", 0).unwrap().algorithm, "EdDSA");
    assert_eq!(
        generate("HS1", 0).unwrap_err(),
        KeyringError::Algorithm("HS1".into())
    );
    assert_eq!(
        generate("HS512", 0).unwrap_err(),
        KeyringError::Algorithm("HS512".into()),
        "HS512 only signs refresh tokens"
    );
    let mut only = generate("ES256", 0).unwrap();
    only.retired = Some(1);
    assert_eq!(
        Keyring::load(&[only, generate_secret(0).unwrap()], 10, 2).unwrap_err(),
        KeyringError::NoActiveKey
    );
}
