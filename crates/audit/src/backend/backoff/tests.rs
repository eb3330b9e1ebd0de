use std::time::Duration;

use super::*;

#[test]
fn five_attempts_with_pauses_one_and_a_half_times_longer() {
    let backoff = Backoff::from_initial(Duration::from_millis(100));
    let pauses: Vec<Option<Duration>> = (1..=5).map(|n| backoff.pause(n, 0.0)).collect();
    assert_eq!(
        pauses,
        vec![
            Some(Duration::from_millis(100)),
            Some(Duration::from_millis(150)),
            Some(Duration::from_millis(225)),
            Some(Duration::from_micros(337_500)),
            None,
        ]
    );
    assert_eq!(backoff.pause(0, 0.0), None);
}

#[test]
fn a_pause_is_stretched_by_at_most_a_fifth() {
    let backoff = Backoff::from_initial(DEFAULT_INITIAL_BACKOFF);
    assert_eq!(backoff.pause(1, 0.5), Some(Duration::from_secs(11)));
    assert_eq!(backoff.pause(1, 7.0), Some(Duration::from_secs(12)));
}

#[test]
fn retried_as_client_go_retries_a_webhook() {
    let status = |code: u16, retry_after: bool| Failure::Status {
        code,
        retry_after,
        body: String::new(),
    };
    for retried in [500, 502, 504, 429] {
        assert!(status(retried, false).should_retry(), "{retried}");
    }
    for given_up in [400, 401, 403, 404, 503] {
        assert!(!status(given_up, false).should_retry(), "{given_up}");
    }
    assert!(status(503, true).should_retry());
    assert!(Failure::Reset("connection reset by peer".into()).should_retry());
    assert!(!Failure::Other("connection refused".into()).should_retry());
    assert_eq!(
        status(500, false).to_string(),
        "the server responded with the status code 500"
    );
}
