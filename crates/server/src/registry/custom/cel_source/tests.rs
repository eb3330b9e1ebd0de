use super::*;

#[test]
fn a_syntax_error_is_shown_as_cel_go_shows_it() {
    let error = parse("self.x ==").unwrap_err();
    assert!(
        error.starts_with("ERROR: <input>:1:10: Syntax error: mismatched input '<EOF>'"),
        "{error}"
    );
    assert!(error.ends_with("\n | self.x ==\n | .........^"), "{error}");
}

#[test]
fn the_optional_syntax_is_parsed() {
    assert!(parse("oldSelf.?x.orValue(1) == 1").is_ok());
}

#[test]
fn an_issue_points_at_its_column() {
    assert_eq!(
        issue(
            "self.a == foo",
            10,
            "undeclared reference to 'foo' (in container '')"
        ),
        "ERROR: <input>:1:11: undeclared reference to 'foo' (in container '')\n | self.a == foo\n | ..........^"
    );
    assert_eq!(
        issue("self.a &&\n  foo", 12, "m"),
        "ERROR: <input>:2:3: m\n |   foo\n | ..^"
    );
}

#[test]
fn identifiers_and_selections_are_found_outside_literals() {
    let source = "'foo.bar' == foo && self.bar == x.foo";
    assert_eq!(find_ident(source, "foo"), Some(13));
    assert_eq!(find_select(source, "bar"), Some(24));
    assert_eq!(find_ident(source, "x"), Some(32));
    assert_eq!(find_ident(source, "nothing"), None);
}

#[test]
fn calls_and_operators_are_found_outside_literals() {
    assert_eq!(find_call("'foo(' + foo (1)", "foo"), Some(13));
    assert_eq!(find_call("self.x.foo()", "foo"), Some(10));
    assert_eq!(find_call("barfoo(1)", "foo"), None);
    assert_eq!(find_operator("'a + b' + 1", "+"), Some(8));
    assert_eq!(find_operator("a <= b || a < c", "<"), Some(12));
}
