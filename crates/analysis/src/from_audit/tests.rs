mod session;

use std::collections::{BTreeMap, BTreeSet};
use std::time::UNIX_EPOCH;

use kubeward_audit::{Event, Level, ObjectReference, Stage, decode};
use kubeward_core::Status;
use kubeward_rbac::{Policy, PolicyRule, Role, Subject};

use super::*;
use crate::rules_table::breakdown;
use crate::sources;

fn dev_k8s() -> Subject {
    Subject::ServiceAccount {
        namespace: "dev-team".into(),
        name: "dev-k8s".into(),
    }
}

fn options(subject: Subject) -> Options {
    Options {
        subject,
        namespace: None,
        include_denied: false,
        name: "from-audit".into(),
    }
}

fn session() -> Vec<Event> {
    let text = std::fs::read_to_string(session::log_path()).expect("the recorded session");
    let decoded = decode::read(&text);
    assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
    decoded.events
}

#[test]
fn the_recorded_session_is_what_the_recorder_writes_for_seed_004() {
    let built = session::log();
    if std::env::var_os("KUBEWARD_WRITE_FIXTURES").is_some() {
        std::fs::write(session::log_path(), &built).expect("written");
    }
    let recorded = std::fs::read_to_string(session::log_path()).expect("the recorded session");
    assert!(
        recorded == built,
        "examples/seed-004-audit/dev-k8s-session.log is out of date; run this test with KUBEWARD_WRITE_FIXTURES=1"
    );
    // Two events per request: RequestReceived, ResponseComplete.
    assert_eq!(recorded.lines().count(), 2 * 18);
}

fn rules_of(generated: &Generated, namespace: Option<&str>) -> Vec<PolicyRule> {
    generated
        .roles
        .iter()
        .find(|r| r.namespace.as_deref() == namespace)
        .map(|r| r.rules.clone())
        .unwrap_or_default()
}

fn rule(verbs: &[&str], group: &str, resources: &[&str], names: &[&str]) -> PolicyRule {
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
    PolicyRule {
        verbs: strings(verbs),
        api_groups: vec![group.to_string()],
        resources: strings(resources),
        resource_names: strings(names),
        non_resource_urls: Vec::new(),
    }
}

#[test]
fn dev_k8s_gets_exactly_list_pods_and_create_deployments_in_dev_team() {
    let analysis = analyze(&session(), &options(dev_k8s())).expect("events");
    assert_eq!(
        analysis.generated.roles,
        vec![Role {
            namespace: Some("dev-team".into()),
            name: "from-audit".into(),
            rules: vec![
                rule(&["list"], "", &["pods"], &[]),
                rule(&["create"], "apps", &["deployments"], &[]),
            ],
            ..Role::default()
        }]
    );
    assert_eq!(analysis.generated.bindings.len(), 1);
    assert_eq!(analysis.generated.bindings[0].subjects, vec![dev_k8s()]);
    let shown =
        |requests: &[UsedRequest]| requests.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(
        shown(&analysis.already_allowed),
        [
            "get /api",
            "get /apis",
            "create selfsubjectreviews.authentication.k8s.io (cluster-wide)",
            "create selfsubjectaccessreviews.authorization.k8s.io (cluster-wide)",
            "create selfsubjectrulesreviews.authorization.k8s.io (cluster-wide)",
        ]
    );
    assert_eq!(
        shown(&analysis.denied),
        [
            "list namespaces (cluster-wide)",
            "list nodes (cluster-wide)",
            "list pods in infra-team"
        ]
    );
    let list_pods = analysis
        .requests
        .iter()
        .find(|(r, _)| r.to_string() == "list pods in dev-team")
        .expect("asked");
    assert_eq!(
        (list_pods.1.allowed, list_pods.1.denied),
        (2, 2),
        "twice before the Role, twice after"
    );
}

/// The policy the generated objects make, on top of the defaults.
fn with_generated(generated: &Generated) -> Policy {
    let mut policy = default_policy();
    for role in &generated.roles {
        policy.upsert_role(role.clone());
    }
    for binding in &generated.bindings {
        policy.upsert_binding(binding.clone());
    }
    policy
}

