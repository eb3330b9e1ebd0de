use serde_json::{Value, json};

use super::*;

fn refusal(review: Review, mut request: Value, namespace: &str) -> (u16, String) {
    let status = access_review(review, &mut request, namespace).expect_err("refused");
    (status.code, status.message)
}

#[test]
fn an_empty_subject_access_review_lacks_attributes_and_a_subject() {
    assert_eq!(
        refusal(Review::Subject, json!({"spec": {}}), ""),
        (
            422,
            ".authorization.k8s.io \"\" is invalid: [spec: Invalid value: null: exactly one of \
             nonResourceAttributes or resourceAttributes must be specified, spec.user: Invalid \
             value: \"\": at least one of user or group must be specified]"
                .to_string()
        )
    );
}

#[test]
fn both_kinds_of_attributes_are_refused_with_the_non_resource_ones_shown() {
    let (code, message) = refusal(
        Review::SelfSubject,
        json!({"spec": {
            "resourceAttributes": {"verb": "get", "resource": "pods"},
            "nonResourceAttributes": {"path": "/healthz", "verb": "get"},
        }}),
        "",
    );
    assert_eq!(code, 422);
    assert_eq!(
        message,
        ".authorization.k8s.io \"\" is invalid: spec: Invalid value: \
         {\"path\":\"/healthz\",\"verb\":\"get\"}: exactly one of nonResourceAttributes or \
         resourceAttributes must be specified"
    );
}

#[test]
fn a_group_alone_is_a_subject_and_self_reviews_need_none() {
    let mut request = json!({"spec": {"groups": ["dev"], "nonResourceAttributes": {"path": "/x", "verb": "get"}}});
    assert!(access_review(Review::Subject, &mut request, "").is_ok());
    let mut request = json!({"spec": {"resourceAttributes": {"verb": "list", "resource": "pods"}}});
    assert!(access_review(Review::SelfSubject, &mut request, "").is_ok());
}

#[test]
fn metadata_must_be_empty_but_for_managed_fields() {
    let (_, message) = refusal(
        Review::Subject,
        json!({"metadata": {"name": "x"}, "spec": {"user": "u", "resourceAttributes": {}}}),
        "",
    );
    assert_eq!(
        message,
        ".authorization.k8s.io \"\" is invalid: metadata: Invalid value: {\"name\":\"x\"}: must be empty"
    );
    let mut request = json!({"metadata": {"managedFields": [{}], "creationTimestamp": null},
        "spec": {"user": "u", "resourceAttributes": {}}});
    assert!(access_review(Review::Subject, &mut request, "").is_ok());
}

#[test]
fn a_local_review_takes_the_request_namespace_and_must_match_it() {
    let mut request =
        json!({"spec": {"user": "u", "resourceAttributes": {"namespace": "dev", "verb": "get"}}});
    assert!(access_review(Review::LocalSubject, &mut request, "dev").is_ok());
    assert_eq!(request.pointer("/metadata/namespace"), Some(&json!("dev")));

    let (code, message) = refusal(
        Review::LocalSubject,
        json!({"spec": {"user": "u", "resourceAttributes": {"namespace": "other"}}}),
        "dev",
    );
    assert_eq!(code, 422);
    assert_eq!(
        message,
        ".authorization.k8s.io \"\" is invalid: spec.resourceAttributes.namespace: Invalid value: \
         \"other\": must match metadata.namespace"
    );

    assert_eq!(
        refusal(
            Review::LocalSubject,
            json!({"metadata": {"namespace": "other"}, "spec": {"user": "u", "resourceAttributes": {"namespace": "other"}}}),
            "dev",
        ),
        (
            400,
            "the namespace of the provided object does not match the namespace sent on the request"
                .to_string()
        )
    );
}

#[test]
fn a_local_review_refuses_non_resource_attributes() {
    let (_, message) = refusal(
        Review::LocalSubject,
        json!({"spec": {"user": "u", "nonResourceAttributes": {"path": "/x", "verb": "get"}}}),
        "dev",
    );
    assert_eq!(
        message,
        ".authorization.k8s.io \"\" is invalid: spec.nonResourceAttributes: Invalid value: \
         {\"path\":\"/x\",\"verb\":\"get\"}: disallowed on this kind of request"
    );
}

#[test]
fn selectors_need_a_raw_selector_or_requirements_not_both() {
    let (_, message) = refusal(
        Review::SelfSubject,
        json!({"spec": {"resourceAttributes": {
            "fieldSelector": {},
            "labelSelector": {"rawSelector": "a=b", "requirements": [{"key": "a", "operator": "In", "values": ["b"]}]},
        }}}),
        "",
    );
    assert_eq!(
        message,
        ".authorization.k8s.io \"\" is invalid: [spec.resourceAttributes.fieldSelector.requirements: \
         Required value: when spec.resourceAttributes.fieldSelector is specified, requirements or \
         rawSelector is required, spec.resourceAttributes.labelSelector.rawSelector: Invalid value: \
         \"a=b\": may not specified at the same time as requirements]"
    );
}

#[test]
fn a_rules_review_needs_a_namespace() {
    assert_eq!(rules_review(&json!({"namespace": "dev"})).ok(), Some("dev"));
    let status = rules_review(&json!({})).expect_err("refused");
    assert_eq!(
        (status.code, status.message.as_str()),
        (400, "no namespace on request")
    );
}
