use super::*;

#[test]
fn duplicates_are_named_by_their_path_in_order() {
    let document =
        br#"{"kind":"ConfigMap","metadata":{"name":"a","name":"b","labels":{"x":"1","x":"2"}},
        "data":{"k":"v"},"kind":"ConfigMap","rules":[{"verbs":[],"verbs":[]}]}"#;
    assert_eq!(
        duplicate_fields(document).unwrap(),
        [
            "metadata.name",
            "metadata.labels.x",
            "kind",
            "rules[0].verbs"
        ]
    );
}

#[test]
fn a_document_without_duplicates_has_none_and_bad_json_is_an_error() {
    assert!(
        duplicate_fields(br#"{"a":{"b":[1,2,{"c":null}]}}"#)
            .unwrap()
            .is_empty()
    );
    assert!(duplicate_fields(b"{\"a\":").is_err());
    assert!(duplicate_fields(b"{} trailing").is_err());
}
