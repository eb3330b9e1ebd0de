use super::*;

fn alice() -> UserInfo {
    let mut user = UserInfo::new("alice", ["dev", "system:authenticated"]);
    user.uid = "1001".into();
    user
}

#[test]
fn a_resource_request_is_posted_as_kube_apiserver_posts_it() {
    let mut attributes = Attributes::resource(alice(), "list", "", "pods", "default");
    attributes.api_version = "v1".into();
    let sent = request(Version::V1, &attributes);
    assert_eq!(
        String::from_utf8(sent.body).unwrap(),
        r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"namespace":"default","verb":"list","version":"v1","resource":"pods"},"user":"alice","groups":["dev","system:authenticated"],"uid":"1001"},"status":{"allowed":false}}"#
    );
    assert_eq!(
        sent.cache_key,
        r#"{"resourceAttributes":{"namespace":"default","verb":"list","version":"v1","resource":"pods"},"user":"alice","groups":["dev","system:authenticated"],"uid":"1001"}"#
    );
    assert!(sent.cacheable);
    // v1beta1 names the groups `group`.
    let sent = request(Version::V1beta1, &attributes);
    let text = String::from_utf8(sent.body).unwrap();
    assert!(
        text.contains(r#""apiVersion":"authorization.k8s.io/v1beta1""#),
        "{text}"
    );
    assert!(
        text.contains(r#""group":["dev","system:authenticated"]"#),
        "{text}"
    );
    assert!(!text.contains(r#""groups""#), "{text}");
}

#[test]
fn a_path_request_sends_non_resource_attributes() {
    let attributes = Attributes::non_resource(alice(), "get", "/healthz");
    let sent = request(Version::V1, &attributes);
    let text = String::from_utf8(sent.body).unwrap();
    assert!(
        text.contains(
            r#""spec":{"nonResourceAttributes":{"path":"/healthz","verb":"get"},"user":"alice""#
        ),
        "{text}"
    );
}

#[test]
fn huge_attributes_are_not_cached() {
    let name = "x".repeat(MAX_CACHED_ATTRIBUTES);
    let attributes = Attributes::resource(alice(), "get", "", "pods", "default").with_name(&name);
    assert!(!request(Version::V1, &attributes).cacheable);
}

#[test]
fn allowed_denied_and_neither_are_read_as_kube_apiserver_reads_them() {
    let read = |body: &str| verdict(&read_status(body.as_bytes()).unwrap());
    assert_eq!(
        read(
            r#"{"apiVersion":"authorization.k8s.io/v1beta1","kind":"SubjectAccessReview","status":{"allowed":true}}"#
        ),
        Verdict::new(Decision::Allow, "")
    );
    assert_eq!(
        read(
            r#"{"status":{"allowed":false,"reason":"user does not have read access to the namespace"}}"#
        ),
        Verdict::new(
            Decision::NoOpinion,
            "user does not have read access to the namespace"
        )
    );
    assert_eq!(
        read(r#"{"status":{"allowed":false,"denied":true,"reason":"no"}}"#),
        Verdict::new(Decision::Deny, "no")
    );
    let both = read(r#"{"status":{"allowed":true,"denied":true}}"#);
    assert_eq!(both.decision, Decision::Deny);
    assert_eq!(
        both.error.as_deref(),
        Some("webhook subject access review returned both allow and deny response")
    );
    assert!(read_status(b"nope").is_err());
    assert!(read_status(br#"{"kind":"TokenReview"}"#).is_err());
}

#[test]
fn a_webhook_reads_both_versions() {
    let v1 = read_request(
        br#"{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"resourceAttributes":{"namespace":"kittensandponies","verb":"get","group":"unicorn.example.org","resource":"pods","name":"p","subresource":"log","version":"v1"},"user":"jane","groups":["group1","group2"],"uid":"7","extra":{"scopes":["a"]}}}"#,
    )
    .unwrap();
    assert_eq!(v1.version, Version::V1);
    let a = &v1.attributes;
    assert_eq!(
        (
            a.verb.as_str(),
            a.api_group.as_str(),
            a.resource.as_str(),
            a.subresource.as_str()
        ),
        ("get", "unicorn.example.org", "pods", "log")
    );
    assert_eq!(
        (
            a.namespace.as_str(),
            a.name.as_str(),
            a.api_version.as_str()
        ),
        ("kittensandponies", "p", "v1")
    );
    assert_eq!(a.user.name, "jane");
    assert_eq!(a.user.groups, ["group1", "group2"]);
    assert_eq!(a.user.uid, "7");
    assert_eq!(a.user.extra["scopes"], ["a"]);
    assert!(a.resource_request);
    let beta = read_request(
        br#"{"apiVersion":"authorization.k8s.io/v1beta1","kind":"SubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/debug","verb":"get"},"user":"jane","group":["group1"]}}"#,
    )
    .unwrap();
    assert_eq!(beta.version, Version::V1beta1);
    assert_eq!(beta.attributes.user.groups, ["group1"]);
    assert_eq!(beta.attributes.path, "/debug");
    assert!(!beta.attributes.resource_request);
    assert!(read_request(br#"{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"x"}}"#).is_err());
}

#[test]
fn answers_say_denied_only_for_a_deny() {
    let text =
        |version, verdict: &Verdict| String::from_utf8(answer_body(version, verdict)).unwrap();
    assert_eq!(
        text(
            Version::V1,
            &Verdict::new(Decision::Allow, "RBAC: allowed by RoleBinding \"x/y\"")
        ),
        r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","status":{"allowed":true,"reason":"RBAC: allowed by RoleBinding \"x/y\""}}"#
    );
    assert_eq!(
        text(Version::V1beta1, &Verdict::new(Decision::NoOpinion, "")),
        r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1beta1","status":{"allowed":false}}"#
    );
    assert_eq!(
        text(Version::V1, &Verdict::new(Decision::Deny, "")),
        r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","status":{"allowed":false,"denied":true}}"#
    );
    assert_eq!(
        text(
            Version::V1,
            &Verdict::failed(Decision::NoOpinion, "the policy is not loaded yet")
        ),
        r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","status":{"allowed":false,"evaluationError":"the policy is not loaded yet"}}"#
    );
}
