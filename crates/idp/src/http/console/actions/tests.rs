//! The console's same-site check.

use super::*;

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_static(value));
    }
    map
}

const PUBLIC: &str = "https://auth.example.com:8443";

#[test]
fn fetch_metadata_decides_when_the_browser_sends_it() {
    // Chromium over HTTP/2: no Host, Origin `null` under a no-referrer policy.
    let same = headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")]);
    assert!(same_origin(PUBLIC, &same));
    assert!(same_origin(PUBLIC, &headers(&[("sec-fetch-site", "none")])));
    let cross = headers(&[
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://auth.example.com:8443"),
    ]);
    assert!(!same_origin(PUBLIC, &cross));
    assert!(!same_origin(
        PUBLIC,
        &headers(&[("sec-fetch-site", "same-site")])
    ));
}

#[test]
fn without_fetch_metadata_the_origin_is_the_host_or_the_public_url() {
    let host = headers(&[
        ("host", "127.0.0.1:9443"),
        ("origin", "https://127.0.0.1:9443"),
    ]);
    assert!(same_origin(PUBLIC, &host));
    let public = headers(&[("origin", "https://auth.example.com:8443")]);
    assert!(same_origin(PUBLIC, &public));
    let evil = headers(&[
        ("host", "127.0.0.1:9443"),
        ("origin", "https://evil.example"),
    ]);
    assert!(!same_origin(PUBLIC, &evil));
    assert!(!same_origin(PUBLIC, &headers(&[("origin", "null")])));
    assert!(same_origin(PUBLIC, &headers(&[])));
}

#[test]
fn the_origin_of_a_url_drops_its_path() {
    assert_eq!(origin_of("https://a.example/auth"), "https://a.example");
    assert_eq!(
        origin_of("https://127.0.0.1:8443"),
        "https://127.0.0.1:8443"
    );
}