#[test]
fn the_generated_role_allows_every_request_and_nothing_else() {
    let analysis = analyze(&session(), &options(dev_k8s())).expect("events");
    let policy = with_generated(&analysis.generated);
    for request in analysis.granted.iter().chain(&analysis.already_allowed) {
        assert!(
            policy.allows(&request.attributes(analysis.user.clone())),
            "{request}"
        );
    }
    for request in &analysis.denied {
        assert!(
            !policy.allows(&request.attributes(analysis.user.clone())),
            "{request}"
        );
    }
    // Every atomic permission of the generated roles is one request the session made.
    let asked: BTreeSet<(Option<String>, String, String, String, String)> = analysis
        .granted
        .iter()
        .map(|r| {
            (
                Some(r.namespace.clone()).filter(|n| !n.is_empty()),
                r.verb.clone(),
                r.api_group.clone(),
                r.rule_resource(),
                r.name.clone(),
            )
        })
        .collect();
    for role in &analysis.generated.roles {
        for atom in role.rules.iter().flat_map(breakdown) {
            let key = (
                role.namespace.clone(),
                atom.verbs.join(""),
                atom.api_groups.join(""),
                atom.resources.join(""),
                atom.resource_names.join(""),
            );
            assert!(asked.contains(&key), "{key:?} was never asked");
        }
    }
}

#[test]
fn include_denied_grants_what_was_refused_too() {
    let analysis = analyze(
        &session(),
        &Options {
            include_denied: true,
            ..options(dev_k8s())
        },
    )
    .expect("events");
    assert_eq!(
        rules_of(&analysis.generated, None),
        vec![rule(&["list"], "", &["namespaces", "nodes"], &[])]
    );
    assert_eq!(
        rules_of(&analysis.generated, Some("infra-team")),
        vec![rule(&["list"], "", &["pods"], &[])]
    );
    assert!(analysis.denied.is_empty());
}

#[test]
fn the_impersonator_needs_impersonate_on_the_service_account_only() {
    let analysis = analyze(
        &session(),
        &options(Subject::User("kubernetes-admin".into())),
    )
    .expect("events");
    // system:masters may do anything: nothing to grant.
    assert!(analysis.generated.roles.is_empty());
    assert_eq!(
        analysis
            .already_allowed
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["impersonate serviceaccounts \"dev-k8s\" in dev-team"]
    );
}

#[test]
fn no_events_for_the_subject_is_audit2rbac_s_error() {
    let error =
        analyze(&session(), &options(Subject::User("nobody".into()))).expect_err("no events");
    assert_eq!(error.to_string(), "No audit events matched user nobody");
    let error = analyze(
        &session(),
        &Options {
            namespace: Some("default".into()),
            ..options(dev_k8s())
        },
    )
    .expect_err("no events");
    assert_eq!(
        error.to_string(),
        "No audit events matched user system:serviceaccount:dev-team:dev-k8s in namespace default"
    );
    assert_eq!(
        analyze(&session(), &options(Subject::Group("dev".into())))
            .expect_err("a group")
            .to_string(),
        "a group makes no requests: give --user or --serviceaccount"
    );
}

#[test]
fn a_namespace_keeps_only_that_namespace_s_requests() {
    let analysis = analyze(
        &session(),
        &Options {
            namespace: Some("infra-team".into()),
            include_denied: true,
            ..options(dev_k8s())
        },
    )
    .expect("events");
    assert_eq!(analysis.requests.len(), 1);
    assert_eq!(analysis.generated.roles.len(), 1);
}

/// An event of `alice` asking `verb` on `object` (or a path), allowed.
fn event(verb: &str, uri: &str, object: Option<ObjectReference>) -> Event {
    Event {
        level: Level::Metadata,
        audit_id: format!("{verb} {uri}"),
        stage: Stage::ResponseComplete,
        request_uri: uri.to_string(),
        verb: verb.to_string(),
        user: kubeward_core::UserInfo::new("alice", ["dev", "system:authenticated"]),
        impersonated_user: None,
        impersonation_constraint: None,
        source_ips: vec![],
        user_agent: String::new(),
        object_ref: object,
        response_status: Some(Status::failure(200, "", String::new(), None)),
        request_object: None,
        response_object: None,
        request_received_timestamp: UNIX_EPOCH,
        stage_timestamp: UNIX_EPOCH,
        annotations: BTreeMap::from([(
            "authorization.k8s.io/decision".to_string(),
            "allow".to_string(),
        )]),
    }
}

fn object(group: &str, resource: &str, sub: &str, ns: &str, name: &str) -> Option<ObjectReference> {
    Some(ObjectReference {
        resource: resource.into(),
        namespace: ns.into(),
        name: name.into(),
        api_group: group.into(),
        api_version: "v1".into(),
        subresource: sub.into(),
        ..ObjectReference::default()
    })
}

fn alice(events: &[Event]) -> Analysis {
    analyze(events, &options(Subject::User("alice".into()))).expect("events")
}

