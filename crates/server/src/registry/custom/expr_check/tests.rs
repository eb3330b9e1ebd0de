use serde_json::json;

use super::*;

fn checked(source: &str, root: bool) -> (Option<&'static str>, Option<String>) {
    let schema = json!({"type": "object", "properties": {
        "replicas": {"type": "integer"},
        "name": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "ports": {"type": "array", "items": {"type": "object", "properties": {"port": {"type": "integer"}}}},
    }});
    let expression = cel_source::parse(source).expect("parses");
    let (kind, issues) = Checker::new(source, &schema, root, false).check(&expression);
    (kind.name(), issues)
}

#[test]
fn declared_fields_and_variables_pass() {
    for source in [
        "self.replicas > 0 && self.name.startsWith('a')",
        "self.labels.app == 'web'",
        "self.ports.all(p, p.port > 0)",
        "has(self.name) && oldSelf.replicas <= self.replicas",
        "self.ports.map(p, p.port).exists(x, x == 80)",
    ] {
        assert_eq!(checked(source, false), (Some("bool"), None), "{source}");
    }
}

#[test]
fn an_undeclared_variable_is_cel_go_s_undeclared_reference() {
    assert_eq!(
        checked("self.replicas > minimum", false).1.as_deref(),
        Some(
            "ERROR: <input>:1:17: undeclared reference to 'minimum' (in container '')\n | self.replicas > minimum\n | ................^"
        )
    );
}

#[test]
fn an_undeclared_field_and_a_selection_on_a_scalar_are_refused() {
    assert_eq!(
        checked("self.replica > 0", false).1.as_deref(),
        Some("ERROR: <input>:1:5: undefined field 'replica'\n | self.replica > 0\n | ....^")
    );
    assert_eq!(
        checked("self.ports.all(p, p.prt > 0)", false).1.as_deref(),
        Some(
            "ERROR: <input>:1:20: undefined field 'prt'\n | self.ports.all(p, p.prt > 0)\n | ...................^"
        )
    );
    assert_eq!(
        checked("self.name.first == 'a'", false).1.as_deref(),
        Some(
            "ERROR: <input>:1:10: type 'string' does not support field selection\n | self.name.first == 'a'\n | .........^"
        )
    );
}

#[test]
fn at_the_root_metadata_has_its_name_only() {
    assert_eq!(checked("self.metadata.name == 'a'", true).1, None);
    assert!(
        checked("self.metadata.labels.size() > 0", true)
            .1
            .unwrap()
            .contains("undefined field 'labels'")
    );
}

#[test]
fn result_types_that_are_certain() {
    assert_eq!(checked("self.replicas + 1", false).0, Some("int"));
    assert_eq!(
        checked("'x' + string(self.replicas)", false).0,
        Some("string")
    );
    assert_eq!(checked("self.name", false).0, Some("string"));
    assert_eq!(checked("self.labels['a']", false).0, None);
}

#[test]
fn calls_of_undeclared_functions_are_cel_go_s_undeclared_references() {
    assert_eq!(
        checked("self.name.lenght() > 0", false).1.as_deref(),
        Some(
            "ERROR: <input>:1:17: undeclared reference to 'lenght' (in container '')\n | self.name.lenght() > 0\n | ................^"
        )
    );
    assert_eq!(
        checked("foo(self.replicas)", false).1.as_deref(),
        Some(
            "ERROR: <input>:1:4: undeclared reference to 'foo' (in container '')\n | foo(self.replicas)\n | ...^"
        )
    );
    for declared in [
        "self.name.matches('^a') && self.name.lowerAscii() == 'a'",
        "self.ports.map(p, p.port).isSorted()",
        "isCIDR(self.name) || quantity(self.name).isInteger()",
        "sets.contains([1], [1])",
    ] {
        assert_eq!(checked(declared, false).1, None, "{declared}");
    }
}

#[test]
fn operators_on_scalars_of_the_wrong_types_are_refused() {
    assert_eq!(
        checked("self.replicas + self.name == 'x'", false)
            .1
            .as_deref(),
        Some(
            "ERROR: <input>:1:15: found no matching overload for '_+_' applied to '(int, string)'\n | self.replicas + self.name == 'x'\n | ..............^"
        )
    );
    assert!(
        checked("self.replicas < 'ten'", false)
            .1
            .unwrap()
            .contains("found no matching overload for '_<_' applied to '(int, string)'")
    );
    assert_eq!(checked("self.replicas < 2.5", false).1, None);
    assert_eq!(
        checked("self.labels['a'] + 1 > 0", false).1,
        None,
        "a map value is not worked out"
    );
}

#[test]
fn results_of_library_and_namespaced_functions_are_certain_too() {
    assert_eq!(checked("isCIDR(self.name)", false).0, Some("bool"));
    assert_eq!(checked("self.name.split(',')", false).0, Some("list"));
    assert_eq!(checked("math.abs(self.replicas)", false).0, Some("int"));
    assert_eq!(
        checked("optional.of(self.name)", false).0,
        Some("optional_type")
    );
    assert_eq!(
        checked("timestamp(self.name) - timestamp(self.name)", false).0,
        Some("google.protobuf.Duration")
    );
    // An operand not worked out leaves a type parameter's result uncertain.
    assert_eq!(
        checked("self.replicas > 0 ? self.labels['a'] : 'x'", false).0,
        None
    );
    assert_eq!(
        checked("self.replicas > 0 ? 'y' : 'x'", false).0,
        Some("string")
    );
}
