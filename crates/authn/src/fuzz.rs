//! Fuzz targets of what the authentication chain reads off a request: the `Authorization`
//! header (static tokens, ServiceAccount JWTs, OIDC ID tokens, anything else), client
//! certificate chains, and the configuration files an operator hands over (`--token-auth-file`,
//! `--authentication-config`) (`docs/fuzzing.md`).
//!
//! Each target is a bolero harness that runs as an ordinary test on the stable toolchain: it
//! replays its corpus (`src/__fuzz__/<target>/corpus`), then generates random inputs for a
//! bounded time; `cargo bolero test` runs it under libFuzzer or AFL for as long as one wants.

use std::sync::OnceLock;
use std::time::Duration;

use kubeward_jose::{Algorithm, SigningKey};

use crate::oidc::JwtConfig;
use crate::oidc::config::{AuthenticationConfiguration, OidcFlags};
use crate::test_support::{Ca, Store, now, rsa_key_pem};
use crate::{
    Authenticator, AuthenticatorConfig, Credentials, Outcome, ServiceAccountConfig, TokenFile,
};

/// How long a target generates random inputs in a normal test run, after its corpus
/// (`BOLERO_RANDOM_TEST_TIME_MS` overrides it for a longer run).
const RANDOM_TIME: Duration = Duration::from_millis(1500);

/// The users the chain below knows; no input may authenticate as anyone else.
const KNOWN_USERS: &[&str] = &[
    "alice",
    "bob",
    "system:serviceaccount:dev-team:dev-k8s",
    "-jiwoo",
];

/// The whole chain: client CA, static tokens, ServiceAccount keys and one OIDC issuer.
struct Chain {
    auth: Authenticator,
}

fn chain() -> &'static Chain {
    static CHAIN: OnceLock<Chain> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let ca = Ca::new("kubernetes-ca");
        let auth = Authenticator::new(AuthenticatorConfig {
            client_ca_pem: Some(ca.pem.clone()),
            token_auth_csv: Some("static-token,alice,uid-1,\"dev\"\nbob-token,bob,2\n".into()),
            service_accounts: Some(ServiceAccountConfig {
                issuers: vec!["https://kubernetes.default.svc".into()],
                verification_keys_pem: vec![rsa_key_pem().to_string()],
                audiences: Vec::new(),
            }),
            anonymous: false,
            jwt: Some(JwtConfig::Flags(OidcFlags {
                issuer_url: "https://issuer.example".into(),
                client_id: "kubernetes".into(),
                username_claim: Some("preferred_username".into()),
                username_prefix: Some("-".into()),
                groups_claim: Some("groups".into()),
                ..OidcFlags::default()
            })),
            iam: None,
        })
        .expect("a valid chain");
        let oidc_key = SigningKey::generate(Algorithm::RS256).expect("a key");
        auth.oidc()
            .expect("an OIDC authenticator")
            .set_keys(0, vec![oidc_key.public_key().clone()]);
        Chain { auth }
    })
}

/// The text of an input: the bytes as text, or the tokens they pick (first byte ≥ 0x80).
fn text(input: &[u8], tokens: &[&str]) -> String {
    match input.split_first() {
        Some((first, rest)) if *first >= 0x80 => rest
            .iter()
            .map(|b| tokens[usize::from(*b) % tokens.len()])
            .collect(),
        _ => String::from_utf8_lossy(input).into_owned(),
    }
}

const HEADER_TOKENS: &[&str] = &[
    "Bearer ",
    "bearer ",
    "Basic ",
    " ",
    "static-token",
    "bob-token",
    ".",
    "..",
    // {"alg":"RS256","kid":"x"} · {"alg":"none"} · {"alg":"HS256"}
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ",
    "eyJhbGciOiJub25lIn0",
    "eyJhbGciOiJIUzI1NiJ9",
    // {"iss":"https://issuer.example","aud":"kubernetes","preferred_username":"x","exp":1}
    "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoia3ViZXJuZXRlcyIsInByZWZlcnJlZF91c2VybmFtZSI6IngiLCJleHAiOjF9",
    // {"iss":"https://kubernetes.default.svc","sub":"system:serviceaccount:dev-team:dev-k8s"}
    "eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMiLCJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGV2LXRlYW06ZGV2LWs4cyJ9",
    "AAAA",
    "_-",
    "=",
    "%",
    "\0",
    "é",
    "{}",
    "e30",
];

