use serde_json::json;

use super::*;

const T1: &str = "2026-12-05T10:00:00Z";
const T2: &str = "2026-12-05T11:00:00Z";

fn writer<'a>(manager: &'a str, now: &'a str) -> Writer<'a> {
    Writer {
        manager,
        api_version: "apps/v1",
        subresource: "",
        now,
        shape: Shape::Builtin,
        has_status: true,
        versions: None,
    }
}

fn deployment(replicas: i64, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "web", "image": image}]}}}})
}

#[test]
fn a_create_records_one_update_entry_as_kube_does() {
    let mut object = deployment(1, "nginx");
    object["status"] = json!({"replicas": 0});
    record_update(&writer("kubectl-create", T1), None, &mut object);
    assert_eq!(
        object["metadata"]["managedFields"],
        json!([{
            "manager": "kubectl-create", "operation": "Update", "apiVersion": "apps/v1",
            "time": T1, "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {
                    "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}
                }}
            }
        }])
    );
}

#[test]
fn an_update_takes_changed_fields_from_other_managers() {
    let mut object = deployment(1, "nginx");
    record_update(&writer("kubectl-create", T1), None, &mut object);
    let live = object.clone();
    object["spec"]["replicas"] = json!(5);
    record_update(&writer("kubectl-scale", T2), Some(&live), &mut object);
    let entries = decode(&object).unwrap();
    assert_eq!(entries.len(), 2);
    let replicas = [
        PathElement::Field("spec".into()),
        PathElement::Field("replicas".into()),
    ];
    assert!(!entries[0].fields.has(&replicas));
    assert_eq!(entries[1].manager, "kubectl-scale");
    assert_eq!(entries[1].time.as_deref(), Some(T2));
    assert!(entries[1].fields.has(&replicas));
    // An update that changes nothing keeps the entries (and their times) as they are.
    let again = object.clone();
    record_update(&writer("kubectl-edit", T2), Some(&again), &mut object);
    assert_eq!(object, again);
}

#[test]
fn managed_fields_a_client_sends_replace_the_stored_ones_and_empty_resets() {
    let mut object = deployment(1, "nginx");
    record_update(&writer("kubectl-create", T1), None, &mut object);
    let live = object.clone();
    let mut sent = live.clone();
    sent["metadata"]["managedFields"][0]["manager"] = json!("renamed");
    record_update(&writer("kubectl-edit", T2), Some(&live), &mut sent);
    assert_eq!(sent["metadata"]["managedFields"][0]["manager"], "renamed");
    let mut reset = live.clone();
    reset["metadata"]["managedFields"] = json!([{}]);
    record_update(&writer("kubectl-edit", T2), Some(&live), &mut reset);
    assert!(reset["metadata"].get("managedFields").is_none());
    // Entries that do not decode are ignored: the stored ones stay.
    let mut bad = live.clone();
    bad["metadata"]["managedFields"] = json!([{"manager": "x", "fieldsType": "FieldsV9"}]);
    record_update(&writer("kubectl-edit", T2), Some(&live), &mut bad);
    assert_eq!(
        bad["metadata"]["managedFields"],
        live["metadata"]["managedFields"]
    );
}

#[test]
fn apply_creates_then_conflicts_then_forces() {
    let created = apply(&writer("kubectl", T1), None, &deployment(2, "nginx"), false).unwrap();
    assert!(created.changed);
    let object = created.object;
    assert_eq!(object["spec"]["replicas"], 2);
    assert_eq!(object["metadata"]["managedFields"][0]["operation"], "Apply");
    assert_eq!(
        object["metadata"]["managedFields"][0]["fieldsV1"]["f:metadata"],
        json!({"f:labels": {"f:app": {}}})
    );
    // Another manager changes replicas with an update: it owns them now.
    let mut scaled = object.clone();
    scaled["spec"]["replicas"] = json!(4);
    record_update(
        &writer("kubectl-client-side-apply", T2),
        Some(&object),
        &mut scaled,
    );
    let refused = apply(
        &writer("kubectl", T2),
        Some(&scaled),
        &deployment(2, "nginx"),
        false,
    )
    .unwrap_err();
    assert_eq!(refused.code, 409);
    assert_eq!(
        refused.message,
        r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#
    );
    let cause = &refused.details.as_ref().unwrap().causes[0];
    assert_eq!(cause.reason, "FieldManagerConflict");
    assert_eq!(cause.field, ".spec.replicas");
    assert_eq!(
        cause.message,
        r#"conflict with "kubectl-client-side-apply" using apps/v1"#
    );
    // The same value is no conflict: both own it.
    assert!(
        apply(
            &writer("kubectl", T2),
            Some(&scaled),
            &deployment(4, "nginx"),
            false
        )
        .is_ok()
    );
    // Forced, the applier takes the field; the other manager, left with nothing, goes.
    let forced = apply(
        &writer("kubectl", T2),
        Some(&scaled),
        &deployment(2, "nginx"),
        true,
    )
    .unwrap()
    .object;
    assert_eq!(forced["spec"]["replicas"], 2);
    let entries = decode(&forced).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].manager, "kubectl");
}

