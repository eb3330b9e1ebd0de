//! Unit tests of discovery document handling.

use super::*;

fn metadata(issuer: &str) -> ProviderMetadata {
    serde_json::from_str(&format!(
        r#"{{"issuer":"{issuer}","authorization_endpoint":"{issuer}/auth","token_endpoint":"{issuer}/token","code_challenge_methods_supported":["S256"]}}"#
    ))
    .unwrap()
}

#[test]
fn the_well_known_url_ignores_a_trailing_slash() {
    assert_eq!(
        well_known_url("https://idp/realms/r/"),
        "https://idp/realms/r/.well-known/openid-configuration"
    );
    assert_eq!(
        well_known_url("https://idp"),
        "https://idp/.well-known/openid-configuration"
    );
}

#[test]
fn the_issuer_must_match_exactly() {
    assert!(check_issuer("https://idp", &metadata("https://idp")).is_ok());
    let error = check_issuer("https://idp/", &metadata("https://idp")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "oidc discovery error: oidc: issuer did not match the issuer returned by provider, expected \"https://idp/\" got \"https://idp\""
    );
}

#[test]
fn optional_endpoints_default_to_none() {
    let m = metadata("https://idp");
    assert!(m.supports_s256());
    assert_eq!(m.device_authorization_endpoint, None);
    assert_eq!(m.revocation_endpoint, None);
}
