use serde_json::json;

use crate::test_support::{ADMIN, ALICE, FakeSts, IAM_USER_ARN, TestServer, iam_token};

/// The body kube-apiserver answers every refused credential with.
const UNAUTHORIZED: &str = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}\n";

#[tokio::test]
async fn an_unknown_token_is_401_with_the_generic_status() {
    let server = TestServer::start().await;
    let answer = server
        .request("GET", "/api/v1/namespaces", Some("no-such-token"), None)
        .await;
    assert_eq!(answer.code, 401);
    assert_eq!(answer.text(), UNAUTHORIZED);
    // Also on a path everyone may read, as kube-apiserver does.
    let version = server
        .request("GET", "/version", Some("no-such-token"), None)
        .await;
    assert_eq!(
        (version.code, version.text()),
        (401, UNAUTHORIZED.to_string())
    );
}

#[tokio::test]
async fn no_credentials_is_the_anonymous_user() {
    let server = TestServer::start().await;
    let answer = server
        .request("GET", "/api/v1/namespaces", None, None)
        .await;
    assert_eq!(answer.code, 403);
    assert_eq!(
        answer.json()["message"],
        "namespaces is forbidden: User \"system:anonymous\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope"
    );
}

#[tokio::test]
async fn a_token_is_its_user_with_the_authenticated_group() {
    let server = TestServer::start().await;
    let review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let answer = server
        .request(
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            Some(ALICE),
            Some(&review),
        )
        .await;
    assert_eq!(answer.code, 201, "{}", answer.text());
    assert_eq!(
        answer.json()["status"]["userInfo"],
        json!({"username": "alice", "uid": "2", "groups": ["system:authenticated"]})
    );
    let admin = server
        .request(
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            Some(ADMIN),
            Some(&review),
        )
        .await;
    assert_eq!(
        admin.json()["status"]["userInfo"]["groups"],
        json!(["system:masters", "system:authenticated"])
    );
}

#[tokio::test]
async fn a_bearer_token_that_is_not_text_is_401_not_anonymous() {
    let server = TestServer::start().await;
    let request = http::Request::builder()
        .method("GET")
        .uri("/api/v1/namespaces")
        .header(
            "authorization",
            http::HeaderValue::from_bytes(b"Bearer t\xc3\xb6ken").unwrap(),
        );
    let answer = server.send(request, bytes::Bytes::new()).await;
    assert_eq!(
        (answer.code, answer.text()),
        (401, UNAUTHORIZED.to_string())
    );
    // Another scheme with such bytes is ignored, as the bearer authenticator ignores it.
    let basic = http::Request::builder()
        .method("GET")
        .uri("/api/v1/namespaces")
        .header(
            "authorization",
            http::HeaderValue::from_bytes(b"Basic \xff").unwrap(),
        );
    assert_eq!(server.send(basic, bytes::Bytes::new()).await.code, 403);
}

#[test]
fn bearer_headers_are_read_as_kube_apiserver_reads_them() {
    use super::is_bearer;
    assert!(is_bearer(b"Bearer abc"));
    assert!(is_bearer(b"  bearer abc  "));
    assert!(!is_bearer(b"Bearer "));
    assert!(!is_bearer(b"Basic abc"));
    assert!(!is_bearer(b"Bearer"));
}

#[test]
fn a_second_space_before_the_token_is_warned_of_as_kube_apiserver_does() {
    use super::extra_space_before_token;
    let with = |value: &str| {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, value.parse().unwrap());
        extra_space_before_token(&headers)
    };
    assert!(with("Bearer  abc"));
    assert!(with("bearer  abc "));
    assert!(!with("Bearer abc"));
    assert!(!with("Bearer   abc"));
    assert!(!with("Basic  abc"));
    assert!(!extra_space_before_token(&http::HeaderMap::new()));
}

/// The `aws-auth` ConfigMap mapping the fake STS's user to `groups`.
fn aws_auth(groups: &str) -> serde_json::Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapUsers": format!(
            "- userarn: {IAM_USER_ARN}\n  username: testuser\n  groups:\n  - {groups}\n"
        )},
    })
}

