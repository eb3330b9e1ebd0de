//! The step-by-step trace walks the authenticator's own checks: the same verdict and reason as
//! `authenticate`, the failing check named, each passed check described.

use std::time::Duration;

use kubeward_jose::jws::sign;
use kubeward_jose::{Algorithm, SigningKey};
use serde_json::{Value, json};

use super::*;
use crate::oidc::config::OidcFlags;
use crate::oidc::tests::{authenticator, claims, golden_flags, raw_token, token, with};
use crate::oidc::verify::go_duration;
use crate::oidc::{JwtConfig, OidcAuthenticator};
use crate::test_support::{NOW_SECS, now};

/// Explains `token` with the golden flags: the trace and the result.
fn explain(a: &OidcAuthenticator, token: &str) -> (Steps, Result<kubeward_core::UserInfo, String>) {
    let (_, issuer) = a.issuer_for(token).expect("an issuer claims the token");
    let mut steps = Steps::default();
    let result = issuer
        .authenticate_traced(token, now(), &mut steps)
        .map_err(|e| e.to_string());
    (steps, result)
}

fn names(steps: &Steps) -> Vec<&'static str> {
    steps.steps.iter().map(|s| s.check.name()).collect()
}

#[test]
fn a_good_token_passes_every_check_in_the_authenticators_order() {
    let a = authenticator(golden_flags());
    let (steps, result) = explain(&a, &token(&claims()));
    assert_eq!(
        names(&steps),
        [
            "token",
            "iss",
            "aud",
            "exp",
            "nbf",
            "alg",
            "signature",
            "username",
            "groups",
            "uid"
        ]
    );
    assert_eq!(steps.failed(), None);
    let user = result.unwrap();
    assert_eq!(user.name, "jiwoo");
    assert_eq!(user.groups, ["oidc:dev-team"]);
    let detail = |check: Check| {
        steps
            .steps
            .iter()
            .find(|s| s.check == check)
            .and_then(|s| s.passed.clone())
            .unwrap()
    };
    assert_eq!(
        detail(Check::Issuer),
        "iss \"https://issuer.example\" is the issuer's URL"
    );
    assert_eq!(
        detail(Check::Audience),
        "aud [\"kubernetes\"] contains \"kubernetes\""
    );
    assert!(detail(Check::Expiry).contains("(in 5m0s)"));
    assert_eq!(
        detail(Check::Username),
        "\"jiwoo\" (claim \"preferred_username\")"
    );
    assert_eq!(
        detail(Check::Groups),
        "[\"oidc:dev-team\"] (claim \"groups\", prefix \"oidc:\")"
    );
    assert_eq!(detail(Check::Algorithm), "\"RS256\" is one of [\"RS256\"]");
}

#[test]
fn each_bad_token_fails_at_its_check_with_the_servers_reason() {
    let a = authenticator(golden_flags());
    let stranger = SigningKey::generate(Algorithm::RS256).unwrap();
    let cases: Vec<(String, Check)> = vec![
        ("not.a.jwt".to_string(), Check::Token),
        (
            token(&with(claims(), "aud", json!("other"))),
            Check::Audience,
        ),
        (
            token(&with(claims(), "exp", json!(NOW_SECS - 120))),
            Check::Expiry,
        ),
        (
            token(&with(claims(), "nbf", json!(NOW_SECS + 3600))),
            Check::NotBefore,
        ),
        (
            raw_token(&json!({"alg": "none"}), &claims(), b""),
            Check::Algorithm,
        ),
        (sign(&claims(), &stranger).unwrap(), Check::Signature),
        (
            token(&with(claims(), "preferred_username", json!(7))),
            Check::Username,
        ),
        (
            token(&with(claims(), "groups", json!({"a": 1}))),
            Check::Groups,
        ),
    ];
    for (token, check) in cases {
        let issuer_token = if token == "not.a.jwt" {
            // No issuer claims a token that does not parse; trace the issuer directly.
            let mut steps = Steps::default();
            let error = a.issuers()[0]
                .authenticate_traced(&token, now(), &mut steps)
                .unwrap_err();
            assert_eq!(steps.failed(), Some(Check::Token));
            assert_eq!(
                error,
                a.issuers()[0].authenticate(&token, now()).unwrap_err()
            );
            continue;
        } else {
            token
        };
        let (steps, result) = explain(&a, &issuer_token);
        assert_eq!(steps.failed(), Some(check), "{steps:?}");
        // The same reason as the authenticator gives (and the server logs).
        assert_eq!(
            result.unwrap_err(),
            a.authenticate(&issuer_token, now())
                .unwrap_err()
                .to_string()
        );
        // Every check before the failing one passed.
        assert!(
            steps.steps[..steps.steps.len() - 1]
                .iter()
                .all(|s| s.passed.is_some())
        );
    }
}

