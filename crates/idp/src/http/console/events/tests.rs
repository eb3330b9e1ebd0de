//! The log keeps the newest events of each realm.

use super::*;

fn event(time: u64, realm: &str) -> Event {
    Event {
        time,
        admin: "admin".into(),
        realm: realm.into(),
        operation: "CREATE",
        resource: format!("client c{time}"),
    }
}

#[test]
fn newest_first_per_realm_and_bounded() {
    let log = EventLog::default();
    for t in 0..(KEPT as u64 + 5) {
        log.record(event(t, if t % 2 == 0 { "a" } else { "b" }));
    }
    let a = log.of_realm("a");
    assert_eq!(a[0].time, KEPT as u64 + 4);
    assert!(a.windows(2).all(|w| w[0].time > w[1].time));
    assert_eq!(a.len() + log.of_realm("b").len(), KEPT);
    assert!(log.of_realm("c").is_empty());
}
