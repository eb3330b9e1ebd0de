use std::time::{Duration, UNIX_EPOCH};

use kubeward_core::UserInfo;

use super::*;

#[test]
fn a_success_is_reused_until_the_ttl_ends() {
    let cache = ResultCache::new(Duration::from_secs(10), 8);
    let now = UNIX_EPOCH + Duration::from_secs(1_000);
    let k = key("token", &[b"secret"]);
    cache.insert(k, UserInfo::new("alice", ["dev"]), vec!["api".into()], now);
    assert_eq!(
        cache
            .get(&k, now + Duration::from_secs(9))
            .map(|(u, _)| u.name),
        Some("alice".to_string())
    );
    assert_eq!(cache.get(&k, now + Duration::from_secs(10)), None);
    assert_eq!(cache.get(&key("token", &[b"other"]), now), None);
}

#[test]
fn keys_separate_domains_and_parts() {
    assert_ne!(key("x509", &[b"ab"]), key("token", &[b"ab"]));
    assert_ne!(key("token", &[b"a", b"b"]), key("token", &[b"ab"]));
    assert_eq!(key("token", &[b"a", b"b"]), key("token", &[b"a", b"b"]));
}

#[test]
fn a_full_cache_drops_expired_entries_first() {
    let cache = ResultCache::new(Duration::from_secs(10), 2);
    let now = UNIX_EPOCH + Duration::from_secs(1_000);
    cache.insert(
        key("t", &[b"1"]),
        UserInfo::new("one", [""; 0]),
        vec![],
        now,
    );
    cache.insert(
        key("t", &[b"2"]),
        UserInfo::new("two", [""; 0]),
        vec![],
        now + Duration::from_secs(5),
    );
    let later = now + Duration::from_secs(12);
    cache.insert(
        key("t", &[b"3"]),
        UserInfo::new("three", [""; 0]),
        vec![],
        later,
    );
    assert!(cache.get(&key("t", &[b"2"]), later).is_some());
    assert!(cache.get(&key("t", &[b"3"]), later).is_some());
}

#[test]
fn a_newer_epoch_forgets_every_result() {
    let cache = ResultCache::default();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
    let user = UserInfo::new("jane", ["dev"]);
    cache.insert(key("token", &[b"t"]), user.clone(), Vec::new(), now);
    cache.forget_before(0);
    assert!(cache.get(&key("token", &[b"t"]), now).is_some());
    cache.forget_before(1);
    assert!(cache.get(&key("token", &[b"t"]), now).is_none());
    cache.insert(key("token", &[b"t"]), user, Vec::new(), now);
    cache.forget_before(1);
    assert!(cache.get(&key("token", &[b"t"]), now).is_some());
}
