use super::*;

fn named(names: &[&'static str]) -> Vec<Type> {
    names.iter().map(|n| Type::Named(n)).collect()
}

#[test]
fn operators_on_scalars_resolve_as_cel_go_resolves_them() {
    assert_eq!(
        no_matching_overload("_+_", &named(&["int", "string"])).as_deref(),
        Some("found no matching overload for '_+_' applied to '(int, string)'")
    );
    assert_eq!(
        no_matching_overload("_+_", &named(&["string", "string"])),
        None
    );
    assert!(no_matching_overload("_+_", &named(&["int", "double"])).is_some());
    assert_eq!(
        no_matching_overload("_<_", &named(&["int", "double"])),
        None,
        "cross-type numeric comparisons"
    );
    assert!(no_matching_overload("_<_", &named(&["int", "string"])).is_some());
    assert!(no_matching_overload("_&&_", &named(&["int", "bool"])).is_some());
    assert_eq!(
        no_matching_overload(
            "_-_",
            &named(&["google.protobuf.Timestamp", "google.protobuf.Timestamp"])
        ),
        None
    );
    assert_eq!(
        no_matching_overload("_+_", &[Type::Named("int"), Type::Unknown]),
        None,
        "not known"
    );
    assert_eq!(
        no_matching_overload("_+_", &named(&["list", "list"])),
        None,
        "not a scalar"
    );
    assert_eq!(
        no_matching_overload("size", &named(&["int"])),
        None,
        "not an operator"
    );
}

#[test]
fn the_libraries_declare_their_functions() {
    for name in [
        "size",
        "matches",
        "isSorted",
        "quantity",
        "cidr",
        "validate",
        "existsOne",
    ] {
        assert!(declared(name), "{name}");
    }
    assert!(!declared("lenght"));
}
