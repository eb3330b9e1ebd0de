use super::*;

fn client(web_origins: &[&str], redirect_uris: &[&str]) -> Client {
    let mut c = Client::new("id".into(), "app".into());
    c.web_origins = web_origins.iter().map(|s| s.to_string()).collect();
    c.redirect_uris = redirect_uris.iter().map(|s| s.to_string()).collect();
    c
}

#[test]
fn origins_of_redirect_uris() {
    assert_eq!(
        origin_of("http://localhost:8000"),
        Some("http://localhost:8000")
    );
    assert_eq!(
        origin_of("https://app.example.com/cb?x=1"),
        Some("https://app.example.com")
    );
    assert_eq!(
        origin_of("http://localhost:8000/*"),
        Some("http://localhost:8000")
    );
    assert_eq!(
        origin_of("https://example.com:443/"),
        Some("https://example.com:443")
    );
    assert_eq!(origin_of("/relative/path"), None);
    assert_eq!(origin_of("com.example.app:/callback"), None);
    assert_eq!(origin_of("https:///nohost"), None);
}

#[test]
fn listed_origins_match_exactly() {
    let c = client(&["https://app.example.com"], &[]);
    assert!(allows(&c, "https://app.example.com"));
    assert!(!allows(&c, "https://app.example.com:443"));
    assert!(!allows(&c, "http://app.example.com"));
    assert!(!allows(&c, "https://evil.example.com"));
}

#[test]
fn plus_means_the_origins_of_the_redirect_uris() {
    let c = client(
        &["+"],
        &["http://localhost:8000/*", "https://app.example.com/cb"],
    );
    assert!(allows(&c, "http://localhost:8000"));
    assert!(allows(&c, "https://app.example.com"));
    assert!(!allows(&c, "http://localhost:8001"));
}

#[test]
fn star_means_any_origin_and_none_means_no_origin() {
    assert!(allows(&client(&["*"], &[]), "https://anywhere.example"));
    assert!(!allows(
        &client(&[], &["http://localhost:8000"]),
        "http://localhost:8000"
    ));
}
