use super::*;

#[test]
fn compacts_and_escapes_as_go_keeping_key_order() {
    let raw = "{\n  \"kind\": \"ConfigMap\",\n  \"apiVersion\": \"v1\",\n  \"data\": { \"a\": \"<b> & \\\"c\\\" \\u00e9 \u{2028}\", \"n\": [1, -2.5e3, true, false, null] }\n}\n";
    assert_eq!(
        compact(raw, false).expect("valid"),
        r#"{"kind":"ConfigMap","apiVersion":"v1","data":{"a":"\u003cb\u003e \u0026 \"c\" \u00e9 \u2028","n":[1,-2.5e3,true,false,null]}}"#
    );
}

#[test]
fn drops_managed_fields_from_an_object_a_list_and_a_table() {
    let object = r#"{"metadata":{"name":"a","managedFields":[{"manager":"kubectl"}],"uid":"1"},"spec":{"managedFields":1}}"#;
    assert_eq!(
        compact(object, true).expect("valid"),
        r#"{"metadata":{"name":"a","uid":"1"},"spec":{"managedFields":1}}"#
    );
    assert_eq!(compact(object, false).expect("valid"), object);
    let only = r#"{"metadata":{"managedFields":[]}}"#;
    assert_eq!(compact(only, true).expect("valid"), r#"{"metadata":{}}"#);
    let list = r#"{"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[{"metadata":{"managedFields":[],"name":"p"}},{"metadata":{"name":"q","managedFields":[]}}]}"#;
    assert_eq!(
        compact(list, true).expect("valid"),
        r#"{"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"p"}},{"metadata":{"name":"q"}}]}"#
    );
    let table = r#"{"kind":"Table","rows":[{"cells":["p"],"object":{"metadata":{"name":"p","managedFields":[{}]}}}]}"#;
    assert_eq!(
        compact(table, true).expect("valid"),
        r#"{"kind":"Table","rows":[{"cells":["p"],"object":{"metadata":{"name":"p"}}}]}"#
    );
}

#[test]
fn refuses_what_is_not_one_json_value() {
    for bad in [
        "",
        "{",
        "{\"a\" 1}",
        "[1,]",
        "{\"a\":1} x",
        "\"\n\"",
        "tru",
        "-",
    ] {
        assert!(compact(bad, false).is_err(), "{bad:?}");
    }
}
