//! The audit log through the real kubectl, as kube-apiserver writes it: each level (None,
//! Metadata, Request, RequestResponse) and a rule's omitted stage, the authorizer's decision and
//! reason, the impersonated user, a failed authentication, a watch's three stages, the
//! `Audit-Id` header; the log file rotated and old backups removed; the webhook backend with a
//! receiver that fails for a while; standard output. Seed 004's ServiceAccount session, audited
//! live, is compared field by field with the events kube-apiserver writes for it
//! (`examples/seed-004-audit`), and `rbac from-audit` reads both alike.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::{Duration, Instant, UNIX_EPOCH};

use kubeward_audit::{Event, Stage};
use kubeward_testkit::cluster::{Cluster, ok};
use kubeward_testkit::golden::{self as steps, Compare};
use kubeward_testkit::receiver::Receiver;

use crate::support::{example, run};

const POLICY: &str = "apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi/*', '/version']
- level: RequestResponse
  resources: [{group: '', resources: [configmaps]}]
- level: Request
  resources: [{group: '', resources: [secrets]}]
  omitStages: [RequestReceived]
- level: Metadata
";

/// Events of a text (log lines, or EventList bodies).
fn events(text: &str) -> Vec<Event> {
    let decoded = kubeward_audit::decode::read(text);
    assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
    decoded.events
}

/// Waits (bounded) until `done` holds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(30), "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stages(events: &[&Event]) -> Vec<Stage> {
    events.iter().map(|e| e.stage).collect()
}

fn with_id<'a>(events: &'a [Event], id: &str) -> Vec<&'a Event> {
    events.iter().filter(|e| e.audit_id == id).collect()
}

/// The events of requests on `name` with `verb` (the name may only be known from the request
/// body, so not at `RequestReceived`).
fn on<'a>(events: &'a [Event], verb: &str, name: &str) -> Vec<&'a Event> {
    let ids: BTreeSet<&str> = events
        .iter()
        .filter(|e| e.verb == verb && e.object_ref.as_ref().is_some_and(|o| o.name == name))
        .map(|e| e.audit_id.as_str())
        .collect();
    events
        .iter()
        .filter(|e| ids.contains(e.audit_id.as_str()))
        .collect()
}

fn json(text: &Option<String>) -> serde_json::Value {
    serde_json::from_str(text.as_deref().expect("a body")).expect("JSON")
}

