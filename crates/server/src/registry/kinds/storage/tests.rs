use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn the_default_class_is_marked_in_its_name() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let class = json!({
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path",
    });
    let cells = storage_class_cells(&class, now);
    assert_eq!(
        cells[..5],
        [
            json!("standard (default)"),
            json!("rancher.io/local-path"),
            json!("Delete"),
            json!("Immediate"),
            json!(false)
        ]
    );
}

#[test]
fn csi_drivers_print_their_defaults() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let driver = json!({"metadata": {"name": "d"}, "spec": {"volumeLifecycleModes": ["Persistent", "Ephemeral"]}});
    let cells = csi_driver_cells(&driver, now);
    assert_eq!(
        cells[1..7],
        [
            json!(true),
            json!(false),
            json!(false),
            json!("<unset>"),
            json!(false),
            json!("Persistent,Ephemeral")
        ]
    );
}
