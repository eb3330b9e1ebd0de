use time::macros::datetime;

use super::*;

#[test]
fn kubectl_asking_for_protobuf_gets_it_and_anything_else_json() {
    let v2 = [JSON, V2_PROTOBUF_DEPRECATED, V2_PROTOBUF];
    assert_eq!(
        choose(
            "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
            &v2
        ),
        Some(V2_PROTOBUF_DEPRECATED)
    );
    assert_eq!(
        choose(
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf, application/json;q=0.5",
            &v2
        ),
        Some(V2_PROTOBUF)
    );
    assert_eq!(choose("application/json, */*", &v2), Some(JSON));
    assert_eq!(choose("", &v2), Some(JSON));
    assert_eq!(choose("*/*", &v2), Some(JSON));
    assert_eq!(choose("application/*", &v2), Some(JSON));
    // The more preferred clause wins, whatever its place.
    assert_eq!(
        choose(
            "application/json;q=0.1, application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
            &v2
        ),
        Some(V2_PROTOBUF_DEPRECATED)
    );
}

#[test]
fn a_media_type_not_served_is_not_acceptable() {
    assert_eq!(choose("text/html", &[JSON]), None);
    assert_eq!(choose("application/yaml", &[JSON]), None);
    assert_eq!(
        choose(
            "application/com.github.proto-openapi.spec.v3.v1.0+protobuf",
            &[JSON]
        ),
        None
    );
    assert_eq!(choose("application/json;q=0", &[JSON]), None);
}

#[test]
fn if_none_match_names_the_current_etag_or_anything() {
    assert!(not_modified("\"ABC\"", "\"ABC\""));
    assert!(not_modified("\"X\", \"ABC\"", "\"ABC\""));
    assert!(not_modified("W/\"ABC\"", "\"ABC\""));
    assert!(not_modified("*", "\"ABC\""));
    assert!(!not_modified("\"ABD\"", "\"ABC\""));
    assert!(!not_modified("", "\"ABC\""));
}

#[test]
fn dates_are_written_as_go_writes_them() {
    let at = datetime!(2026-12-05 14:03:09 UTC);
    assert_eq!(http_date(at), "Sat, 05 Dec 2026 14:03:09 GMT");
    assert_eq!(a_year_after(at), "Sun, 05 Dec 2027 14:03:09 UTC");
}
