use serde_json::json;

use super::*;

fn schema() -> Value {
    json!({"type": "object", "properties": {
        "spec": {"type": "object",
            "x-kubernetes-validations": [
                {"rule": "self.minReplicas <= self.maxReplicas",
                 "message": "minReplicas must not exceed maxReplicas"},
                {"rule": "self.name.startsWith('web')"},
                {"rule": "self.maxReplicas >= oldSelf.maxReplicas",
                 "messageExpression": "'maxReplicas cannot shrink below ' + string(oldSelf.maxReplicas)",
                 "fieldPath": ".maxReplicas"},
            ],
            "properties": {
                "minReplicas": {"type": "integer"},
                "maxReplicas": {"type": "integer"},
                "name": {"type": "string", "x-kubernetes-validations": [
                    {"rule": "self.lowerAscii() == self", "reason": "FieldValueForbidden",
                     "message": "must be lower case"}]},
                "ratio": {"type": "number", "x-kubernetes-validations": [
                    {"rule": "self < 1.0"}]},
            }},
    }})
}

fn messages(object: Value, old: Option<Value>) -> Vec<String> {
    let schema = schema();
    Rules::compile(&schema)
        .expect("the schema has rules")
        .validate(&schema, &object, old.as_ref())
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn rules_that_hold_give_no_error() {
    let object = json!({"spec": {"minReplicas": 1, "maxReplicas": 3, "name": "web", "ratio": 0}});
    assert!(messages(object, None).is_empty());
}

#[test]
fn a_rule_that_does_not_hold_is_kube_s_field_error() {
    let object = json!({"spec": {"minReplicas": 5, "maxReplicas": 3, "name": "Db", "ratio": 2}});
    assert_eq!(
        messages(object, None),
        [
            "spec: Invalid value: \"object\": minReplicas must not exceed maxReplicas",
            "spec: Invalid value: \"object\": failed rule: self.name.startsWith('web')",
            "spec.name: Forbidden: must be lower case",
            "spec.ratio: Invalid value: \"number\": failed rule: self < 1.0",
        ]
    );
}

#[test]
fn transition_rules_run_on_updates_only_with_their_message_expression_and_field_path() {
    let old = json!({"spec": {"minReplicas": 1, "maxReplicas": 5, "name": "web"}});
    let next = json!({"spec": {"minReplicas": 1, "maxReplicas": 3, "name": "web"}});
    assert!(
        messages(next.clone(), None).is_empty(),
        "no old object: not run"
    );
    assert_eq!(
        messages(next, Some(old)),
        ["spec.maxReplicas: Invalid value: \"object\": maxReplicas cannot shrink below 5"]
    );
}

#[test]
fn an_evaluation_error_names_the_rule() {
    let object = json!({"spec": {"maxReplicas": 3, "name": "web"}});
    assert_eq!(
        messages(object, None),
        [
            "spec: Invalid value: \"object\": no such key: minReplicas evaluating rule: minReplicas must not exceed maxReplicas"
        ]
    );
}

#[test]
fn schemas_with_rules_are_told_apart() {
    assert!(Rules::compile(&schema()).is_some());
    assert!(
        Rules::compile(&json!({"type": "object", "properties": {"a": {"type": "string"}}}))
            .is_none()
    );
}