/// Whether `token` looks like a JWT (three dot-separated parts of some length), the kind of
/// secret a log line must never repeat.
fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| p.len() >= 4)
}

/// Any `Authorization` header gets an answer without a panic; only the configured users ever
/// authenticate; the same header gets the same answer twice (the result cache agrees with the
/// authenticators); the reason of a refusal never repeats the token.
#[test]
fn authorization_header() {
    // The chain is only read; a panic fails the target before anything reads it again.
    let chain = std::panic::AssertUnwindSafe(chain());
    let lookup = Store::with_dev_k8s();
    bolero::check!(name = "authorization_header")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let header = text(input, HEADER_TOKENS);
            let credentials = Credentials {
                peer_certificates: &[],
                authorization: Some(&header),
            };
            let first = chain.auth.authenticate(&credentials, &lookup, now());
            let again = chain.auth.authenticate(&credentials, &lookup, now());
            assert_eq!(first, again, "{header:?}");
            match first {
                Outcome::Authenticated(user) => {
                    assert!(
                        KNOWN_USERS.contains(&user.name.as_str()),
                        "{header:?} → {user:?}"
                    )
                }
                Outcome::Unauthorized(reason) => {
                    let token = header.trim_start_matches("Bearer ").trim();
                    if looks_like_jwt(token) {
                        assert!(!reason.contains(token), "the reason repeats the token");
                    }
                }
            }
        });
}

/// A chain of arbitrary certificates (DER, separated by `0xff 0xfe`) never authenticates —
/// only this run's CA signs — and never panics the verifier.
#[test]
fn client_certificates() {
    // The chain is only read; a panic fails the target before anything reads it again.
    let chain = std::panic::AssertUnwindSafe(chain());
    let lookup = Store::with_dev_k8s();
    bolero::check!(name = "client_certificates")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let certificates: Vec<Vec<u8>> = split(input, &[0xff, 0xfe]);
            let credentials = Credentials {
                peer_certificates: &certificates,
                authorization: None,
            };
            let outcome = chain.auth.authenticate(&credentials, &lookup, now());
            assert!(matches!(outcome, Outcome::Unauthorized(_)), "{outcome:?}");
        });
}

/// `input` cut at every `separator`.
fn split(input: &[u8], separator: &[u8]) -> Vec<Vec<u8>> {
    let mut parts = Vec::new();
    let mut rest = input;
    while let Some(at) = rest.windows(separator.len()).position(|w| w == separator) {
        parts.push(rest[..at].to_vec());
        rest = &rest[at + separator.len()..];
    }
    parts.push(rest.to_vec());
    parts
}

/// A `--token-auth-file` of any content parses or is refused without a panic, and a parsed
/// file answers for the tokens of its lines.
#[test]
fn token_auth_file() {
    bolero::check!(name = "token_auth_file")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let Ok(csv) = std::str::from_utf8(input) else {
                return;
            };
            let Ok(file) = TokenFile::parse(csv) else {
                return;
            };
            for line in csv.lines() {
                if let Some((token, _)) = line.split_once(',') {
                    file.authenticate(token);
                }
            }
        });
}

/// An `--authentication-config` file of any content parses, or is refused with a reason, and
/// a parsed one builds an authenticator or is refused.
#[test]
fn authentication_config() {
    bolero::check!(name = "authentication_config")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let Ok(text) = std::str::from_utf8(input) else {
                return;
            };
            let Ok(config) = AuthenticationConfiguration::parse(text) else {
                return;
            };
            let _ = Authenticator::new(AuthenticatorConfig {
                jwt: Some(JwtConfig::File(config)),
                ..AuthenticatorConfig::default()
            });
        });
}
