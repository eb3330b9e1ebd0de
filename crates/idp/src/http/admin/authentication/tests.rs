use super::*;

#[test]
fn flow_ids_are_uuids_stable_and_distinct_per_realm_and_alias() {
    let id = flow_id("realm-a", "browser");
    assert_eq!(id, flow_id("realm-a", "browser"));
    assert_ne!(id, flow_id("realm-b", "browser"));
    assert_ne!(id, flow_id("realm-a", "direct grant"));
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
}

#[test]
fn subflows_are_named_by_alias_and_authenticators_by_provider() {
    let browser = flow("r", &FLOWS[0]);
    assert_eq!(browser["alias"], "browser");
    let executions = browser["authenticationExecutions"].as_array().unwrap();
    assert_eq!(executions[0]["authenticator"], "auth-cookie");
    assert_eq!(executions[3]["flowAlias"], "forms");
    assert_eq!(executions[3]["authenticatorFlow"], true);
    assert!(executions[3].get("authenticator").is_none());
}