#[test]
fn resource_names_only_where_the_authorizer_sees_them() {
    let events = vec![
        // The audit log names a created object (from its body); the authorizer did not see it.
        event(
            "create",
            "/api/v1/namespaces/app/configmaps",
            object("", "configmaps", "", "app", "settings"),
        ),
        // A named get, update, patch, delete.
        event(
            "get",
            "/api/v1/namespaces/app/configmaps/settings",
            object("", "configmaps", "", "app", "settings"),
        ),
        event(
            "update",
            "/api/v1/namespaces/app/configmaps/settings",
            object("", "configmaps", "", "app", "settings"),
        ),
        event(
            "patch",
            "/api/v1/namespaces/app/configmaps/other",
            object("", "configmaps", "", "app", "other"),
        ),
        // A watch named by a metadata.name field selector (kubectl get NAME --watch).
        event(
            "watch",
            "/api/v1/namespaces/app/configmaps?fieldSelector=metadata.name%3Dsettings&watch=true",
            object("", "configmaps", "", "app", "settings"),
        ),
        // A create on a subresource names its object in the path.
        event(
            "create",
            "/api/v1/namespaces/app/pods/web/exec?command=sh",
            object("", "pods", "exec", "app", "web"),
        ),
        event(
            "get",
            "/api/v1/namespaces/app/pods/web/log",
            object("", "pods", "log", "app", "web"),
        ),
        event(
            "deletecollection",
            "/api/v1/namespaces/app/secrets",
            object("", "secrets", "", "app", ""),
        ),
    ];
    let analysis = alice(&events);
    assert_eq!(
        rules_of(&analysis.generated, Some("app")),
        vec![
            rule(&["create"], "", &["configmaps"], &[]),
            rule(&["patch"], "", &["configmaps"], &["other"]),
            rule(
                &["get", "watch", "update"],
                "",
                &["configmaps"],
                &["settings"]
            ),
            rule(&["create"], "", &["pods/exec"], &["web"]),
            rule(&["get"], "", &["pods/log"], &["web"]),
            rule(&["deletecollection"], "", &["secrets"], &[]),
        ]
    );
}

#[test]
fn cluster_scoped_questions_and_paths_go_to_the_cluster_role_and_groups_never_merge() {
    let events = vec![
        event("get", "/api/v1/nodes/n1", object("", "nodes", "", "", "n1")),
        event("list", "/api/v1/pods", object("", "pods", "", "", "")),
        event(
            "list",
            "/apis/apps/v1/deployments",
            object("apps", "deployments", "", "", ""),
        ),
        event(
            "list",
            "/apis/batch/v1/jobs",
            object("batch", "jobs", "", "", ""),
        ),
        event(
            "list",
            "/api/v1/services",
            object("", "services", "", "", ""),
        ),
        event("get", "/debug/pprof/profile?seconds=5", None),
        event("get", "/metrics", None),
        event("post", "/logs/x%20y", None),
    ];
    let analysis = alice(&events);
    let mut expected = vec![
        rule(&["get"], "", &["nodes"], &["n1"]),
        rule(&["list"], "", &["pods", "services"], &[]),
        rule(&["list"], "apps", &["deployments"], &[]),
        rule(&["list"], "batch", &["jobs"], &[]),
    ];
    expected.push(PolicyRule {
        verbs: vec!["get".into()],
        non_resource_urls: vec!["/debug/pprof/profile".into(), "/metrics".into()],
        ..PolicyRule::default()
    });
    expected.push(PolicyRule {
        verbs: vec!["post".into()],
        non_resource_urls: vec!["/logs/x y".into()],
        ..PolicyRule::default()
    });
    assert_eq!(rules_of(&analysis.generated, None), expected);
    let policy = with_generated(&analysis.generated);
    let user = analysis.user.clone();
    for request in &analysis.granted {
        assert!(
            policy.allows(&request.attributes(user.clone())),
            "{request}"
        );
    }
}

#[test]
fn impersonating_a_user_asks_for_the_user_the_groups_the_uid_and_the_extras() {
    let mut user = kubeward_core::UserInfo::new("bob", ["team-a", "system:authenticated"]);
    user.uid = "u-7".into();
    user.extra.insert("scopes".into(), vec!["read".into()]);
    let mut impersonating = event(
        "get",
        "/api/v1/namespaces/app/pods/p",
        object("", "pods", "", "app", "p"),
    );
    impersonating.impersonated_user = Some(user);
    let analysis = alice(&[impersonating]);
    assert_eq!(
        rules_of(&analysis.generated, None),
        vec![
            rule(&["impersonate"], "", &["groups"], &["team-a"]),
            rule(&["impersonate"], "", &["users"], &["bob"]),
            rule(
                &["impersonate"],
                "authentication.k8s.io",
                &["uids"],
                &["u-7"]
            ),
            rule(
                &["impersonate"],
                "authentication.k8s.io",
                &["userextras/scopes"],
                &["read"]
            ),
        ]
    );
    // bob's request is bob's, not alice's.
    assert!(rules_of(&analysis.generated, Some("app")).is_empty());
}

