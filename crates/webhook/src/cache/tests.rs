use super::*;

fn at(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + seconds)
}

#[test]
fn entries_expire_after_their_own_time_to_live() {
    let cache = ExpiringCache::new(10);
    cache.insert("allowed", 1, Duration::from_secs(300), at(0));
    cache.insert("denied", 2, Duration::from_secs(30), at(0));
    assert_eq!(cache.get(&"allowed", at(29)), Some(1));
    assert_eq!(cache.get(&"denied", at(29)), Some(2));
    assert_eq!(cache.get(&"denied", at(30)), None);
    assert_eq!(cache.get(&"allowed", at(299)), Some(1));
    assert_eq!(cache.get(&"allowed", at(300)), None);
}

#[test]
fn a_zero_time_to_live_stores_nothing() {
    let cache = ExpiringCache::new(10);
    cache.insert("k", 1, Duration::ZERO, at(0));
    assert!(cache.is_empty());
    assert_eq!(cache.get(&"k", at(0)), None);
}

#[test]
fn past_capacity_the_expired_then_the_soonest_to_expire_go() {
    let cache = ExpiringCache::new(2);
    cache.insert("a", 1, Duration::from_secs(10), at(0));
    cache.insert("b", 2, Duration::from_secs(100), at(0));
    cache.insert("c", 3, Duration::from_secs(100), at(20));
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.get(&"b", at(21)), Some(2));
    assert_eq!(cache.get(&"c", at(21)), Some(3));
    cache.insert("d", 4, Duration::from_secs(5), at(21));
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.get(&"b", at(22)), None, "b expires first");
    assert_eq!(cache.get(&"d", at(22)), Some(4));
}
