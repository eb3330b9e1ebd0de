//! Authentication on the hot path: one request's credentials through kube-apiserver's chain —
//! a client certificate (webpki chain check), a static token, a ServiceAccount token (RS256
//! signature, claims, lookups) — and an invalid token; each verified, and (for the valid ones)
//! answered from the 10-second result cache as a repeated request is.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_authn::SigningKey;
use kubeward_authn::cache::ResultCache;
use kubeward_authn::token_request::{ObjectRef, TokenRequest, issue_token};
use kubeward_authn::{
    Authenticator, AuthenticatorConfig, Credentials, Outcome, ServiceAccountConfig,
    ServiceAccountLookup,
};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};

const ISSUER: &str = "https://kubernetes.default.svc";
const SA_UID: &str = "dc9e96d9-7253-4189-a455-94249bfe0401";

struct Lookup;

impl ServiceAccountLookup for Lookup {
    fn service_account_uid(&self, _namespace: &str, _name: &str) -> Option<String> {
        Some(SA_UID.to_string())
    }
    fn secret_uid(&self, _namespace: &str, _name: &str) -> Option<String> {
        None
    }
    fn pod_uid(&self, _namespace: &str, _name: &str) -> Option<String> {
        None
    }
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

/// A CA and a client certificate for CN=minjun, O=dev-team (DER).
fn certificates() -> (String, Vec<u8>) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kubernetes");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA");
    let ca_pem = ca_cert.pem();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("client key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("client params");
    params.distinguished_name.push(DnType::CommonName, "minjun");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "dev-team");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2040, 1, 1);
    let cert = params.signed_by(&key, &issuer).expect("client certificate");
    (ca_pem, cert.der().to_vec())
}

fn bench(c: &mut Criterion) {
    let (ca_pem, client_der) = certificates();
    let signing_pem = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
        .expect("RSA key")
        .serialize_pem();
    let authenticator = Authenticator::new(AuthenticatorConfig {
        client_ca_pem: Some(ca_pem),
        token_auth_csv: Some("static-token-123,alice,1001,\"dev,ops\"\n".to_string()),
        service_accounts: Some(ServiceAccountConfig {
            issuers: vec![ISSUER.to_string()],
            verification_keys_pem: vec![signing_pem.clone()],
            audiences: vec![ISSUER.to_string()],
        }),
        anonymous: true,
        jwt: None,
        iam: None,
    })
    .expect("authenticator");
    let key = SigningKey::from_pem(&signing_pem).expect("signing key");
    let token = issue_token(
        &key,
        &TokenRequest {
            issuer: ISSUER.to_string(),
            audiences: vec![ISSUER.to_string()],
            namespace: "dev-team".to_string(),
            service_account: ObjectRef::new("dev-k8s", SA_UID),
            bound: None,
            expiration_seconds: 3600,
            warn_after_seconds: None,
        },
        now(),
    )
    .expect("token")
    .token;

    let chain = vec![client_der];
    let service_account_header = format!("Bearer {token}");
    let cases: [(&str, Credentials<'_>, bool); 4] = [
        (
            "x509_client_certificate",
            Credentials {
                peer_certificates: &chain,
                authorization: None,
            },
            true,
        ),
        (
            "static_token",
            Credentials {
                peer_certificates: &[],
                authorization: Some("Bearer static-token-123"),
            },
            true,
        ),
        (
            "service_account_token_rs256",
            Credentials {
                peer_certificates: &[],
                authorization: Some(service_account_header.as_str()),
            },
            true,
        ),
        (
            "invalid_token",
            Credentials {
                peer_certificates: &[],
                authorization: Some("Bearer aaa.bbb.ccc"),
            },
            false,
        ),
    ];
    let uncached = authenticator
        .clone()
        .with_cache(ResultCache::new(Duration::ZERO, 1));
    let mut group = c.benchmark_group("authenticate");
    for (name, credentials, valid) in cases {
        let outcome = uncached.authenticate(&credentials, &Lookup, now());
        assert_eq!(
            matches!(outcome, Outcome::Authenticated(_)),
            valid,
            "{name}"
        );
        group.bench_function(format!("{name}/verified"), |b| {
            b.iter(|| uncached.authenticate(black_box(&credentials), &Lookup, now()))
        });
        if valid {
            group.bench_function(format!("{name}/cached"), |b| {
                b.iter(|| authenticator.authenticate(black_box(&credentials), &Lookup, now()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