#[test]
fn audit_log_and_webhook_record_each_level_as_kube_apiserver_does() {
    // The receiver refuses the first two posts (500: retried).
    let receiver = Receiver::start(&[500, 500]);
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, POLICY).expect("written");
    let webhook = dir.path().join("webhook.kubeconfig");
    std::fs::write(
        &webhook,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: receiver\n  cluster:\n    server: {}\ncontexts:\n- name: audit\n  context:\n    cluster: receiver\ncurrent-context: audit\n",
            receiver.url()
        ),
    )
    .expect("written");
    let log_dir = dir.path().join("audit");
    let log = log_dir.join("audit.log");
    let flags: Vec<String> = [
        "--audit-policy-file",
        &policy.display().to_string(),
        "--audit-log-path",
        &log.display().to_string(),
        "--audit-log-maxsize",
        "1",
        "--audit-log-maxbackup",
        "1",
        "--audit-webhook-config-file",
        &webhook.display().to_string(),
        "--audit-webhook-initial-backoff",
        "100ms",
        "--audit-webhook-batch-max-wait",
        "200ms",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cluster = Cluster::up_with(dir, &flags);

    ok(&cluster.kubectl(&["create", "configmap", "cm1", "--from-literal=colour=blue"]));
    ok(&cluster.kubectl(&[
        "create",
        "secret",
        "generic",
        "s1",
        "--from-literal=pin=1234",
    ]));
    ok(&cluster.kubectl(&["get", "pods"]));
    let eve = cluster.x509_user("eve", &[]);
    let refused = cluster.kubectl_as(&eve, &["get", "secrets"]);
    assert!(!refused.status.success());
    let can_i = cluster.kubectl_as(&eve, &["auth", "can-i", "list", "pods"]);
    assert_eq!(String::from_utf8_lossy(&can_i.stdout), "no\n");
    assert!(
        !cluster
            .kubectl(&["get", "pods", "--as", "eve"])
            .status
            .success()
    );
    let curl = |args: &str| {
        let ran = steps::bash(&cluster, &format!("{args} 2>&1"));
        assert_eq!(ran.code, 0, "{}", ran.stdout);
        ran.stdout
    };
    let watched = curl(
        "$ADMINCURL -H 'Audit-Id: e2e-watch' \"$API/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1\"",
    );
    assert!(watched.contains("audit-id: e2e-watch"), "{watched}");
    let unauthorized = curl(
        "curl -sS -i --cacert $P/ca.crt -H 'Authorization: Bearer nope' -H 'Audit-Id: e2e-401' $API/api/v1/namespaces",
    );
    assert!(
        unauthorized.starts_with("HTTP/2 401") && unauthorized.contains("audit-id: e2e-401"),
        "{unauthorized}"
    );
    let answered = curl("$ADMINCURL $API/api/v1/namespaces/default/pods");
    let generated = answered
        .lines()
        .find_map(|l| l.strip_prefix("audit-id: "))
        .expect("an Audit-Id header")
        .trim()
        .to_string();
    assert_eq!(
        uuid::Uuid::parse_str(&generated)
            .expect("a UUID")
            .get_version_num(),
        4
    );
    // Three configmaps of 300 KiB: their RequestResponse events fill a 1 MiB log twice.
    let big = cluster.scratch("big.txt");
    std::fs::write(&big, "x".repeat(300 * 1024)).expect("written");
    for name in ["big-1", "big-2", "big-3"] {
        let from = format!("--from-file=data={}", big.display());
        ok(&cluster.kubectl(&["create", "configmap", name, &from]));
    }
    curl("$ADMINCURL -H 'Audit-Id: e2e-last' $API/api/v1/namespaces/default/pods");

    // The webhook gets every event, once, past its failures.
    let received = receiver.wait_until(Duration::from_secs(30), |received| {
        received.iter().any(|r| {
            r.answered == 200
                && r.body
                    .contains("\"auditID\":\"e2e-last\",\"stage\":\"ResponseComplete\"")
        })
    });
    let answers: Vec<u16> = received.iter().map(|r| r.answered).collect();
    assert_eq!(&answers[..3], &[500, 500, 200], "{answers:?}");
    let all: Vec<Event> = received
        .iter()
        .filter(|r| r.answered == 200)
        .flat_map(|r| events(&r.body))
        .collect();
    let keys: Vec<(String, Stage)> = all.iter().map(|e| (e.audit_id.clone(), e.stage)).collect();
    let unique: BTreeSet<&(String, Stage)> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "no event twice");

    // None: discovery is not recorded.
    assert!(
        all.iter()
            .all(|e| !e.request_uri.starts_with("/api?") && !e.request_uri.starts_with("/apis?")),
        "discovery is level None"
    );
    // RequestResponse: both stages, the request and the response object.
    let created = on(&all, "create", "cm1");
    assert_eq!(
        stages(&created),
        [Stage::RequestReceived, Stage::ResponseComplete]
    );
    let complete = created[1];
    assert_eq!(complete.level.as_str(), "RequestResponse");
    assert_eq!(json(&complete.request_object)["data"]["colour"], "blue");
    assert_eq!(json(&complete.response_object)["metadata"]["name"], "cm1");
    assert!(json(&complete.response_object)["metadata"]["uid"].is_string());
    assert_eq!(complete.code(), Some(201));
    assert_eq!(complete.decision(), Some("allow"));
    assert_eq!(complete.user.name, "kubernetes-admin");
    assert!(
        created[0].request_object.is_none(),
        "RequestReceived has no body yet"
    );
    // Request, RequestReceived omitted: one event, with the request object only.
    let secret = on(&all, "create", "s1");
    assert_eq!(stages(&secret), [Stage::ResponseComplete]);
    assert_eq!(json(&secret[0].request_object)["data"]["pin"], "MTIzNA==");
    assert!(secret[0].response_object.is_none());
    // Metadata: no bodies; the object reference from the path.
    let listed = with_id(&all, &generated);
    assert_eq!(
        stages(&listed),
        [Stage::RequestReceived, Stage::ResponseComplete]
    );
    assert!(
        listed
            .iter()
            .all(|e| e.request_object.is_none() && e.response_object.is_none())
    );
    let reference = listed[1].object_ref.as_ref().expect("an object reference");
    assert_eq!(
        (
            reference.resource.as_str(),
            reference.namespace.as_str(),
            reference.api_version.as_str()
        ),
        ("pods", "default", "v1")
    );
    assert_eq!(listed[1].request_uri, "/api/v1/namespaces/default/pods");
    assert_eq!(listed[1].source_ips, ["127.0.0.1"]);
    // A denial: the decision, an empty reason, the 403 Status.
    let denied = all
        .iter()
        .find(|e| e.user.name == "eve" && e.verb == "list" && e.stage == Stage::ResponseComplete)
        .expect("eve's list");
    assert_eq!(denied.decision(), Some("forbid"));
    assert_eq!(denied.annotations["authorization.k8s.io/reason"], "");
    let status = denied.response_status.as_ref().expect("a status");
    assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"));
    assert_eq!(
        status.message,
        "secrets is forbidden: User \"eve\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""
    );
    // An allowed request: the reason names the binding.
    let review = all
        .iter()
        .find(|e| e.user.name == "eve" && e.verb == "create" && e.stage == Stage::ResponseComplete)
        .expect("eve's SelfSubjectAccessReview");
    assert_eq!(review.decision(), Some("allow"));
    assert_eq!(
        review.annotations["authorization.k8s.io/reason"],
        "RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\""
    );
    // Impersonation: the requester is the user, the impersonated user is recorded, and the
    // decision is about the impersonated user.
    let impersonated = all
        .iter()
        .find(|e| e.impersonated_user.is_some() && e.stage == Stage::ResponseComplete)
        .expect("the impersonated request");
    assert_eq!(impersonated.user.name, "kubernetes-admin");
    let as_user = impersonated
        .impersonated_user
        .as_ref()
        .expect("impersonated");
    assert_eq!(as_user.name, "eve");
    assert_eq!(as_user.groups, ["system:authenticated"]);
    assert_eq!(impersonated.decision(), Some("forbid"));
    // A watch: the response starts, then completes when the watch ends; no response body.
    let watch = with_id(&all, "e2e-watch");
    assert_eq!(
        stages(&watch),
        [
            Stage::RequestReceived,
            Stage::ResponseStarted,
            Stage::ResponseComplete
        ]
    );
    assert!(
        watch
            .iter()
            .all(|e| e.response_object.is_none() && e.verb == "watch")
    );
    // A failed authentication: one ResponseStarted event, no user, the 401.
    let failed = with_id(&all, "e2e-401");
    assert_eq!(stages(&failed), [Stage::ResponseStarted]);
    assert_eq!(failed[0].user, kubeward_core::UserInfo::default());
    assert_eq!(failed[0].code(), Some(401));

    // The log: rotated at 1 MiB, one backup kept, private files, every line an event the webhook
    // got too.
    eventually("the log has the last request", || {
        std::fs::read_to_string(&log)
            .is_ok_and(|t| t.contains("\"auditID\":\"e2e-last\",\"stage\":\"ResponseComplete\""))
    });
    let mut files: Vec<_> = std::fs::read_dir(&log_dir)
        .expect("the log folder")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "the log and one backup: {files:?}");
    let backup_name = files[0]
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    assert!(
        backup_name.starts_with("audit-")
            && backup_name.ends_with(".log")
            && backup_name.len() == "audit-2006-01-02T15-04-05.000.log".len(),
        "{backup_name}"
    );
    let mut logged = Vec::new();
    for file in &files {
        let metadata = std::fs::metadata(file).expect("metadata");
        assert_eq!(
            metadata.permissions().mode() & 0o777,
            0o600,
            "{}",
            file.display()
        );
        assert!(
            metadata.len() <= 1024 * 1024,
            "{} is past the size",
            file.display()
        );
        logged.extend(events(&std::fs::read_to_string(file).expect("read")));
    }
    let sent: BTreeSet<String> = all.iter().map(Event::to_json_line).collect();
    for event in &logged {
        assert!(
            sent.contains(&event.to_json_line()),
            "{} {:?} logged but not sent",
            event.audit_id,
            event.stage
        );
    }
    assert!(!on(&logged, "create", "big-3").is_empty());
    assert!(
        on(&logged, "create", "big-1").is_empty(),
        "the oldest backup is gone"
    );
}

