use super::*;

/// apimachinery's `TestIsDNS1123Label` cases.
#[test]
fn dns1123_labels() {
    let long = "a".repeat(63);
    for good in [
        "a",
        "ab",
        "abc",
        "a1",
        "a-1",
        "a--1--2--b",
        "0",
        "01",
        "012",
        "1a",
        "1-a",
        "1--a--b--2",
        long.as_str(),
    ] {
        assert_eq!(dns1123_label(good), Vec::<String>::new(), "{good:?}");
    }
    let too_long = "a".repeat(64);
    for bad in [
        "",
        "A",
        "ABC",
        "aBc",
        "A1",
        "A-1",
        "1-A",
        "-",
        "a-",
        "-a",
        "1-",
        "-1",
        "_",
        "a_",
        "_a",
        "a_b",
        "1_",
        "_1",
        "1_2",
        ".",
        "a.",
        ".a",
        "a.b",
        "1.",
        ".1",
        "1.2",
        " ",
        "a ",
        " a",
        "a b",
        "1 ",
        " 1",
        "1 2",
        too_long.as_str(),
    ] {
        assert!(!dns1123_label(bad).is_empty(), "{bad:?}");
    }
}

/// apimachinery's `TestIsDNS1123Subdomain` cases.
#[test]
fn dns1123_subdomains() {
    let long = "a".repeat(253);
    for good in [
        "a",
        "ab",
        "a--1--2--b",
        "0",
        "a.a",
        "a-1.a",
        "a.1",
        "1--a--b--2.1",
        "a.b.c.d.e",
        "1.2.3.4.5",
        long.as_str(),
    ] {
        assert_eq!(dns1123_subdomain(good), Vec::<String>::new(), "{good:?}");
    }
    let too_long = "a".repeat(254);
    for bad in [
        "",
        "A",
        "-",
        "a-",
        "-a",
        "_",
        "a_b",
        ".",
        "a.",
        ".a",
        "a..b",
        " ",
        "a b",
        "A.a",
        "ab.A",
        "a.B.c.d.e",
        "a@b",
        "a,b",
        "a;b",
        "a:b",
        "a%b",
        "a?b",
        "a$b",
        "a/b",
        too_long.as_str(),
    ] {
        assert!(!dns1123_subdomain(bad).is_empty(), "{bad:?}");
    }
}

/// The message kube-apiserver answers for `Bad_Name` (../shared/golden c-default-rbac/52).
#[test]
fn label_message_is_kubernetes_own() {
    assert_eq!(
        dns1123_label("Bad_Name"),
        vec![
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        ]
    );
    assert_eq!(dns1123_label("a.b"), vec!["must not contain dots"]);
    assert_eq!(
        dns1123_label(&"a".repeat(64)),
        vec!["must be no more than 63 characters"]
    );
    assert_eq!(
        dns1123_subdomain("a:b"),
        vec![
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ]
    );
    assert_eq!(
        dns1035_label("1abc"),
        vec![
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
        ]
    );
}

/// apimachinery's `TestIsQualifiedName` cases.
#[test]
fn label_keys() {
    let long_name = "a".repeat(63);
    let long_both = format!("{}/{}", "a".repeat(253), "b".repeat(63));
    for good in [
        "simple",
        "now-with-dashes",
        "1-starts-with-num",
        "1234",
        "simple/simple",
        "now.with.dots/simple",
        "1.2.3.4/5678",
        "Uppercase_Is_OK_123",
        "example.com/Uppercase_Is_OK_123",
        "requests.storage-foo",
        long_name.as_str(),
        long_both.as_str(),
    ] {
        assert_eq!(label_key(good), Vec::<String>::new(), "{good:?}");
    }
    let too_long = "a".repeat(64);
    let long_prefix = format!("{}/abc", "a".repeat(254));
    for bad in [
        "nospecialchars%^=@",
        "cantendwithadash-",
        "-cantstartwithadash-",
        "only/one/slash",
        "Example.com/abc",
        "example_com/abc",
        "example.com/",
        "/simple",
        "bad key!",
        too_long.as_str(),
        long_prefix.as_str(),
    ] {
        assert!(!label_key(bad).is_empty(), "{bad:?}");
    }
    assert_eq!(label_key("/simple"), vec!["prefix part must be non-empty"]);
    assert_eq!(
        label_key("example.com/"),
        vec![
            "name part must be non-empty",
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        ]
    );
}

#[test]
fn label_values() {
    for good in [
        "",
        "simple",
        "now-with-dashes",
        "1234",
        "Uppercase_Is_OK_123",
    ] {
        assert_eq!(label_value(good), Vec::<String>::new(), "{good:?}");
    }
    for bad in [
        "nospecialchars%^=@",
        "-dash",
        "dash-",
        "a b",
        &"a".repeat(64),
    ] {
        assert!(!label_value(bad).is_empty(), "{bad:?}");
    }
}

#[test]
fn config_map_keys() {
    for good in ["a", "a.b", "A_B", "key-name", ".dotfile", "..a"] {
        let expect_ok = good != "..a";
        assert_eq!(config_map_key(good).is_empty(), expect_ok, "{good:?}");
    }
    assert_eq!(config_map_key(".."), vec!["must not be '..'"]);
    assert_eq!(config_map_key("..a"), vec!["must not start with '..'"]);
    assert_eq!(config_map_key("a/b").len(), 1);
}

#[test]
fn path_segments() {
    assert_eq!(path_segment_name("."), vec!["may not be '.'"]);
    assert_eq!(path_segment_name(".."), vec!["may not be '..'"]);
    assert_eq!(path_segment_name("a/b"), vec!["may not contain '/'"]);
    assert_eq!(
        path_segment_name("x%y/z"),
        vec!["may not contain '/'", "may not contain '%'"]
    );
    assert!(path_segment_name("system:auth-delegator").is_empty());
    assert!(path_segment_prefix("..").is_empty());
}
