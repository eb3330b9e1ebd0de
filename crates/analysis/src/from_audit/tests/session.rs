//! Seed 004's ServiceAccount session as kube-apiserver audits it, built with the same recorder
//! the server's audit filter uses. Source of each request: the commands of seed 004 (`k1 get
//! pods` before and after the Role, `k1 auth can-i get pods`) as the golden captures
//! `b-serviceaccount/08…22, 38, 40` ran them with kubectl 1.32.4 against kube-apiserver 1.36,
//! and what kubectl sends for them (`f-discovery/14…16`: `/api` and `/apis` discovery on an
//! empty cache, `?limit=500` lists, SelfSubject*Review posts, `?fieldManager=kubectl-create`).
//! Decisions and reasons are those of the RBAC authorizer over `examples/seed-004-serviceaccounts`
//! (before the Role: `00-namespaces-and-serviceaccounts.yaml` only), bodies of errors are
//! Kubernetes' `Status`, the policy is `examples/seed-004-audit/policy.yaml` (Metadata for every
//! request). Timestamps and audit IDs are fixed.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kubeward_audit::{EventJson, Recorder, Request, Response, Sink, load};
use kubeward_core::request_info::RequestInfo;
use kubeward_core::user::impersonated_user;
use kubeward_core::{UserInfo, status};
use kubeward_rbac::{Decision, Policy};

use crate::sources;

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the session's log is kept.
pub fn log_path() -> PathBuf {
    repo().join("examples/seed-004-audit/dev-k8s-session.log")
}

const KUBECTL: &str = "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07";
const CURL: &str = "curl/7.88.1";
const SA_UID: &str = "dc9e96d9-7253-4189-a455-94249bfe0401";

/// Who sends a request.
#[derive(Clone, Copy)]
enum Caller {
    /// dev-k8s with the token of `kubectl create token` (a bound token: credential id JTI).
    Sa,
    /// dev-k8s with the legacy Secret token (no credential id).
    SaLegacy,
    /// kubernetes-admin impersonating dev-k8s (`--as`).
    AdminAsSa,
}

struct Step {
    /// Whether the Role and RoleBinding exist yet.
    after_role: bool,
    caller: Caller,
    agent: &'static str,
    method: &'static str,
    uri: &'static str,
    body: Option<&'static str>,
    /// The code of a success.
    code: u16,
}

const SSAR_GET_PODS: &str = r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"namespace":"dev-team","verb":"get","resource":"pods"}},"status":{"allowed":false}}"#;
const DEPLOYMENT: &str = r#"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"app":"web"}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx","resources":{}}]}},"strategy":{}},"status":{}}"#;

fn steps() -> Vec<Step> {
    let kubectl = |after_role, method, uri, body, code| Step {
        after_role,
        caller: Caller::Sa,
        agent: KUBECTL,
        method,
        uri,
        body,
        code,
    };
    let pods = "/api/v1/namespaces/dev-team/pods?limit=500";
    let ssar = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    let ssrr = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
    let ssr = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    vec![
        // 08: kubectl get pods -n dev-team, discovery cache empty.
        kubectl(false, "GET", "/api?timeout=32s", None, 200),
        kubectl(false, "GET", "/apis?timeout=32s", None, 200),
        kubectl(false, "GET", pods, None, 200),
        // 09: the same with curl.
        Step {
            agent: CURL,
            ..kubectl(false, "GET", "/api/v1/namespaces/dev-team/pods", None, 200)
        },
        // 10: kubectl auth can-i get pods -n dev-team.
        kubectl(false, "POST", ssar, Some(SSAR_GET_PODS), 201),
        // 12, 13, 14, 15: after the Role.
        kubectl(true, "GET", pods, None, 200),
        kubectl(true, "POST", ssar, Some(SSAR_GET_PODS), 201),
        kubectl(
            true,
            "POST",
            ssrr,
            Some(
                r#"{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"namespace":"dev-team"},"status":{"resourceRules":null,"nonResourceRules":null,"incomplete":false}}"#,
            ),
            201,
        ),
        kubectl(
            true,
            "POST",
            ssrr,
            Some(
                r#"{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"namespace":"default"},"status":{"resourceRules":null,"nonResourceRules":null,"incomplete":false}}"#,
            ),
            201,
        ),
        // 16: kubectl create deployment web --image=nginx -n dev-team.
        kubectl(
            true,
            "POST",
            "/apis/apps/v1/namespaces/dev-team/deployments?fieldManager=kubectl-create&fieldValidation=Strict",
            Some(DEPLOYMENT),
            201,
        ),
        // 17, 18: another team's namespace.
        kubectl(
            true,
            "GET",
            "/api/v1/namespaces/infra-team/pods?limit=500",
            None,
            200,
        ),
        kubectl(
            true,
            "POST",
            ssar,
            Some(
                r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"namespace":"infra-team","verb":"get","resource":"pods"}},"status":{"allowed":false}}"#,
            ),
            201,
        ),
        // 19, 20: cluster scope.
        kubectl(true, "GET", "/api/v1/namespaces?limit=500", None, 200),
        kubectl(true, "GET", "/api/v1/nodes?limit=500", None, 200),
        // 21, 22: kubectl auth whoami.
        kubectl(
            true,
            "POST",
            ssr,
            Some(
                r#"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"status":{"userInfo":{}}}"#,
            ),
            201,
        ),
        kubectl(
            true,
            "POST",
            ssr,
            Some(
                r#"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"status":{"userInfo":{}}}"#,
            ),
            201,
        ),
        // 38: get pods with the legacy Secret token.
        Step {
            caller: Caller::SaLegacy,
            ..kubectl(true, "GET", pods, None, 200)
        },
        // 40: the admin asks can-i as the ServiceAccount (impersonation).
        Step {
            caller: Caller::AdminAsSa,
            ..kubectl(
                true,
                "POST",
                ssar,
                Some(
                    r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"namespace":"dev-team","verb":"list","resource":"pods"}},"status":{"allowed":false}}"#,
                ),
                201,
            )
        },
    ]
}

