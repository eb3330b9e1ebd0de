use super::*;

const LINE: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/web/log?follow=true","verb":"get","user":{"username":"alice","groups":["dev","system:authenticated"],"extra":{"k":["v"]}},"impersonatedUser":{"username":"bob"},"sourceIPs":["10.0.0.1"],"userAgent":"curl","objectRef":{"resource":"pods","namespace":"default","name":"web","apiVersion":"v1","subresource":"log"},"responseStatus":{"metadata":{},"status":"Failure","message":"no","reason":"Forbidden","details":{"name":"web","kind":"pods","causes":[{"reason":"r","message":"m","field":"f"}]},"code":403},"requestObject":{"b":1,"a":[2]},"responseObject":{"kind":"Status"},"requestReceivedTimestamp":"2026-11-22T10:23:50.000123Z","stageTimestamp":"2026-11-22T10:23:50.002456Z","annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}"#;

#[test]
fn a_json_line_round_trips_byte_for_byte() {
    let decoded = read(&format!("{LINE}\n"));
    assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
    assert_eq!(decoded.events.len(), 1);
    let event = &decoded.events[0];
    assert_eq!(event.effective_user().name, "bob");
    assert_eq!(event.decision(), Some("forbid"));
    assert_eq!(event.code(), Some(403));
    assert_eq!(event.to_json_line(), format!("{LINE}\n"));
}

#[test]
fn reads_event_lists_and_pretty_events_and_reports_bad_lines() {
    let list = format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{LINE},{LINE}]}}"#
    );
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(LINE).expect("json"),
    )
    .expect("pretty");
    let text = format!(
        "{list}\n{{not json\n2026-11-22T10:23:50Z AUDIT: id=\"x\"\n{pretty}\n{{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}}\n{{\"level\":\"Loud\",\"stage\":\"ResponseComplete\"}}\n{LINE}\n"
    );
    let decoded = read(&text);
    assert_eq!(decoded.events.len(), 4);
    let errors: Vec<(usize, String)> = decoded
        .errors
        .iter()
        .map(|e| (e.line, e.message.clone()))
        .collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(errors[0].0, 2);
    assert_eq!(errors[1], (3, "not a JSON audit event (the legacy format cannot be read back; write the log with --audit-log-format=json)".to_string()));
    let pretty_lines = pretty.lines().count();
    assert_eq!(
        errors[2],
        (
            4 + pretty_lines,
            "not an audit event: apiVersion \"v1\"".to_string()
        )
    );
    assert_eq!(
        errors[3],
        (
            5 + pretty_lines,
            "event : unknown level \"Loud\"".to_string()
        )
    );
}

#[test]
fn a_status_body_is_read_and_other_bodies_are_not() {
    let body = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" not found","reason":"NotFound","details":{"name":"web","kind":"pods"},"code":404}"#;
    let read = status(body).expect("a Status");
    assert_eq!(
        (read.code, read.reason.as_str(), read.message.as_str()),
        (404, "NotFound", "pods \"web\" not found")
    );
    assert_eq!(read.details.expect("details").name, "web");
    assert_eq!(status(br#"{"kind":"Pod","apiVersion":"v1"}"#), None);
    assert_eq!(status(b"404 page not found\n"), None);
}