/// Seed 004's end on the server: an IAM token is verified by STS once, mapped through
/// `aws-auth` as it is at each request (an edit takes effect at once), and refused when unmapped.
/// A burst of concurrent requests with one token not verified yet: the first request's STS call
/// is shared by the others (single flight), whether STS vouches for a mapped user or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_burst_with_one_iam_token_makes_one_sts_call() {
    let sts = FakeSts::start_slow(std::time::Duration::from_millis(300)).await;
    let server = TestServer::start_iam(&sts.url).await;
    let burst = |token: String| {
        let server = &server;
        futures_util::future::join_all((0..100).map(move |_| {
            let token = token.clone();
            async move {
                server
                    .request("GET", "/api/v1/nodes", Some(&token), None)
                    .await
                    .code
            }
        }))
    };
    let unmapped = burst(iam_token()).await;
    assert!(unmapped.iter().all(|code| *code == 401), "{unmapped:?}");
    assert_eq!(sts.calls(), 1, "one call for 100 concurrent requests");

    server
        .admin(
            "POST",
            "/api/v1/namespaces/kube-system/configmaps",
            Some(&aws_auth("system:masters")),
        )
        .await;
    // Another token (another second, or another key): verified once more, once.
    let token = {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let url = engine.decode(&iam_token()["k8s-aws-v1.".len()..]).unwrap();
        let url = String::from_utf8(url)
            .unwrap()
            .replace("Signature=0", "Signature=1");
        format!("k8s-aws-v1.{}", engine.encode(url))
    };
    let allowed = burst(token).await;
    assert!(allowed.iter().all(|code| *code == 200), "{allowed:?}");
    assert_eq!(sts.calls(), 2);
}

