use serde_json::{Value, json};

use super::*;

const AT: &str = "spec.validation.openAPIV3Schema";

fn messages(schema: Value) -> Vec<String> {
    check(&schema, AT, false)
        .iter()
        .map(ToString::to_string)
        .collect()
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
            {"rule": "self.replicas >= 0", "messageExpression": "'bad: %d'.format([self.replicas])"},
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

fn list_rule(list: Value) -> Value {
    json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "hosts": list}}}})
}

const HINT: &str = "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";

#[test]
fn a_rule_estimated_over_the_budget_is_forbidden_until_limits_bound_it() {
    let rule = json!([{"rule": "self.all(x, x.matches('^[a-z]+$'))"}]);
    let unbounded = list_rule(json!({"type": "array", "items": {"type": "string"},
        "x-kubernetes-validations": rule}));
    assert_eq!(
        messages(unbounded.clone()),
        [
            format!(
                "{AT}.properties[spec].properties[hosts].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x {HINT}"
            ),
            format!(
                "{AT}.properties[spec].properties[hosts].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema"
            ),
            format!(
                "{AT}: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x {HINT}"
            ),
        ]
    );
    let bounded = list_rule(json!({"type": "array", "maxItems": 100,
        "items": {"type": "string", "maxLength": 64}, "x-kubernetes-validations": rule}));
    assert!(messages(bounded).is_empty());
    // An unchanged schema is not refused rule by rule, only for its total.
    assert_eq!(check(&unbounded, AT, true).len(), 2);
}

#[test]
fn a_rule_under_an_unbounded_list_runs_for_every_item_a_request_can_hold() {
    let items = json!({"type": "array", "items": {"type": "string", "maxLength": 64,
        "x-kubernetes-validations": [{"rule": "self.matches('^[a-z]+$')"}]}});
    // One evaluation: 1 + ceil(257 × 0.1) × ceil(8 × 0.25) = 53; times 3,145,728 / 3.
    let errors = messages(list_rule(items));
    assert_eq!(
        errors[0],
        format!(
            "{AT}.properties[spec].properties[hosts].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of {:.1}x {HINT}",
            (53 * (3_145_728 / 3)) as f64 / 10_000_000.0
        )
    );
    let bounded = json!({"type": "array", "maxItems": 10, "items": {"type": "string",
        "maxLength": 64, "x-kubernetes-validations": [{"rule": "self.matches('^[a-z]+$')"}]}});
    assert!(messages(list_rule(bounded)).is_empty());
}

#[test]
fn a_message_expression_joining_strings_of_unknown_size_is_over_the_budget() {
    // kube's own case: `string()` of a value has no estimated size, so the concatenation's cost
    // is unbounded (validation_test.go, "messageExpression exceeding per-CRD estimated cost").
    let schema = json!({"type": "object", "properties": {"f": {"type": "array",
        "items": {"type": "string"},
        "x-kubernetes-validations": [{"rule": "true",
            "messageExpression": "string(self[0]) + string(self[1]) + string(self[2])"}]}}});
    let at = format!("{AT}.properties[f].x-kubernetes-validations[0].messageExpression");
    assert_eq!(
        messages(schema),
        [
            format!(
                "{at}: Forbidden: estimated messageExpression cost exceeds budget by factor of more than 100x {HINT}"
            ),
            format!(
                "{at}: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema"
            ),
            format!(
                "{AT}: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x {HINT}"
            ),
        ]
    );
}
