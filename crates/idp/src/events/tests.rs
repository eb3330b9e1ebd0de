use super::*;

fn event(kind: &str, time: u64) -> Event {
    Event {
        id: format!("e{time}"),
        time,
        kind: kind.into(),
        realm_id: "r".into(),
        client_id: Some("c".into()),
        user_id: Some("u".into()),
        session_id: None,
        ip_address: None,
        error: None,
        details: BTreeMap::new(),
    }
}

#[test]
fn nothing_is_recorded_until_the_realm_turns_events_on() {
    let mut log = RealmEvents::default();
    let mut config = EventsConfig::default();
    assert!(!log.record(&config, event("LOGIN", 1)));
    config.events_enabled = true;
    config.enabled_event_types = vec!["LOGIN".into()];
    assert!(log.record(&config, event("LOGIN", 2)));
    assert!(!log.record(&config, event("LOGOUT", 3)), "type not enabled");
    assert_eq!(log.login.len(), 1);
}

#[test]
fn the_log_is_bounded_and_lists_newest_first() {
    let mut log = RealmEvents::default();
    let config = EventsConfig {
        events_enabled: true,
        ..EventsConfig::default()
    };
    for t in 0..(CAPACITY as u64 + 10) {
        log.record(
            &config,
            event(if t % 2 == 0 { "LOGIN" } else { "LOGIN_ERROR" }, t),
        );
    }
    assert_eq!(log.login.len(), CAPACITY);
    let q: HashMap<String, String> = [("type".to_string(), "LOGIN_ERROR".to_string())].into();
    let errors = query(&log, &q);
    assert_eq!(errors[0].time, CAPACITY as u64 + 9);
    assert!(errors.iter().all(|e| e.kind == "LOGIN_ERROR"));
}

#[test]
fn admin_paths_name_keycloaks_resource_types() {
    assert_eq!(resource_type("users/1"), "USER");
    assert_eq!(resource_type("users/1/groups/2"), "GROUP_MEMBERSHIP");
    assert_eq!(
        resource_type("groups/1/role-mappings/realm"),
        "REALM_ROLE_MAPPING"
    );
    assert_eq!(resource_type("clients/1/roles"), "CLIENT_ROLE");
    assert_eq!(
        resource_type("client-scopes/1/protocol-mappers/models"),
        "PROTOCOL_MAPPER"
    );
}
