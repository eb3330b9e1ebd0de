//! Form values read back.

use super::*;

#[test]
fn roles_round_trip_through_option_values() {
    for role in [
        RoleRef::Realm("k8s-user".into()),
        RoleRef::Client {
            client: "3f2a".into(),
            name: "ns:admin".into(),
        },
    ] {
        assert_eq!(RoleRef::parse(&role.value()), Some(role));
    }
    for bad in ["", "r:", "c:", "c:abc", "c::x", "c:abc:", "x:y"] {
        assert_eq!(RoleRef::parse(bad), None, "{bad}");
    }
}

#[test]
fn redirect_uris_are_one_a_line_each_once() {
    assert_eq!(
        uris(" http://localhost:8000\r\n\nhttp://localhost:18000 http://localhost:8000 \n"),
        ["http://localhost:8000", "http://localhost:18000"]
    );
    assert!(uris("  \n ").is_empty());
}

#[test]
fn checkboxes_and_text_fields() {
    let form: HashMap<String, String> = [("public", "on"), ("name", "  ops "), ("blank", "  ")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert!(ticked(&form, "public"));
    assert!(!ticked(&form, "confidential"));
    assert_eq!(text(&form, "name"), Some("ops"));
    assert_eq!(text(&form, "blank"), None);
    assert_eq!(text(&form, "missing"), None);
}
