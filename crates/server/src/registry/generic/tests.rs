use serde_json::json;

use super::*;

#[test]
fn a_subresource_write_changes_only_its_part() {
    let namespaces = kinds::core::namespaces();
    let current = json!({
        "metadata": {"name": "x", "labels": {"a": "1"}},
        "spec": {"finalizers": ["kubernetes"], "k": 1},
        "status": {"phase": "Active", "conditions": [{"type": "Approved"}]}
    });
    let next = json!({
        "metadata": {"name": "x", "labels": {"a": "2"}},
        "spec": {"finalizers": [], "k": 2},
        "status": {"phase": "Gone", "conditions": []}
    });
    let status = merge_subresource(namespaces, "status", &current, next.clone());
    assert_eq!(
        (
            status["spec"]["k"].clone(),
            status["status"]["phase"].clone()
        ),
        (json!(1), json!("Gone"))
    );
    let approval = merge_subresource(namespaces, "approval", &current, next.clone());
    assert_eq!(
        approval["status"],
        json!({"phase": "Active", "conditions": []})
    );
    let finalize = merge_subresource(namespaces, "finalize", &current, next.clone());
    assert_eq!(finalize["spec"], json!({"finalizers": [], "k": 1}));
    assert_eq!(finalize["status"]["phase"], "Active");
    let main = merge_subresource(namespaces, "", &current, next);
    assert_eq!(
        main["status"], current["status"],
        "the main resource keeps the status"
    );
    assert_eq!(main["spec"]["k"], 2);
    let without = kinds::coordination::leases();
    let main = merge_subresource(without, "", &current, next_of_lease());
    assert_eq!(
        main["status"]["phase"], "Gone",
        "a kind without a status subresource writes its status through the main resource"
    );
}

fn next_of_lease() -> serde_json::Value {
    json!({"metadata": {"name": "x"}, "status": {"phase": "Gone"}})
}

#[test]
fn an_object_is_finalized_once_nothing_holds_it() {
    let deleting = json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}});
    assert!(finalized(&deleting));
    assert!(!finalized(&json!({"metadata": {}})));
    let held =
        json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z", "finalizers": ["x/y"]}});
    assert!(!finalized(&held));
    let namespace = json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"finalizers": ["kubernetes"]}});
    assert!(!finalized(&namespace));
}

#[test]
fn storage_keys_are_kube_apiserver_s() {
    let kinds = super::kinds::core::KINDS;
    assert_eq!(
        storage_key(&kinds[3], "default", "c"),
        "/registry/configmaps/default/c"
    );
    assert_eq!(
        storage_key(super::kinds::core::nodes(), "", "n1"),
        "/registry/minions/n1"
    );
}

#[test]
fn store_errors_become_kubernetes_statuses() {
    let kind = super::kinds::core::config_maps();
    assert_eq!(store_status(StoreError::NotFound, kind, "c").code, 404);
    assert_eq!(
        store_status(StoreError::AlreadyExists, kind, "c").message,
        "configmaps \"c\" already exists"
    );
    let gone = store_status(
        StoreError::Gone {
            requested: 1,
            oldest: 5,
        },
        kind,
        "",
    );
    assert_eq!((gone.code, gone.reason.as_str()), (410, "Expired"));
    let large = store_status(
        StoreError::TooLargeRevision {
            requested: 9,
            current: 3,
        },
        kind,
        "",
    );
    assert_eq!(
        large.message,
        "Timeout: Too large resource version: 9, current: 3"
    );
}

#[test]
fn a_generated_name_that_collides_is_tried_again_up_to_kube_apiserver_s_eight_attempts() {
    let kind = super::kinds::core::config_maps();
    let taken = |name: &str| store_status(StoreError::AlreadyExists, kind, name);
    // Two collisions, then a free name: created, after three attempts.
    let mut attempts = 0;
    let created = retry_generated_name(|| {
        attempts += 1;
        if attempts < 3 {
            Err(taken(&format!("w-{attempts}")))
        } else {
            Ok(format!("w-{attempts}"))
        }
    });
    assert_eq!((created, attempts), (Ok("w-3".to_string()), 3));
    // Always taken: eight attempts, then the last 409.
    let mut attempts = 0;
    let refused = retry_generated_name::<()>(|| {
        attempts += 1;
        Err(taken(&format!("w-{attempts}")))
    });
    assert_eq!(attempts, 8);
    let refused = refused.expect_err("refused");
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (409, "AlreadyExists")
    );
    assert!(refused.message.contains("\"w-8\""), "{}", refused.message);
    // Any other failure is answered at once.
    let mut attempts = 0;
    let invalid = retry_generated_name::<()>(|| {
        attempts += 1;
        Err(status::bad_request("no"))
    });
    assert_eq!((invalid.expect_err("refused").code, attempts), (400, 1));
}

#[test]
fn only_a_name_left_to_the_server_is_generated() {
    use super::objects::needs_name_generation;
    assert!(needs_name_generation(
        &json!({"metadata": {"generateName": "w-"}})
    ));
    assert!(needs_name_generation(
        &json!({"metadata": {"name": "", "generateName": "w-"}})
    ));
    assert!(!needs_name_generation(
        &json!({"metadata": {"name": "a", "generateName": "w-"}})
    ));
    assert!(!needs_name_generation(&json!({"metadata": {"name": "a"}})));
    assert!(!needs_name_generation(
        &json!({"metadata": {"generateName": ""}})
    ));
}
