use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use kubeward_core::{UserInfo, status};

use super::*;
use crate::level::{Level, Stage};
use crate::recorder::code_only;

fn at(micros: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_micros(micros)
}

/// A create by kubeadm's admin, as a kube-apiserver 1.35 writes it at Metadata level.
fn created_secret() -> Event {
    let mut user = UserInfo::new(
        "kubernetes-admin",
        ["kubeadm:cluster-admins", "system:authenticated"],
    );
    user.extra.insert(
        "authentication.kubernetes.io/credential-id".into(),
        vec!["X509SHA256=ffe1".into()],
    );
    Event {
        level: Level::Metadata,
        audit_id: "70607cf4-c644-4642-af31-0d9a173259fe".into(),
        stage: Stage::ResponseComplete,
        request_uri: "/api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Strict".into(),
        verb: "create".into(),
        user,
        impersonated_user: None,
        impersonation_constraint: None,
        source_ips: vec!["192.168.10.150".into()],
        user_agent: "kubectl/v1.35.8 (linux/amd64) kubernetes/1c2e10a".into(),
        object_ref: Some(ObjectReference {
            resource: "secrets".into(),
            namespace: "default".into(),
            name: "test-secret".into(),
            api_version: "v1".into(),
            ..ObjectReference::default()
        }),
        response_status: Some(code_only(201)),
        request_object: None,
        response_object: None,
        request_received_timestamp: at(1_789_482_413_946_487),
        stage_timestamp: at(1_789_482_413_948_683),
        annotations: BTreeMap::from([
            ("authorization.k8s.io/decision".to_string(), "allow".to_string()),
            (
                "authorization.k8s.io/reason".to_string(),
                "RBAC: allowed by ClusterRoleBinding \"kubeadm:cluster-admins\" of ClusterRole \"cluster-admin\" to Group \"kubeadm:cluster-admins\"".to_string(),
            ),
        ]),
    }
}

#[test]
fn writes_go_s_field_order_escapes_and_micro_times() {
    let event = created_secret();
    assert_eq!(
        event.to_json_line(),
        concat!(
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"70607cf4-c644-4642-af31-0d9a173259fe","stage":"ResponseComplete","#,
            r#""requestURI":"/api/v1/namespaces/default/secrets?fieldManager=kubectl-create\u0026fieldValidation=Strict","verb":"create","#,
            r#""user":{"username":"kubernetes-admin","groups":["kubeadm:cluster-admins","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["X509SHA256=ffe1"]}},"#,
            r#""sourceIPs":["192.168.10.150"],"userAgent":"kubectl/v1.35.8 (linux/amd64) kubernetes/1c2e10a","#,
            r#""objectRef":{"resource":"secrets","namespace":"default","name":"test-secret","apiVersion":"v1"},"#,
            r#""responseStatus":{"metadata":{},"code":201},"#,
            r#""requestReceivedTimestamp":"2026-09-15T14:26:53.946487Z","stageTimestamp":"2026-09-15T14:26:53.948683Z","#,
            r#""annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"kubeadm:cluster-admins\" of ClusterRole \"cluster-admin\" to Group \"kubeadm:cluster-admins\""}}"#,
            "\n"
        )
    );
}

#[test]
fn failed_authentication_has_an_empty_user_and_the_401_status() {
    let event = Event {
        level: Level::Metadata,
        audit_id: "a".into(),
        stage: Stage::ResponseStarted,
        request_uri: "/api".into(),
        verb: "get".into(),
        user: UserInfo::default(),
        impersonated_user: None,
        impersonation_constraint: None,
        source_ips: vec!["127.0.0.1".into()],
        user_agent: String::new(),
        object_ref: None,
        response_status: Some(status::unauthorized()),
        request_object: None,
        response_object: None,
        request_received_timestamp: at(0),
        stage_timestamp: at(1),
        annotations: BTreeMap::new(),
    };
    assert_eq!(
        event.to_json_line(),
        concat!(
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseStarted","requestURI":"/api","verb":"get","user":{},"#,
            r#""sourceIPs":["127.0.0.1"],"responseStatus":{"metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401},"#,
            r#""requestReceivedTimestamp":"1970-01-01T00:00:00.000000Z","stageTimestamp":"1970-01-01T00:00:00.000001Z"}"#,
            "\n"
        )
    );
}

