//! The gateway's forwarding against a plain-HTTP upstream on loopback that answers every
//! request with one body and records what it received.

use bytes::Bytes;
use kubeward_store::StoreOptions;

use crate::config::{Authorizer, Endpoint, Gateway};
use crate::test_support::{ALICE, CannedWebhook, TestServer};

const POD_LIST: &str =
    r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]}"#;

async fn gateway(upstream: &CannedWebhook) -> TestServer {
    let url = upstream.url.clone();
    TestServer::start_configured(StoreOptions::default(), move |config| {
        config.authorization = vec![Authorizer::AlwaysAllow];
        config.gateway = Some(Gateway::new(Endpoint {
            url,
            ..Endpoint::default()
        }));
    })
    .await
}

#[tokio::test]
async fn a_request_goes_upstream_as_the_user_without_the_clients_credentials() {
    let upstream = CannedWebhook::start(POD_LIST).await;
    let gateway = gateway(&upstream).await;
    let request = http::Request::builder()
        .method("GET")
        .uri("/api/v1/namespaces/default/pods?limit=500")
        .header("authorization", format!("Bearer {ALICE}"))
        .header("accept", "application/json")
        .header("connection", "x-smuggled")
        .header("x-smuggled", "1")
        .header("proxy-authorization", "Basic eA==");
    let answer = gateway.send(request, Bytes::new()).await;
    assert_eq!(answer.code, 200, "{}", answer.text());
    assert_eq!(answer.text(), POD_LIST);
    let head = upstream.head.lock().unwrap().to_ascii_lowercase();
    assert!(
        head.starts_with("get /review/api/v1/namespaces/default/pods?limit=500 http/1.1"),
        "{head}"
    );
    assert!(head.contains("\r\nimpersonate-user: alice\r\n"), "{head}");
    assert!(
        head.contains("\r\nimpersonate-group: system:authenticated\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nimpersonate-uid: 2\r\n"), "{head}");
    assert!(head.contains("\r\naccept: application/json\r\n"), "{head}");
    for absent in [ALICE, "x-smuggled", "proxy-authorization"] {
        assert!(!head.contains(absent), "{absent} crossed: {head}");
    }
}

#[tokio::test]
async fn a_clients_impersonation_needs_the_upstreams_yes_and_never_crosses_as_it_came() {
    // The upstream answers everything with a PodList, so it never says yes to a
    // SubjectAccessReview: the impersonation is refused and nothing is forwarded.
    let upstream = CannedWebhook::start(POD_LIST).await;
    let gateway = gateway(&upstream).await;
    let request = http::Request::builder()
        .method("GET")
        .uri("/api/v1/namespaces/default/pods")
        .header("authorization", format!("Bearer {ALICE}"))
        .header("impersonate-user", "system:admin")
        .header("impersonate-group", "system:masters");
    let answer = gateway.send(request, Bytes::new()).await;
    assert_eq!(answer.code, 403, "{}", answer.text());
    assert_eq!(
        answer.json()["message"],
        "users \"system:admin\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );
    assert_eq!(upstream.requests(), 1, "only the SubjectAccessReview");
    assert!(
        upstream
            .head
            .lock()
            .unwrap()
            .starts_with("POST /review/apis/authorization.k8s.io/v1/subjectaccessreviews "),
        "{}",
        upstream.head.lock().unwrap()
    );
}

#[tokio::test]
async fn an_upstream_that_cannot_be_reached_is_503() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let gateway = TestServer::start_configured(StoreOptions::default(), move |config| {
        config.authorization = vec![Authorizer::AlwaysAllow];
        config.gateway = Some(Gateway::new(Endpoint {
            url,
            ..Endpoint::default()
        }));
    })
    .await;
    let answer = gateway
        .request("GET", "/api/v1/pods", Some(ALICE), None)
        .await;
    assert_eq!(answer.code, 503);
    assert_eq!(answer.json()["reason"], "ServiceUnavailable");
    assert!(!answer.text().contains(ALICE));
}

#[tokio::test]
async fn a_local_rbac_deny_answers_in_kubernetes_words_and_nothing_goes_upstream() {
    let upstream = CannedWebhook::start(POD_LIST).await;
    let url = upstream.url.clone();
    // The test configuration authorizes with RBAC over the bootstrap policy: alice holds nothing.
    let gateway = TestServer::start_configured(StoreOptions::default(), move |config| {
        config.gateway = Some(Gateway::new(Endpoint {
            url,
            ..Endpoint::default()
        }));
    })
    .await;
    let answer = gateway
        .request("GET", "/api/v1/namespaces/default/pods", Some(ALICE), None)
        .await;
    assert_eq!(answer.code, 403);
    assert_eq!(
        answer.json()["message"],
        "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    assert_eq!(upstream.requests(), 0);
}

#[tokio::test]
async fn an_upstream_that_does_not_answer_is_kube_apiservers_504_after_the_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accepts, reads, never answers.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let gateway = TestServer::start_configured(StoreOptions::default(), move |config| {
        config.authorization = vec![Authorizer::AlwaysAllow];
        config.gateway = Some(Gateway {
            response_timeout: std::time::Duration::from_millis(200),
            ..Gateway::new(Endpoint {
                url,
                ..Endpoint::default()
            })
        });
    })
    .await;
    let answer = gateway
        .request("GET", "/api/v1/pods", Some(ALICE), None)
        .await;
    assert_eq!(answer.code, 504, "{}", answer.text());
    assert_eq!(answer.json()["reason"], "Timeout");
    assert_eq!(
        answer.json()["message"],
        "Timeout: request did not complete within requested timeout - context deadline exceeded"
    );
}