#[test]
fn apply_removes_what_the_applier_no_longer_applies_unless_someone_else_owns_it() {
    let mut config = deployment(2, "nginx");
    config["metadata"]["labels"]["tier"] = json!("front");
    config["metadata"]["annotations"] = json!({"note": "x"});
    let object = apply(&writer("kubectl", T1), None, &config, false)
        .unwrap()
        .object;
    // Another manager owns the annotation too.
    let mut annotated = object.clone();
    annotated["metadata"]["annotations"]["other"] = json!("y");
    record_update(
        &writer("kubectl-annotate", T1),
        Some(&object),
        &mut annotated,
    );
    let shared = decode(&annotated).unwrap();
    assert_eq!(shared.len(), 2);
    let dropped = apply(
        &writer("kubectl", T2),
        Some(&annotated),
        &deployment(2, "nginx"),
        false,
    )
    .unwrap()
    .object;
    assert_eq!(dropped["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(dropped["metadata"]["annotations"], json!({"other": "y"}));
}

#[test]
fn an_unchanged_apply_changes_nothing() {
    let object = apply(&writer("kubectl", T1), None, &deployment(2, "nginx"), false)
        .unwrap()
        .object;
    let again = apply(
        &writer("kubectl", T2),
        Some(&object),
        &deployment(2, "nginx"),
        false,
    )
    .unwrap();
    assert!(!again.changed);
    assert_eq!(again.object, object);
}

#[test]
fn the_status_subresource_owns_status_only() {
    let object = apply(&writer("kubectl", T1), None, &deployment(2, "nginx"), false)
        .unwrap()
        .object;
    let mut with_status = object.clone();
    with_status["status"] = json!({"replicas": 2});
    let status_writer = Writer {
        subresource: "status",
        ..writer("kube-controller-manager", T2)
    };
    record_update(&status_writer, Some(&object), &mut with_status);
    let entries = decode(&with_status).unwrap();
    let status = entries.iter().find(|e| e.subresource == "status").unwrap();
    assert_eq!(
        status.fields.to_fields_v1(),
        json!({"f:status": {".": {}, "f:replicas": {}}})
    );
    assert_eq!(encode(&entries)[1]["subresource"], "status");
}

#[test]
fn multiple_conflicts_are_listed_by_manager() {
    let status = conflict_status(&[
        Conflict {
            manager: r#""b" using v1"#.into(),
            path: ".data.x".into(),
        },
        Conflict {
            manager: r#""a""#.into(),
            path: ".data.y".into(),
        },
        Conflict {
            manager: r#""a""#.into(),
            path: ".data.z".into(),
        },
    ]);
    assert_eq!(
        status.message,
        "Apply failed with 3 conflicts: conflicts with \"a\":\n- .data.y\n- .data.z\nconflicts with \"b\" using v1:\n- .data.x"
    );
}

#[test]
fn managers_and_their_validation() {
    assert_eq!(
        manager_from_user_agent("kubectl/v1.33.0 (linux/amd64) kubernetes/abc"),
        "kubectl"
    );
    assert_eq!(manager_from_user_agent(&"m".repeat(200)).len(), 128);
    assert!(validate_manager("kubectl", "fieldManager").is_empty());
    let long = validate_manager(&"m".repeat(129), "fieldManager");
    assert_eq!(
        long[0].to_string(),
        "fieldManager: Too long: may not be more than 128 bytes"
    );
    let object = json!({"metadata": {"managedFields": [{"manager": "x", "operation": "Bogus", "fieldsType": "FieldsV1"}]}});
    assert_eq!(
        validate(&object)[0].to_string(),
        "metadata.managedFields[0].operation: Invalid value: \"Bogus\": must be `Apply` or `Update`"
    );
}

#[test]
fn kubectl_takes_over_its_client_side_applies_and_keeps_the_annotation() {
    let mut object = deployment(2, "nginx");
    object["metadata"]["annotations"] = json!({LAST_APPLIED: deployment(2, "nginx").to_string()});
    record_update(&writer("kubectl-client-side-apply", T1), None, &mut object);
    // Another applier conflicts; kubectl, whose annotation matches the object, does not.
    assert_eq!(
        apply(
            &writer("ops", T2),
            Some(&object),
            &deployment(3, "nginx"),
            false
        )
        .unwrap_err()
        .code,
        409
    );
    let applied = apply(
        &writer("kubectl", T2),
        Some(&object),
        &deployment(3, "nginx"),
        false,
    )
    .unwrap()
    .object;
    assert_eq!(applied["spec"]["replicas"], 3);
    let annotation = applied["metadata"]["annotations"][LAST_APPLIED]
        .as_str()
        .unwrap();
    let recorded: Value = serde_json::from_str(annotation).unwrap();
    assert_eq!(recorded, deployment(3, "nginx"));
    // Once the object drifts from the annotation, kubectl conflicts too.
    let mut scaled = object.clone();
    scaled["spec"]["replicas"] = json!(5);
    record_update(&writer("kubectl-scale", T2), Some(&object), &mut scaled);
    assert_eq!(
        apply(
            &writer("kubectl", T2),
            Some(&scaled),
            &deployment(3, "nginx"),
            false
        )
        .unwrap_err()
        .code,
        409
    );
}

#[test]
fn kubectl_overrides_only_the_conflicts_on_fields_still_as_last_applied() {
    let mut object = deployment(2, "nginx");
    object["metadata"]["annotations"] = json!({LAST_APPLIED: deployment(2, "nginx").to_string()});
    record_update(&writer("kubectl-client-side-apply", T1), None, &mut object);
    let mut scaled = object.clone();
    scaled["spec"]["replicas"] = json!(5);
    record_update(&writer("kubectl-scale", T2), Some(&object), &mut scaled);
    // The image is still as last applied (allowed); the replicas are not (a conflict left).
    let refused = apply(
        &writer("kubectl", T2),
        Some(&scaled),
        &deployment(3, "nginx:2"),
        false,
    )
    .unwrap_err();
    assert_eq!(
        refused.message,
        "Apply failed with 1 conflict: conflict with \"kubectl-scale\" using apps/v1: .spec.replicas"
    );
    // Keeping the replicas, the image conflict is overridden as client-side apply set it.
    let applied = apply(
        &writer("kubectl", T2),
        Some(&scaled),
        &deployment(5, "nginx:2"),
        false,
    )
    .unwrap()
    .object;
    assert_eq!(
        applied["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:2"
    );
    // An annotation of another apiVersion allows nothing.
    let mut other = object.clone();
    let mut last = deployment(2, "nginx");
    last["apiVersion"] = json!("apps/v1beta2");
    other["metadata"]["annotations"][LAST_APPLIED] = json!(last.to_string());
    assert_eq!(
        apply(
            &writer("kubectl", T2),
            Some(&other),
            &deployment(3, "nginx"),
            false
        )
        .unwrap_err()
        .code,
        409
    );
    // The annotation is written as Go's json.Encoder writes it (HTML-safe, a final newline).
    let mut config = deployment(2, "nginx");
    config["metadata"]["labels"]["note"] = json!("a<b");
    let applied = apply(&writer("kubectl", T2), Some(&object), &config, false)
        .unwrap()
        .object;
    let text = applied["metadata"]["annotations"][LAST_APPLIED]
        .as_str()
        .unwrap();
    assert!(
        text.ends_with("}\n") && text.contains("a\\u003cb"),
        "{text}"
    );
}
