//! Field errors with kube-apiserver's paths and wording.

use super::*;
use crate::oidc::config::{
    ClaimMappings, ClaimOrExpression, ClaimValidationRule, ExtraMapping, Issuer, UserValidationRule,
};

fn jwt(url: &str) -> JwtAuthenticator {
    JwtAuthenticator {
        issuer: Issuer {
            url: url.into(),
            audiences: vec!["kubernetes".into()],
            ..Issuer::default()
        },
        claim_mappings: ClaimMappings {
            username: PrefixedClaimOrExpression {
                claim: "sub".into(),
                prefix: Some(String::new()),
                expression: String::new(),
            },
            ..ClaimMappings::default()
        },
        ..JwtAuthenticator::default()
    }
}

fn file(jwts: Vec<JwtAuthenticator>) -> AuthenticationConfiguration {
    AuthenticationConfiguration {
        api_version: "apiserver.config.k8s.io/v1".into(),
        kind: "AuthenticationConfiguration".into(),
        jwt: jwts,
        anonymous: None,
    }
}

fn error_of(jwts: Vec<JwtAuthenticator>) -> String {
    validate_configuration(&file(jwts), &[])
        .unwrap_err()
        .to_string()
}

#[test]
fn a_valid_configuration_compiles() {
    let compiled =
        validate_configuration(&file(vec![jwt("https://a"), jwt("https://b")]), &[]).unwrap();
    assert_eq!(compiled.len(), 2);
}

#[test]
fn issuer_url_rules() {
    assert_eq!(
        error_of(vec![jwt("http://a.example")]),
        "jwt[0].issuer.url: Invalid value: \"http://a.example\": URL scheme must be https"
    );
    assert_eq!(error_of(vec![jwt("")]), "jwt[0].issuer.url: Required value");
    assert_eq!(
        error_of(vec![jwt("https://u:p@a.example/?q=1")]),
        "[jwt[0].issuer.url: Invalid value: \"https://u:p@a.example/?q=1\": URL must not contain a username or password, jwt[0].issuer.url: Invalid value: \"https://u:p@a.example/?q=1\": URL must not contain a query]"
    );
    assert_eq!(
        error_of(vec![jwt("https://a"), jwt("https://a")]),
        "jwt[1].issuer.url: Duplicate value: \"https://a\""
    );
    let err = validate_configuration(
        &file(vec![jwt("https://kubernetes.default.svc")]),
        &["https://kubernetes.default.svc".into()],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "jwt[0].issuer.url: Invalid value: \"https://kubernetes.default.svc\": URL must not overlap with disallowed issuers: [https://kubernetes.default.svc]"
    );
}

#[test]
fn discovery_url_must_differ_from_url() {
    let mut j = jwt("https://a/");
    j.issuer.discovery_url = "https://a".into();
    assert_eq!(
        error_of(vec![j]),
        "jwt[0].issuer.discoveryURL: Invalid value: \"https://a\": discoveryURL must be different from URL"
    );
}

#[test]
fn audience_rules() {
    let mut j = jwt("https://a");
    j.issuer.audiences.clear();
    assert_eq!(
        error_of(vec![j]),
        "jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required"
    );
    let mut j = jwt("https://a");
    j.issuer.audiences = vec!["x".into(), "y".into()];
    assert_eq!(
        error_of(vec![j.clone()]),
        "jwt[0].issuer.audienceMatchPolicy: Invalid value: \"\": audienceMatchPolicy must be MatchAny for multiple audiences"
    );
    j.issuer.audience_match_policy = MATCH_ANY.into();
    assert!(validate_configuration(&file(vec![j]), &[]).is_ok());
    let mut j = jwt("https://a");
    j.issuer.audiences = vec!["x".into(), "x".into()];
    j.issuer.audience_match_policy = MATCH_ANY.into();
    assert_eq!(
        error_of(vec![j]),
        "jwt[0].issuer.audiences[1]: Duplicate value: \"x\""
    );
}

#[test]
fn certificate_authority_must_hold_certificates() {
    let mut j = jwt("https://a");
    j.issuer.certificate_authority = "not a pem".into();
    assert_eq!(
        error_of(vec![j]),
        "jwt[0].issuer.certificateAuthority: Invalid value: \"<omitted>\": data does not contain any valid RSA or ECDSA certificates"
    );
}

