use serde_json::json;

use super::*;

fn webhook_spec() -> Value {
    json!({
        "group": "stable.example.com",
        "conversion": {"strategy": "Webhook", "webhook": {
            "conversionReviewVersions": ["v2", "v1beta1", "v1"],
            "clientConfig": {"service": {"namespace": "system", "name": "hook", "path": "/convert"},
                             "caBundle": "LS0tLS1CRUdJTg=="}
        }}
    })
}

fn object(api_version: &str, name: &str) -> Value {
    json!({"apiVersion": api_version, "kind": "CronTab",
           "metadata": {"name": name, "namespace": "default", "uid": "u-1",
                        "labels": {"a": "b"}, "resourceVersion": "7"},
           "spec": {"cronSpec": "* * * * *"}})
}

#[test]
fn a_webhook_strategy_is_read_with_the_services_url() {
    let webhook = Webhook::of(&webhook_spec()).expect("a webhook");
    assert_eq!(webhook.ca_bundle.as_deref(), Some("-----BEGIN"));
    assert_eq!(
        webhook.request_url(),
        "https://hook.system.svc:443/convert?timeout=30s"
    );
    assert!(Webhook::of(&json!({"conversion": {"strategy": "None"}})).is_none());
}

#[test]
fn the_review_uses_the_first_version_kube_apiserver_speaks() {
    let objects = [object("stable.example.com/v1", "a")];
    let (body, version) = review(
        &["v2".into(), "v1beta1".into(), "v1".into()],
        &objects,
        "stable.example.com/v2",
        "uid-1",
    )
    .unwrap();
    assert_eq!(version, ReviewVersion::V1beta1);
    assert_eq!(body["apiVersion"], "apiextensions.k8s.io/v1beta1");
    assert_eq!(
        body["request"]["desiredAPIVersion"],
        "stable.example.com/v2"
    );
    assert_eq!(body["request"]["uid"], "uid-1");
    assert_eq!(
        review(&["v3".into()], &objects, "x/v2", "u").unwrap_err(),
        "no supported conversion review versions"
    );
}

#[test]
fn answers_are_checked_with_kube_apiservers_words() {
    let answer = |uid: &str, status: &str, message: &str| {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "ConversionReview",
               "response": {"uid": uid, "result": {"status": status, "message": message},
                            "convertedObjects": [object("stable.example.com/v2", "a")]}})
    };
    assert_eq!(
        converted(ReviewVersion::V1, "u1", &answer("u1", "Success", ""))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        converted(ReviewVersion::V1, "u1", &answer("u2", "Success", "")).unwrap_err(),
        r#"expected response.uid="u1", got "u2""#
    );
    assert_eq!(
        converted(ReviewVersion::V1, "u1", &answer("u1", "Failure", "no way")).unwrap_err(),
        "no way"
    );
    assert_eq!(
        converted(ReviewVersion::V1, "u1", &answer("u1", "Failure", "")).unwrap_err(),
        "response.result.status was 'Failure', not 'Success'"
    );
    assert_eq!(
        converted(
            ReviewVersion::V1,
            "u1",
            &json!({"apiVersion": "v1", "kind": "Status"})
        )
        .unwrap_err(),
        "expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got /v1, Kind=Status"
    );
    // v1beta1 answers are not checked for their type and uid.
    let mut old = answer("other", "Success", "");
    old["apiVersion"] = json!("apiextensions.k8s.io/v1beta1");
    assert!(converted(ReviewVersion::V1beta1, "u1", &old).is_ok());
    assert_eq!(
        converted(ReviewVersion::V1beta1, "u1", &json!({})).unwrap_err(),
        "no response provided"
    );
}

