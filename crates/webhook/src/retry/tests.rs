use super::*;

#[test]
fn only_transient_failures_are_retried() {
    assert!(!should_retry(Failure::Transport { reset: false }));
    assert!(should_retry(Failure::Transport { reset: true }));
    for code in [500, 504, 429] {
        assert!(should_retry(Failure::Status {
            code,
            retry_after: false
        }));
    }
    for code in [400, 401, 403, 404, 502] {
        assert!(!should_retry(Failure::Status {
            code,
            retry_after: false
        }));
    }
    assert!(should_retry(Failure::Status {
        code: 503,
        retry_after: true
    }));
}

#[test]
fn five_attempts_with_growing_waits() {
    let backoff = Backoff::default();
    let waits: Vec<u128> = (0..5)
        .filter_map(|n| backoff.wait_after(n, 0.0))
        .map(|wait| wait.as_millis())
        .collect();
    assert_eq!(waits, [500, 750, 1125, 1687]);
    let jittered = backoff.wait_after(0, 0.999).unwrap();
    assert!(jittered > Duration::from_millis(599) && jittered < Duration::from_millis(600));
}
