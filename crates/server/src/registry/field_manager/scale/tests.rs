use serde_json::json;

use super::*;

fn replicas() -> Vec<PathElement> {
    vec![
        PathElement::Field("spec".into()),
        PathElement::Field("replicas".into()),
    ]
}

fn entry(manager: &str, operation: &str, subresource: &str, fields: serde_json::Value) -> Entry {
    Entry {
        manager: manager.to_string(),
        operation: operation.to_string(),
        api_version: "apps/v1".to_string(),
        time: Some("2026-12-05T10:00:00Z".to_string()),
        subresource: subresource.to_string(),
        fields: Set::from_fields_v1(&fields).unwrap(),
    }
}

fn creator() -> Entry {
    entry(
        "kubectl-create",
        UPDATE,
        "",
        json!({"f:spec": {"f:replicas": {}, "f:template": {}}}),
    )
}

fn summary(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {:?} {}",
                e.manager,
                e.operation,
                e.subresource,
                e.time,
                e.fields.to_fields_v1()
            )
        })
        .collect()
}

#[test]
fn kubectl_scale_takes_the_replicas_in_an_entry_without_time() {
    let path = replicas();
    let writer = ScaleWriter {
        manager: "kubectl",
        api_version: "apps/v1",
        replicas: &path,
    };
    let entries = record_update(&writer, vec![creator()], true);
    assert_eq!(
        summary(&entries),
        [
            "kubectl-create Update  Some(\"2026-12-05T10:00:00Z\") {\"f:spec\":{\"f:template\":{}}}",
            "kubectl Update scale None {\"f:spec\":{\"f:replicas\":{}}}",
        ]
    );
    // Scaling again keeps one entry; a scale to the same replicas changes nothing.
    let again = record_update(&writer, entries.clone(), true);
    assert_eq!(summary(&again), summary(&entries));
    assert_eq!(record_update(&writer, entries.clone(), false), entries);
}

#[test]
fn an_apply_to_the_scale_conflicts_with_the_owner_of_the_replicas_until_forced() {
    let path = replicas();
    let writer = ScaleWriter {
        manager: "hpa",
        api_version: "apps/v1",
        replicas: &path,
    };
    let refused = apply(&writer, vec![creator()], true, true, false).unwrap_err();
    assert_eq!(refused.code, 409);
    assert_eq!(
        refused.message,
        "Apply failed with 1 conflict: conflict with \"kubectl-create\" using apps/v1: .spec.replicas"
    );
    // The same value is shared, not a conflict.
    let (shared, removed) = apply(&writer, vec![creator()], true, false, false).unwrap();
    assert!(!removed);
    assert_eq!(
        summary(&shared),
        [
            "kubectl-create Update  Some(\"2026-12-05T10:00:00Z\") {\"f:spec\":{\"f:replicas\":{},\"f:template\":{}}}",
            "hpa Apply scale None {\"f:spec\":{\"f:replicas\":{}}}",
        ]
    );
    let (forced, _) = apply(&writer, vec![creator()], true, true, true).unwrap();
    assert_eq!(
        summary(&forced),
        [
            "kubectl-create Update  Some(\"2026-12-05T10:00:00Z\") {\"f:spec\":{\"f:template\":{}}}",
            "hpa Apply scale None {\"f:spec\":{\"f:replicas\":{}}}",
        ]
    );
    // Applied again, the applier's entry stays as it is; without replicas it goes, and the
    // replicas nobody else owns are removed.
    let (again, _) = apply(&writer, forced.clone(), true, true, false).unwrap();
    assert_eq!(summary(&again), summary(&forced));
    let (dropped, removed) = apply(&writer, forced, false, false, false).unwrap();
    assert!(removed);
    assert_eq!(
        summary(&dropped),
        ["kubectl-create Update  Some(\"2026-12-05T10:00:00Z\") {\"f:spec\":{\"f:template\":{}}}"]
    );
}