#[tokio::test]
async fn iam_tokens_make_one_sts_call_and_follow_the_aws_auth_config_map() {
    let sts = FakeSts::start().await;
    let server = TestServer::start_iam(&sts.url).await;
    let token = iam_token();
    let unmapped = server
        .request("GET", "/api/v1/nodes", Some(&token), None)
        .await;
    assert_eq!((unmapped.code, unmapped.text()), (401, UNAUTHORIZED.into()));
    assert_eq!(sts.calls(), 1);

    server
        .admin(
            "POST",
            "/api/v1/namespaces/kube-system/configmaps",
            Some(&aws_auth("system:masters")),
        )
        .await;
    for _ in 0..100 {
        let allowed = server
            .request("GET", "/api/v1/nodes", Some(&token), None)
            .await;
        assert_eq!(allowed.code, 200, "{}", allowed.text());
    }
    let whoami = server
        .request(
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            Some(&token),
            Some(&json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
        )
        .await;
    let user = &whoami.json()["status"]["userInfo"];
    assert_eq!(user["username"], "testuser");
    assert_eq!(
        user["uid"],
        "aws-iam-authenticator:390844768149:AIDAVZ3QK7EXAMPLE"
    );
    assert_eq!(
        user["groups"],
        json!(["system:masters", "system:authenticated"])
    );
    assert_eq!(user["extra"]["arn"], json!([IAM_USER_ARN]));
    assert_eq!(
        user["extra"]["accessKeyId"],
        json!(["AKIAIOSFODNN7EXAMPLE"])
    );
    assert_eq!(sts.calls(), 1, "verified once for the token's lifetime");

    server
        .admin(
            "PUT",
            "/api/v1/namespaces/kube-system/configmaps/aws-auth",
            Some(&aws_auth("system:authenticated")),
        )
        .await;
    let forbidden = server
        .request("GET", "/api/v1/nodes", Some(&token), None)
        .await;
    assert_eq!(forbidden.code, 403);
    assert_eq!(
        forbidden.json()["message"],
        "nodes is forbidden: User \"testuser\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
    );

    server
        .admin(
            "DELETE",
            "/api/v1/namespaces/kube-system/configmaps/aws-auth",
            None,
        )
        .await;
    let unauthorized = server
        .request("GET", "/api/v1/nodes", Some(&token), None)
        .await;
    assert_eq!(unauthorized.code, 401);
    assert_eq!(sts.calls(), 1);
}

/// A token that fails a check before STS is refused without a call; without IAM settings an
/// IAM token is just an unknown token.
#[tokio::test]
async fn bad_iam_tokens_are_refused_before_sts() {
    let sts = FakeSts::start().await;
    let server = TestServer::start_iam(&sts.url).await;
    let good = iam_token();
    for bad in [
        "k8s-aws-v1.".to_string(),
        format!("{good}=="),
        good.replacen("k8s-aws-v1.", "k8s-aws-v2.", 1),
        format!("{good}{}", "A".repeat(4096)),
    ] {
        let refused = server
            .request("GET", "/api/v1/nodes", Some(&bad), None)
            .await;
        assert_eq!(refused.code, 401);
    }
    assert_eq!(sts.calls(), 0);

    let plain = TestServer::start().await;
    let refused = plain
        .request("GET", "/api/v1/nodes", Some(&good), None)
        .await;
    assert_eq!((refused.code, refused.text()), (401, UNAUTHORIZED.into()));
}

mod webhook {
    use std::time::Duration;

    use kubeward_store::StoreOptions;
    use kubeward_webhook::Version;

    use crate::config::{Endpoint, TokenWebhook};
    use crate::test_support::{ALICE, CannedWebhook, TestServer};

    async fn server(url: &str) -> TestServer {
        let url = url.to_string();
        TestServer::start_configured(StoreOptions::default(), move |config| {
            config.token_webhook = Some(TokenWebhook {
                connection: Endpoint {
                    url,
                    ..Endpoint::default()
                },
                version: Version::V1beta1,
                cache_ttl: Duration::from_secs(120),
            });
        })
        .await
    }

    async fn whoami(server: &TestServer, token: &str) -> (u16, serde_json::Value) {
        let review = serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
        let answer = server
            .request(
                "POST",
                "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                Some(token),
                Some(&review),
            )
            .await;
        (answer.code, answer.json())
    }

    #[tokio::test]
    async fn a_token_only_the_webhook_knows_authenticates_and_is_cached() {
        let webhook = CannedWebhook::start(
            r#"{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview","status":{"authenticated":true,"user":{"username":"jane","uid":"42","groups":["qa"],"extra":{"scope":["x"]}}}}"#,
        )
        .await;
        let server = server(&webhook.url).await;
        let (code, body) = whoami(&server, "only-the-webhook-knows").await;
        assert_eq!(code, 201, "{body}");
        assert_eq!(
            body["status"]["userInfo"],
            serde_json::json!({"username": "jane", "uid": "42", "groups": ["qa", "system:authenticated"], "extra": {"scope": ["x"]}})
        );
        let sent: serde_json::Value = serde_json::from_str(&webhook.last.lock().unwrap()).unwrap();
        assert_eq!(sent["apiVersion"], "authentication.k8s.io/v1beta1");
        assert_eq!(sent["spec"]["token"], "only-the-webhook-knows");
        // This server has no API audiences, so none are asked for.
        assert_eq!(sent["spec"].get("audiences"), None);
        let _ = whoami(&server, "only-the-webhook-knows").await;
        assert_eq!(
            webhook.requests(),
            1,
            "the second answer comes from the cache"
        );
        // A token the static file knows never reaches the webhook.
        let (code, body) = whoami(&server, ALICE).await;
        assert_eq!(code, 201);
        assert_eq!(body["status"]["userInfo"]["username"], "alice");
        assert_eq!(webhook.requests(), 1);
    }

    #[tokio::test]
    async fn a_refusal_or_a_webhook_that_is_down_is_401() {
        let webhook =
            CannedWebhook::start(r#"{"status":{"authenticated":false,"error":"expired"}}"#).await;
        let refusing = server(&webhook.url).await;
        let (code, body) = whoami(&refusing, "expired-token").await;
        assert_eq!(code, 401);
        assert_eq!(body["message"], "Unauthorized");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let down = format!("http://{}/authenticate", listener.local_addr().unwrap());
        drop(listener);
        let unreachable = server(&down).await;
        let (code, body) = whoami(&unreachable, "some-token").await;
        assert_eq!(code, 401);
        assert_eq!(body["reason"], "Unauthorized");
        // No token: anonymous as before; the webhook is not asked.
        let anonymous = unreachable.request("GET", "/version", None, None).await;
        assert_eq!(anonymous.code, 200);
    }
}