#[test]
fn claim_mapping_rules() {
    let mut j = jwt("https://a");
    j.claim_mappings.username.prefix = None;
    assert_eq!(
        error_of(vec![j]),
        "jwt[0].claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing"
    );
    let mut j = jwt("https://a");
    j.claim_mappings.username.claim.clear();
    j.claim_mappings.username.prefix = None;
    assert_eq!(
        error_of(vec![j]),
        "jwt[0].claimMappings.username: Required value: claim or expression is required"
    );
    let mut j = jwt("https://a");
    j.claim_mappings.username.expression = "claims.sub".into();
    assert_eq!(
        error_of(vec![j]),
        "jwt[0].claimMappings.username: Invalid value: \"\": claim and expression can't both be set"
    );
    let mut j = jwt("https://a");
    j.claim_mappings.uid = ClaimOrExpression {
        claim: "sub".into(),
        expression: "claims.sub".into(),
    };
    assert_eq!(
        error_of(vec![j]),
        "jwt[0].claimMappings.uid: Invalid value: \"\": claim and expression can't both be set"
    );
}

#[test]
fn email_in_username_expression_needs_email_verified() {
    let mut j = jwt("https://a");
    j.claim_mappings.username = PrefixedClaimOrExpression {
        expression: "claims.email".into(),
        ..PrefixedClaimOrExpression::default()
    };
    assert_eq!(
        error_of(vec![j.clone()]),
        "jwt[0].claimMappings.username.expression: Invalid value: \"claims.email\": claims.email_verified must be used in claimMappings.username.expression or claimMappings.extra[*].valueExpression or claimValidationRules[*].expression when claims.email is used in claimMappings.username.expression"
    );
    j.claim_validation_rules.push(ClaimValidationRule {
        expression: "claims.email_verified == true".into(),
        ..ClaimValidationRule::default()
    });
    assert!(validate_configuration(&file(vec![j]), &[]).is_ok());
}

#[test]
fn bad_cel_is_refused_with_its_field() {
    let mut j = jwt("https://a");
    j.claim_validation_rules.push(ClaimValidationRule {
        expression: "claims.hd ==".into(),
        ..ClaimValidationRule::default()
    });
    let err = error_of(vec![j]);
    assert!(
        err.starts_with(
            "jwt[0].claimValidationRules[0].expression: Invalid value: \"claims.hd ==\": compilation failed: "
        ),
        "{err}"
    );
    let mut j = jwt("https://a");
    j.user_validation_rules.push(UserValidationRule {
        expression: "claims.sub == ''".into(),
        message: String::new(),
    });
    assert_eq!(
        error_of(vec![j]),
        "jwt[0].userValidationRules[0].expression: Invalid value: \"claims.sub == ''\": compilation failed: ERROR: <input>: undeclared reference to 'claims' (in container '')"
    );
}

#[test]
fn claim_validation_rule_shapes() {
    let mut j = jwt("https://a");
    j.claim_validation_rules = vec![
        ClaimValidationRule::default(),
        ClaimValidationRule {
            claim: "hd".into(),
            message: "m".into(),
            ..ClaimValidationRule::default()
        },
    ];
    assert_eq!(
        error_of(vec![j]),
        "[jwt[0].claimValidationRules[0]: Required value: claim or expression is required, jwt[0].claimValidationRules[1].message: Invalid value: \"m\": may not be specified when claim is set]"
    );
}

#[test]
fn extra_key_rules() {
    let mut j = jwt("https://a");
    j.claim_mappings.extra = vec![
        ExtraMapping {
            key: "example.org/Team".into(),
            value_expression: "claims.sub".into(),
        },
        ExtraMapping {
            key: "kubernetes.io/x".into(),
            value_expression: "claims.sub".into(),
        },
        ExtraMapping {
            key: "team".into(),
            value_expression: "claims.sub".into(),
        },
        ExtraMapping {
            key: "example.org/y".into(),
            value_expression: String::new(),
        },
    ];
    assert_eq!(
        error_of(vec![j]),
        "[jwt[0].claimMappings.extra[0].key: Invalid value: \"example.org/Team\": must be lowercase, jwt[0].claimMappings.extra[1].key: Invalid value: \"kubernetes.io/x\": k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use, jwt[0].claimMappings.extra[2].key: Invalid value: \"team\": must be a domain-prefixed path (such as \"acme.io/foo\"), jwt[0].claimMappings.extra[3].valueExpression: Required value]"
    );
}

#[test]
fn flag_authenticators_have_paths_without_jwt() {
    let err = validate_authenticator(&jwt("http://a"), &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "issuer.url: Invalid value: \"http://a\": URL scheme must be https"
    );
}

#[test]
fn too_many_issuers() {
    let many = (0..65).map(|i| jwt(&format!("https://a{i}"))).collect();
    assert_eq!(
        error_of(many),
        "jwt: Too many: 65: must have at most 64 items"
    );
}
