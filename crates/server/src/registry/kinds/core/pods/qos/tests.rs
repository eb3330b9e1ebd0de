use serde_json::json;

use super::*;

#[test]
fn quantities_in_thousandths() {
    assert_eq!(millis("500m"), Some(500));
    assert_eq!(millis("1"), Some(1_000));
    assert_eq!(millis("0.5"), Some(500));
    assert_eq!(millis("1Gi"), Some(1_073_741_824_000));
    assert_eq!(millis("128M"), Some(128_000_000_000));
    assert_eq!(millis("1e3"), Some(1_000_000));
    assert_eq!(millis("lots"), None);
}

#[test]
fn the_three_classes() {
    let pod = |resources: serde_json::Value| json!({"containers": [{"name": "c", "image": "i", "resources": resources}]});
    assert_eq!(class(Some(&pod(json!({})))), "BestEffort");
    assert_eq!(
        class(Some(&pod(json!({"requests": {"cpu": "100m"}})))),
        "Burstable"
    );
    assert_eq!(
        class(Some(&pod(
            json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m"}})
        ))),
        "Guaranteed",
        "the memory request defaults to the limit; 1000m is 1"
    );
    assert_eq!(
        class(Some(&pod(
            json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}})
        ))),
        "Burstable"
    );
}
