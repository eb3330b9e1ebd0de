use serde_json::{Value, json};

use super::super::{Shape, Writer, apply, decode, record_update};
use super::Versions;
use kubeward_core::status::Status;

const V1: &str = "stable.example.com/v1";
const V2: &str = "stable.example.com/v2";
const T1: &str = "2026-12-05T10:00:00Z";
const T2: &str = "2026-12-05T11:00:00Z";

/// v1 names the field `cronSpec`, v2 `schedule`, as the conversion webhook of the e2e tests;
/// `v0` is not served.
#[derive(Debug)]
struct Renaming;

impl Versions for Renaming {
    fn convert(&self, object: &Value, _from: &str, to: &str) -> Result<Option<Value>, Status> {
        if to != V1 && to != V2 {
            return Ok(None);
        }
        let mut out = object.clone();
        if let Some(spec) = out.get_mut("spec").and_then(Value::as_object_mut) {
            let (from_name, to_name) = if to == V2 {
                ("cronSpec", "schedule")
            } else {
                ("schedule", "cronSpec")
            };
            if let Some(value) = spec.remove(from_name) {
                spec.insert(to_name.into(), value);
            }
        }
        out["apiVersion"] = json!(to);
        Ok(Some(out))
    }

    fn shape(&self, api_version: &str) -> Option<Shape<'_>> {
        (api_version == V1 || api_version == V2).then_some(Shape::Builtin)
    }
}

fn writer<'a>(manager: &'a str, api_version: &'a str, now: &'a str) -> Writer<'a> {
    Writer {
        manager,
        api_version,
        subresource: "",
        now,
        shape: Shape::Builtin,
        has_status: false,
        versions: Some(&Renaming),
    }
}

fn crontab(api_version: &str, spec: Value) -> Value {
    json!({"apiVersion": api_version, "kind": "CronTab",
           "metadata": {"name": "nightly", "namespace": "default", "uid": "u1"}, "spec": spec})
}

/// Each entry as `manager operation apiVersion fieldsV1`.
fn entries(object: &Value) -> Vec<String> {
    decode(object)
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e.manager,
                e.operation,
                e.api_version,
                e.fields.to_fields_v1()
            )
        })
        .collect()
}

#[test]
fn a_conflict_is_found_and_named_in_the_owners_version() {
    let alice = apply(
        &writer("alice", V1, T1),
        None,
        &crontab(V1, json!({"cronSpec": "* * * * *"})),
        false,
    )
    .unwrap()
    .object;
    // Bob's view of the object is v2.
    let live = Renaming.convert(&alice, V1, V2).unwrap().unwrap();
    let refused = apply(
        &writer("bob", V2, T2),
        Some(&live),
        &crontab(V2, json!({"schedule": "0 * * * *"})),
        false,
    )
    .unwrap_err();
    assert_eq!(
        refused.message,
        r#"Apply failed with 1 conflict: conflict with "alice": .spec.cronSpec"#
    );
    // Forced, Bob owns `schedule` at v2 and Alice keeps nothing.
    let forced = apply(
        &writer("bob", V2, T2),
        Some(&live),
        &crontab(V2, json!({"schedule": "0 * * * *"})),
        true,
    )
    .unwrap()
    .object;
    assert_eq!(
        entries(&forced),
        [format!(
            "bob Apply {V2} {}",
            json!({"f:spec": {"f:schedule": {}}})
        )]
    );
}

#[test]
fn an_update_takes_a_renamed_field_from_its_owner_at_another_version() {
    let alice = apply(
        &writer("alice", V1, T1),
        None,
        &crontab(V1, json!({"cronSpec": "* * * * *", "image": "a"})),
        false,
    )
    .unwrap()
    .object;
    let live = Renaming.convert(&alice, V1, V2).unwrap().unwrap();
    let mut edited = live.clone();
    edited["spec"]["schedule"] = json!("5 * * * *");
    record_update(&writer("kubectl-edit", V2, T2), Some(&live), &mut edited);
    assert_eq!(
        entries(&edited),
        [
            format!("alice Apply {V1} {}", json!({"f:spec": {"f:image": {}}})),
            format!(
                "kubectl-edit Update {V2} {}",
                json!({"f:spec": {"f:schedule": {}}})
            ),
        ]
    );
}

#[test]
fn a_manager_of_a_version_no_longer_served_is_dropped() {
    let mut object = crontab(V1, json!({"cronSpec": "* * * * *"}));
    record_update(
        &writer("old", "stable.example.com/v0", T1),
        None,
        &mut object,
    );
    let live = object.clone();
    object["spec"]["image"] = json!("b");
    record_update(&writer("kubectl-edit", V1, T2), Some(&live), &mut object);
    assert_eq!(
        entries(&object),
        [format!(
            "kubectl-edit Update {V1} {}",
            json!({"f:spec": {"f:image": {}}})
        )]
    );
}

#[test]
fn an_applier_moving_to_another_version_loses_what_it_no_longer_applies() {
    let carol = apply(
        &writer("carol", V1, T1),
        None,
        &crontab(V1, json!({"cronSpec": "* * * * *", "image": "a"})),
        false,
    )
    .unwrap()
    .object;
    let live = Renaming.convert(&carol, V1, V2).unwrap().unwrap();
    let moved = apply(
        &writer("carol", V2, T2),
        Some(&live),
        &crontab(V2, json!({"image": "b"})),
        false,
    )
    .unwrap()
    .object;
    assert_eq!(moved["spec"], json!({"image": "b"}));
    assert_eq!(
        entries(&moved),
        [format!(
            "carol Apply {V2} {}",
            json!({"f:spec": {"f:image": {}}})
        )]
    );
}

#[test]
fn an_object_without_managed_fields_is_first_owned_by_before_first_apply() {
    let live = crontab(V1, json!({"cronSpec": "* * * * *"}));
    let mut updated = live.clone();
    updated["spec"]["image"] = json!("a");
    record_update(&writer("kubectl-edit", V1, T1), Some(&live), &mut updated);
    assert!(
        updated["metadata"].get("managedFields").is_none(),
        "not tracked until an apply"
    );
    let refused = apply(
        &writer("ops", V1, T2),
        Some(&updated),
        &crontab(V1, json!({"cronSpec": "0 * * * *"})),
        false,
    )
    .unwrap_err();
    assert_eq!(
        refused.message,
        format!(
            r#"Apply failed with 1 conflict: conflict with "before-first-apply" using {V1}: .spec.cronSpec"#
        )
    );
    let applied = apply(
        &writer("ops", V1, T2),
        Some(&updated),
        &crontab(V1, json!({"cronSpec": "* * * * *"})),
        false,
    )
    .unwrap()
    .object;
    assert_eq!(
        entries(&applied),
        [
            format!("ops Apply {V1} {}", json!({"f:spec": {"f:cronSpec": {}}})),
            format!(
                "before-first-apply Update {V1} {}",
                json!({"f:spec": {"f:cronSpec": {}, "f:image": {}}})
            ),
        ]
    );
}
