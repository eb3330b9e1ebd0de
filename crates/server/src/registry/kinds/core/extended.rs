//! The core kinds beyond the first ones: Endpoints, LimitRange, PersistentVolume, PodTemplate,
//! ReplicationController and ResourceQuota, with their defaults, validation and kubectl's
//! columns.

use k8s_openapi::api::core::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::registry::kinds::workloads::{self, object_at, set_default};
use crate::registry::kinds::{
    Admission, DEFAULT_COLUMNS, Kind, Plain, Serving, Strategy, default_cells, schema_of,
};
use crate::registry::printing::{self, AGE, NAME, column, int, text};

/// The core kinds of this module.
pub const KINDS: &[Kind] = &[
    Kind {
        group: "",
        version: "v1",
        resource: "endpoints",
        kind: "Endpoints",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[NAME, column("Endpoints", "string", 0), AGE],
        cells: endpoints_cells,
        schema: Some(schema_of::<types::Endpoints>()),
        field_labels: None,
        strategy: &Plain,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "limitranges",
        kind: "LimitRange",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: DEFAULT_COLUMNS,
        cells: default_cells,
        schema: Some(schema_of::<types::LimitRange>()),
        field_labels: None,
        strategy: &Plain,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "persistentvolumes",
        kind: "PersistentVolume",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Capacity", "string", 0),
            column("Access Modes", "string", 0),
            column("Reclaim Policy", "string", 0),
            column("Status", "string", 0),
            column("Claim", "string", 0),
            column("StorageClass", "string", 0),
            column("VolumeAttributesClass", "string", 0),
            column("Reason", "string", 0),
            AGE,
            column("VolumeMode", "string", 1),
        ],
        cells: volume_cells,
        schema: Some(schema_of::<types::PersistentVolume>()),
        field_labels: Some(&["metadata.name"]),
        strategy: &VolumeStrategy,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "podtemplates",
        kind: "PodTemplate",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Containers", "string", 0),
            column("Images", "string", 0),
            column("Pod Labels", "string", 0),
        ],
        cells: pod_template_cells,
        schema: Some(schema_of::<types::PodTemplate>()),
        field_labels: None,
        strategy: &PodTemplateStrategy,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "replicationcontrollers",
        kind: "ReplicationController",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["scale", "status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Desired", "integer", 0),
            column("Current", "integer", 0),
            column("Ready", "integer", 0),
            AGE,
            column("Containers", "string", 1),
            column("Images", "string", 1),
            column("Selector", "string", 1),
        ],
        cells: controller_cells,
        schema: Some(schema_of::<types::ReplicationController>()),
        field_labels: Some(&["metadata.name", "metadata.namespace", "status.replicas"]),
        strategy: &ControllerStrategy,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "resourcequotas",
        kind: "ResourceQuota",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            AGE,
            column("Request", "string", 0),
            column("Limit", "string", 0),
        ],
        cells: quota_cells,
        schema: Some(schema_of::<types::ResourceQuota>()),
        field_labels: None,
        strategy: &QuotaStrategy,
    },
];

/// ResourceQuotas.
pub fn resource_quotas() -> &'static Kind {
    &KINDS[5]
}

/// `formatEndpoints`: up to three `ip:port`, then `+ N more...`; `<none>` without subsets.
fn endpoints_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let mut shown = Vec::new();
    let mut total = 0usize;
    let subsets = object
        .get("subsets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for subset in subsets {
        let addresses: Vec<String> = subset
            .get("addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|a| text(a, "/ip"))
            .collect();
        let ports: Vec<i64> = subset
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| int(p, "/port"))
            .collect();
        if ports.is_empty() {
            total += addresses.len();
            shown.extend(addresses.iter().cloned());
            continue;
        }
        for port in ports {
            total += addresses.len();
            for ip in &addresses {
                shown.push(if ip.contains(':') {
                    format!("[{ip}]:{port}")
                } else {
                    format!("{ip}:{port}")
                });
            }
        }
    }
    let cell = if subsets.is_empty() {
        "<none>".to_string()
    } else if total > 3 {
        format!("{} + {} more...", shown[..3].join(","), total - 3)
    } else {
        shown.join(",")
    };
    vec![
        printing::name(object),
        json!(cell),
        printing::age(object, now),
    ]
}

/// PersistentVolumes: `SetDefaults_PersistentVolume` (Retain, Filesystem, Pending) and the
/// fields `ValidatePersistentVolumeSpec` requires.
struct VolumeStrategy;

impl Strategy for VolumeStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        let spec = object_at(object, &["spec"]);
        set_default(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
        set_default(spec, "volumeMode", json!("Filesystem"));
        object["status"] = json!({"phase": "Pending"});
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if printing::count(object, "/spec/accessModes") == 0 {
            errors.push(FieldError::required("spec.accessModes", ""));
        }
        if object.pointer("/spec/capacity/storage").is_none() {
            errors.push(FieldError::required("spec.capacity", ""));
        }
        errors
    }
}

/// `printPersistentVolume`.
fn volume_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let claim = match object.pointer("/spec/claimRef") {
        Some(claim) if claim.is_object() => {
            format!("{}/{}", text(claim, "/namespace"), text(claim, "/name"))
        }
        _ => String::new(),
    };
    let modes = objects_modes(object.pointer("/spec/accessModes"));
    let mut phase = text(object, "/status/phase");
    if crate::registry::objects::is_terminating(object) {
        phase = "Terminating".to_string();
    }
    let mut class = text(object, "/spec/storageClassName");
    if class.is_empty() {
        class = text(
            object,
            "/metadata/annotations/volume.beta.kubernetes.io~1storage-class",
        );
    }
    let or_unset = |value: String| {
        if value.is_empty() {
            "<unset>".to_string()
        } else {
            value
        }
    };
    vec![
        printing::name(object),
        json!(text(object, "/spec/capacity/storage")),
        json!(modes),
        json!(text(object, "/spec/persistentVolumeReclaimPolicy")),
        json!(phase),
        json!(claim),
        json!(class),
        json!(or_unset(text(object, "/spec/volumeAttributesClassName"))),
        json!(text(object, "/status/reason")),
        printing::age(object, now),
        json!(or_unset(text(object, "/spec/volumeMode"))),
    ]
}