#[test]
fn only_labels_and_annotations_may_change() {
    let input = gvk_text("stable.example.com/v1", "CronTab");
    let sent = [object("stable.example.com/v1", "a")];
    let mut back = object("stable.example.com/v2", "a");
    back["metadata"]["resourceVersion"] = json!("99");
    back["metadata"]["labels"] = json!({"c": "d"});
    back["metadata"]["annotations"] = json!({"note": "x"});
    let out = accept(
        &input,
        false,
        &sent,
        vec![back.clone()],
        "stable.example.com/v2",
    )
    .unwrap();
    assert_eq!(out[0]["metadata"]["resourceVersion"], "7", "restored");
    assert_eq!(out[0]["metadata"]["labels"], json!({"c": "d"}));
    assert_eq!(out[0]["metadata"]["annotations"], json!({"note": "x"}));
    assert_eq!(out[0]["apiVersion"], "stable.example.com/v2");

    let mut renamed = back.clone();
    renamed["metadata"]["name"] = json!("b");
    assert_eq!(
        accept(&input, false, &sent, vec![renamed], "stable.example.com/v2").unwrap_err(),
        "conversion webhook for stable.example.com/v1, Kind=CronTab returned invalid object: must have the same name: a != b"
    );
    assert_eq!(
        accept(
            &input,
            false,
            &sent,
            vec![back.clone()],
            "stable.example.com/v3"
        )
        .unwrap_err(),
        "conversion webhook for stable.example.com/v1, Kind=CronTab returned invalid object at index 0: invalid groupVersion (expected stable.example.com/v3, received stable.example.com/v2)"
    );
    assert_eq!(
        accept(
            &input,
            true,
            &sent,
            vec![back.clone()],
            "stable.example.com/v3"
        )
        .unwrap_err(),
        "conversion webhook for stable.example.com/v1, Kind=CronTab returned invalid converted object at index 1: invalid groupVersion (expected stable.example.com/v3, received stable.example.com/v2)"
    );
    assert_eq!(
        accept(&input, false, &sent, vec![], "stable.example.com/v2").unwrap_err(),
        "conversion webhook for stable.example.com/v1, Kind=CronTab returned 0 objects, expected 1"
    );
    let mut bad_label = back;
    bad_label["metadata"]["labels"] = json!({"c": "not valid!"});
    let error = accept(
        &input,
        false,
        &sent,
        vec![bad_label],
        "stable.example.com/v2",
    )
    .unwrap_err();
    assert!(
        error.starts_with("conversion webhook for stable.example.com/v1, Kind=CronTab returned invalid metadata: metadata.labels: Invalid value: \"not valid!\": a valid label must be"),
        "{error}"
    );
}

#[test]
fn the_stanza_is_checked_at_the_internal_versions_paths() {
    let messages = |conversion: Value| -> Vec<String> {
        validate(&json!({"conversion": conversion}))
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(
        messages(json!({"strategy": "Webhook"})),
        [
            "spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook",
            "spec.conversion.conversionReviewVersions: Required value",
        ]
    );
    assert_eq!(
        messages(json!({"strategy": "Webhook", "webhook": {
            "clientConfig": {"url": "http://example.com/x?y=1"},
            "conversionReviewVersions": ["v3"]}})),
        [
            "spec.conversion.webhookClientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
            "spec.conversion.webhookClientConfig.url: Invalid value: \"y=1\": query parameters are not permitted in the URL",
            "spec.conversion.conversionReviewVersions: Invalid value: [\"v3\"]: must include at least one of v1, v1beta1",
        ]
    );
    assert_eq!(
        messages(json!({"strategy": "None", "webhook": {
            "clientConfig": {"url": "https://example.com"}, "conversionReviewVersions": ["v1"]}})),
        [
            "spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook",
            "spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook",
        ]
    );
    assert_eq!(
        messages(json!({"strategy": "Other"})),
        [
            "spec.conversion.strategy: Unsupported value: \"Other\": supported values: \"None\", \"Webhook\""
        ]
    );
    assert!(
        messages(json!({"strategy": "Webhook", "webhook": {
        "clientConfig": {"service": {"namespace": "a", "name": "b", "path": "/convert"}},
        "conversionReviewVersions": ["v1"]}}))
        .is_empty()
    );
}
