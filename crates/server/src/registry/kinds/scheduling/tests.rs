use serde_json::json;

use super::*;

#[test]
fn system_names_and_high_values_are_reserved() {
    let class = |name: &str, value: i64| json!({"metadata": {"name": name}, "value": value});
    assert!(
        PriorityClassStrategy
            .validate(&class("high", 1000))
            .is_empty()
    );
    assert_eq!(
        PriorityClassStrategy.validate(&class("system-x", 1))[0].detail,
        "priority class names with 'system-' prefix are reserved"
    );
    assert_eq!(
        PriorityClassStrategy.validate(&class("huge", 2_000_000_000))[0].field,
        "value"
    );
    assert_eq!(
        PriorityClassStrategy.validate_update(&class("high", 2), &class("high", 1))[0].detail,
        "may not be changed in an update."
    );
}
