use std::cell::RefCell;
use std::time::{Duration, UNIX_EPOCH};

use kubeward_core::status;

use super::*;
use crate::level::Stages;
use crate::policy::PolicyRule;

/// Keeps what it is given: each event's JSON as the sink got it, and the event read back.
#[derive(Default)]
struct Collect(RefCell<Vec<Event>>, RefCell<Vec<String>>);

impl Sink for Collect {
    fn process(&self, event: EventJson<'_>) -> bool {
        self.0
            .borrow_mut()
            .push(event.decode().expect("the JSON of an event"));
        self.1.borrow_mut().push(format!("{}\n", event.as_str()));
        true
    }
}

impl Collect {
    fn lines(&self) -> Vec<String> {
        let lines = self.1.borrow().clone();
        // The recorder writes what the event it holds encodes to.
        let reencoded: Vec<String> = self.0.borrow().iter().map(Event::to_json_line).collect();
        assert_eq!(lines, reencoded);
        lines
    }

    fn stages(&self) -> Vec<Stage> {
        self.0.borrow().iter().map(|e| e.stage).collect()
    }
}

fn at(micros: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(micros)
}

fn policy(level: Level) -> Policy {
    Policy {
        rules: vec![PolicyRule {
            level,
            ..PolicyRule::default()
        }],
        ..Policy::default()
    }
}

fn dev_k8s() -> UserInfo {
    let mut user = UserInfo::new(
        "system:serviceaccount:dev-team:dev-k8s",
        [
            "system:serviceaccounts",
            "system:serviceaccounts:dev-team",
            "system:authenticated",
        ],
    );
    user.uid = "dc9e96d9".into();
    user.extra.insert(
        "authentication.kubernetes.io/credential-id".into(),
        vec!["JTI=b792".into()],
    );
    user
}

fn request<'a>(uri: &'a str, long_running: bool) -> Request<'a> {
    Request {
        audit_id: "d2aff3af-0d70-4d9f-b3d7-7ff91d3727af",
        request_uri: uri,
        source_ips: SourceIps::One([127, 0, 0, 1].into()),
        user_agent: "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07",
        received: at(1_795_263_830_000_123),
        long_running,
    }
}

fn info(method: &str, uri: &str) -> RequestInfo {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    RequestInfo::parse(method, path, query).expect("a request")
}

#[test]
fn metadata_level_list_writes_request_received_then_response_complete() {
    let uri = "/api/v1/namespaces/dev-team/pods?limit=500";
    let sink = Collect::default();
    let mut recorder = Recorder::start(
        &policy(Level::Metadata),
        request(uri, false),
        &info("GET", uri),
        Some(&dev_k8s()),
    )
    .expect("audited");
    assert!(recorder.request_received(&sink));
    recorder.authorized(true, "RBAC: allowed by RoleBinding \"roleB-dev-team/dev-team\" of Role \"role-dev-team\" to ServiceAccount \"dev-k8s/dev-team\"");
    let body =
        r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[]}"#;
    recorder.response_started(
        Response {
            code: 200,
            status: None,
            body: Some(body),
        },
        at(1_795_263_830_002_000),
        &sink,
    );
    assert!(recorder.response_complete(at(1_795_263_830_002_456), &sink));
    assert_eq!(
        sink.lines(),
        [
            concat!(
                r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"d2aff3af-0d70-4d9f-b3d7-7ff91d3727af","stage":"RequestReceived","requestURI":"/api/v1/namespaces/dev-team/pods?limit=500","verb":"list","#,
                r#""user":{"username":"system:serviceaccount:dev-team:dev-k8s","uid":"dc9e96d9","groups":["system:serviceaccounts","system:serviceaccounts:dev-team","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["JTI=b792"]}},"#,
                r#""sourceIPs":["127.0.0.1"],"userAgent":"kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07","objectRef":{"resource":"pods","namespace":"dev-team","apiVersion":"v1"},"#,
                r#""requestReceivedTimestamp":"2026-11-21T12:23:50.000123Z","stageTimestamp":"2026-11-21T12:23:50.000123Z"}"#,
                "\n"
            ),
            concat!(
                r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"d2aff3af-0d70-4d9f-b3d7-7ff91d3727af","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/dev-team/pods?limit=500","verb":"list","#,
                r#""user":{"username":"system:serviceaccount:dev-team:dev-k8s","uid":"dc9e96d9","groups":["system:serviceaccounts","system:serviceaccounts:dev-team","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["JTI=b792"]}},"#,
                r#""sourceIPs":["127.0.0.1"],"userAgent":"kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07","objectRef":{"resource":"pods","namespace":"dev-team","apiVersion":"v1"},"#,
                r#""responseStatus":{"metadata":{},"code":200},"#,
                r#""requestReceivedTimestamp":"2026-11-21T12:23:50.000123Z","stageTimestamp":"2026-11-21T12:23:50.002456Z","#,
                r#""annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by RoleBinding \"roleB-dev-team/dev-team\" of Role \"role-dev-team\" to ServiceAccount \"dev-k8s/dev-team\""}}"#,
                "\n"
            ),
        ]
    );
}

