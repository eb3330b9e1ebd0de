use std::time::Duration;

use axum::routing::get;
use tower::ServiceExt as _;

use super::*;

/// One request held in the handler takes the only place: the next gets 429, and once the first
/// is answered there is room again.
#[tokio::test]
async fn past_the_budget_a_request_gets_429_with_retry_after() {
    let (release, released) = tokio::sync::watch::channel(false);
    let router = limit(
        Router::new().route(
            "/slow",
            get(move || {
                let mut released = released.clone();
                async move {
                    let _ = released.wait_for(|r| *r).await;
                    "done"
                }
            }),
        ),
        1,
    );
    let request = || {
        http::Request::builder()
            .uri("/slow")
            .body(Body::empty())
            .unwrap()
    };
    let held = tokio::spawn(router.clone().oneshot(request()));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let refused = router.clone().oneshot(request()).await.unwrap();
    assert_eq!(refused.status(), http::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body = axum::body::to_bytes(refused.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"Too many requests, please try again later.\n");
    release.send(true).unwrap();
    assert_eq!(held.await.unwrap().unwrap().status(), http::StatusCode::OK);
    let again = router.oneshot(request()).await.unwrap();
    assert_eq!(again.status(), http::StatusCode::OK);
}
