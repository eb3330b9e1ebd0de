use std::time::Duration;

use super::*;

fn pods() -> RequestLabels {
    RequestLabels {
        verb: "LIST",
        dry_run: "",
        group: "",
        version: "v1",
        resource: "pods",
        subresource: "",
        scope: "namespace",
        component: "apiserver",
    }
}

#[test]
fn counters_move_under_kube_apiserver_s_names() {
    let metrics = Metrics::new();
    metrics.request(&pods(), 200, Duration::from_millis(3));
    metrics.request(&pods(), 200, Duration::from_millis(30));
    metrics.request(&pods(), 403, Duration::from_millis(1));
    metrics.authentication(AuthenticationResult::Success, Duration::from_micros(40));
    metrics.authentication(AuthenticationResult::Failure, Duration::from_micros(40));
    metrics.allowed_by(AllowedBy::Rbac);
    metrics.audit_level(kubeward_audit::Level::Metadata);
    metrics.objects("pods", 2);
    metrics.objects("pods", -1);
    metrics.storage("get", "pods".to_string(), Duration::from_millis(2));
    metrics.watch_event("", "v1", "pods");
    let text = metrics.render(
        Snapshot {
            inflight_read_only: 3,
            inflight_mutating: 1,
            audit_events: 7,
            audit_errors: [0, 2],
        },
        &[],
    );
    for line in [
        r#"apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="200"} 2"#,
        r#"apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="403"} 1"#,
        r#"apiserver_request_duration_seconds_bucket{le="0.005",verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver"} 2"#,
        r#"apiserver_request_duration_seconds_count{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver"} 3"#,
        "# TYPE authentication_attempts unknown",
        r#"authentication_attempts{result="success"} 1"#,
        r#"authentication_attempts{result="failure"} 1"#,
        r#"authentication_duration_seconds_count{result="success"} 1"#,
        r#"apiserver_authorization_decisions_total{type="RBAC",name="rbac",decision="allowed"} 1"#,
        r#"apiserver_current_inflight_requests{request_kind="readOnly"} 3"#,
        r#"apiserver_current_inflight_requests{request_kind="mutating"} 1"#,
        "apiserver_audit_event_total 7",
        r#"apiserver_audit_error_total{plugin="webhook"} 2"#,
        r#"apiserver_audit_level_total{level="Metadata"} 1"#,
        r#"apiserver_storage_objects{resource="pods"} 1"#,
        r#"etcd_request_duration_seconds_count{operation="get",type="pods"} 1"#,
        r#"apiserver_watch_events_total{group="",version="v1",resource="pods"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    assert!(text.ends_with("# EOF\n"));
}

/// Labels with the same text count in one series, wherever their text lives: the address only
/// decides equality when it is the same.
#[test]
fn labels_of_equal_text_at_other_addresses_are_one_series() {
    let metrics = Metrics::new();
    let elsewhere = |text: &str| -> &'static str { String::from(text).leak() };
    let copied = RequestLabels {
        verb: elsewhere("LIST"),
        dry_run: elsewhere(""),
        group: elsewhere(""),
        version: elsewhere("v1"),
        resource: elsewhere("pods"),
        subresource: elsewhere(""),
        scope: elsewhere("namespace"),
        component: elsewhere("apiserver"),
    };
    assert!(!std::ptr::eq(copied.resource, pods().resource));
    assert_eq!(copied, pods());
    metrics.request(&pods(), 200, Duration::from_millis(3));
    metrics.request(&copied, 200, Duration::from_millis(3));
    let other = RequestLabels {
        resource: elsewhere("secrets"),
        ..pods()
    };
    assert_ne!(other, pods());
    metrics.request(&other, 200, Duration::from_millis(3));
    let text = metrics.render(Snapshot::default(), &[]);
    let counts: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("apiserver_request_total{"))
        .collect();
    assert_eq!(counts.len(), 2, "{text}");
    for line in [
        r#"apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="200"} 2"#,
        r#"apiserver_request_total{verb="LIST",dry_run="",group="",version="v1",resource="secrets",subresource="",scope="namespace",component="apiserver",code="200"} 1"#,
    ] {
        assert!(counts.contains(&line), "{line} in\n{text}");
    }
}

/// The request total of `pods()` answered with `code`, as the exposition shows it.
fn pods_total(text: &str, code: u16) -> Option<u64> {
    let prefix = format!(
        r#"apiserver_request_total{{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="{code}"}} "#
    );
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .and_then(|n| n.parse().ok())
}

/// A thread remembers the series it counted last; counts made through that memory are the
/// family's, also once more series have been counted than it remembers and the first ones are
/// looked up again.
#[test]
fn series_remembered_by_a_thread_count_in_their_family() {
    let metrics = Metrics::new();
    for round in 0..3 {
        for code in 200..260 {
            metrics.request(&pods(), code, Duration::from_millis(1));
            if code == 200 {
                metrics.request(&pods(), code, Duration::from_millis(1));
            }
        }
        let text = metrics.render(Snapshot::default(), &[]);
        assert_eq!(pods_total(&text, 200), Some(2 * (round + 1)), "{text}");
        assert_eq!(pods_total(&text, 259), Some(round + 1), "{text}");
        let count = format!(
            r#"apiserver_request_duration_seconds_count{{verb="LIST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver"}} {}"#,
            61 * (round + 1)
        );
        assert!(text.lines().any(|l| l == count), "{count} in\n{text}");
    }
}

/// Two servers in one process (as in the tests) keep their own counts, though one thread
/// counts for both.
#[test]
fn metrics_counted_on_one_thread_stay_apart() {
    let first = Metrics::new();
    let second = Metrics::new();
    for _ in 0..3 {
        first.request(&pods(), 200, Duration::from_millis(1));
    }
    second.request(&pods(), 200, Duration::from_millis(1));
    first.allowed_by(AllowedBy::Rbac);
    second.allowed_by(AllowedBy::Webhook);
    let (first, second) = (
        first.render(Snapshot::default(), &[]),
        second.render(Snapshot::default(), &[]),
    );
    assert_eq!(pods_total(&first, 200), Some(3), "{first}");
    assert_eq!(pods_total(&second, 200), Some(1), "{second}");
    let rbac =
        r#"apiserver_authorization_decisions_total{type="RBAC",name="rbac",decision="allowed"} 1"#;
    let webhook = r#"apiserver_authorization_decisions_total{type="Webhook",name="webhook",decision="allowed"} 1"#;
    assert!(
        first.lines().any(|l| l == rbac) && !first.contains("Webhook"),
        "{first}"
    );
    assert!(
        second.lines().any(|l| l == webhook) && !second.contains("RBAC"),
        "{second}"
    );
}