/// `GetAccessModesAsString`: the short names in kubectl's fixed order.
fn objects_modes(modes: Option<&Value>) -> String {
    let modes = crate::registry::objects::strings(modes);
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| modes.iter().any(|m| m == mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// PodTemplates: the pod template's defaults and validation.
struct PodTemplateStrategy;

impl Strategy for PodTemplateStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        workloads::default_pod_spec(object, "/template/spec");
    }

    fn prepare_for_update(&self, _request: &Admission<'_>, _current: &Value, next: &mut Value) {
        workloads::default_pod_spec(next, "/template/spec");
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        kubeward_core::validation::kinds::pod_spec(
            object.pointer("/template/spec"),
            "template.spec",
        )
    }
}

fn pod_template_cells(object: &Value, _now: OffsetDateTime) -> Vec<Value> {
    let (names, images) = printing::containers(object, "/template/spec/containers");
    vec![
        printing::name(object),
        json!(names),
        json!(images),
        json!(printing::selector(object, "/template/metadata/labels")),
    ]
}

/// ReplicationControllers: `SetDefaults_ReplicationController` (replicas, and a selector and
/// labels from the template's labels), generation, the selector against the template.
struct ControllerStrategy;

impl ControllerStrategy {
    fn defaults(object: &mut Value) {
        let labels = object
            .pointer("/spec/template/metadata/labels")
            .cloned()
            .filter(|l| l.as_object().is_some_and(|m| !m.is_empty()));
        let spec = object_at(object, &["spec"]);
        set_default(spec, "replicas", json!(1));
        if let Some(labels) = labels {
            if spec
                .get("selector")
                .and_then(Value::as_object)
                .is_none_or(|s| s.is_empty())
            {
                spec.insert("selector".into(), labels.clone());
            }
            let metadata = crate::registry::objects::metadata_mut(object);
            if metadata
                .get("labels")
                .and_then(Value::as_object)
                .is_none_or(|l| l.is_empty())
            {
                metadata.insert("labels".into(), labels);
            }
        }
        workloads::default_pod_spec(object, "/spec/template/spec");
    }
}

impl Strategy for ControllerStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        Self::defaults(object);
        workloads::first_generation(object);
        object["status"] = json!({"replicas": 0});
    }

    fn prepare_for_update(&self, request: &Admission<'_>, current: &Value, next: &mut Value) {
        if request.subresource == "status" {
            return;
        }
        Self::defaults(next);
        workloads::next_generation(current, next);
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        workloads::non_negative(object, "replicas", &mut errors);
        let selector = object
            .pointer("/spec/selector")
            .cloned()
            .unwrap_or(json!({}));
        let labels = object
            .pointer("/spec/template/metadata/labels")
            .cloned()
            .unwrap_or(json!({}));
        if selector.as_object().is_none_or(|s| s.is_empty()) {
            errors.push(FieldError::required("spec.selector", ""));
        } else if !workloads::selects(&json!({"matchLabels": selector}), &labels) {
            errors.push(FieldError::invalid(
                "spec.template.metadata.labels",
                kubeward_core::status::BadValue::json(&labels),
                "`selector` does not match template `labels`",
            ));
        }
        errors.extend(kubeward_core::validation::kinds::pod_spec(
            object.pointer("/spec/template/spec"),
            "spec.template.spec",
        ));
        errors
    }
}

/// `printReplicationController`.
fn controller_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let (names, images) = printing::containers(object, "/spec/template/spec/containers");
    vec![
        printing::name(object),
        json!(
            object
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1)
        ),
        json!(int(object, "/status/replicas")),
        json!(int(object, "/status/readyReplicas")),
        printing::age(object, now),
        json!(names),
        json!(images),
        json!(printing::selector(object, "/spec/selector")),
    ]
}

/// ResourceQuotas: a new quota's status is empty (the quota controller fills it); its scopes
/// are checked as `ValidateResourceQuotaSpec` checks them.
struct QuotaStrategy;

impl Strategy for QuotaStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        object["status"] = json!({});
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        object
            .get("spec")
            .map(crate::registry::quota::scopes::validate)
            .unwrap_or_default()
    }
}

/// `printResourceQuota`: `resource: used/hard` of the status, the `limits.*` resources apart.
fn quota_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let mut requests = Vec::new();
    let mut limits = Vec::new();
    let hard = object
        .pointer("/status/hard")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (resource, quantity) in &hard {
        let used = object
            .pointer(&format!("/status/used/{}", resource.replace('/', "~1")))
            .and_then(Value::as_str)
            .unwrap_or("0");
        let entry = format!("{resource}: {used}/{}", quantity.as_str().unwrap_or(""));
        if resource.split('.').next() == Some("limits") && resource.contains('.') {
            limits.push(entry);
        } else {
            requests.push(entry);
        }
    }
    vec![
        printing::name(object),
        printing::age(object, now),
        json!(requests.join(", ")),
        json!(limits.join(", ")),
    ]
}

#[cfg(test)]
mod tests;
