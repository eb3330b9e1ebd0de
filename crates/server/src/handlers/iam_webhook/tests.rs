use bytes::Bytes;
use serde_json::json;

use crate::test_support::{FakeSts, IAM_USER_ARN, TestServer, iam_token};

/// aws-iam-authenticator's deny TokenReview, as Go's json.Marshal writes it.
const DENY: &str = r#"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1beta1","metadata":{"creationTimestamp":null},"spec":{},"status":{"user":{}}}"#;

async fn post(server: &TestServer, body: &str) -> crate::test_support::Answer {
    let builder = http::Request::builder()
        .method("POST")
        .uri("/authenticate")
        .header("content-type", "application/json");
    server.send(builder, Bytes::from(body.to_string())).await
}

fn review(version: &str, token: &str) -> String {
    json!({"apiVersion": version, "kind": "TokenReview", "spec": {"token": token}}).to_string()
}

#[tokio::test]
async fn the_webhook_answers_as_aws_iam_authenticator() {
    let sts = FakeSts::start().await;
    let server = TestServer::start_iam(&sts.url).await;

    let get = server.request("GET", "/authenticate", None, None).await;
    assert_eq!((get.code, get.text()), (405, "expected POST\n".to_string()));
    let garbage = post(&server, "not json").await;
    assert_eq!(
        (garbage.code, garbage.text()),
        (
            400,
            "expected a request body to be a TokenReview\n".to_string()
        )
    );
    let not_iam = post(
        &server,
        &review("authentication.k8s.io/v1beta1", "some-other-token"),
    )
    .await;
    assert_eq!((not_iam.code, not_iam.text()), (403, DENY.to_string()));
    assert_eq!(
        not_iam.headers["content-type"],
        "application/json; charset=UTF-8"
    );

    let token = iam_token();
    let unmapped = post(&server, &review("authentication.k8s.io/v1beta1", &token)).await;
    assert_eq!((unmapped.code, unmapped.text()), (403, DENY.to_string()));
    server
        .admin(
            "POST",
            "/api/v1/namespaces/kube-system/configmaps",
            Some(&json!({
                "metadata": {"name": "aws-auth", "namespace": "kube-system"},
                "data": {"mapUsers": format!("- userarn: {IAM_USER_ARN}\n  username: testuser\n  groups:\n  - devs\n")},
            })),
        )
        .await;
    let granted = post(&server, &review("authentication.k8s.io/v1", &token)).await;
    assert_eq!(granted.code, 200, "{}", granted.text());
    assert!(
        granted
            .text()
            .starts_with(r#"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{},"status":{"authenticated":true,"user":{"username":"testuser","uid":"#),
        "{}",
        granted.text()
    );
    assert_eq!(
        granted.json(),
        json!({
            "kind": "TokenReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "spec": {},
            "status": {"authenticated": true, "user": {
                "username": "testuser",
                "uid": "aws-iam-authenticator:390844768149:AIDAVZ3QK7EXAMPLE",
                "groups": ["devs"],
                "extra": {
                    "accessKeyId": ["AKIAIOSFODNN7EXAMPLE"],
                    "arn": [IAM_USER_ARN],
                    "canonicalArn": [IAM_USER_ARN],
                    "principalId": ["AIDAVZ3QK7EXAMPLE"],
                    "sessionName": [""],
                    "sigs.k8s.io/aws-iam-authenticator/principalId": ["AIDAVZ3QK7EXAMPLE"],
                },
            }},
        })
    );
    // The TokenReview API answers the same token from the same cache.
    let api = server
        .admin(
            "POST",
            "/apis/authentication.k8s.io/v1/tokenreviews",
            Some(&json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}})),
        )
        .await;
    assert_eq!(api["status"]["user"]["username"], "testuser");
    assert_eq!(
        api["status"]["user"]["groups"],
        json!(["devs", "system:authenticated"])
    );
    assert_eq!(sts.calls(), 1);
}

#[tokio::test]
async fn without_iam_settings_authenticate_is_an_ordinary_path() {
    let server = TestServer::start().await;
    let answer = post(&server, &review("authentication.k8s.io/v1", &iam_token())).await;
    assert_eq!(answer.code, 403);
    assert_eq!(
        answer.json()["message"],
        "forbidden: User \"system:anonymous\" cannot post path \"/authenticate\""
    );
}
