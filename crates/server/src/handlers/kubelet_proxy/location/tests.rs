use http::HeaderValue;
use serde_json::json;

use super::*;

fn pod(containers: &[&str]) -> Value {
    json!({
        "metadata": {"name": "web", "namespace": "dev"},
        "spec": {"containers": containers.iter().map(|c| json!({"name": c})).collect::<Vec<_>>()},
    })
}

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_container_is_chosen_as_kube_apiserver_chooses_it() {
    assert_eq!(container_of(&pod(&["app"]), ""), Ok("app".to_string()));
    assert_eq!(
        container_of(&pod(&["app", "side"]), "side"),
        Ok("side".to_string())
    );
    assert_eq!(
        container_of(&pod(&["app", "side"]), "")
            .unwrap_err()
            .message,
        "a container name must be specified for pod web, choose one of: [app side]"
    );
    assert_eq!(
        container_of(&pod(&["app"]), "nope").unwrap_err().message,
        "container nope is not valid for pod web"
    );
    assert_eq!(
        container_of(&pod(&[]), "").unwrap_err().message,
        "a container name must be specified for pod web"
    );
}

#[test]
fn the_kubelet_address_is_the_internal_ip_and_the_kubelet_port() {
    let node = json!({"status": {
        "addresses": [{"type": "Hostname", "address": "lab"}, {"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 41234}},
    }});
    assert_eq!(
        kubelet_address(&node),
        Some(("127.0.0.1".to_string(), 41234))
    );
    let bare = json!({"status": {"addresses": [{"type": "Hostname", "address": "lab"}]}});
    assert_eq!(kubelet_address(&bare), Some(("lab".to_string(), 10250)));
    assert_eq!(kubelet_address(&json!({})), None);
}

#[test]
fn kubectl_s_parameters_become_the_kubelet_s() {
    let web = pod(&["app"]);
    assert_eq!(
        kubelet_path(
            "exec",
            &query(&[
                ("command", "sh"),
                ("command", "-c"),
                ("command", "echo a&b"),
                ("stdin", "true"),
                ("stdout", "true"),
                ("stderr", "false"),
                ("tty", "1"),
            ]),
            &web
        ),
        Ok(
            "/exec/dev/web/app?command=sh&command=-c&command=echo+a%26b&input=1&output=1&tty=1"
                .to_string()
        )
    );
    assert_eq!(
        kubelet_path(
            "attach",
            &query(&[("container", "app"), ("stdout", "true"), ("command", "x")]),
            &web
        ),
        Ok("/attach/dev/web/app?output=1".to_string())
    );
    assert_eq!(
        kubelet_path(
            "log",
            &query(&[
                ("follow", "true"),
                ("tailLines", "5"),
                ("timestamps", "false")
            ]),
            &web
        ),
        Ok("/containerLogs/dev/web/app?follow=true&tailLines=5".to_string())
    );
    assert_eq!(
        kubelet_path(
            "portforward",
            &query(&[("ports", "8080"), ("ports", "9090")]),
            &web
        ),
        Ok("/portForward/dev/web?port=8080%2C9090".to_string())
    );
    assert_eq!(
        kubelet_path("log", &[], &pod(&["a", "b"]))
            .unwrap_err()
            .code,
        400
    );
}

#[test]
fn credentials_and_hop_headers_stay_with_the_api_server() {
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_static("Bearer secret"));
    headers.insert("impersonate-user", HeaderValue::from_static("x"));
    headers.insert("connection", HeaderValue::from_static("Upgrade"));
    headers.insert("upgrade", HeaderValue::from_static("SPDY/3.1"));
    headers.insert(
        "x-stream-protocol-version",
        HeaderValue::from_static("v4.channel.k8s.io"),
    );
    assert!(wants_upgrade(&headers));
    let upgraded = forwarded_headers(&headers, true);
    assert!(upgraded.get("authorization").is_none());
    assert!(upgraded.get("impersonate-user").is_none());
    assert_eq!(upgraded.get("upgrade").unwrap(), "SPDY/3.1");
    assert_eq!(
        upgraded.get("x-stream-protocol-version").unwrap(),
        "v4.channel.k8s.io"
    );
    assert!(forwarded_headers(&headers, false).get("upgrade").is_none());
    assert!(!wants_upgrade(&HeaderMap::new()));
}

#[test]
fn kubelet_log_errors_become_statuses() {
    let waiting = log_failure(
        400,
        "container \"app\" in pod \"web\" is waiting to start: ContainerCreating".to_string(),
        "web",
    );
    assert_eq!((waiting.code, waiting.reason.as_str()), (400, "BadRequest"));
    assert_eq!(
        log_failure(404, "gone".to_string(), "web").reason,
        "NotFound"
    );
    assert_eq!(
        log_failure(403, "no".to_string(), "web").message,
        "no (pods/log web)"
    );
}
