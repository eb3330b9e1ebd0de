use serde_json::json;

use super::*;

#[test]
fn the_pod_template_hash_is_safe_encoded_fnv_and_changes_with_collisions() {
    let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}});
    let reordered = json!({"spec": {"containers": [{"image": "nginx", "name": "nginx"}]}, "metadata": {"labels": {"app": "web"}}});
    let hash = pod_template_hash(&template, None);
    assert_eq!(
        hash,
        pod_template_hash(&reordered, None),
        "key order does not matter"
    );
    assert!(
        hash.len() <= 10
            && hash
                .bytes()
                .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b)),
        "{hash}"
    );
    assert_ne!(hash, pod_template_hash(&template, Some(1)));
    assert_eq!(
        pod_template_hash(&json!({}), None),
        "5859f96865",
        "FNV-32a of {{}}: 1415952421"
    );
}

#[test]
fn percentages_round_as_kube_rounds_them() {
    assert_eq!(scaled(None, 2, "25%", true), 1);
    assert_eq!(scaled(None, 2, "25%", false), 0);
    assert_eq!(scaled(Some(&json!(3)), 10, "25%", false), 3);
    assert_eq!(scaled(Some(&json!("50%")), 5, "25%", true), 3);
}
