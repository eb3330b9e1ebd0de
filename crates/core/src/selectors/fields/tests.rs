use super::*;

fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
    move |field| pairs.iter().find(|(f, _)| *f == field).map(|(_, v)| *v)
}

/// apimachinery's `TestSelectorParse` (fields) cases.
#[test]
fn good_and_bad_selectors() {
    for good in [
        "",
        "x=a",
        "x=a,y=b,z=c",
        "x!=a,y=b",
        "x=",
        "x= ",
        "x=,z= ",
        "x= ,z= ",
        "x=a\\,b",
        "metadata.name==web",
    ] {
        assert!(parse(good).is_ok(), "{good:?}");
    }
    for bad in ["x=a||y=b", "x==a==b", "x=a\\b", "x", "x=a=b", "x=a\\"] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn errors_are_go_s() {
    assert_eq!(
        parse("x").unwrap_err(),
        "invalid selector: 'x'; can't understand 'x'"
    );
    assert_eq!(
        parse("x=a=b").unwrap_err(),
        "invalid field selector: unescaped character in value: ="
    );
    assert_eq!(
        parse("x=a\\b").unwrap_err(),
        "invalid field selector: invalid escape sequence: \\b"
    );
}

#[test]
fn escapes_and_matching() {
    let selector = parse("metadata.name=a\\,b,status.phase!=Running").unwrap();
    assert_eq!(selector.requirements.len(), 2);
    assert_eq!(selector.exact_match("metadata.name"), Some("a,b"));
    assert!(selector.matches(lookup(&[
        ("metadata.name", "a,b"),
        ("status.phase", "Pending")
    ])));
    assert!(!selector.matches(lookup(&[
        ("metadata.name", "a,b"),
        ("status.phase", "Running")
    ])));
    assert!(!selector.matches(lookup(&[("metadata.name", "a")])));
    assert!(parse("x!=").unwrap().matches(lookup(&[("x", "v")])));
    assert!(
        parse("x=").unwrap().matches(lookup(&[])),
        "a missing field is empty"
    );
}