/// An event with what differs between two runs of the same session masked.
fn masked(event: &Event) -> String {
    let mut event = event.clone();
    event.audit_id = String::new();
    event.request_received_timestamp = UNIX_EPOCH;
    event.stage_timestamp = UNIX_EPOCH;
    event.user.uid = String::new();
    event.user.extra.clear();
    if let Some(product) = event.user_agent.split('/').next() {
        event.user_agent = product.to_string();
    }
    if let Some(reference) = event.object_ref.as_mut() {
        reference.uid = String::new();
    }
    event.to_json_line()
}

fn token_kubeconfig(cluster: &Cluster) {
    let made = steps::bash(
        cluster,
        "kubectl create token dev-k8s -n dev-team > $W/dev-k8s.token \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig set-cluster c --server=$API --certificate-authority=$P/ca.crt --embed-certs=true >/dev/null \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig set-credentials dev-k8s --token=$(cat $W/dev-k8s.token) >/dev/null \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig set-context dev-k8s --cluster=c --user=dev-k8s >/dev/null \
         && kubectl config --kubeconfig=$W/dev-k8s.kubeconfig use-context dev-k8s >/dev/null",
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
}

#[test]
fn seed_004_session_audited_to_stdout_as_kube_apiserver_audits_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flags: Vec<String> = [
        "--audit-policy-file",
        &example("seed-004-audit/policy.yaml"),
        "--audit-log-path",
        "-",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cluster = Cluster::up_with(dir, &flags);
    steps::check(&cluster, "b-serviceaccount/01-ns-create", Compare::Exact);
    steps::check(&cluster, "b-serviceaccount/02-sa-create", Compare::Exact);
    token_kubeconfig(&cluster);
    for step in [
        "08-sa-get-pods-forbidden",
        "09-sa-get-pods-forbidden-raw",
        "10-sa-can-i-no",
        "12-sa-get-pods-ok",
        "13-sa-can-i-yes",
        "14-sa-can-i-list",
        "16-sa-create-deploy",
        "17-sa-cross-ns",
        "18-sa-cross-ns-can-i",
        "19-sa-cluster-scope",
        "20-sa-get-nodes",
        "21-sa-whoami",
        "22-sa-whoami-table",
        "40-as-sa-impersonation",
    ] {
        if step == "12-sa-get-pods-ok" {
            // The seed's own Role and RoleBinding (`roleB-dev-team`), as in the recording.
            let manifests = example("seed-004-serviceaccounts");
            ok(&cluster.kubectl(&["apply", "-f", &manifests]));
        }
        steps::run(&cluster, &format!("b-serviceaccount/{step}"));
    }
    let dev_k8s = "system:serviceaccount:dev-team:dev-k8s";
    let mut printed = String::new();
    eventually("the session's events are printed", || {
        for line in cluster.stdout_lines() {
            printed.push_str(&line);
            printed.push('\n');
        }
        printed.contains(
            "\"verb\":\"create\",\"user\":{\"username\":\"system:serviceaccount:dev-team:dev-k8s\"",
        ) && printed.matches("selfsubjectreviews").count() >= 4
    });
    // The requests run as dev-k8s (impersonation is known from the second stage on).
    let all = events(&printed);
    let ids: BTreeSet<&str> = all
        .iter()
        .filter(|e| e.effective_user().name == dev_k8s)
        .map(|e| e.audit_id.as_str())
        .collect();
    let live: Vec<&Event> = all
        .iter()
        .filter(|e| ids.contains(e.audit_id.as_str()))
        .collect();
    let recorded_path = example("seed-004-audit/dev-k8s-session.log");
    let recorded = events(&std::fs::read_to_string(&recorded_path).expect("the recorded session"));
    let live_masked: BTreeSet<String> = live.iter().map(|e| masked(e)).collect();
    let recorded_masked: BTreeSet<String> = recorded.iter().map(masked).collect();
    let missing: Vec<&String> = recorded_masked.difference(&live_masked).collect();
    assert!(
        missing.is_empty(),
        "not written live:\n{missing:#?}\nlive:\n{live_masked:#?}"
    );
    // Discovery differs between kubectl builds; every resource request's events are the same.
    let extra: BTreeSet<String> = live
        .iter()
        .filter(|e| e.object_ref.is_some())
        .map(|e| masked(e))
        .filter(|m| !recorded_masked.contains(m))
        .collect();
    assert!(extra.is_empty(), "written live only:\n{extra:#?}");

    // `rbac from-audit` reads the live log as it reads the recorded one.
    let live_log = cluster.scratch("live.log");
    std::fs::write(&live_log, &printed).expect("written");
    let from = |log: &Path| {
        let (code, out, err) = run(&[
            "rbac",
            "from-audit",
            "-f",
            &log.display().to_string(),
            "--serviceaccount",
            "dev-team:dev-k8s",
        ]);
        assert_eq!(code, 0, "{err}");
        out
    };
    assert_eq!(from(&live_log), from(Path::new(&recorded_path)));
}

#[test]
fn batch_mode_queues_events_and_a_sigterm_writes_every_one_before_the_server_exits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources: [{group: '', resources: [configmaps]}]\n- level: None\n",
    )
    .expect("written");
    let log = dir.path().join("audit.log");
    // Batches of 1,000 events that wait an hour to fill: nothing is written until the shutdown.
    let flags: Vec<String> = [
        "--audit-policy-file",
        &policy.display().to_string(),
        "--audit-log-path",
        &log.display().to_string(),
        "--audit-log-mode",
        "batch",
        "--audit-log-batch-max-size",
        "1000",
        "--audit-log-batch-max-wait",
        "1h",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cluster = Cluster::up_with(dir, &flags);
    let names: Vec<String> = (0..5).map(|i| format!("queued-{i}")).collect();
    for name in &names {
        ok(&cluster.kubectl(&["create", "configmap", name]));
    }
    assert_eq!(
        std::fs::read_to_string(&log).expect("the log exists from the start"),
        "",
        "the events wait in the queue"
    );
    let (dir, _) = cluster.terminate();
    let written = events(&std::fs::read_to_string(dir.path().join("audit.log")).expect("log"));
    for name in &names {
        assert_eq!(
            stages(&on(&written, "create", name)),
            [Stage::RequestReceived, Stage::ResponseComplete],
            "{name}: both events written at the SIGTERM"
        );
    }
}
