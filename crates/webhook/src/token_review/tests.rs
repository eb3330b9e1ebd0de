use super::*;

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_request_is_what_kube_apiserver_posts() {
    let body = request_body(
        Version::V1,
        "014fbff9a07c",
        &strings(&["https://kubernetes.default.svc"]),
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"token":"014fbff9a07c","audiences":["https://kubernetes.default.svc"]},"status":{"user":{}}}"#
    );
    let body = request_body(Version::V1beta1, "t", &[]);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1beta1","metadata":{"creationTimestamp":null},"spec":{"token":"t"},"status":{"user":{}}}"#
    );
}

#[test]
fn an_authenticated_answer_gives_the_user_and_the_wanted_audiences() {
    // The documentation's successful answer.
    let answer = br#"{
      "apiVersion": "authentication.k8s.io/v1",
      "kind": "TokenReview",
      "status": {
        "authenticated": true,
        "user": {
          "username": "janedoe@example.com",
          "uid": "42",
          "groups": ["developers", "qa"],
          "extra": {"extrafield1": ["extravalue1", "extravalue2"]}
        },
        "audiences": ["https://myserver.example.com"]
      }
    }"#;
    let wanted = strings(&["https://myserver.example.com", "https://other"]);
    let Ok(TokenAnswer::Authenticated(found)) = read_answer(answer, Some(&wanted), &[]) else {
        panic!("authenticated");
    };
    assert_eq!(found.user.name, "janedoe@example.com");
    assert_eq!(found.user.uid, "42");
    assert_eq!(found.user.groups, strings(&["developers", "qa"]));
    assert_eq!(
        found.user.extra["extrafield1"],
        strings(&["extravalue1", "extravalue2"])
    );
    assert_eq!(found.audiences, strings(&["https://myserver.example.com"]));
}

#[test]
fn audiences_are_checked_against_the_wanted_ones() {
    let answer =
        br#"{"status":{"authenticated":true,"user":{"username":"u"},"audiences":["elsewhere"]}}"#;
    let wanted = strings(&["api"]);
    assert_eq!(
        read_answer(answer, Some(&wanted), &wanted).unwrap(),
        TokenAnswer::Unauthenticated { error: None }
    );
    // No audiences in the answer: the server's own (implicit) audiences are assumed.
    let answer = br#"{"status":{"authenticated":true,"user":{"username":"u"}}}"#;
    let Ok(TokenAnswer::Authenticated(found)) = read_answer(answer, Some(&wanted), &wanted) else {
        panic!("authenticated");
    };
    assert_eq!(found.audiences, wanted);
    // A server without audiences checks none.
    let Ok(TokenAnswer::Authenticated(found)) = read_answer(answer, None, &[]) else {
        panic!("authenticated");
    };
    assert!(found.audiences.is_empty());
}

#[test]
fn an_unauthenticated_answer_carries_its_error() {
    let answer = br#"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":false,"error":"Credentials are expired"}}"#;
    assert_eq!(
        read_answer(answer, None, &[]).unwrap(),
        TokenAnswer::Unauthenticated {
            error: Some("Credentials are expired".into())
        }
    );
    assert_eq!(
        read_answer(br#"{"status":{}}"#, None, &[]).unwrap(),
        TokenAnswer::Unauthenticated { error: None }
    );
}

#[test]
fn an_answer_that_is_not_a_token_review_is_an_error() {
    assert!(read_answer(b"<html>", None, &[]).is_err());
    assert!(read_answer(br#"{"kind":"Status","apiVersion":"v1"}"#, None, &[]).is_err());
    assert!(
        read_answer(
            br#"{"kind":"TokenReview","apiVersion":"authorization.k8s.io/v1"}"#,
            None,
            &[]
        )
        .is_err()
    );
}

#[test]
fn a_webhook_reads_both_versions_and_answers_in_the_one_asked() {
    let request = read_request(
        br#"{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview","spec":{"token":"abc","audiences":["a"]}}"#,
    )
    .unwrap();
    assert_eq!(
        request,
        TokenReviewRequest {
            version: Version::V1beta1,
            token: "abc".into(),
            audiences: strings(&["a"])
        }
    );
    let mut user = UserInfo::new("alice", ["dev", "system:authenticated"]);
    user.uid = "1001".into();
    let found = TokenUser {
        user,
        audiences: strings(&["a"]),
    };
    assert_eq!(
        String::from_utf8(answer_body(Version::V1beta1, &Ok(found))).unwrap(),
        r#"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1beta1","status":{"authenticated":true,"user":{"username":"alice","uid":"1001","groups":["dev","system:authenticated"]},"audiences":["a"]}}"#
    );
    assert_eq!(
        String::from_utf8(answer_body(
            Version::V1,
            &Err("invalid bearer token".into())
        ))
        .unwrap(),
        r#"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","status":{"user":{},"error":"invalid bearer token"}}"#
    );
}

#[test]
fn a_webhook_refuses_what_is_not_a_token_review() {
    let err = |body: &[u8]| read_request(body).unwrap_err().to_string();
    assert_eq!(
        err(br#"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{}}"#),
        "token is required for TokenReview in authentication"
    );
    assert!(err(b"{").starts_with("the body is not JSON"));
    assert_eq!(
        err(br#"{"apiVersion":"authentication.k8s.io/v2","kind":"TokenReview"}"#),
        "unsupported apiVersion \"authentication.k8s.io/v2\": authentication.k8s.io/v1 or authentication.k8s.io/v1beta1 expected"
    );
    assert_eq!(
        err(br#"{"apiVersion":"authentication.k8s.io/v1","kind":"SubjectAccessReview"}"#),
        "expected a TokenReview, got kind \"SubjectAccessReview\""
    );
}
