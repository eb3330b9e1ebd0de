//! Tests of the union (`Authenticator`).

use rcgen::ExtendedKeyUsagePurpose;

use super::*;
use crate::test_support::{Ca, Store, now, rsa_key_pem};

const ISSUER: &str = "https://kubernetes.default.svc";

struct Fixture {
    ca: Ca,
    auth: Authenticator,
}

fn fixture(anonymous: bool) -> Fixture {
    let ca = Ca::new("kubernetes-ca");
    let auth = Authenticator::new(AuthenticatorConfig {
        client_ca_pem: Some(ca.pem.clone()),
        token_auth_csv: Some(
            "static-token,alice,uid-1,\"dev,system:authenticated\"\nbob-token,bob,2\n".into(),
        ),
        service_accounts: Some(ServiceAccountConfig {
            issuers: vec![ISSUER.into()],
            verification_keys_pem: vec![rsa_key_pem().to_string()],
            audiences: Vec::new(),
        }),
        anonymous,
        jwt: None,
        iam: None,
    })
    .unwrap();
    Fixture { ca, auth }
}

fn sa_token() -> String {
    let key = SigningKey::from_pem(rsa_key_pem()).unwrap();
    let request = TokenRequest {
        issuer: ISSUER.into(),
        audiences: vec![ISSUER.into()],
        namespace: "dev-team".into(),
        service_account: ObjectRef::new("dev-k8s", "sa-uid"),
        bound: None,
        expiration_seconds: 3600,
        warn_after_seconds: None,
    };
    issue_token(&key, &request, now()).unwrap().token
}

fn run(f: &Fixture, certs: &[Vec<u8>], authorization: Option<&str>) -> Outcome {
    let credentials = Credentials {
        peer_certificates: certs,
        authorization,
    };
    f.auth
        .authenticate(&credentials, &Store::with_dev_k8s(), now())
}

fn user(outcome: Outcome) -> UserInfo {
    match outcome {
        Outcome::Authenticated(user) => user,
        Outcome::Unauthorized(reason) => panic!("unauthorized: {reason}"),
    }
}

fn anonymous() -> Outcome {
    Outcome::Authenticated(UserInfo::new(
        "system:anonymous",
        ["system:unauthenticated"],
    ))
}

#[test]
fn certificate_user_gets_system_authenticated() {
    let f = fixture(true);
    let u = user(run(&f, &[f.ca.client("minjun", &["dev"])], None));
    assert_eq!(u.name, "minjun");
    assert_eq!(u.groups, vec!["dev", "system:authenticated"]);
}

#[test]
fn certificate_wins_over_a_bad_token() {
    let f = fixture(true);
    let u = user(run(
        &f,
        &[f.ca.client("minjun", &[])],
        Some("Bearer nonsense"),
    ));
    assert_eq!(u.name, "minjun");
}

#[test]
fn failed_certificate_then_valid_token_is_the_token_user() {
    let f = fixture(true);
    let bad = Ca::new("other").client("mallory", &[]);
    let u = user(run(&f, &[bad], Some("Bearer bob-token")));
    assert_eq!(u.name, "bob");
    assert_eq!(u.groups, vec!["system:authenticated"]);
}

#[test]
fn failed_certificate_alone_is_unauthorized_not_anonymous() {
    let f = fixture(true);
    let expired = f.ca.leaf(
        Some("u"),
        &[],
        vec![ExtendedKeyUsagePurpose::ClientAuth],
        (2020, 2021),
    );
    assert!(matches!(
        run(&f, &[expired], None),
        Outcome::Unauthorized(_)
    ));
}

#[test]
fn static_token_groups_are_not_duplicated() {
    let f = fixture(true);
    let u = user(run(&f, &[], Some("Bearer static-token")));
    assert_eq!((u.name.as_str(), u.uid.as_str()), ("alice", "uid-1"));
    assert_eq!(u.groups, vec!["dev", "system:authenticated"]);
}

