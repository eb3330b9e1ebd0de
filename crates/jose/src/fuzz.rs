//! Fuzz targets of the JOSE parsers that read untrusted bytes: compact JWS (every bearer token
//! and ID token), JSON Web Key sets (an issuer's `jwks_uri`) and PEM key files
//! (`docs/fuzzing.md`).
//!
//! Each target is a bolero harness that runs as an ordinary test on the stable toolchain: it
//! replays its corpus (`src/__fuzz__/<target>/corpus`), then generates random inputs for a
//! bounded time; `cargo bolero test` runs it under libFuzzer or AFL for as long as one wants.

use std::sync::OnceLock;
use std::time::Duration;

use crate::jws::{Compact, unverified_payload};
use crate::{Algorithm, JwkSet, SecretKey, SigningKey, VerificationKey, parse_verification_keys};

/// How long a target generates random inputs in a normal test run, after its corpus
/// (`BOLERO_RANDOM_TEST_TIME_MS` overrides it for a longer run).
const RANDOM_TIME: Duration = Duration::from_millis(1500);

/// Keys of every family, made in this run: no stored input can carry a valid signature.
fn keys() -> &'static (Vec<VerificationKey>, SecretKey) {
    static KEYS: OnceLock<(Vec<VerificationKey>, SecretKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let public = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA]
            .into_iter()
            .map(|alg| {
                SigningKey::generate(alg)
                    .expect("a key")
                    .public_key()
                    .clone()
            })
            .collect();
        (public, SecretKey::generate("refresh").expect("a secret"))
    })
}

const TOKEN_PARTS: &[&str] = &[
    ".", // {"alg":"RS256","kid":"x"} · {"alg":"none"} · {"alg":"HS512"} · {"alg":"EdDSA"}
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ",
    "eyJhbGciOiJub25lIn0",
    "eyJhbGciOiJIUzUxMiJ9",
    "eyJhbGciOiJFZERTQSJ9",
    "eyJzdWIiOiJ4In0",
    "e30",
    "W10",
    "bnVsbA",
    "AAAA",
    "_-_-",
    "=",
    "+",
    "/",
    " ",
    "é",
    "\0",
    "eyJ",
];

/// The text of an input: the bytes as text, or the parts they pick (first byte ≥ 0x80).
fn text(input: &[u8]) -> String {
    match input.split_first() {
        Some((first, rest)) if *first >= 0x80 => rest
            .iter()
            .map(|b| TOKEN_PARTS[usize::from(*b) % TOKEN_PARTS.len()])
            .collect(),
        _ => String::from_utf8_lossy(input).into_owned(),
    }
}

/// Any text parses as a compact JWS or is refused without a panic, and no parsed input
/// verifies: neither against public keys of every family nor against a refresh secret.
#[test]
fn compact_jws() {
    // The keys are only read; a panic fails the target before anything reads them again.
    let keys = std::panic::AssertUnwindSafe(keys());
    bolero::check!(name = "compact_jws")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let (public, secret) = &**keys;
            let token = text(input);
            unverified_payload(&token);
            let Ok(parsed) = Compact::parse(&token) else {
                return;
            };
            parsed.algorithm();
            parsed.key_id();
            assert!(parsed.verify(public).is_err(), "{token:?} verified");
            assert!(
                parsed.verify_secret(std::slice::from_ref(secret)).is_err(),
                "{token:?} verified with the secret"
            );
        });
}

/// Any JSON parses as a key set or is refused; the keys of a parsed set convert or are
/// skipped, without a panic.
#[test]
fn jwk_set() {
    bolero::check!(name = "jwk_set")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            if let Ok(set) = serde_json::from_slice::<JwkSet>(input) {
                for key in set.verification_keys() {
                    let _ = VerificationKey::from_jwk(&key.to_jwk()).expect("a key round-trips");
                }
            }
        });
}

/// Any text read as a PEM key file (`--service-account-key-file`) gives keys or an error,
/// never a panic; every key it gives has a key id.
#[test]
fn pem_keys() {
    bolero::check!(name = "pem_keys")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let text = String::from_utf8_lossy(input);
            crate::pem::blocks(&text);
            if let Ok(keys) = parse_verification_keys(&text) {
                assert!(keys.iter().all(|k| !k.key_id().is_empty()));
            }
            let _ = SigningKey::from_pem(&text);
        });
}
