//! Signature verification of a compact JWS: the bare primitive against a whole
//! parse-and-verify, for RS256, ES256 and EdDSA; and the HS512 refresh tokens an issuer signs and
//! verifies with its own secret.

use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_jose::{Algorithm, Compact, SecretKey, SigningKey, jws};

fn verify(c: &mut Criterion) {
    let claims = serde_json::json!({
        "iss": "https://127.0.0.1:8443/realms/kubernetes",
        "sub": "0b6f3c1e-8a51-4c2e-9f59-6d1c9b1f3a10",
        "aud": "kubernetes-client",
        "exp": 1_893_459_600u64,
        "iat": 1_893_456_000u64,
        "preferred_username": "test",
        "groups": ["developers"],
    });
    for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        let key = SigningKey::generate(alg).unwrap();
        let keys = vec![key.public_key().clone()];
        let token = jws::sign(&claims, &key).unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        let sig = jws::decode_part(sig).unwrap();
        c.bench_function(&format!("bare signature check {alg}"), |b| {
            b.iter(|| {
                keys[0]
                    .verify(alg.as_str(), input.as_bytes(), &sig)
                    .unwrap()
            })
        });
        c.bench_function(&format!("parse and verify {alg}"), |b| {
            b.iter(|| {
                let compact = Compact::parse(&token).unwrap();
                compact.verify(&keys).unwrap().len()
            })
        });
    }
    let secret = SecretKey::generate("hmac").unwrap();
    let secrets = std::slice::from_ref(&secret);
    let token = jws::sign_with_secret(&claims, &secret, "JWT");
    c.bench_function("sign HS512 (refresh token)", |b| {
        b.iter(|| jws::sign_with_secret(&claims, &secret, "JWT").len())
    });
    c.bench_function("parse and verify HS512 (refresh token)", |b| {
        b.iter(|| {
            let compact = Compact::parse(&token).unwrap();
            compact.verify_secret(secrets).unwrap().len()
        })
    });
}

criterion_group!(benches, verify);
criterion_main!(benches);