#[test]
fn impersonation_bodies_and_every_object_reference_field() {
    let mut event = created_secret();
    event.level = Level::RequestResponse;
    event.impersonated_user = Some(UserInfo {
        name: "agent-smith".into(),
        uid: "u-1".into(),
        groups: vec!["system:authenticated".into()],
        extra: BTreeMap::new(),
    });
    event.impersonation_constraint = Some("impersonate-on:user-info:create".into());
    event.object_ref = Some(ObjectReference {
        resource: "deployments".into(),
        namespace: "dev".into(),
        name: "web".into(),
        uid: "d-1".into(),
        api_group: "apps".into(),
        api_version: "v1".into(),
        resource_version: "42".into(),
        subresource: "scale".into(),
    });
    event.request_object = Some(r#"{"kind":"Scale","spec":{"replicas":2}}"#.into());
    event.response_object = Some(r#"{"kind":"Scale"}"#.into());
    event.annotations.clear();
    let json = event.to_json_line();
    assert!(json.contains(
        r#""user":{"username":"kubernetes-admin","groups":["kubeadm:cluster-admins","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["X509SHA256=ffe1"]}},"impersonatedUser":{"username":"agent-smith","uid":"u-1","groups":["system:authenticated"]},"authenticationMetadata":{"impersonationConstraint":"impersonate-on:user-info:create"},"sourceIPs""#
    ), "{json}");
    assert!(json.contains(
        r#""objectRef":{"resource":"deployments","namespace":"dev","name":"web","uid":"d-1","apiGroup":"apps","apiVersion":"v1","resourceVersion":"42","subresource":"scale"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"Scale","spec":{"replicas":2}},"responseObject":{"kind":"Scale"},"requestReceivedTimestamp""#
    ), "{json}");
    assert!(json.ends_with("Z\"}\n"), "no annotations: {json}");
    // What serde_json reads back is the same document.
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(parsed["objectRef"]["subresource"], "scale");
}

#[test]
fn legacy_line_is_event_string() {
    let mut event = created_secret();
    assert_eq!(
        event.legacy_line(),
        r#"2026-09-15T14:26:53.946487Z AUDIT: id="70607cf4-c644-4642-af31-0d9a173259fe" stage="ResponseComplete" ip="192.168.10.150" method="create" user="kubernetes-admin" groups="\"kubeadm:cluster-admins\",\"system:authenticated\"" as="<self>" asgroups="<lookup>" user-agent="kubectl/v1.35.8 (linux/amd64) kubernetes/1c2e10a" namespace="default" uri="/api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Strict" response="201""#
    );
    event.response_status = None;
    event.user = UserInfo::default();
    event.source_ips.clear();
    event.object_ref = None;
    event.impersonated_user = Some(UserInfo::new("bob", Vec::<String>::new()));
    let line = event.legacy_line();
    assert!(line.contains(r#" ip="<unknown>" method="create" user="<none>" groups="<none>" as="bob" asgroups="<lookup>" "#), "{line}");
    assert!(line.ends_with(r#" namespace="<none>" uri="/api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Strict" response="<deferred>""#), "{line}");
}

#[test]
fn a_code_only_status_is_written_as_status_writes_it() {
    for code in [
        0, 1, 9, 10, 99, 100, 200, 201, 404, 999, 1000, 9999, 10000, 65535,
    ] {
        let status = code_only(code);
        let mut fast = String::new();
        write_status(&mut fast, &status);
        let mut whole = String::new();
        status.write_json(&mut whole, false);
        assert_eq!(fast, whole, "{code}");
    }
}
