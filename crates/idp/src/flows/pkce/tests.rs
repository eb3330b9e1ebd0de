use super::*;

// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[test]
fn s256_matches_the_rfc_example() {
    assert_eq!(s256(VERIFIER), CHALLENGE);
    let c = check_request(Some(CHALLENGE), Some("S256"), Some("S256")).unwrap();
    assert_eq!(check_verifier(c.as_ref(), Some(VERIFIER)), Ok(()));
}

#[test]
fn wrong_or_missing_verifiers_are_invalid_grant() {
    let c = check_request(Some(CHALLENGE), Some("S256"), None).unwrap();
    let wrong = check_verifier(c.as_ref(), Some(&"a".repeat(43))).unwrap_err();
    assert_eq!(wrong.code, ErrorCode::InvalidGrant);
    assert_eq!(wrong.description, "PKCE verification failed");
    let missing = check_verifier(c.as_ref(), None).unwrap_err();
    assert_eq!(missing.description, "PKCE code verifier not specified");
    let short = check_verifier(c.as_ref(), Some("abc")).unwrap_err();
    assert_eq!(short.description, "PKCE invalid code verifier");
}

#[test]
fn a_client_requiring_pkce_refuses_requests_without_it() {
    let e = check_request(None, None, Some("S256")).unwrap_err();
    assert_eq!(e.description, "Missing parameter: code_challenge");
    let e = check_request(Some(CHALLENGE), Some("plain"), Some("S256")).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    assert_eq!(check_request(None, None, None), Ok(None));
    assert!(check_request(Some("short"), Some("S256"), None).is_err());
    assert!(check_request(Some(CHALLENGE), Some("S512"), None).is_err());
}
