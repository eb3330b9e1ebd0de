//! Tests of `jwk`.

use super::*;
use crate::{Algorithm, SigningKey};

#[test]
fn every_kind_round_trips_through_a_jwk() {
    for alg in [
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
    ] {
        let key = SigningKey::generate(alg).unwrap();
        let jwk = key.public_key().to_jwk();
        assert_eq!(jwk.alg.as_deref(), Some(alg.as_str()));
        assert_eq!(jwk.kid.as_deref(), Some(key.key_id()));
        let back = VerificationKey::from_jwk(&jwk).unwrap();
        assert_eq!(back, *key.public_key(), "{alg}");
        let sig = key.sign(b"m").unwrap();
        assert_eq!(back.verify(alg.as_str(), b"m", &sig), Ok(()));
    }
}

#[test]
fn members_are_written_as_issuers_publish_them() {
    let rsa = SigningKey::generate(Algorithm::RS256)
        .unwrap()
        .public_key()
        .to_jwk();
    assert_eq!(rsa.kty, "RSA");
    assert_eq!(rsa.e.as_deref(), Some("AQAB"));
    // 2048 bits: 256 bytes, 342 base64url characters, no leading zero byte.
    assert_eq!(rsa.n.as_deref().map(str::len), Some(342));
    let ec = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .public_key()
        .to_jwk();
    assert_eq!((ec.kty.as_str(), ec.crv.as_deref()), ("EC", Some("P-256")));
    assert_eq!(ec.x.as_deref().map(str::len), Some(43));
    assert_eq!(ec.y.as_deref().map(str::len), Some(43));
    let json = serde_json::to_value(&ec).unwrap();
    assert_eq!(json["use"], "sig");
    assert!(json.get("n").is_none());
}

#[test]
fn a_key_set_keeps_the_keys_a_verifier_can_use() {
    let a = SigningKey::generate(Algorithm::RS256).unwrap();
    let b = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let mut enc = a.public_key().to_jwk();
    enc.use_ = Some("enc".into());
    let set: JwkSet = serde_json::from_value(serde_json::json!({
        "keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            serde_json::to_value(a.public_key().to_jwk()).unwrap(),
            serde_json::to_value(enc).unwrap(),
            {"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"},
            serde_json::to_value(b.public_key().to_jwk()).unwrap(),
        ]
    }))
    .unwrap();
    let keys = set.verification_keys();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].key_id(), a.key_id());
    assert_eq!(keys[1].key_id(), b.key_id());
}

#[test]
fn broken_members_are_named() {
    let mut jwk = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .public_key()
        .to_jwk();
    jwk.y = None;
    assert_eq!(VerificationKey::from_jwk(&jwk), Err(JwkError::Member("y")));
    jwk.y = Some("AAAA".into());
    assert_eq!(VerificationKey::from_jwk(&jwk), Err(JwkError::InvalidKey));
    jwk.crv = Some("P-192".into());
    assert!(matches!(
        VerificationKey::from_jwk(&jwk),
        Err(JwkError::Unsupported { .. })
    ));
    let rsa = Jwk {
        kty: "RSA".into(),
        n: Some("%%%".into()),
        e: Some("AQAB".into()),
        ..Jwk::default()
    };
    assert_eq!(VerificationKey::from_jwk(&rsa), Err(JwkError::Member("n")));
}