#[tokio::test]
async fn a_body_past_kube_apiservers_limit_is_413_and_nothing_goes_upstream() {
    let upstream = CannedWebhook::start(POD_LIST).await;
    let gateway = gateway(&upstream).await;
    let request = http::Request::builder()
        .method("POST")
        .uri("/api/v1/namespaces/default/configmaps")
        .header("authorization", format!("Bearer {ALICE}"))
        .header("content-type", "application/json")
        .header("content-length", (4 * 1024 * 1024).to_string());
    let answer = gateway
        .send(request, Bytes::from(vec![b' '; 4 * 1024 * 1024]))
        .await;
    assert_eq!(answer.code, 413, "{}", answer.text());
    assert_eq!(answer.json()["reason"], "RequestEntityTooLarge");
    assert_eq!(
        answer.json()["message"],
        "Request entity too large: limit is 3145728"
    );
    assert_eq!(upstream.requests(), 0);
}

/// A TLS upstream that offers `h2` and `http/1.1` (as kube-apiserver does) and records the HTTP
/// version and path of each request; its CA.
async fn tls_upstream() -> (
    String,
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(http::Version, String)>>>,
) {
    let now = time::OffsetDateTime::now_utc();
    let ca = kubeward_pki::CertificateAuthority::generate("upstream-ca", now).unwrap();
    let serving = ca.issue_serving(&["127.0.0.1".into()], now).unwrap();
    let acceptor = kubeward_net::acceptor(
        &serving.cert_pem,
        &serving.key_pem,
        kubeward_net::ClientAuth::None,
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = seen.clone();
    let handler = move |request: http::Request<hyper::body::Incoming>,
                        _: std::sync::Arc<kubeward_net::ConnectionInfo>| {
        let recorded = recorded.clone();
        async move {
            let path = request.uri().path_and_query().unwrap().to_string();
            recorded.lock().unwrap().push((request.version(), path));
            http::Response::new(http_body_util::Full::new(Bytes::from_static(
                POD_LIST.as_bytes(),
            )))
        }
    };
    tokio::spawn(kubeward_net::serve(
        listener,
        Some(acceptor),
        kubeward_net::Limits::default(),
        handler,
        std::future::pending(),
    ));
    (url, ca.cert_pem().to_string(), seen)
}

async fn tls_gateway(url: String, ca_pem: String, http2: bool) -> TestServer {
    TestServer::start_configured(StoreOptions::default(), move |config| {
        config.authorization = vec![Authorizer::AlwaysAllow];
        config.gateway = Some(Gateway {
            http2,
            ..Gateway::new(Endpoint {
                url,
                ca_pem: Some(ca_pem),
                ..Endpoint::default()
            })
        });
    })
    .await
}

#[tokio::test]
async fn a_lone_request_goes_over_http11_concurrent_ones_over_http2_and_watches_over_http11() {
    let (url, ca_pem, seen) = tls_upstream().await;
    let gateway = tls_gateway(url, ca_pem, true).await;
    for path in [
        "/api/v1/namespaces/default/pods?lone",
        "/api/v1/namespaces/default/pods?watch=true",
        "/api/v1/namespaces/default/pods/p/log",
    ] {
        let answer = gateway.request("GET", path, Some(ALICE), None).await;
        assert_eq!(answer.code, 200, "{path}: {}", answer.text());
        assert_eq!(answer.text(), POD_LIST);
    }
    // Three at once on one thread: the first to be sent finds none in flight (HTTP/1.1), the
    // other two find it waiting for its answer and share the multiplexed connection.
    let paths = [
        "/api/v1/namespaces/default/pods?a",
        "/api/v1/namespaces/default/pods?b",
        "/api/v1/namespaces/default/pods?c",
    ];
    let (a, b, c) = tokio::join!(
        gateway.request("GET", paths[0], Some(ALICE), None),
        gateway.request("GET", paths[1], Some(ALICE), None),
        gateway.request("GET", paths[2], Some(ALICE), None),
    );
    for answer in [a, b, c] {
        assert_eq!(answer.code, 200, "{}", answer.text());
        assert_eq!(answer.text(), POD_LIST);
    }
    let mut seen = seen.lock().unwrap().clone();
    seen.sort_by(|x, y| x.1.cmp(&y.1));
    let version = |path: &str| seen.iter().find(|(_, p)| p == path).map(|(v, _)| *v);
    assert_eq!(seen.len(), 6, "{seen:?}");
    for path in [
        "/api/v1/namespaces/default/pods?lone",
        "/api/v1/namespaces/default/pods?watch=true",
        "/api/v1/namespaces/default/pods/p/log",
    ] {
        assert_eq!(
            version(path),
            Some(http::Version::HTTP_11),
            "{path}: {seen:?}"
        );
    }
    let over = |expected| {
        paths
            .iter()
            .filter(|path| version(path) == Some(expected))
            .count()
    };
    assert_eq!(over(http::Version::HTTP_11), 1, "{seen:?}");
    assert_eq!(over(http::Version::HTTP_2), 2, "{seen:?}");
}

#[tokio::test]
async fn without_http2_every_request_goes_over_http11() {
    let (url, ca_pem, seen) = tls_upstream().await;
    let gateway = tls_gateway(url, ca_pem, false).await;
    let answer = gateway
        .request("GET", "/api/v1/namespaces/default/pods", Some(ALICE), None)
        .await;
    assert_eq!(answer.code, 200, "{}", answer.text());
    assert_eq!(
        *seen.lock().unwrap(),
        [(
            http::Version::HTTP_11,
            "/api/v1/namespaces/default/pods".into()
        )]
    );
}
