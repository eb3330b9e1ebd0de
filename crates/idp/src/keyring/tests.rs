use super::*;

#[test]
fn rotation_keeps_the_old_key_published_until_it_expires() {
    let mut old = generate("RS256", 10).unwrap();
    let new = generate("ES256", 20).unwrap();
    old.retired = Some(20);
    let keys = [old.clone(), new.clone()];
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
    assert_eq!(kids, vec![old.kid.as_str(), new.kid.as_str()]);
    let later = Keyring::load(&keys, 100, 120).unwrap();
    assert_eq!(
        later.verification().len(),
        1,
        "dropped after every token expired"
    );
}

#[test]
fn eddsa_and_bad_algorithms() {
    assert_eq!(generate("EdDSA", 0).unwrap().algorithm, "EdDSA");
    assert_eq!(
        generate("HS1", 0).unwrap_err(),
        KeyringError::Algorithm("HS1".into())
    );
    let mut only = generate("ES256", 0).unwrap();
    only.retired = Some(1);
    assert_eq!(
        Keyring::load(&[only], 10, 2).unwrap_err(),
        KeyringError::NoActiveKey
    );
}
