//! The token grants: the pure flows (claims, refresh rotation, PKCE) alone, then whole grants
//! through the provider (client authentication, claims, RS256/ES256 signing, the store write of
//! a rotated refresh family), as the token endpoint runs them minus HTTP.

use std::collections::HashMap;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_idp::directory::Directory;
use kubeward_idp::flows::claims::{self, TokenContext};
use kubeward_idp::flows::pkce;
use kubeward_idp::flows::refresh::{Lifetimes, Session, TokenId};
use kubeward_idp::provider::request::TokenRequest;
use kubeward_idp::provider::{Provider, RandomMinter};
use kubeward_idp::representation::{self, RealmRepresentation};
use kubeward_store::{RedbStore, Store};

const NOW: u64 = 1_800_000_000;
const ISSUER: &str = "https://127.0.0.1:8443/realms/kubernetes";

fn realm_rep(algorithm: &str) -> RealmRepresentation {
    let mut rep: RealmRepresentation =
        serde_json::from_str(include_str!("../src/representation/seed-001-realm.json")).unwrap();
    rep.default_signature_algorithm = Some(algorithm.to_string());
    rep
}

fn form(pairs: &[(&str, &str)]) -> TokenRequest {
    TokenRequest {
        form: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<HashMap<_, _>>(),
        authorization: None,
    }
}

fn pure(c: &mut Criterion) {
    let realm = representation::import(&realm_rep("RS256"), &mut RandomMinter).unwrap();
    let ctx = TokenContext {
        issuer: ISSUER,
        realm: &realm,
        client: realm.client("kubernetes-client").unwrap(),
        user: realm.user_by_login("test").unwrap(),
        session_id: "5f0c3a1e-0000-4000-8000-000000000000",
        auth_time: Some(NOW),
        nonce: None,
        scope: "openid profile email",
        now: NOW,
    };
    c.bench_function("flows/claims: access + id token claims", |b| {
        b.iter(|| {
            let a = claims::access_token(&ctx, "jti-1");
            let i = claims::id_token(&ctx, "jti-2", Some("hash"));
            (a, i)
        })
    });
    let lifetimes = Lifetimes {
        idle: 1800,
        max: 36000,
        single_use: true,
    };
    c.bench_function("flows/refresh: redeem (rotate)", |b| {
        let mut session = Session::new("s".into(), "u".into(), NOW, NOW);
        let mut jti = session.start_family("f".into(), "app", "openid", NOW);
        b.iter(|| {
            let id = TokenId::parse(&jti).unwrap();
            if let kubeward_idp::flows::refresh::Redeemed::Rotated { jti: next, .. } =
                session.redeem(&id, "app", lifetimes, NOW)
            {
                jti = next;
            }
        })
    });
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = pkce::check_request(Some(&pkce::s256(verifier)), Some("S256"), None).unwrap();
    c.bench_function("flows/pkce: S256 verifier check", |b| {
        b.iter(|| pkce::check_verifier(challenge.as_ref(), Some(verifier)))
    });
}

fn provider(algorithm: &str) -> (tempfile::TempDir, Provider) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(RedbStore::open(&dir.path().join("store.redb")).unwrap());
    let directory = Directory::open(store).unwrap();
    let realm = representation::import(&realm_rep(algorithm), &mut RandomMinter).unwrap();
    directory.create_realm(realm).unwrap();
    (dir, Provider::new(directory))
}

fn grants(c: &mut Criterion) {
    for algorithm in ["RS256", "ES256"] {
        let (_dir, p) = provider(algorithm);
        let cc = form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "kubernetes-client"),
            ("client_secret", "kubernetes-client-secret"),
        ]);
        c.bench_function(&format!("grant/client_credentials ({algorithm})"), |b| {
            b.iter(|| p.token("kubernetes", ISSUER, &cc, NOW).unwrap())
        });
        let first = p
            .token(
                "kubernetes",
                ISSUER,
                &form(&[
                    ("grant_type", "password"),
                    ("client_id", "kubernetes-client"),
                    ("client_secret", "kubernetes-client-secret"),
                    ("username", "test"),
                    ("password", "test-password"),
                    ("scope", "openid"),
                ]),
                NOW,
            )
            .unwrap();
        let mut refresh = first.refresh_token.unwrap();
        c.bench_function(
            &format!("grant/refresh_token with rotation ({algorithm})"),
            |b| {
                b.iter(|| {
                    let answer = p
                        .token(
                            "kubernetes",
                            ISSUER,
                            &form(&[
                                ("grant_type", "refresh_token"),
                                ("client_id", "kubernetes-client"),
                                ("client_secret", "kubernetes-client-secret"),
                                ("refresh_token", &refresh),
                            ]),
                            NOW,
                        )
                        .unwrap();
                    refresh = answer.refresh_token.unwrap();
                })
            },
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = pure, grants
}
criterion_main!(benches);
