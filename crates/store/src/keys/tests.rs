use super::*;

fn key(group: &str, resource: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
    ObjectKey {
        group: group.to_string(),
        resource: resource.to_string(),
        namespace: namespace.map(str::to_string),
        name: name.to_string(),
    }
}

fn scope(group: &str, resource: &str, namespace: Option<&str>) -> ListScope {
    ListScope {
        group: group.to_string(),
        resource: resource.to_string(),
        namespace: namespace.map(str::to_string),
    }
}

fn in_range(scope: &ListScope, key: &ObjectKey) -> bool {
    let (start, end) = scope_range(scope);
    let encoded = encode_key(key);
    start <= encoded && encoded < end
}

#[test]
fn keys_round_trip() {
    for key in [
        key("", "pods", Some("default"), "web"),
        key("rbac.authorization.k8s.io", "clusterroles", None, "admin"),
        key("g", "r", Some("ns"), "a.b-c"),
    ] {
        assert_eq!(decode_key(&encode_key(&key)), Some(key));
    }
}

#[test]
fn malformed_keys_do_not_decode() {
    assert_eq!(decode_key("no-separators"), None);
    assert_eq!(decode_key("g\0r\0ns"), None);
    assert_eq!(decode_key("g\0r\0ns\0name\0extra"), None);
}

#[test]
fn encoded_keys_sort_by_namespace_then_name() {
    let mut keys = [
        key("", "pods", Some("b"), "a"),
        key("", "pods", Some("ab"), "z"),
        key("", "pods", Some("a"), "zz"),
        key("", "pods", Some("a"), "b"),
    ];
    keys.sort_by_key(encode_key);
    let order: Vec<(&str, &str)> = keys
        .iter()
        .map(|k| (k.namespace.as_deref().unwrap_or(""), k.name.as_str()))
        .collect();
    assert_eq!(order, [("a", "b"), ("a", "zz"), ("ab", "z"), ("b", "a")]);
}

#[test]
fn ranges_hold_exactly_the_scope() {
    let pods_a = scope("", "pods", Some("a"));
    assert!(in_range(&pods_a, &key("", "pods", Some("a"), "x")));
    assert!(!in_range(&pods_a, &key("", "pods", Some("ab"), "x")));
    assert!(!in_range(&pods_a, &key("", "pods", Some("b"), "x")));
    assert!(!in_range(&pods_a, &key("", "podsx", Some("a"), "x")));
    assert!(!in_range(&pods_a, &key("g", "pods", Some("a"), "x")));
    let all_pods = scope("", "pods", None);
    assert!(in_range(&all_pods, &key("", "pods", Some("zz"), "x")));
    assert!(in_range(&all_pods, &key("", "pods", None, "x")));
    assert!(!in_range(&all_pods, &key("", "podsx", None, "x")));
    assert!(!in_range(&all_pods, &key("", "pod", None, "x")));
}

#[test]
fn in_scope_agrees_with_the_ranges() {
    let keys = [
        key("", "pods", Some("a"), "x"),
        key("", "pods", Some("ab"), "x"),
        key("", "pods", None, "x"),
        key("", "secrets", Some("a"), "x"),
        key("apps", "pods", Some("a"), "x"),
    ];
    let scopes = [
        scope("", "pods", Some("a")),
        scope("", "pods", None),
        scope("", "pods", Some("")),
        scope("apps", "pods", None),
    ];
    for scope in &scopes {
        for key in &keys {
            assert_eq!(
                in_scope(scope, key),
                in_range(scope, key),
                "{scope:?} {key:?}"
            );
        }
    }
}

#[test]
fn keys_with_nul_or_without_name_are_refused() {
    assert_eq!(check_key(&key("", "pods", Some("a"), "x")), Ok(()));
    assert_eq!(check_key(&key("", "pods", None, "x")), Ok(()));
    for bad in [
        key("", "pods", Some("a\0b"), "x"),
        key("", "pods", Some("a"), "x\0y"),
        key("g\0", "pods", None, "x"),
        key("", "po\0ds", None, "x"),
        key("", "pods", None, ""),
        key("", "", None, "x"),
    ] {
        assert!(
            matches!(check_key(&bad), Err(StoreError::Invalid(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn normalize_drops_an_empty_namespace() {
    assert_eq!(normalize(&key("", "r", Some(""), "x")).namespace, None);
    assert_eq!(
        normalize(&key("", "r", Some("a"), "x"))
            .namespace
            .as_deref(),
        Some("a")
    );
}
