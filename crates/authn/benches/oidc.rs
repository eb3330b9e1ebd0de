//! OIDC token authentication: a cached result (the 10-second cache, as a repeated request), and
//! an uncached RS256 / ES256 ID token (issuer selection, claims, signature, mapping) against the
//! bare signature verification it contains.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_authn::oidc::config::OidcFlags;
use kubeward_authn::oidc::{JwtConfig, OidcAuthenticator};
use kubeward_authn::{Authenticator, AuthenticatorConfig, Credentials, ServiceAccountLookup};
use kubeward_jose::jws::sign;
use kubeward_jose::{Algorithm, SigningKey};

const ISSUER: &str = "https://issuer.example";
const NOW: u64 = 1_893_456_000;

struct NoObjects;

impl ServiceAccountLookup for NoObjects {
    fn service_account_uid(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn secret_uid(&self, _: &str, _: &str) -> Option<String> {
        None
    }
    fn pod_uid(&self, _: &str, _: &str) -> Option<String> {
        None
    }
}

fn flags(alg: &str) -> OidcFlags {
    OidcFlags {
        issuer_url: ISSUER.into(),
        client_id: "kubernetes".into(),
        username_claim: Some("preferred_username".into()),
        username_prefix: Some("-".into()),
        groups_claim: Some("groups".into()),
        groups_prefix: Some("oidc:".into()),
        signing_algs: vec![alg.into()],
        ..OidcFlags::default()
    }
}

fn token(key: &SigningKey) -> String {
    let claims = serde_json::json!({
        "iss": ISSUER, "aud": "kubernetes", "sub": "8d1f", "preferred_username": "jiwoo",
        "groups": ["dev-team", "ops"], "iat": NOW - 10, "exp": NOW + 300,
    });
    sign(&claims, key).expect("sign")
}

fn bench(c: &mut Criterion) {
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    for alg in [Algorithm::RS256, Algorithm::ES256] {
        let key = SigningKey::generate(alg).expect("key");
        let token = token(&key);
        let oidc =
            OidcAuthenticator::new(&JwtConfig::Flags(flags(alg.as_str())), &[]).expect("config");
        oidc.set_keys(0, vec![key.public_key().clone()]);
        assert!(oidc.authenticate(&token, now).expect("valid").is_some());
        c.bench_function(&format!("oidc {} uncached", alg.as_str()), |b| {
            b.iter(|| oidc.authenticate(black_box(&token), now))
        });
        let (input, signature) = token.rsplit_once('.').expect("three parts");
        let signature = kubeward_jose::jws::decode_part(signature).expect("base64");
        c.bench_function(&format!("bare {} signature", alg.as_str()), |b| {
            b.iter(|| {
                key.public_key()
                    .verify(alg.as_str(), black_box(input.as_bytes()), &signature)
            })
        });
    }
    let key = SigningKey::generate(Algorithm::RS256).expect("key");
    let auth = Authenticator::new(AuthenticatorConfig {
        jwt: Some(JwtConfig::Flags(flags("RS256"))),
        ..Default::default()
    })
    .expect("config");
    auth.oidc()
        .expect("oidc")
        .set_keys(0, vec![key.public_key().clone()]);
    let header = format!("Bearer {}", token(&key));
    let credentials = Credentials {
        peer_certificates: &[],
        authorization: Some(&header),
    };
    let at: SystemTime = now;
    let _ = auth.authenticate(&credentials, &NoObjects, at);
    c.bench_function("oidc cached", |b| {
        b.iter(|| auth.authenticate(black_box(&credentials), &NoObjects, at))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