#[test]
fn the_expiry_reason_is_kube_apiservers() {
    let a = authenticator(golden_flags());
    let (steps, result) = explain(&a, &token(&with(claims(), "exp", json!(NOW_SECS - 120))));
    assert_eq!(steps.failed(), Some(Check::Expiry));
    let reason = result.unwrap_err();
    assert!(
        reason.starts_with("oidc: verify token: oidc: token is expired (Token Expiry: "),
        "{reason}"
    );
}

#[test]
fn required_claims_and_email_verification_are_steps() {
    let flags = OidcFlags {
        username_claim: Some("email".into()),
        required_claims: vec![("hd".into(), "example.com".into())],
        ..golden_flags()
    };
    let a = authenticator(flags);
    let good = with(
        with(claims(), "email", json!("jiwoo@example.com")),
        "hd",
        json!("example.com"),
    );
    let (steps, result) = explain(&a, &token(&good));
    assert_eq!(result.unwrap().name, "jiwoo@example.com");
    assert_eq!(
        names(&steps)[7..],
        ["username", "groups", "uid", "required claims"]
    );

    let unverified = with(good.clone(), "email_verified", json!(false));
    let (steps, result) = explain(&a, &token(&unverified));
    assert_eq!(steps.failed(), Some(Check::Username));
    assert_eq!(result.unwrap_err(), "oidc: email not verified");

    let other = with(good, "hd", json!("evil.example"));
    let (steps, result) = explain(&a, &token(&other));
    assert_eq!(steps.failed(), Some(Check::RequiredClaims));
    assert_eq!(
        result.unwrap_err(),
        "oidc: required claim hd value does not match. Got = evil.example, want = example.com"
    );
}

#[test]
fn cel_rules_of_a_configuration_file_are_steps() {
    let file = crate::oidc::config::AuthenticationConfiguration::parse(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: https://issuer.example\n    audiences: [kubernetes, other]\n    audienceMatchPolicy: MatchAny\n  claimValidationRules:\n  - expression: claims.email_verified == true\n    message: email must be verified\n  claimMappings:\n    username:\n      expression: \"'oidc:' + claims.email\"\n    groups:\n      claim: groups\n      prefix: 'idp:'\n  userValidationRules:\n  - expression: \"!user.username.startsWith('oidc:system:')\"\n    message: no system users\n",
    )
    .unwrap();
    let a = OidcAuthenticator::new(&JwtConfig::File(file), &[]).unwrap();
    a.set_keys(0, vec![crate::oidc::tests::rsa().public_key().clone()]);
    let email = |verified: bool, email: &str| -> Value {
        with(
            with(claims(), "email", json!(email)),
            "email_verified",
            json!(verified),
        )
    };
    let (steps, result) = explain(&a, &token(&email(true, "jiwoo@example.com")));
    assert_eq!(result.unwrap().name, "oidc:jiwoo@example.com");
    // Several audiences are matched after the signature, as go-oidc and kube-apiserver do.
    assert_eq!(
        names(&steps),
        [
            "token",
            "iss",
            "exp",
            "nbf",
            "alg",
            "signature",
            "aud",
            "username",
            "groups",
            "uid",
            "claim validation rules",
            "user validation rules"
        ]
    );
    let (steps, result) = explain(&a, &token(&email(false, "jiwoo@example.com")));
    assert_eq!(steps.failed(), Some(Check::ClaimValidation));
    assert!(result.unwrap_err().ends_with("email must be verified"));
    let (steps, result) = explain(&a, &token(&email(true, "system:admin")));
    assert_eq!(steps.failed(), Some(Check::UserValidation));
    assert!(result.unwrap_err().ends_with("no system users"));
}

#[test]
fn go_durations() {
    assert_eq!(go_duration(Duration::ZERO), "0s");
    assert_eq!(go_duration(Duration::from_secs(45)), "45s");
    assert_eq!(go_duration(Duration::from_secs(120)), "2m0s");
    assert_eq!(go_duration(Duration::from_millis(3_723_600)), "1h2m4s");
}
