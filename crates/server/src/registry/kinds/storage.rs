//! The `storage.k8s.io` group kinds served: StorageClass, CSIDriver, CSINode,
//! CSIStorageCapacity and VolumeAttachment, with their defaults and kubectl's columns (no
//! volume is provisioned or attached here).

use k8s_openapi::api::storage::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::workloads::{object_at, set_default};
use super::{Admission, Kind, Plain, Serving, Strategy, schema_of};
use crate::registry::objects;
use crate::registry::printing::{self, AGE, NAME, column, text};

/// The kinds of the storage group.
pub const KINDS: &[Kind] = &[
    Kind {
        group: "storage.k8s.io",
        version: "v1",
        resource: "csidrivers",
        kind: "CSIDriver",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("AttachRequired", "boolean", 0),
            column("PodInfoOnMount", "boolean", 0),
            column("StorageCapacity", "boolean", 0),
            column("TokenRequests", "string", 0),
            column("RequiresRepublish", "boolean", 0),
            column("Modes", "string", 0),
            AGE,
        ],
        cells: csi_driver_cells,
        schema: Some(schema_of::<types::CSIDriver>()),
        field_labels: None,
        strategy: &CsiDriverStrategy,
    },
    Kind {
        group: "storage.k8s.io",
        version: "v1",
        resource: "csinodes",
        kind: "CSINode",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[NAME, column("Drivers", "integer", 0), AGE],
        cells: csi_node_cells,
        schema: Some(schema_of::<types::CSINode>()),
        field_labels: None,
        strategy: &Plain,
    },
    Kind {
        group: "storage.k8s.io",
        version: "v1",
        resource: "csistoragecapacities",
        kind: "CSIStorageCapacity",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("StorageClassName", "string", 0),
            column("Capacity", "string", 0),
        ],
        cells: capacity_cells,
        schema: Some(schema_of::<types::CSIStorageCapacity>()),
        field_labels: None,
        strategy: &Plain,
    },
    Kind {
        group: "storage.k8s.io",
        version: "v1",
        resource: "storageclasses",
        kind: "StorageClass",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Provisioner", "string", 0),
            column("ReclaimPolicy", "string", 0),
            column("VolumeBindingMode", "string", 0),
            column("AllowVolumeExpansion", "string", 0),
            AGE,
        ],
        cells: storage_class_cells,
        schema: Some(schema_of::<types::StorageClass>()),
        field_labels: None,
        strategy: &StorageClassStrategy,
    },
    Kind {
        group: "storage.k8s.io",
        version: "v1",
        resource: "volumeattachments",
        kind: "VolumeAttachment",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Attacher", "string", 0),
            column("PV", "string", 0),
            column("Node", "string", 0),
            column("Attached", "boolean", 0),
            AGE,
        ],
        cells: attachment_cells,
        schema: Some(schema_of::<types::VolumeAttachment>()),
        field_labels: None,
        strategy: &Plain,
    },
];

/// StorageClasses: `Delete` and `Immediate` by default; a provisioner is required and the
/// parameters cannot change.
struct StorageClassStrategy;

impl Strategy for StorageClassStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        let map = object_at(object, &[]);
        set_default(map, "reclaimPolicy", json!("Delete"));
        set_default(map, "volumeBindingMode", json!("Immediate"));
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        if text(object, "/provisioner").is_empty() {
            return vec![FieldError::required("provisioner", "")];
        }
        Vec::new()
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        let mut errors = self.validate(next);
        for field in [
            "parameters",
            "provisioner",
            "reclaimPolicy",
            "volumeBindingMode",
        ] {
            if next.get(field) != current.get(field) {
                errors.push(FieldError::forbidden(
                    field,
                    &format!("updates to {field} are forbidden."),
                ));
            }
        }
        errors
    }
}

/// `printStorageClass`: the name marked `(default)` by the default-class annotation.
fn storage_class_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let default = |key: &str| {
        text(
            object,
            &format!("/metadata/annotations/{}", key.replace('/', "~1")),
        ) == "true"
    };
    let mut name = objects::name(object).to_string();
    if default("storageclass.kubernetes.io/is-default-class")
        || default("storageclass.beta.kubernetes.io/is-default-class")
    {
        name.push_str(" (default)");
    }
    let or = |pointer: &str, fallback: &str| {
        let value = text(object, pointer);
        if value.is_empty() {
            fallback.to_string()
        } else {
            value
        }
    };
    vec![
        json!(name),
        json!(text(object, "/provisioner")),
        json!(or("/reclaimPolicy", "Delete")),
        json!(or("/volumeBindingMode", "Immediate")),
        json!(
            object
                .get("allowVolumeExpansion")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
        printing::age(object, now),
    ]
}

/// CSIDrivers: `SetDefaults_CSIDriver`.
struct CsiDriverStrategy;

impl Strategy for CsiDriverStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        let spec = object_at(object, &["spec"]);
        set_default(spec, "attachRequired", json!(true));
        set_default(spec, "podInfoOnMount", json!(false));
        set_default(spec, "storageCapacity", json!(false));
        set_default(spec, "requiresRepublish", json!(false));
        set_default(spec, "fsGroupPolicy", json!("ReadWriteOnceWithFSType"));
        set_default(spec, "volumeLifecycleModes", json!(["Persistent"]));
        set_default(spec, "seLinuxMount", json!(false));
    }
}

/// `printCSIDriver`.
fn csi_driver_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let flag = |field: &str, default: bool| {
        object
            .pointer(&format!("/spec/{field}"))
            .and_then(Value::as_bool)
            .unwrap_or(default)
    };
    let tokens = match object
        .pointer("/spec/tokenRequests")
        .and_then(Value::as_array)
    {
        Some(requests) => requests
            .iter()
            .map(|r| text(r, "/audience"))
            .collect::<Vec<_>>()
            .join(","),
        None => "<unset>".to_string(),
    };
    let modes = objects::strings(object.pointer("/spec/volumeLifecycleModes")).join(",");
    vec![
        printing::name(object),
        json!(flag("attachRequired", true)),
        json!(flag("podInfoOnMount", false)),
        json!(flag("storageCapacity", false)),
        json!(tokens),
        json!(flag("requiresRepublish", false)),
        json!(printing::or_none(modes)),
        printing::age(object, now),
    ]
}

fn csi_node_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(printing::count(object, "/spec/drivers")),
        printing::age(object, now),
    ]
}

fn capacity_cells(object: &Value, _now: OffsetDateTime) -> Vec<Value> {
    let capacity = text(object, "/capacity");
    vec![
        printing::name(object),
        json!(text(object, "/storageClassName")),
        json!(if capacity.is_empty() {
            "<unset>".to_string()
        } else {
            capacity
        }),
    ]
}

/// `printVolumeAttachment`.
fn attachment_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(text(object, "/spec/attacher")),
        json!(text(object, "/spec/source/persistentVolumeName")),
        json!(text(object, "/spec/nodeName")),
        json!(
            object
                .pointer("/status/attached")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        ),
        printing::age(object, now),
    ]
}

#[cfg(test)]
mod tests;
