use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use kubeward_audit::{Level, Policy, PolicyRule, Stage};

use super::*;
use crate::events::listener::Origin;
use crate::events::{AdminEvent, Event};

fn policy(level: Level, urls: &[&str]) -> Policy {
    Policy {
        rules: vec![PolicyRule {
            level,
            non_resource_urls: urls.iter().map(|u| u.to_string()).collect(),
            ..PolicyRule::default()
        }],
        ..Policy::default()
    }
}

fn failed_login() -> (Recorded, Context) {
    let event = Event {
        id: "5f7b0c1e-0000-4000-8000-000000000001".into(),
        time: 1_789_482_413_000,
        kind: "LOGIN_ERROR".into(),
        realm_id: "r-id".into(),
        client_id: Some("kubernetes".into()),
        user_id: None,
        session_id: None,
        ip_address: Some("127.0.0.1".into()),
        error: Some("invalid_user_credentials".into()),
        details: BTreeMap::from([
            ("grant_type".to_string(), "password".to_string()),
            ("username".to_string(), "alice".to_string()),
        ]),
    };
    let context = Context {
        realm: "kubeward".into(),
        username: "alice".into(),
        origin: Origin {
            method: "POST".into(),
            path: "/realms/kubeward/protocol/openid-connect/token".into(),
            source_ips: kubeward_audit::source_ips::SourceIps::One([127, 0, 0, 1].into()),
            user_agent: "curl/8".into(),
            received: Some(UNIX_EPOCH + Duration::from_millis(1_789_482_412_990)),
            completed: Some(UNIX_EPOCH + Duration::from_millis(1_789_482_413_010)),
            code: 401,
        },
    };
    (Recorded::Login(event), context)
}

#[test]
fn a_failed_login_is_a_response_complete_event_with_keycloak_facts_as_annotations() {
    let (event, context) = failed_login();
    let audit =
        audit_event(&policy(Level::Metadata, &["/realms/*"]), &event, &context).expect("audited");
    assert_eq!(audit.stage, Stage::ResponseComplete);
    assert_eq!(audit.level, Level::Metadata);
    assert_eq!(audit.audit_id, event.id());
    assert_eq!(audit.verb, "post");
    assert_eq!(
        audit.request_uri,
        "/realms/kubeward/protocol/openid-connect/token"
    );
    assert_eq!(audit.user.name, "alice");
    assert_eq!(audit.source_ips, vec!["127.0.0.1"]);
    assert_eq!(audit.user_agent, "curl/8");
    assert_eq!(audit.code(), Some(401));
    assert!(audit.object_ref.is_none());
    assert!(audit.request_object.is_none() && audit.response_object.is_none());
    let a = |k: &str| audit.annotations.get(&format!("{PREFIX}{k}")).cloned();
    assert_eq!(a("event-type").as_deref(), Some("LOGIN_ERROR"));
    assert_eq!(a("realm").as_deref(), Some("kubeward"));
    assert_eq!(a("client-id").as_deref(), Some("kubernetes"));
    assert_eq!(a("error").as_deref(), Some("invalid_user_credentials"));
    assert_eq!(a("detail.grant_type").as_deref(), Some("password"));
    assert_eq!(a("session-id"), None);
    assert_eq!(
        audit.annotations.get(EVENT_TYPE).map(String::as_str),
        Some("LOGIN_ERROR")
    );
}

#[test]
fn the_policy_decides_and_no_body_is_recorded_at_any_level() {
    let (event, context) = failed_login();
    assert!(audit_event(&policy(Level::Metadata, &["/apis/*"]), &event, &context).is_none());
    assert!(audit_event(&Policy::default(), &event, &context).is_none());
    let audit = audit_event(
        &policy(Level::RequestResponse, &["/realms/*"]),
        &event,
        &context,
    )
    .expect("audited");
    assert!(audit.request_object.is_none() && audit.response_object.is_none());
}

#[test]
fn an_admin_event_names_the_admin_operation_resource_and_path() {
    let event = Recorded::Admin(AdminEvent {
        id: "a1".into(),
        time: 1_789_482_413_000,
        realm_id: "r-id".into(),
        auth_details: BTreeMap::from([
            ("userId".to_string(), "admin-id".to_string()),
            ("clientId".to_string(), "admin-cli".to_string()),
        ]),
        operation_type: "CREATE".into(),
        resource_type: "USER".into(),
        resource_path: "users/u1".into(),
        representation: Some("{\"credentials\":[]}".into()),
    });
    let context = Context {
        realm: "kubeward".into(),
        username: "admin".into(),
        origin: Origin {
            method: "POST".into(),
            path: "/admin/realms/kubeward/users".into(),
            code: 201,
            ..Origin::default()
        },
    };
    let audit =
        audit_event(&policy(Level::Request, &["/admin/*"]), &event, &context).expect("audited");
    assert_eq!(
        (audit.user.name.as_str(), audit.user.uid.as_str()),
        ("admin", "admin-id")
    );
    assert_eq!(audit.code(), Some(201));
    let a = |k: &str| audit.annotations.get(&format!("{PREFIX}{k}")).cloned();
    assert_eq!(a("event-type").as_deref(), Some("ADMIN"));
    assert_eq!(a("operation-type").as_deref(), Some("CREATE"));
    assert_eq!(a("resource-type").as_deref(), Some("USER"));
    assert_eq!(a("resource-path").as_deref(), Some("users/u1"));
    assert!(audit.request_object.is_none());
    // Outside a request the event's own time stands for both timestamps.
    assert_eq!(
        audit.stage_timestamp,
        UNIX_EPOCH + Duration::from_millis(1_789_482_413_000)
    );
}
