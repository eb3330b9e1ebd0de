//! The hot path of `get-token`: lock the cache entry, read it, decode the ID token's `exp` and
//! write the ExecCredential (everything a call with a valid cached token does, minus process
//! start).
#![allow(missing_docs)]

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_login::cache::{CacheKey, TokenCache, TokenSet};
use kubeward_login::{exec_credential, jwt};

fn cached_token(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let cache = TokenCache::new(tmp.path());
    let key = CacheKey {
        issuer: "https://idp.example".into(),
        client_id: "kubernetes".into(),
        client_secret: "secret".into(),
        extra_scopes: vec!["email".into(), "groups".into()],
        ..CacheKey::default()
    };
    let payload = format!(
        r#"{{"iss":"https://idp.example","sub":"u","aud":"kubernetes","exp":{},"email":"u@example.com","groups":["a","b"]}}"#,
        4_000_000_000u64
    );
    let id_token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k1"}"#),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode([7u8; 256])
    );
    cache
        .save(
            &key,
            &TokenSet {
                id_token,
                refresh_token: Some("r".repeat(200)),
            },
        )
        .expect("saved");
    c.bench_function("get_token_cached_path", |b| {
        b.iter(|| {
            let _lock = cache.lock(black_box(&key)).expect("locked");
            let tokens = cache.load(&key).expect("read").expect("cached");
            let claims = jwt::decode_claims(&tokens.id_token).expect("decoded");
            black_box(
                exec_credential::render(exec_credential::V1, &tokens.id_token, claims.expiry)
                    .expect("rendered"),
            )
        })
    });
}

criterion_group!(benches, cached_token);
criterion_main!(benches);
