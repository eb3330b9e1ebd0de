//! Claims to users, and the reasons of refusals.

use serde_json::json;

use super::*;
use crate::oidc::config::{
    AuthenticationConfiguration, ClaimValidationRule, JwtAuthenticator, OidcFlags,
    UserValidationRule,
};
use crate::oidc::validation::{validate_authenticator, validate_configuration};

fn from_flags(f: impl FnOnce(&mut OidcFlags)) -> Compiled {
    let mut flags = OidcFlags {
        issuer_url: "https://issuer.example".into(),
        client_id: "kubernetes".into(),
        ..OidcFlags::default()
    };
    f(&mut flags);
    validate_authenticator(&flags.to_authenticator().unwrap(), &[]).unwrap()
}

fn from_yaml(jwt: &str) -> Compiled {
    let text = format!(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: https://issuer.example\n    audiences: [kubernetes]\n{jwt}"
    );
    let config = AuthenticationConfiguration::parse(&text).unwrap();
    validate_configuration(&config, &[]).unwrap().remove(0)
}

fn map(compiled: &Compiled, claims: serde_json::Value) -> Result<UserInfo, String> {
    map_user(compiled, claims.as_object().unwrap()).map_err(|e| e.to_string())
}

#[test]
fn default_username_is_prefixed_sub() {
    let user = map(&from_flags(|_| {}), json!({"sub": "u1"})).unwrap();
    assert_eq!(user.name, "https://issuer.example#u1");
    assert!(user.groups.is_empty());
}

#[test]
fn golden_flags_map_preferred_username_and_prefixed_groups() {
    let compiled = from_flags(|f| {
        f.username_claim = Some("preferred_username".into());
        f.username_prefix = Some("-".into());
        f.groups_claim = Some("groups".into());
        f.groups_prefix = Some("oidc:".into());
    });
    let user = map(
        &compiled,
        json!({"sub": "1", "preferred_username": "jiwoo", "groups": ["dev", "ops"]}),
    )
    .unwrap();
    assert_eq!(user.name, "jiwoo");
    assert_eq!(user.groups, ["oidc:dev", "oidc:ops"]);
    // A single string is one group.
    let user = map(
        &compiled,
        json!({"preferred_username": "a", "groups": "dev"}),
    )
    .unwrap();
    assert_eq!(user.groups, ["oidc:dev"]);
    assert_eq!(
        map(&compiled, json!({"preferred_username": "a", "groups": [1]})).unwrap_err(),
        "oidc: parse groups claim \"groups\": json: cannot unmarshal array into Go value of type string"
    );
    assert_eq!(
        map(&compiled, json!({"sub": "a"})).unwrap_err(),
        "oidc: parse username claims \"preferred_username\": claim not present"
    );
    assert_eq!(
        map(&compiled, json!({"preferred_username": 7})).unwrap_err(),
        "oidc: parse username claims \"preferred_username\": json: cannot unmarshal number into Go value of type string"
    );
}

#[test]
fn email_username_requires_email_verified_when_present() {
    let compiled = from_flags(|f| f.username_claim = Some("email".into()));
    assert_eq!(
        map(&compiled, json!({"email": "a@b.c", "email_verified": true}))
            .unwrap()
            .name,
        "a@b.c"
    );
    assert_eq!(
        map(&compiled, json!({"email": "a@b.c"})).unwrap().name,
        "a@b.c"
    );
    assert_eq!(
        map(
            &compiled,
            json!({"email": "a@b.c", "email_verified": false})
        )
        .unwrap_err(),
        "oidc: email not verified"
    );
    assert_eq!(
        map(
            &compiled,
            json!({"email": "a@b.c", "email_verified": "true"})
        )
        .unwrap_err(),
        "oidc: parse 'email_verified' claim: json: cannot unmarshal string into Go value of type bool"
    );
}

#[test]
fn required_claims() {
    let compiled = from_flags(|f| f.required_claims = vec![("hd".into(), "example.com".into())]);
    assert!(map(&compiled, json!({"sub": "a", "hd": "example.com"})).is_ok());
    assert_eq!(
        map(&compiled, json!({"sub": "a"})).unwrap_err(),
        "oidc: required claim hd not present in ID token"
    );
    assert_eq!(
        map(&compiled, json!({"sub": "a", "hd": "evil.com"})).unwrap_err(),
        "oidc: required claim hd value does not match. Got = evil.com, want = example.com"
    );
}

#[test]
fn cel_mappings_and_rules() {
    let compiled = from_yaml(
        "  claimValidationRules:\n  - expression: claims.hd == 'example.com'\n    message: the hosted domain must be example.com\n  claimMappings:\n    username:\n      expression: \"'oidc:' + claims.preferred_username\"\n    groups:\n      expression: claims.roles.map(r, 'role:' + r)\n    uid:\n      expression: claims.sub\n    extra:\n    - key: example.org/tenant\n      valueExpression: claims.tenant\n  userValidationRules:\n  - expression: \"!user.username.startsWith('oidc:system:')\"\n    message: no system users\n",
    );
    let user = map(
        &compiled,
        json!({"sub": "s1", "hd": "example.com", "preferred_username": "jiwoo", "roles": ["a"], "tenant": "t1"}),
    )
    .unwrap();
    assert_eq!(user.name, "oidc:jiwoo");
    assert_eq!(user.uid, "s1");
    assert_eq!(user.groups, ["role:a"]);
    assert_eq!(user.extra["example.org/tenant"], ["t1"]);
    assert_eq!(
        map(
            &compiled,
            json!({"sub": "s1", "hd": "evil.com", "preferred_username": "j", "roles": [], "tenant": "t"})
        )
        .unwrap_err(),
        "oidc: error evaluating claim validation expression: validation expression 'claims.hd == 'example.com'' failed: the hosted domain must be example.com"
    );
    assert_eq!(
        map(
            &compiled,
            json!({"sub": "s1", "hd": "example.com", "preferred_username": "system:x", "roles": [], "tenant": "t"})
        )
        .unwrap_err(),
        "oidc: error evaluating user info validation rule: validation expression '!user.username.startsWith('oidc:system:')' failed: no system users"
    );
    let err = map(
        &compiled,
        json!({"sub": "s1", "hd": "example.com", "roles": [], "tenant": "t"}),
    )
    .unwrap_err();
    assert!(
        err.starts_with("oidc: error evaluating username claim expression: "),
        "{err}"
    );
}

#[test]
fn non_string_username_expression_is_refused() {
    let compiled = from_yaml("  claimMappings:\n    username:\n      expression: claims.n\n");
    assert_eq!(
        map(&compiled, json!({"n": 1})).unwrap_err(),
        "oidc: error evaluating username claim expression: username claim expression must return a string"
    );
}

#[test]
fn non_boolean_validation_is_refused() {
    let mut jwt: JwtAuthenticator =
        from_yaml("  claimMappings:\n    username:\n      claim: sub\n      prefix: ''\n").config;
    jwt.claim_validation_rules.push(ClaimValidationRule {
        expression: "claims.sub".into(),
        ..ClaimValidationRule::default()
    });
    jwt.user_validation_rules
        .push(UserValidationRule::default());
    jwt.user_validation_rules.clear();
    let compiled = validate_authenticator(&jwt, &[]).unwrap();
    assert_eq!(
        map(&compiled, json!({"sub": "a"})).unwrap_err(),
        "oidc: error evaluating claim validation expression: validation expression must return a boolean"
    );
}
