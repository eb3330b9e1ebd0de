use super::wants_pretty;
use crate::test_support::{ADMIN, TestServer};

fn parts(uri: &str, agent: &str) -> http::request::Parts {
    http::Request::builder()
        .uri(uri)
        .header("user-agent", agent)
        .body(())
        .unwrap()
        .into_parts()
        .0
}

#[test]
fn pretty_json_for_terminal_tools_and_when_asked() {
    assert!(wants_pretty(&parts("/api", "curl/8.5.0")));
    assert!(!wants_pretty(&parts("/api", "kubectl/v1.33.0")));
    assert!(wants_pretty(&parts("/api?pretty=true", "kubectl/v1.33.0")));
    assert!(!wants_pretty(&parts("/api?pretty=0", "curl/8.5.0")));
}

/// Each filter's refusal ends the request before the next filter, in kube-apiserver's order.
#[tokio::test]
async fn the_filters_run_in_order() {
    let server = TestServer::start().await;
    // A bad token on a path that does not parse: authentication answers first.
    let unauthenticated = server
        .request("GET", "/api/v1/namespaces/a/b/c/d/e/f", Some("bad"), None)
        .await;
    assert_eq!(unauthenticated.code, 401);
    // Anonymous on a served path it may not read: authorization.
    let forbidden = server.request("GET", "/api/v1/pods", None, None).await;
    assert_eq!(forbidden.code, 403);
    // The admin on a resource nobody serves: routing.
    let unknown = server
        .request("GET", "/api/v1/widgets", Some(ADMIN), None)
        .await;
    assert_eq!(unknown.code, 404);
    assert_eq!(
        unknown.json()["message"],
        "the server could not find the requested resource"
    );
    let unknown_group = server
        .request("GET", "/apis/example.com/v1/things", Some(ADMIN), None)
        .await;
    assert_eq!(
        (unknown_group.code, unknown_group.text()),
        (404, "404 page not found\n".to_string())
    );
}
