use super::*;

fn uris(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn exact_uris_match_and_others_do_not() {
    let r = uris(&["https://app.example/cb"]);
    assert!(allowed(&r, "https://app.example/cb"));
    assert!(!allowed(&r, "https://app.example/cb2"));
    assert!(!allowed(&r, "https://app.example/cb#x"));
    assert!(!allowed(&r, "https://evil.example/cb"));
}

#[test]
fn loopback_uris_match_on_any_port_but_same_path() {
    let r = uris(&["http://localhost:8000", "http://127.0.0.1/callback"]);
    assert!(allowed(&r, "http://localhost:8000"));
    assert!(allowed(&r, "http://localhost:18000/"));
    assert!(allowed(&r, "http://127.0.0.1:53124/callback"));
    assert!(!allowed(&r, "http://127.0.0.1:53124/other"));
    assert!(!allowed(&r, "https://localhost:8000"));
    assert!(!allowed(&r, "http://localhost.evil:8000"));
    assert!(!allowed(&r, "http://localhost:80x0"));
}

#[test]
fn a_trailing_star_matches_a_prefix() {
    let r = uris(&["https://app.example/*"]);
    assert!(allowed(&r, "https://app.example/any/path"));
    assert!(!allowed(&r, "https://app.example.evil/"));
}

#[test]
fn relative_uris_are_resolved_against_the_root_url_or_the_providers_origin() {
    let account = uris(&["/realms/demo/account/*"]);
    let base = "https://idp.example:8443";
    let resolved = resolve(&account, Some("${authBaseUrl}"), base);
    assert_eq!(resolved, ["https://idp.example:8443/realms/demo/account/*"]);
    assert!(allowed(
        &resolved,
        "https://idp.example:8443/realms/demo/account/"
    ));
    assert!(!allowed(
        &resolved,
        "https://evil.example/realms/demo/account/"
    ));
    // Keycloak before 17: the base has the /auth context.
    assert_eq!(
        resolve(
            &account,
            Some("${authBaseUrl}"),
            "https://idp.example/auth/"
        ),
        ["https://idp.example/auth/realms/demo/account/*"]
    );
    // A client's own root URL, and none: the provider's origin.
    let cb = uris(&["/callback", "https://other.example/cb"]);
    assert_eq!(
        resolve(&cb, Some("https://app.example/"), base),
        ["https://app.example/callback", "https://other.example/cb"]
    );
    assert_eq!(
        resolve(&cb, None, "https://idp.example/auth"),
        ["https://idp.example/callback", "https://other.example/cb"]
    );
}
