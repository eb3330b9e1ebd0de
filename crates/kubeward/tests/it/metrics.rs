//! `/metrics`, `/livez`, `/readyz` and `/healthz` of a real `kubeward up`: the metrics are
//! behind RBAC as on a real cluster (`../shared/golden/c-default-rbac`), their exposition is read
//! by a real Prometheus parser (the Python `prometheus_client` OpenMetrics parser), and the
//! counters move as kubectl makes requests.

use std::collections::BTreeMap;

use kubeward_testkit::cluster::{Cluster, ok};
use kubeward_testkit::golden as steps;

/// Reads the exposition on stdin with prometheus_client's OpenMetrics parser (which refuses a
/// malformed one) and prints every sample as `name{labels}` → value.
const PARSE: &str = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
samples = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        key = sample.name + json.dumps(sample.labels, sort_keys=True, separators=(",", ":"))
        samples[key] = sample.value
print(json.dumps(samples))
"#;

fn scrape(cluster: &Cluster) -> BTreeMap<String, f64> {
    let ran = steps::bash(
        cluster,
        "curl -sS --fail --cacert $P/ca.crt --cert $P/admin.crt --key $P/admin.key $API/metrics",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    parse(&ran.stdout)
}

/// Every sample of an exposition, read by prometheus_client's OpenMetrics parser (a malformed
/// exposition fails), as `name{labels}` → value.
pub fn parse(exposition: &str) -> BTreeMap<String, f64> {
    use std::io::Write as _;
    let mut child = std::process::Command::new("python3")
        .args(["-c", PARSE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is installed (with prometheus_client from testpeers/requirements.txt)");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(exposition.as_bytes())
        .expect("the exposition is written");
    drop(stdin);
    let output = child.wait_with_output().expect("python3 ran");
    assert!(
        output.status.success(),
        "the parser refused the exposition: {}\n{exposition}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the parsed samples")
}

/// The sum of the samples of `name` whose labels include `labels`.
pub fn total(samples: &BTreeMap<String, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter_map(|(key, value)| {
            let rest = key.strip_prefix(name)?.strip_prefix('{')?;
            let found: BTreeMap<String, String> =
                serde_json::from_str(&format!("{{{rest}")).ok()?;
            labels
                .iter()
                .all(|(k, v)| found.get(*k).map(String::as_str) == Some(*v))
                .then_some(*value)
        })
        .sum()
}

fn sample(samples: &BTreeMap<String, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let labels: BTreeMap<&str, &str> = labels.iter().copied().collect();
    let key = format!("{name}{}", serde_json::to_string(&labels).expect("labels"));
    samples.get(&key).copied().unwrap_or(0.0)
}

fn request<'a>(
    verb: &'a str,
    resource: &'a str,
    scope: &'a str,
    code: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut labels = vec![
        ("verb", verb),
        ("dry_run", ""),
        ("group", ""),
        ("version", "v1"),
        ("resource", resource),
        ("subresource", ""),
        ("scope", scope),
        ("component", "apiserver"),
    ];
    if let Some(code) = code {
        labels.push(("code", code));
    }
    labels
}

/// Each response of a `curl -i` transcript: its status line, whether it carries an `audit-id`
/// header, and its body (other headers differ between servers and runs).
fn responses(transcript: &str) -> Vec<(String, bool, String)> {
    let mut responses = Vec::new();
    for block in transcript.split("HTTP/").skip(1) {
        let block = block.replace("\r\n", "\n");
        let (head, body) = block.split_once("\n\n").unwrap_or((&block, ""));
        let mut lines = head.lines();
        let status = lines.next().unwrap_or("").trim().to_string();
        let audited = lines.any(|l| l.to_ascii_lowercase().starts_with("audit-id: "));
        responses.push((status, audited, body.trim().to_string()));
    }
    responses
}

#[test]
fn metrics_and_health_as_kube_apiserver_serves_them() {
    let cluster = Cluster::up();
    for step in [
        "c-default-rbac/17-anon-healthz",
        "c-default-rbac/19-anon-metrics-403",
    ] {
        let ran = steps::run(&cluster, step);
        assert_eq!(
            responses(&ran.stdout),
            responses(&steps::stdout_of(step)),
            "{step}"
        );
    }
    let ready = steps::run(&cluster, "c-default-rbac/18-anon-readyz-verbose");
    assert!(ready.stdout.starts_with("HTTP/2 200"), "{}", ready.stdout);
    let body = ready.stdout.split("\r\n\r\n").nth(1).expect("a body");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.last(), Some(&"readyz check passed"), "{body}");
    for check in ["ping", "log", "etcd", "informer-sync", "shutdown"] {
        assert!(
            lines.contains(&format!("[+]{check} ok").as_str()),
            "{check}: {body}"
        );
    }

    let before = scrape(&cluster);
    ok(&cluster.kubectl(&["get", "namespaces"]));
    ok(&cluster.kubectl(&["get", "namespaces"]));
    ok(&cluster.kubectl(&["create", "configmap", "m1", "--from-literal=a=b"]));
    let eve = cluster.x509_user("eve", &[]);
    ok(&cluster.kubectl_as(
        &eve,
        &[
            "auth",
            "can-i",
            "create",
            "selfsubjectaccessreviews.authorization.k8s.io",
        ],
    ));
    let watched = steps::bash(
        &cluster,
        "$ADMINCURL \"$API/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1\"",
    );
    assert_eq!(watched.code, 0, "{}", watched.stderr);
    let after = scrape(&cluster);

    let moved = |name: &str, labels: &[(&str, &str)]| {
        sample(&after, name, labels) - sample(&before, name, labels)
    };
    assert_eq!(
        moved(
            "apiserver_request_total",
            &request("LIST", "namespaces", "cluster", Some("200"))
        ),
        2.0
    );
    assert_eq!(
        moved(
            "apiserver_request_duration_seconds_count",
            &request("LIST", "namespaces", "cluster", None)
        ),
        2.0
    );
    assert_eq!(
        moved(
            "apiserver_request_total",
            &request("POST", "configmaps", "resource", Some("201"))
        ),
        1.0
    );
    assert_eq!(
        moved("apiserver_storage_objects", &[("resource", "configmaps")]),
        1.0
    );
    assert!(moved("authentication_attempts", &[("result", "success")]) >= 5.0);
    assert!(
        moved(
            "apiserver_authorization_decisions_total",
            &[("type", "RBAC"), ("name", "rbac"), ("decision", "allowed")]
        ) >= 1.0
    );
    assert!(
        moved(
            "etcd_request_duration_seconds_count",
            &[("operation", "create"), ("type", "configmaps")]
        ) >= 1.0
    );
    assert!(
        sample(
            &after,
            "apiserver_watch_events_total",
            &[("group", ""), ("version", "v1"), ("resource", "configmaps")]
        ) >= 2.0,
        "m1 and kube-root-ca.crt were sent to the watch"
    );
    assert_eq!(
        sample(
            &after,
            "apiserver_current_inflight_requests",
            &[("request_kind", "readOnly")]
        ),
        1.0,
        "the scrape itself"
    );
}
