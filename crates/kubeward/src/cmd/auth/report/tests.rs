//! The report's text and JSON shapes.

use kubeward_core::UserInfo;
use serde_json::json;

use super::*;
use crate::cmd::auth::review::{Answer, Question};

fn failed() -> Report {
    let mut report = Report {
        source: "--token".into(),
        authenticator: Some("OIDC issuer https://issuer.example".into()),
        ..Report::default()
    };
    report.pass("iss", "iss \"https://issuer.example\" is the issuer's URL");
    report.fail(
        "exp",
        "oidc: verify token: oidc: token is expired (Token Expiry: 2026-11-29 01:35:37 +0000 UTC)",
        Some("expired 2m0s ago; get a fresh token".into()),
    );
    report.logged = Some("invalid bearer token, oidc: verify token: …".into());
    report
}

#[test]
fn a_failure_prints_the_reason_and_the_hint_under_it() {
    let report = failed();
    assert!(!report.success());
    assert_eq!(
        report.text(),
        "token: --token\nauthenticator: OIDC issuer https://issuer.example\n✔ iss  iss \"https://issuer.example\" is the issuer's URL\n✖ exp  oidc: verify token: oidc: token is expired (Token Expiry: 2026-11-29 01:35:37 +0000 UTC)\n       expired 2m0s ago; get a fresh token\n401 Unauthorized; the API server logs: invalid bearer token, oidc: verify token: …\n"
    );
    let json = report.json();
    assert_eq!(json["authenticated"], false);
    assert_eq!(
        json["steps"][1]["hint"],
        "expired 2m0s ago; get a fresh token"
    );
    assert_eq!(
        json["reason"],
        "invalid bearer token, oidc: verify token: …"
    );
}

#[test]
fn an_rbac_denial_fails_an_authenticated_user() {
    let mut report = Report {
        source: "--token".into(),
        user: Some(UserInfo::new("jiwoo", ["oidc:dev", "system:authenticated"])),
        ..Report::default()
    };
    assert!(report.success());
    report.rbac = Some((
        Question {
            verb: "delete".into(),
            resource: "deployments.apps".into(),
            namespace: "default".into(),
            name: "web".into(),
            subresource: String::new(),
        },
        Answer {
            allowed: false,
            reason: String::new(),
            via: "manifests",
        },
    ));
    assert!(!report.success());
    assert!(report.text().ends_with(
        "authenticated as \"jiwoo\"\n  uid:    \"\"\n  groups: [oidc:dev system:authenticated]\n✖ rbac: delete deployments.apps \"web\" in namespace \"default\" → no (manifests)\n"
    ));
    assert_eq!(
        report.json()["authorization"],
        json!({"verb": "delete", "resource": "deployments.apps", "namespace": "default", "name": "web",
               "subresource": "", "allowed": false, "reason": "", "via": "manifests"})
    );
}