#[test]
fn service_account_token_user() {
    let f = fixture(false);
    let header = format!("Bearer {}", sa_token());
    let u = user(run(&f, &[], Some(&header)));
    assert_eq!(u.name, "system:serviceaccount:dev-team:dev-k8s");
    assert_eq!(
        u.groups,
        vec![
            "system:serviceaccounts",
            "system:serviceaccounts:dev-team",
            "system:authenticated"
        ]
    );
    assert!(u.extra[kubeward_core::user::CREDENTIAL_ID_KEY][0].starts_with("JTI="));
}

#[test]
fn unknown_token_is_unauthorized_and_the_reason_hides_it() {
    let f = fixture(true);
    let Outcome::Unauthorized(reason) = run(&f, &[], Some("Bearer secret-value-123")) else {
        panic!("expected 401");
    };
    assert!(!reason.contains("secret-value-123"));
    let token = sa_token();
    let Outcome::Unauthorized(reason) = f.auth.authenticate(
        &Credentials {
            peer_certificates: &[],
            authorization: Some(&format!("Bearer {token}")),
        },
        &Store::default(),
        now(),
    ) else {
        panic!("expected 401");
    };
    assert!(!reason.contains(&token));
    assert!(reason.contains("not found"), "{reason}");
}

#[test]
fn basic_and_empty_bearer_are_ignored() {
    let f = fixture(true);
    assert_eq!(run(&f, &[], Some("Basic YWRtaW46YWRtaW4=")), anonymous());
    assert_eq!(run(&f, &[], Some("Bearer ")), anonymous());
    assert_eq!(run(&f, &[], Some("Bearer  bob-token")), anonymous());
    assert_eq!(run(&f, &[], Some("")), anonymous());
    assert_eq!(run(&f, &[], None), anonymous());
    // The scheme is case-insensitive and a third part is ignored.
    assert_eq!(
        user(run(&f, &[], Some("bearer bob-token extra"))).name,
        "bob"
    );
}

#[test]
fn anonymous_disabled_is_unauthorized() {
    let f = fixture(false);
    assert!(matches!(run(&f, &[], None), Outcome::Unauthorized(_)));
    assert!(matches!(
        run(&f, &[], Some("Basic Zm9vOmJhcg==")),
        Outcome::Unauthorized(_)
    ));
}

#[test]
fn without_token_authenticators_bearer_is_ignored() {
    let auth = Authenticator::new(AuthenticatorConfig {
        anonymous: true,
        ..Default::default()
    })
    .unwrap();
    let outcome = auth.authenticate(
        &Credentials {
            peer_certificates: &[],
            authorization: Some("Bearer anything"),
        },
        &Store::default(),
        now(),
    );
    assert_eq!(outcome, anonymous());
}

#[test]
fn bad_configuration_is_reported() {
    let err = Authenticator::new(AuthenticatorConfig {
        token_auth_csv: Some("a,b,c\nd,e\n".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
    assert!(
        Authenticator::new(AuthenticatorConfig {
            client_ca_pem: Some("junk".into()),
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        Authenticator::new(AuthenticatorConfig {
            service_accounts: Some(ServiceAccountConfig {
                issuers: vec![ISSUER.into()],
                verification_keys_pem: vec!["junk".into()],
                audiences: Vec::new(),
            }),
            ..Default::default()
        })
        .is_err()
    );
}

#[test]
fn api_audiences_default_to_the_issuers() {
    assert_eq!(fixture(true).auth.api_audiences(), [ISSUER.to_string()]);
}

#[test]
fn group_adder() {
    let added = add_authenticated_group(UserInfo::new("u", ["g"]));
    assert_eq!(added.groups, vec!["g", "system:authenticated"]);
    let unauth = add_authenticated_group(UserInfo::new("u", ["system:unauthenticated"]));
    assert_eq!(unauth.groups, vec!["system:unauthenticated"]);
    let anon = add_authenticated_group(UserInfo::new("system:anonymous", Vec::<String>::new()));
    assert!(anon.groups.is_empty());
}

#[test]
fn bearer_token_parsing() {
    assert_eq!(bearer_token("Bearer abc"), Some("abc"));
    assert_eq!(bearer_token("  BEARER abc  "), Some("abc"));
    assert_eq!(bearer_token("Bearer"), None);
    assert_eq!(bearer_token("Token abc"), None);
}
