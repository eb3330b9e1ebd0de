use serde_json::{Value, json};

use super::*;

const AT: &str = "spec.validation.openAPIV3Schema";

fn messages(schema: Value) -> Vec<String> {
    check(&schema, AT).iter().map(ToString::to_string).collect()
}

fn object_with(rules: Value) -> Value {
    json!({"type": "object", "properties": {"spec": {"type": "object",
        "x-kubernetes-validations": rules,
        "properties": {"replicas": {"type": "integer"}, "name": {"type": "string"}}}}})
}

#[test]
fn sound_rules_pass() {
    assert!(
        messages(object_with(json!([
            {"rule": "self.replicas >= 0", "messageExpression": "'bad: ' + string(self.replicas)"},
            {"rule": "self.replicas >= oldSelf.replicas", "optionalOldSelf": false},
        ])))
        .is_empty()
    );
}

#[test]
fn a_rule_that_does_not_compile_is_kube_s_invalid_value() {
    assert_eq!(
        messages(object_with(json!([{"rule": "self.replicas >"}]))),
        [format!(
            "{AT}.properties[spec].x-kubernetes-validations[0].rule: Invalid value: \
             {{\"Rule\":\"self.replicas \\u003e\",\"Message\":\"\",\"MessageExpression\":\"\",\"Reason\":null,\
             \"FieldPath\":\"\",\"OptionalOldSelf\":null}}: compilation failed: {}",
            cel_source::parse("self.replicas >").unwrap_err()
        )]
    );
}

#[test]
fn a_rule_must_be_a_bool_and_a_message_expression_a_string() {
    assert_eq!(
        messages(object_with(json!([
            {"rule": "self.replicas + 1"},
            {"rule": "self.replicas > 1", "messageExpression": "self.replicas"},
            {"rule": "self.replicas > 1", "messageExpression": "nope"},
        ]))),
        [
            format!(
                "{AT}.properties[spec].x-kubernetes-validations[0].rule: Invalid value: {{\"Rule\":\"self.replicas + 1\",\"Message\":\"\",\"MessageExpression\":\"\",\"Reason\":null,\"FieldPath\":\"\",\"OptionalOldSelf\":null}}: cel expression must evaluate to a bool"
            ),
            format!(
                "{AT}.properties[spec].x-kubernetes-validations[1].messageExpression: Invalid value: {{\"Rule\":\"self.replicas \\u003e 1\",\"Message\":\"\",\"MessageExpression\":\"self.replicas\",\"Reason\":null,\"FieldPath\":\"\",\"OptionalOldSelf\":null}}: messageExpression must evaluate to a string"
            ),
            format!(
                "{AT}.properties[spec].x-kubernetes-validations[2].messageExpression: Invalid value: {{\"Rule\":\"self.replicas \\u003e 1\",\"Message\":\"\",\"MessageExpression\":\"nope\",\"Reason\":null,\"FieldPath\":\"\",\"OptionalOldSelf\":null}}: messageExpression compilation failed: ERROR: <input>:1:1: undeclared reference to 'nope' (in container '')\n | nope\n | ^"
            ),
        ]
    );
}

#[test]
fn old_self_under_an_atomic_list_or_map_is_refused() {
    let schema = json!({"type": "object", "properties": {
        "list": {"type": "array", "items": {"type": "object",
            "properties": {"v": {"type": "integer"}},
            "x-kubernetes-validations": [{"rule": "self.v >= oldSelf.v"}]}},
        "keyed": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["k"],
            "items": {"type": "object", "required": ["k"],
            "properties": {"k": {"type": "string"}, "v": {"type": "integer"}},
            "x-kubernetes-validations": [{"rule": "self.v >= oldSelf.v"}]}},
        "atomic": {"type": "object", "x-kubernetes-map-type": "atomic",
            "properties": {"inner": {"type": "object", "properties": {"v": {"type": "integer"}},
                "x-kubernetes-validations": [{"rule": "self.v == oldSelf.v"}]}}},
    }});
    assert_eq!(
        messages(schema),
        [
            format!(
                "{AT}.properties[atomic].properties[inner].x-kubernetes-validations[0].rule: Invalid value: \"self.v == oldSelf.v\": oldSelf cannot be used on the uncorrelatable portion of the schema within {AT}.properties[atomic]"
            ),
            format!(
                "{AT}.properties[list].items.x-kubernetes-validations[0].rule: Invalid value: \"self.v >= oldSelf.v\": oldSelf cannot be used on the uncorrelatable portion of the schema within {AT}.properties[list]"
            ),
        ]
    );
}

#[test]
fn the_rule_s_own_fields_come_first_and_stop_compilation() {
    assert_eq!(
        messages(object_with(json!([
            {"rule": " "},
            {"rule": "self.replicas > 0", "message": "a\nb", "reason": "Bad"},
            {"rule": "self.replicas > 0", "optionalOldSelf": true},
        ]))),
        [
            format!(
                "{AT}.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not specified"
            ),
            format!(
                "{AT}.properties[spec].x-kubernetes-validations[1].message: Invalid value: \"a\\nb\": must not contain line breaks"
            ),
            format!(
                "{AT}.properties[spec].x-kubernetes-validations[1].reason: Unsupported value: \"Bad\": supported values: \"FieldValueDuplicate\", \"FieldValueForbidden\", \"FieldValueInvalid\", \"FieldValueRequired\""
            ),
        ]
    );
    assert_eq!(
        messages(object_with(
            json!([{"rule": "self.replicas > 0", "optionalOldSelf": true}])
        )),
        [format!(
            "{AT}.properties[spec].x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule"
        )]
    );
}

#[test]
fn a_field_path_must_name_a_declared_field() {
    let node = json!({"type": "object", "properties": {
        "name": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}}}});
    for (path, valid) in [
        (".name", true),
        ("['name']", true),
        (".labels['app.kubernetes.io/name']", true),
        (".labels.app", true),
        (".nam", false),
        (".name.first", false),
        ("name", false),
        (".", false),
        ("['name'", false),
    ] {
        assert_eq!(path_valid(&node, path), valid, "{path}");
    }
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
        "properties": {"name": {"type": "string"}},
        "x-kubernetes-validations": [{"rule": "self.name != ''", "fieldPath": ".nme"}]}}});
    assert_eq!(
        messages(schema),
        [format!(
            "{AT}.properties[spec].x-kubernetes-validations[0].fieldPath: Invalid value: \".nme\": must be a valid path"
        )]
    );
}
