use std::sync::Arc;
use std::time::Duration;

use kubeward_testkit::receiver::{Received, Receiver};

use super::*;
use crate::backend::test_event;
use crate::decode;

fn options(url: String, token: Option<&str>) -> Options {
    Options {
        initial_backoff: Duration::from_millis(20),
        batch: BatchConfig {
            max_batch_wait: Duration::from_millis(50),
            ..BatchConfig::webhook()
        },
        ..Options::new(Target {
            url,
            token: token.map(str::to_string),
            ..Target::default()
        })
    }
}

/// The audit IDs of what the receiver accepted, in order.
fn accepted_ids(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .filter(|r| r.answered == 200)
        .flat_map(|r| {
            let items = serde_json::from_str::<serde_json::Value>(&r.body).expect("JSON")["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|item| item.to_string())
                .collect::<Vec<_>>()
                .join("\n");
            decode::read(&items)
                .events
                .into_iter()
                .map(|e| e.audit_id)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn an_event_list_is_the_events_as_the_log_writes_them() {
    let (a, b) = (test_event("a"), test_event("b"));
    let list = event_list(&[item(&a), item(&b)]);
    let mut items = String::new();
    a.write_json(&mut items);
    items.push(',');
    b.write_json(&mut items);
    assert_eq!(
        list,
        format!(
            r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{items}]}}"#
        )
    );
}

#[test]
fn a_receiver_that_fails_for_a_while_gets_every_event_once() {
    let receiver = Receiver::start(&[500, 503, 429]);
    let counters = Arc::new(Counters::default());
    let backend =
        start(&options(receiver.url(), Some("s3cret")), counters.clone()).expect("started");
    // One batch, refused with 500 (retried), then 503 without Retry-After (given up).
    backend.process(&test_event("lost-1"));
    backend.process(&test_event("lost-2"));
    let received = receiver.wait_until(Duration::from_secs(10), |r| r.len() >= 2);
    assert_eq!(received.len(), 2, "{received:?}");
    // The next batch: 429 (retried), then accepted.
    backend.process(&test_event("kept-1"));
    backend.process(&test_event("kept-2"));
    backend.shutdown();
    let received = receiver.received();
    let answered: Vec<u16> = received.iter().map(|r| r.answered).collect();
    assert_eq!(answered, [500, 503, 429, 200]);
    assert_eq!(accepted_ids(&received), ["kept-1", "kept-2"]);
    assert_eq!(counters.errors(Plugin::Webhook), 2);
    let request = &received[3];
    assert_eq!(request.request_line, "POST /audit HTTP/1.1");
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("content-type"), Some("application/json"));
    assert_eq!(header("authorization"), Some("Bearer s3cret"));
}

#[test]
fn the_target_never_prints_its_secrets() {
    let target = Target {
        url: "https://audit.example".into(),
        client_identity_pem: Some(b"-----BEGIN PRIVATE KEY-----".to_vec()),
        token: Some("s3cret".into()),
        ..Target::default()
    };
    let printed = format!("{target:?}");
    assert!(
        !printed.contains("s3cret") && !printed.contains("PRIVATE"),
        "{printed}"
    );
    assert!(printed.contains("https://audit.example"));
}

#[test]
fn a_bad_server_url_stops_the_start() {
    let Err(error) = start(&options("not a url".into(), None), Arc::default()) else {
        panic!("the URL is refused");
    };
    assert!(
        error
            .to_string()
            .starts_with("initializing audit webhook: invalid server URL \"not a url\""),
        "{error}"
    );
}