#[test]
fn only_the_last_stage_of_a_request_counts() {
    let mut received = event(
        "list",
        "/api/v1/namespaces/app/pods",
        object("", "pods", "", "app", ""),
    );
    received.stage = Stage::RequestReceived;
    received.annotations.clear();
    received.response_status = None;
    let mut denied = received.clone();
    denied.stage = Stage::ResponseComplete;
    denied.response_status = Some(Status::failure(403, "Forbidden", "no".into(), None));
    let analysis = alice(&[received.clone(), denied]);
    assert_eq!(analysis.denied.len(), 1);
    // A log that omits ResponseComplete still says what was asked.
    let analysis = alice(&[received]);
    assert_eq!(analysis.granted.len(), 1);
    assert_eq!(analysis.requests[0].1.unknown, 1);
}

#[test]
fn the_seed_s_role_is_wider_than_what_dev_k8s_used() {
    let analysis = analyze(&session(), &options(dev_k8s())).expect("events");
    let manifests =
        sources::load_paths(&[session::repo().join("examples/seed-004-serviceaccounts")])
            .expect("loads");
    let held = sources::build_policy(manifests, true).policy;
    let used: Vec<&UsedRequest> = analysis
        .granted
        .iter()
        .chain(&analysis.already_allowed)
        .collect();
    let rows = held::compare(&held, &analysis.user, &used);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].usage, held::Usage::Wider);
    assert_eq!(
        (
            rows[0].permission.scope.as_str(),
            rows[0].permission.verb.as_str(),
            rows[0].permission.target.as_str()
        ),
        ("dev-team", "*", "*.*")
    );
    assert_eq!(
        rows[0].used_for,
        [
            "list pods in dev-team",
            "create deployments.apps in dev-team"
        ]
    );
    assert_eq!(
        rows[0].granted_by,
        "RoleBinding dev-team/roleB-dev-team → Role role-dev-team"
    );

    // Against the generated roles: every permission used exactly.
    let generated = with_generated(&analysis.generated);
    let rows = held::compare(&generated, &analysis.user, &used);
    assert!(
        rows.iter().all(|r| r.usage == held::Usage::Used),
        "{rows:?}"
    );
    assert_eq!(rows.len(), 2);

    // Against the namespaces alone: the Role is missing.
    let manifests = sources::load_paths(&[session::repo()
        .join("examples/seed-004-serviceaccounts/00-namespaces-and-serviceaccounts.yaml")])
    .expect("loads");
    let bare = sources::build_policy(manifests, true).policy;
    let rows = held::compare(&bare, &analysis.user, &used);
    let missing: Vec<String> = rows
        .iter()
        .filter(|r| r.usage == held::Usage::Missing)
        .flat_map(|r| r.used_for.clone())
        .collect();
    assert_eq!(
        missing,
        [
            "create deployments.apps in dev-team",
            "list pods in dev-team"
        ]
    );
    let table = held::render(&rows);
    assert!(
        table.starts_with(
            "USAGE     SCOPE      VERB     RESOURCE           NAME   GRANTED BY   USED FOR\nmissing"
        ),
        "{table}"
    );
}

#[test]
fn manifests_are_rbac_v1_documents() {
    let analysis = analyze(&session(), &options(dev_k8s())).expect("events");
    assert_eq!(
        manifests::to_yaml(&analysis.generated).expect("YAML"),
        r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: from-audit
  namespace: dev-team
rules:
- apiGroups:
  - ""
  resources:
  - pods
  verbs:
  - list
- apiGroups:
  - apps
  resources:
  - deployments
  verbs:
  - create
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: from-audit
  namespace: dev-team
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: from-audit
subjects:
- kind: ServiceAccount
  name: dev-k8s
  namespace: dev-team
"#
    );
}

#[test]
fn the_identity_provider_s_events_in_the_same_log_grant_nothing() {
    let pods = event(
        "list",
        "/api/v1/namespaces/app/pods",
        object("", "pods", "", "app", ""),
    );
    let mut login = event(
        "post",
        "/realms/kubeward/protocol/openid-connect/token",
        None,
    );
    login.annotations = BTreeMap::from([(
        kubeward_audit::IDP_EVENT_ANNOTATION.to_string(),
        "LOGIN".to_string(),
    )]);
    let analysis = alice(&[login.clone(), pods]);
    assert_eq!(analysis.requests.len(), 1, "{:?}", analysis.requests);
    assert!(analysis.requests[0].0.resource_request);
    assert!(matches!(
        analyze(&[login], &options(Subject::User("alice".into()))),
        Err(FromAuditError::NoEvents { .. })
    ));
}
