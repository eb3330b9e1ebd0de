use serde_json::{Map, Value, json};

use super::*;

const ISSUER: &str = "https://idp.example/realms/kubernetes";

fn claims(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

fn entry(sub: Option<&str>, sid: Option<&str>, not_before: u64) -> Entry {
    Entry {
        realm: "kubernetes".into(),
        sub: sub.map(str::to_string),
        sid: sid.map(str::to_string),
        not_before,
        reason: "user disabled".into(),
    }
}

#[test]
fn a_subjects_tokens_issued_before_not_before_are_refused() {
    let revocations = Revocations::default();
    let token = claims(json!({"iss": ISSUER, "sub": "u1", "sid": "s1", "iat": 99}));
    assert_eq!(revocations.refuses(&token), None);
    revocations.apply(ISSUER, &entry(Some("u1"), None, 100), 100);
    assert_eq!(
        revocations.refuses(&token).as_deref(),
        Some("the token's user was revoked by its issuer")
    );
    let later = claims(json!({"iss": ISSUER, "sub": "u1", "iat": 100}));
    assert_eq!(revocations.refuses(&later), None);
    let other_user = claims(json!({"iss": ISSUER, "sub": "u2", "iat": 99}));
    assert_eq!(revocations.refuses(&other_user), None);
    let other_issuer = claims(json!({"iss": "https://elsewhere", "sub": "u1", "iat": 99}));
    assert_eq!(revocations.refuses(&other_issuer), None);
}

#[test]
fn a_sessions_tokens_are_refused_and_the_epoch_counts_changes() {
    let revocations = Revocations::default();
    assert_eq!(revocations.epoch(), 0);
    revocations.apply(ISSUER, &entry(None, Some("s1"), 200), 200);
    assert_eq!(revocations.epoch(), 1);
    let token = claims(json!({"iss": ISSUER, "sub": "u1", "sid": "s1", "iat": 150}));
    assert_eq!(
        revocations.refuses(&token).as_deref(),
        Some("the token's session was revoked by its issuer")
    );
    // A later notBefore wins; an earlier one does not lower it.
    revocations.apply(ISSUER, &entry(None, Some("s1"), 100), 200);
    assert!(revocations.refuses(&token).is_some());
    let no_iat = claims(json!({"iss": ISSUER, "sid": "s1"}));
    assert!(revocations.refuses(&no_iat).is_some());
}

#[test]
fn the_feed_format_reads_and_writes() {
    let line = r#"{"realm":"kubernetes","sub":"u1","notBefore":5,"reason":"user disabled"}"#;
    let read: Entry = serde_json::from_str(line).unwrap();
    assert_eq!(read, entry(Some("u1"), None, 5));
    assert_eq!(serde_json::to_string(&read).unwrap(), line);
}
