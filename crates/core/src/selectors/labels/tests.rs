use super::*;

fn set<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> + Copy + 'a {
    move |key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn matches(selector: &str, labels: &[(&str, &str)]) -> bool {
    parse(selector).unwrap().matches(set(labels))
}

/// apimachinery's `TestSelectorParse` cases, and more of its parser tests.
#[test]
fn good_and_bad_selectors() {
    for good in [
        "x=a,y=b,z=c",
        "",
        "x!=a,y=b",
        "x=",
        "x= ",
        "x=,z= ",
        "x= ,z= ",
        "!x",
        "x>1",
        "x>1,z<5",
        "x in (foo,,baz),y,z notin ()",
        "x in (,foo)",
        "a in ()",
        "in=in",
        "notin in (in)",
        "app.kubernetes.io/name=web,tier!=db",
    ] {
        assert!(parse(good).is_ok(), "{good:?}: {:?}", parse(good));
    }
    for bad in [
        "x=a||y=b", "x==a==b", "!x=a", "x<a", ",", "a,", "a in x", "a in (x", "x>y", "a=b c", "-a",
        "a b", "=a", "a/b/c", "a>", "(",
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn errors_are_go_s() {
    assert_eq!(
        parse("a b").unwrap_err(),
        "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
    );
    assert_eq!(
        parse("a=b c").unwrap_err(),
        "found 'c', expected: ',' or 'end of string'"
    );
    assert_eq!(
        parse("x>y").unwrap_err(),
        "unable to parse requirement: values[0]: Invalid value: \"y\": for 'Gt', 'Lt' operators, the value must be an integer"
    );
    assert_eq!(
        parse("a in x").unwrap_err(),
        "unable to parse requirement: found 'x' expected: '('"
    );
    assert_eq!(
        parse("a,").unwrap_err(),
        "found '', expected: identifier after ','"
    );
    assert_eq!(
        parse("=a").unwrap_err(),
        "found '=', expected: !, identifier, or 'end of string'"
    );
    assert_eq!(
        parse("-a").unwrap_err(),
        "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    );
}

/// apimachinery's `TestSelectorMatches` cases.
#[test]
fn matching() {
    assert!(matches("", &[("x", "y")]));
    assert!(matches("x=y", &[("x", "y")]));
    assert!(matches("x=y,z=w", &[("x", "y"), ("z", "w")]));
    assert!(matches("x!=y,z!=w", &[("x", "z"), ("z", "a")]));
    assert!(matches("notin=in", &[("notin", "in")]));
    assert!(matches("x", &[("x", "z")]));
    assert!(matches("!x", &[("y", "z")]));
    assert!(matches("x>1", &[("x", "2")]));
    assert!(matches("x<1", &[("x", "0")]));
    assert!(!matches("x=z", &[]));
    assert!(!matches("x=y", &[("x", "z")]));
    assert!(!matches("x=y,z=w", &[("x", "w"), ("z", "w")]));
    assert!(!matches("x!=y,z!=w", &[("x", "z"), ("z", "w")]));
    assert!(!matches("x", &[("y", "z")]));
    assert!(!matches("!x", &[("x", "z")]));
    assert!(!matches("x>1", &[("x", "0")]));
    assert!(!matches("x<1", &[("x", "2")]));
    assert!(matches("x in (a,b)", &[("x", "b")]));
    assert!(matches("x notin (a,b)", &[("y", "b")]));
    assert!(!matches("x notin (a,b)", &[("x", "a")]));
}

#[test]
fn requirements_are_sorted_by_key() {
    let selector = parse("z=1,a=2").unwrap();
    let keys: Vec<&str> = selector
        .requirements
        .iter()
        .map(|r| r.key.as_str())
        .collect();
    assert_eq!(keys, ["a", "z"]);
}
