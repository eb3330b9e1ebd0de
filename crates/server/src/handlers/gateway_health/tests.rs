use kubeward_net::ConnectionInfo;

use super::{answers, endpoint};

fn parts(method: &str, uri: &str, authorization: bool) -> http::request::Parts {
    let mut request = http::Request::builder().method(method).uri(uri);
    if authorization {
        request = request.header("authorization", "Bearer abc");
    }
    request.body(()).unwrap().into_parts().0
}

#[test]
fn the_health_paths_and_their_checks_are_the_gateways() {
    assert_eq!(endpoint("/readyz"), Some(("readyz", "")));
    assert_eq!(endpoint("/livez/"), Some(("livez", "")));
    assert_eq!(endpoint("/readyz/upstream"), Some(("readyz", "upstream")));
    assert_eq!(endpoint("/healthz"), None);
    assert_eq!(endpoint("/readyz/a/b"), None);
    assert_eq!(endpoint("/api/v1/readyz"), None);
    assert_eq!(endpoint("/readyzz"), None);
}

#[test]
fn only_a_get_without_credentials_is_answered_by_the_gateway() {
    let none = ConnectionInfo::default();
    assert!(answers(&parts("GET", "/readyz?verbose", false), &none));
    assert!(answers(&parts("GET", "/livez", false), &none));
    // With a credential the upstream's own endpoint answers.
    assert!(!answers(&parts("GET", "/readyz", true), &none));
    let with_certificate = ConnectionInfo {
        peer_certificates: vec![vec![1, 2, 3]],
        ..ConnectionInfo::default()
    };
    assert!(!answers(&parts("GET", "/readyz", false), &with_certificate));
    assert!(!answers(&parts("POST", "/readyz", false), &none));
    assert!(!answers(&parts("GET", "/healthz", false), &none));
    assert!(!answers(&parts("GET", "/api", false), &none));
}
