use std::time::{Duration, Instant};

use super::*;

#[test]
fn a_burst_passes_then_batches_wait_their_turn() {
    let mut bucket = TokenBucket::new(10.0, 3);
    let start = Instant::now();
    for _ in 0..3 {
        assert_eq!(bucket.reserve(start), Duration::ZERO);
    }
    assert_eq!(bucket.reserve(start), Duration::from_millis(100));
    assert_eq!(bucket.reserve(start), Duration::from_millis(200));
}

#[test]
fn tokens_come_back_with_time_up_to_the_burst() {
    let mut bucket = TokenBucket::new(10.0, 2);
    let start = Instant::now();
    bucket.reserve(start);
    bucket.reserve(start);
    let later = start + Duration::from_secs(10);
    assert_eq!(bucket.reserve(later), Duration::ZERO);
    assert_eq!(bucket.reserve(later), Duration::ZERO);
    assert!(bucket.reserve(later) > Duration::ZERO);
}
