//! Unit tests of the device flow's polling rules.

use super::*;

#[test]
fn pending_keeps_the_interval_and_slow_down_adds_five_seconds() {
    assert_eq!(next_poll("authorization_pending", 5), Poll::Again(5));
    assert_eq!(next_poll("slow_down", 5), Poll::Again(10));
    assert_eq!(next_poll("access_denied", 5), Poll::Stop);
    assert_eq!(next_poll("expired_token", 5), Poll::Stop);
}

#[test]
fn the_response_reads_optional_fields() {
    let authorization: DeviceAuthorization = serde_json::from_str(
        r#"{"device_code":"d","user_code":"ABCD-EFGH","verification_uri":"https://idp/device","expires_in":600}"#,
    )
    .unwrap();
    assert_eq!(authorization.interval, None);
    assert_eq!(authorization.verification_uri_complete, None);
    assert_eq!(authorization.user_code, "ABCD-EFGH");
}
