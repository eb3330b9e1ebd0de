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

fn errors_of(schema: &Value, object: Value, old: Option<Value>) -> Vec<String> {
    Rules::compile(schema)
        .expect("the schema has rules")
        .validate(schema, &object, old.as_ref())
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn items_of_a_map_list_are_correlated_by_their_keys() {
    let schema = json!({"type": "object", "properties": {"ports": {
        "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
        "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "port": {"type": "integer"}},
            "x-kubernetes-validations": [{"rule": "self.port == oldSelf.port", "message": "port is immutable"}]}}}});
    let old = json!({"ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]});
    assert_eq!(
        errors_of(
            &schema,
            json!({"ports": [{"name": "https", "port": 443}, {"name": "new", "port": 1}, {"name": "http", "port": 8080}]}),
            Some(old)
        ),
        ["ports[2]: Invalid value: \"object\": port is immutable"],
        "reordered and new items are fine; the changed one is found by its key"
    );
}

#[test]
fn an_optional_old_self_rule_runs_on_create_too() {
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
        "properties": {"size": {"type": "integer"}},
        "x-kubernetes-validations": [{
            "rule": "oldSelf.hasValue() ? self.size >= oldSelf.value().size : self.size <= 10",
            "optionalOldSelf": true, "message": "too big or shrunk"}]}}});
    assert_eq!(
        errors_of(&schema, json!({"spec": {"size": 11}}), None),
        ["spec: Invalid value: \"object\": too big or shrunk"]
    );
    assert!(errors_of(&schema, json!({"spec": {"size": 5}}), None).is_empty());
    assert!(
        errors_of(
            &schema,
            json!({"spec": {"size": 50}}),
            Some(json!({"spec": {"size": 40}}))
        )
        .is_empty()
    );
    assert_eq!(
        errors_of(
            &schema,
            json!({"spec": {"size": 30}}),
            Some(json!({"spec": {"size": 40}}))
        ),
        ["spec: Invalid value: \"object\": too big or shrunk"]
    );
}

#[test]
fn a_rule_over_its_call_cost_limit_stops_validation_as_kube_says() {
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
        "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
        "x-kubernetes-validations": [
            {"rule": "self.tags.all(a, self.tags.all(b, a == b || a != b))"},
            {"rule": "false"}]}}});
    let tags: Vec<String> = (0..2000).map(|i| format!("t{i}")).collect();
    assert_eq!(
        errors_of(&schema, json!({"spec": {"tags": tags}}), None),
        [
            "spec: Invalid value: \"object\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.tags.all(a, self.tags.all(b, a == b || a != b))"
        ]
    );
}

#[test]
fn rules_that_use_up_the_request_s_budget_stop_validation_as_kube_says() {
    let schema = json!({"type": "object", "properties": {"items": {"type": "array",
        "items": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
            "x-kubernetes-validations": [
                {"rule": "self.tags.all(a, self.tags.all(b, a == b || a != b))"}]}}}});
    let tags: Vec<String> = (0..250).map(|i| format!("t{i}")).collect();
    let items: Vec<Value> = (0..40).map(|_| json!({"tags": tags})).collect();
    let errors = errors_of(&schema, json!({"items": items}), None);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].ends_with(": Invalid value: \"object\": validation failed due to running out of cost budget, no further validation rules will be run"),
        "{errors:?}"
    );
}
