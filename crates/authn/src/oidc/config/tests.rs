//! Flag defaults and file decoding.

use super::*;

fn flags(claim: Option<&str>, prefix: Option<&str>) -> OidcFlags {
    OidcFlags {
        issuer_url: "https://issuer.example".into(),
        client_id: "kubernetes".into(),
        username_claim: claim.map(Into::into),
        username_prefix: prefix.map(Into::into),
        ..OidcFlags::default()
    }
}

fn username(jwt: &JwtAuthenticator) -> (&str, Option<&str>) {
    let u = &jwt.claim_mappings.username;
    (u.claim.as_str(), u.prefix.as_deref())
}

#[test]
fn username_claim_defaults_to_sub_prefixed_with_the_issuer() {
    let jwt = flags(None, None).to_authenticator().unwrap();
    assert_eq!(username(&jwt), ("sub", Some("https://issuer.example#")));
    assert_eq!(jwt.issuer.audiences, ["kubernetes"]);
}

#[test]
fn email_claim_has_no_default_prefix_and_dash_means_none() {
    let jwt = flags(Some("email"), None).to_authenticator().unwrap();
    assert_eq!(username(&jwt), ("email", Some("")));
    let jwt = flags(Some("preferred_username"), Some("-"))
        .to_authenticator()
        .unwrap();
    assert_eq!(username(&jwt), ("preferred_username", Some("")));
    let jwt = flags(Some("sub"), Some("oidc:"))
        .to_authenticator()
        .unwrap();
    assert_eq!(username(&jwt), ("sub", Some("oidc:")));
}

#[test]
fn groups_and_required_claims_become_mappings_and_rules() {
    let mut f = flags(None, None);
    f.groups_claim = Some("groups".into());
    f.groups_prefix = Some("oidc:".into());
    f.required_claims = vec![("hd".into(), "example.com".into())];
    let jwt = f.to_authenticator().unwrap();
    assert_eq!(jwt.claim_mappings.groups.claim, "groups");
    assert_eq!(jwt.claim_mappings.groups.prefix.as_deref(), Some("oidc:"));
    assert_eq!(jwt.claim_validation_rules[0].claim, "hd");
    assert_eq!(jwt.claim_validation_rules[0].required_value, "example.com");
}

#[test]
fn issuer_and_client_id_go_together() {
    let f = OidcFlags {
        issuer_url: "https://issuer.example".into(),
        ..OidcFlags::default()
    };
    assert!(f.is_set());
    assert_eq!(
        f.to_authenticator().unwrap_err().to_string(),
        "oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set"
    );
    assert!(!OidcFlags::default().is_set());
}

#[test]
fn file_decodes_v1_and_v1beta1() {
    for version in ["v1", "v1beta1"] {
        let text = format!(
            "apiVersion: apiserver.config.k8s.io/{version}\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: https://a.example\n    audiences: [x, y]\n    audienceMatchPolicy: MatchAny\n  claimMappings:\n    username:\n      expression: 'claims.sub'\n"
        );
        let config = AuthenticationConfiguration::parse(&text).unwrap();
        assert_eq!(config.jwt[0].issuer.audiences, ["x", "y"]);
        assert_eq!(
            config.jwt[0].claim_mappings.username.expression,
            "claims.sub"
        );
    }
}

#[test]
fn file_with_wrong_kind_or_unknown_field_is_refused() {
    let err = AuthenticationConfiguration::parse(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\n",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to decode authentication config: no kind \"AuthorizationConfiguration\" is registered for version \"apiserver.config.k8s.io/v1\""
    );
    let err = AuthenticationConfiguration::parse(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: https://a\n    audience: x\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("audience"), "{err}");
    assert!(AuthenticationConfiguration::parse("[").is_err());
}