#[test]
fn a_forbidden_request_records_the_status_and_the_forbid_decision() {
    let uri = "/api/v1/namespaces/infra-team/pods?limit=500";
    let info = info("GET", uri);
    let sink = Collect::default();
    let mut recorder = Recorder::start(
        &policy(Level::RequestResponse),
        request(uri, false),
        &info,
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder.request_received(&sink);
    recorder.authorized(false, "");
    let forbidden = status::forbidden(&info.to_attributes(dev_k8s()), "");
    let body = forbidden.to_json();
    recorder.response_started(Response::status(&forbidden, Some(&body)), at(2), &sink);
    recorder.response_complete(at(3), &sink);
    let line = &sink.lines()[1];
    assert!(line.contains(concat!(
        r#""responseStatus":{"metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:dev-team:dev-k8s\" cannot list resource \"pods\" in API group \"\" in the namespace \"infra-team\"","reason":"Forbidden","details":{"kind":"pods"},"code":403},"#,
        r#""responseObject":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","#
    )), "{line}");
    assert!(line.ends_with("\"annotations\":{\"authorization.k8s.io/decision\":\"forbid\",\"authorization.k8s.io/reason\":\"\"}}\n"), "{line}");
}

#[test]
fn level_none_records_nothing() {
    let uri = "/api/v1/namespaces/dev-team/pods";
    let quiet = Policy {
        rules: vec![
            PolicyRule {
                level: Level::None,
                users: vec!["system:serviceaccount:dev-team:dev-k8s".into()],
                ..PolicyRule::default()
            },
            PolicyRule {
                level: Level::Metadata,
                ..PolicyRule::default()
            },
        ],
        ..Policy::default()
    };
    assert!(
        Recorder::start(
            &quiet,
            request(uri, false),
            &info("GET", uri),
            Some(&dev_k8s())
        )
        .is_none()
    );
    let other = UserInfo::new("minjun", ["dev-team"]);
    assert!(
        Recorder::start(&quiet, request(uri, false), &info("GET", uri), Some(&other)).is_some()
    );
    assert!(
        Recorder::start(
            &Policy::default(),
            request(uri, false),
            &info("GET", uri),
            Some(&other)
        )
        .is_none()
    );
}

fn create_deployment(level: Level, omit_managed_fields: bool) -> Collect {
    let uri = "/apis/apps/v1/namespaces/dev-team/deployments?fieldManager=kubectl-create&fieldValidation=Strict";
    let mut policy = policy(level);
    policy.omit_managed_fields = omit_managed_fields;
    let sink = Collect::default();
    let mut recorder = Recorder::start(
        &policy,
        request(uri, false),
        &info("POST", uri),
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder.request_received(&sink);
    recorder.authorized(true, "");
    recorder
        .request_object("{\n \"kind\": \"Deployment\",\n \"apiVersion\": \"apps/v1\",\n \"metadata\": {\"name\": \"web\", \"creationTimestamp\": null, \"labels\": {\"app\": \"web\"}},\n \"spec\": {\"replicas\": 1}\n}")
        .expect("JSON");
    let created = r#"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"dev-team","uid":"6c1e","resourceVersion":"612","managedFields":[{"manager":"kubectl-create"}]},"spec":{"replicas":1}}"#;
    recorder.response_started(
        Response {
            code: 201,
            status: None,
            body: Some(created),
        },
        at(5),
        &sink,
    );
    recorder.response_complete(at(6), &sink);
    sink
}

#[test]
fn the_request_object_names_the_created_object_at_every_level() {
    let sink = create_deployment(Level::Metadata, false);
    let events = sink.0.borrow();
    let object = events[1].object_ref.as_ref().expect("a resource request");
    assert_eq!(
        (object.name.as_str(), object.api_group.as_str()),
        ("web", "apps")
    );
    assert_eq!(events[1].request_object, None);
    assert_eq!(events[1].response_object, None);
    // The RequestReceived event was written before the body was read.
    assert_eq!(
        events[0].object_ref.as_ref().map(|o| o.name.as_str()),
        Some("")
    );
}

#[test]
fn request_level_keeps_the_request_body_compacted() {
    let sink = create_deployment(Level::Request, false);
    let events = sink.0.borrow();
    assert_eq!(
        events[1].request_object.as_deref(),
        Some(
            r#"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"app":"web"}},"spec":{"replicas":1}}"#
        )
    );
    assert_eq!(events[1].response_object, None);
    assert_eq!(
        events[1].response_status.as_ref().map(|s| s.code),
        Some(201)
    );
}

#[test]
fn request_response_level_keeps_the_response_body_without_managed_fields_when_asked() {
    let sink = create_deployment(Level::RequestResponse, true);
    let events = sink.0.borrow();
    assert_eq!(
        events[1].response_object.as_deref(),
        Some(
            r#"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"dev-team","uid":"6c1e","resourceVersion":"612"},"spec":{"replicas":1}}"#
        )
    );
    let sink = create_deployment(Level::RequestResponse, false);
    assert!(
        sink.0.borrow()[1]
            .response_object
            .as_deref()
            .is_some_and(|o| o.contains("managedFields"))
    );
}

#[test]
fn an_update_takes_uid_and_resource_version_from_the_body() {
    let uri = "/api/v1/namespaces/default/configmaps/app";
    let sink = Collect::default();
    let mut recorder = Recorder::start(
        &policy(Level::Metadata),
        request(uri, false),
        &info("PUT", uri),
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder
        .request_object(r#"{"metadata":{"name":"other","namespace":"default","uid":"u-1","resourceVersion":"77"}}"#)
        .expect("JSON");
    recorder.response_complete(at(1), &sink);
    let object = sink.0.borrow()[0].object_ref.clone().expect("resource");
    assert_eq!(
        (
            object.name.as_str(),
            object.uid.as_str(),
            object.resource_version.as_str()
        ),
        ("app", "u-1", "77"),
        "the path's name stays"
    );
    // No answer was recorded: kube-apiserver's "Connection closed early".
    let line = &sink.lines()[0];
    assert!(line.contains(r#""responseStatus":{"metadata":{},"status":"Success","message":"Connection closed early","code":200}"#), "{line}");
}

#[test]
fn a_watch_writes_response_started_and_omitted_stages_are_skipped() {
    let uri = "/api/v1/namespaces/dev-team/pods?watch=true";
    let info = info("GET", uri);
    assert!(is_long_running(&info));
    let sink = Collect::default();
    let mut recorder = Recorder::start(
        &policy(Level::Metadata),
        request(uri, true),
        &info,
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder.request_received(&sink);
    recorder.response_started(Response::code(200), at(7), &sink);
    recorder.response_complete(at(9), &sink);
    assert_eq!(
        sink.stages(),
        [
            Stage::RequestReceived,
            Stage::ResponseStarted,
            Stage::ResponseComplete
        ]
    );
    let events = sink.0.borrow();
    assert_eq!(events[1].stage_timestamp, at(7));
    assert_eq!(events[2].stage_timestamp, at(9));

    let mut omitting = policy(Level::Metadata);
    omitting.omit_stages = Stages::NONE.with(Stage::RequestReceived);
    omitting.rules[0].omit_stages = Stages::NONE.with(Stage::ResponseStarted);
    let sink = Collect::default();
    let mut recorder =
        Recorder::start(&omitting, request(uri, true), &info, Some(&dev_k8s())).expect("audited");
    recorder.request_received(&sink);
    recorder.response_started(Response::code(200), at(7), &sink);
    recorder.response_complete(at(9), &sink);
    assert_eq!(sink.stages(), [Stage::ResponseComplete]);
}

#[test]
fn a_long_running_request_that_never_answered_gets_both_stages() {
    let uri = "/api/v1/namespaces/dev-team/pods/web/exec?command=sh";
    let info = info("POST", uri);
    assert!(is_long_running(&info));
    let sink = Collect::default();
    let recorder = Recorder::start(
        &policy(Level::Metadata),
        request(uri, true),
        &info,
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder.response_complete(at(3), &sink);
    assert_eq!(
        sink.stages(),
        [Stage::ResponseStarted, Stage::ResponseComplete]
    );
}

#[test]
fn impersonation_and_non_resource_requests() {
    let uri = "/version?timeout=32s";
    let info = info("GET", uri);
    let sink = Collect::default();
    let admin = UserInfo::new(
        "kubernetes-admin",
        ["system:masters", "system:authenticated"],
    );
    let mut recorder = Recorder::start(
        &policy(Level::RequestResponse),
        request(uri, false),
        &info,
        Some(&admin),
    )
    .expect("audited");
    recorder.impersonated(&dev_k8s());
    recorder.authorized(true, "");
    recorder.request_object(r#"{"kind":"X"}"#).expect("JSON");
    recorder.response_started(
        Response {
            code: 200,
            status: None,
            body: Some(r#"{"major":"1"}"#),
        },
        at(1),
        &sink,
    );
    recorder.response_complete(at(2), &sink);
    let event = &sink.0.borrow()[0];
    assert_eq!(event.object_ref, None);
    assert_eq!(
        (
            event.request_object.as_deref(),
            event.response_object.as_deref()
        ),
        (None, None)
    );
    assert_eq!(
        event.effective_user().name,
        "system:serviceaccount:dev-team:dev-k8s"
    );
    assert_eq!(event.user.name, "kubernetes-admin");
    assert_eq!(event.verb, "get");
}

#[test]
fn failed_authentication_writes_one_response_started_event_without_a_user() {
    let uri = "/api/v1/namespaces/dev-team/pods";
    let sink = Collect::default();
    let unauthorized = status::unauthorized();
    record_failed_authentication(
        &policy(Level::Metadata),
        request(uri, false),
        &info("GET", uri),
        Response::status(&unauthorized, None),
        at(1_795_263_830_000_200),
        &sink,
    );
    assert_eq!(
        sink.lines(),
        [concat!(
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"d2aff3af-0d70-4d9f-b3d7-7ff91d3727af","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/dev-team/pods","verb":"list","user":{},"#,
            r#""sourceIPs":["127.0.0.1"],"userAgent":"kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07","objectRef":{"resource":"pods","namespace":"dev-team","apiVersion":"v1"},"#,
            r#""responseStatus":{"metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401},"#,
            r#""requestReceivedTimestamp":"2026-11-21T12:23:50.000123Z","stageTimestamp":"2026-11-21T12:23:50.000200Z"}"#,
            "\n"
        )]
    );
    // A policy that names users never matches a request without one.
    let named = Policy {
        rules: vec![PolicyRule {
            level: Level::Metadata,
            users: vec!["system:anonymous".into()],
            ..PolicyRule::default()
        }],
        ..Policy::default()
    };
    let sink = Collect::default();
    record_failed_authentication(
        &named,
        request(uri, false),
        &info("GET", uri),
        Response::status(&unauthorized, None),
        at(1),
        &sink,
    );
    assert!(sink.0.borrow().is_empty());
}

#[test]
fn a_panic_is_its_own_stage() {
    let uri = "/api/v1/pods";
    let sink = Collect::default();
    let recorder = Recorder::start(
        &policy(Level::Metadata),
        request(uri, false),
        &info("GET", uri),
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder.panicked("index out of range", at(4), &sink);
    let line = &sink.lines()[0];
    assert!(line.contains(r#""stage":"Panic""#));
    assert!(line.contains(r#""responseStatus":{"metadata":{},"status":"Failure","message":"APIServer panic'd: index out of range","reason":"InternalError","code":500}"#), "{line}");
}

#[test]
fn the_first_annotation_value_stays_and_long_user_agents_are_cut() {
    let uri = "/api";
    let agent = "é".repeat(600);
    let mut request = request(uri, false);
    request.user_agent = &agent;
    let mut recorder = Recorder::start(
        &policy(Level::Metadata),
        request,
        &info("GET", uri),
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder.annotate("a", "1");
    recorder.annotate("a", "2");
    assert_eq!(recorder.event().annotations["a"], "1");
    let kept = &recorder.event().user_agent;
    assert_eq!(kept.len(), 1024 + "...TRUNCATED".len());
    assert!(kept.ends_with("é...TRUNCATED"));
}

#[test]
fn authorization_errors_annotate_only_the_reason() {
    let uri = "/api";
    let mut recorder = Recorder::start(
        &policy(Level::Metadata),
        request(uri, false),
        &info("GET", uri),
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder.authorization_error();
    assert_eq!(
        recorder.event().annotations,
        std::collections::BTreeMap::from([(
            "authorization.k8s.io/reason".to_string(),
            "internal error".to_string()
        )])
    );
}

#[test]
fn a_bodys_metadata_names_the_object_as_the_whole_body_does() {
    let uri = "/api/v1/namespaces/dev-team/configmaps";
    let record = |with_metadata: bool| {
        let sink = Collect::default();
        let mut recorder = Recorder::start(
            &policy(Level::Metadata),
            request(uri, false),
            &info("POST", uri),
            Some(&dev_k8s()),
        )
        .expect("audited");
        if with_metadata {
            recorder.request_metadata(ObjectMetadata {
                name: Some("settings"),
                uid: Some("7b1f"),
                // The path named the namespace: it stays.
                namespace: Some("elsewhere"),
                resource_version: None,
            });
        } else {
            recorder
                .request_object(
                    r#"{"metadata":{"name":"settings","uid":"7b1f","namespace":"elsewhere"}}"#,
                )
                .expect("JSON");
        }
        recorder.response_complete(at(9), &sink);
        sink.lines()
    };
    let lines = record(true);
    assert_eq!(lines, record(false));
    assert!(
        lines[0].contains(r#""objectRef":{"resource":"configmaps","namespace":"dev-team","name":"settings","uid":"7b1f","apiVersion":"v1"}"#),
        "{lines:?}"
    );
}

/// A list by dev-k8s, recorded on the calling thread.
fn list_pods() -> Vec<String> {
    let uri = "/api/v1/namespaces/dev-team/pods?limit=500";
    let sink = Collect::default();
    let mut recorder = Recorder::start(
        &policy(Level::Metadata),
        request(uri, false),
        &info("GET", uri),
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder.request_received(&sink);
    recorder.authorized(true, "");
    recorder.response_started(Response::code(200), at(1_795_263_830_002_000), &sink);
    recorder.response_complete(at(1_795_263_831_000_001), &sink);
    sink.lines()
}

#[test]
fn a_record_after_another_on_the_same_thread_keeps_nothing_of_it() {
    let fresh = std::thread::spawn(list_pods).join().expect("recorded");
    // A record that fills everything a record may keep: impersonation, an object reference
    // named by its body, annotations of its own, a long reason.
    let uri = "/api/v1/namespaces/default/configmaps/app";
    let sink = Collect::default();
    let mut recorder = Recorder::start(
        &policy(Level::RequestResponse),
        request(uri, false),
        &info("PUT", uri),
        Some(&dev_k8s()),
    )
    .expect("audited");
    recorder.impersonated(&UserInfo::new("jane", ["devs"]));
    recorder.annotate("example.com/one", "1");
    recorder.annotate("example.com/two", &"2".repeat(100));
    recorder.authorized(false, &"no ".repeat(50));
    recorder
        .request_object(r#"{"metadata":{"uid":"u-1","resourceVersion":"77"}}"#)
        .expect("JSON");
    recorder.response_complete(at(1_795_263_830_002_000), &sink);
    assert_eq!(sink.lines().len(), 1);
    assert_eq!(list_pods(), fresh);
    assert_eq!(list_pods(), fresh);
}

#[test]
fn each_record_has_its_own_reason_though_a_thread_keeps_the_last_ones_json() {
    let reasons = [
        r#"RBAC: allowed by ClusterRoleBinding "a" of ClusterRole "b" to User "c""#,
        "RBAC: allowed by ClusterRoleBinding \"</x>&\u{2028}\" of ClusterRole \"b\" to User \"c\"",
        r#"RBAC: allowed by ClusterRoleBinding "a" of ClusterRole "b" to User "c""#,
        "",
        &"long ".repeat(300),
        &"long ".repeat(300),
    ];
    for reason in reasons {
        let uri = "/api/v1/namespaces/dev-team/pods";
        let sink = Collect::default();
        let mut recorder = Recorder::start(
            &policy(Level::Metadata),
            request(uri, false),
            &info("GET", uri),
            Some(&dev_k8s()),
        )
        .expect("audited");
        recorder.authorized(true, reason);
        recorder.response_complete(at(1_795_263_830_002_000), &sink);
        let line = &sink.lines()[0];
        let mut expected = String::from(r#""authorization.k8s.io/reason":"#);
        kubeward_core::go::write_json_string(&mut expected, reason);
        assert!(line.ends_with(&format!("{expected}}}}}\n")), "{line}");
        let event = EventJson::new(line.trim_end()).decode().expect("decodes");
        assert_eq!(event.annotations["authorization.k8s.io/reason"], reason);
    }
}

/// Records a request to `uri` by `user` at `level` on this thread — with `extras`, a body, an
/// impersonation and an annotation — answered by a `Status`; its events. Pushes the address of
/// the record's parts to `parts`.
fn record_once(
    level: Level,
    uri: &str,
    user: &UserInfo,
    extras: bool,
    parts: &mut Vec<usize>,
) -> Vec<String> {
    let sink = Collect::default();
    let method = if extras { "PUT" } else { "GET" };
    let mut recorder = Recorder::start(
        &policy(level),
        request(uri, false),
        &info(method, uri),
        Some(user),
    )
    .expect("audited");
    parts.push(std::ptr::from_ref(&*recorder.parts) as usize);
    recorder.request_received(&sink);
    if extras {
        recorder
            .request_object(r#"{"metadata":{"name":"a-rather-long-name","uid":"u-1"}}"#)
            .expect("a JSON body");
        recorder.impersonated(&UserInfo::new("ann", ["team"]));
        recorder.annotate("example.com/note", uri);
    }
    recorder.authorized(false, "");
    let denied = Status::failure(403, "Forbidden", format!("no {uri}"), None);
    recorder.response_started(
        Response::status(&denied, Some(&denied.body(false))),
        at(1_795_263_830_002_000),
        &sink,
    );
    recorder.response_complete(at(1_795_263_830_003_000), &sink);
    sink.lines()
}

#[test]
fn a_finished_record_s_parts_serve_the_next_one_on_its_thread_and_leave_nothing_in_its_events() {
    let (long, short) = (
        "/api/v1/namespaces/dev-team/configmaps/a-rather-long-name",
        "/api/v1/pods",
    );
    let other = UserInfo::new("bob", ["system:authenticated"]);
    let fresh = |level, uri: &'static str, user: UserInfo, extras| {
        std::thread::spawn(move || record_once(level, uri, &user, extras, &mut Vec::new()))
            .join()
            .expect("a fresh thread records")
    };
    let mut parts = Vec::new();
    let first = record_once(Level::RequestResponse, long, &dev_k8s(), true, &mut parts);
    let second = record_once(Level::Metadata, short, &other, false, &mut parts);
    // The second record took the first one's parts, emptied: its events are those of a record
    // made on a thread that recorded nothing before.
    assert_eq!(parts[0], parts[1]);
    assert!(first[1].contains(r#""impersonatedUser""#) && first[1].contains(r#""requestObject""#));
    assert_eq!(first, fresh(Level::RequestResponse, long, dev_k8s(), true));
    assert_eq!(second, fresh(Level::Metadata, short, other, false));
}
