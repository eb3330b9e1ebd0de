use super::*;

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

#[test]
fn maps_key_usages_and_sorts_ekus() {
    let (bits, ekus) = from_strings(&strings(&[
        "client auth",
        "digital signature",
        "server auth",
        "key encipherment",
        "client auth",
    ]))
    .expect("known usages");
    assert_eq!(bits, ku::DIGITAL_SIGNATURE | ku::KEY_ENCIPHERMENT);
    assert_eq!(ekus, vec![Eku::ServerAuth, Eku::ClientAuth]);
}

#[test]
fn unrecognized_values_are_reported_like_go() {
    let err = from_strings(&strings(&["client auth", "foo", "bar baz"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"unrecognized usage values: ["foo" "bar baz"]"#
    );
}

#[test]
fn every_listed_usage_is_mapped() {
    for usage in ALL_USAGES {
        assert!(
            from_strings(&strings(&[usage])).is_ok(),
            "{usage} must be mapped"
        );
    }
    let mut sorted = ALL_USAGES.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, ALL_USAGES);
}