fn service_account(credential: Option<&str>) -> UserInfo {
    let mut user = impersonated_user("system:serviceaccount:dev-team:dev-k8s", Vec::new());
    user.uid = SA_UID.to_string();
    if let Some(credential) = credential {
        user.extra.insert(
            "authentication.kubernetes.io/credential-id".to_string(),
            vec![credential.to_string()],
        );
    }
    user
}

fn admin() -> UserInfo {
    let mut user = UserInfo::new(
        "kubernetes-admin",
        ["system:masters", "system:authenticated"],
    );
    user.extra.insert(
        "authentication.kubernetes.io/credential-id".to_string(),
        vec![
            "X509SHA256=5d1f6f3c08ad1e4d5bd2e4b5b0f0ee4ee5a8c52a4ea6b2b1b2a77e3c7c5e0a11"
                .to_string(),
        ],
    );
    user
}

fn policy(after_role: bool) -> Policy {
    let dir = repo().join("examples/seed-004-serviceaccounts");
    let paths = if after_role {
        vec![dir]
    } else {
        vec![dir.join("00-namespaces-and-serviceaccounts.yaml")]
    };
    let manifests = sources::load_paths(&paths).expect("the seed's manifests load");
    sources::build_policy(manifests, true).policy
}

/// kube-apiserver's authorizers in order: `system:masters` first (no reason), then RBAC.
fn authorize(policy: &Policy, attributes: &kubeward_core::Attributes) -> Decision {
    if attributes.user.groups.iter().any(|g| g == "system:masters") {
        return Decision::Allow {
            reason: String::new(),
        };
    }
    policy.authorize(attributes)
}

#[derive(Default)]
struct Lines(std::cell::RefCell<String>);

impl Sink for Lines {
    fn process(&self, event: EventJson<'_>) -> bool {
        self.0.borrow_mut().push_str(event.as_str());
        self.0.borrow_mut().push('\n');
        true
    }
}

/// The session's audit log, as kube-apiserver writes it with `--audit-log-format=json`.
pub fn log() -> String {
    let audit_policy = load::parse(
        &std::fs::read(repo().join("examples/seed-004-audit/policy.yaml")).expect("the policy"),
    )
    .expect("a valid policy")
    .policy;
    let before = policy(false);
    let after = policy(true);
    let start = UNIX_EPOCH + Duration::from_secs(1_795_343_027); // 2026-11-22T10:23:47Z
    let sink = Lines::default();
    for (i, step) in steps().iter().enumerate() {
        let received: SystemTime =
            start + Duration::from_millis(700 * i as u64) + Duration::from_micros(137 * i as u64);
        let audit_id = format!("5e0c{i:04x}-8b1d-4f6a-9c2e-0d4b7a3f{:04x}", 0x1000 + i * 17);
        let (uri_path, query) = step.uri.split_once('?').unwrap_or((step.uri, ""));
        let info = RequestInfo::parse(step.method, uri_path, query).expect("a request");
        let (authenticated, runs_as) = match step.caller {
            Caller::Sa => {
                let sa = service_account(Some("JTI=b79275de-a6ef-4d3d-9c40-2717049cb302"));
                (sa.clone(), sa)
            }
            Caller::SaLegacy => (service_account(None), service_account(None)),
            Caller::AdminAsSa => (
                admin(),
                impersonated_user("system:serviceaccount:dev-team:dev-k8s", Vec::new()),
            ),
        };
        let request = Request {
            audit_id: &audit_id,
            request_uri: step.uri,
            source_ips: kubeward_audit::source_ips::SourceIps::One([127, 0, 0, 1].into()),
            user_agent: step.agent,
            received,
            long_running: kubeward_audit::is_long_running(&info),
        };
        let mut recorder = Recorder::start(&audit_policy, request, &info, Some(&authenticated))
            .expect("audited at Metadata");
        recorder.request_received(&sink);
        if matches!(step.caller, Caller::AdminAsSa) {
            recorder.impersonated(&runs_as);
        }
        let attributes = info.to_attributes(runs_as);
        let decision = authorize(if step.after_role { &after } else { &before }, &attributes);
        recorder.authorized(decision.is_allowed(), decision.reason());
        let done = received + Duration::from_micros(1_800 + 90 * i as u64);
        if decision.is_allowed() {
            if let Some(body) = step.body {
                recorder.request_object(body).expect("JSON bodies");
            }
            recorder.response_started(Response::code(step.code), done, &sink);
        } else {
            let forbidden = status::forbidden(&attributes, decision.reason());
            recorder.response_started(Response::status(&forbidden, None), done, &sink);
        }
        recorder.response_complete(done, &sink);
    }
    sink.0.into_inner()
}
