//! The core group (`v1`) kinds served: Namespace, ServiceAccount, Secret, ConfigMap, Pod,
//! Service, PersistentVolumeClaim, Node, Event. What pods and nodes need beyond a column list is
//! in `pods` and `nodes`.

use k8s_openapi::api::core::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::{NameRule, kinds};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Admission, Kind, Plain, Serving, Strategy, schema_of};
use crate::registry::objects;
use crate::registry::printing::{self, AGE, NAME, column, count, or_none, text};

pub mod extended;
pub mod nodes;
pub mod pods;
pub mod secrets;
pub mod services;

/// The kinds of the core group.
pub const KINDS: &[Kind] = &[
    Kind {
        group: "",
        version: "v1",
        resource: "namespaces",
        kind: "Namespace",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &["finalize", "status"],
        name_rule: NameRule::Dns1123Label,
        columns: &[NAME, column("Status", "string", 0), AGE],
        cells: namespace_cells,
        schema: Some(schema_of::<types::Namespace>()),
        field_labels: Some(&["metadata.name", "status.phase"]),
        strategy: &NamespaceStrategy,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "serviceaccounts",
        kind: "ServiceAccount",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["token"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[NAME, AGE],
        cells: name_and_age,
        schema: Some(schema_of::<types::ServiceAccount>()),
        field_labels: None,
        strategy: &Plain,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "secrets",
        kind: "Secret",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Type", "string", 0),
            column("Data", "string", 0),
            AGE,
        ],
        cells: secret_cells,
        schema: Some(schema_of::<types::Secret>()),
        field_labels: Some(&["metadata.name", "metadata.namespace", "type"]),
        strategy: &secrets::SecretStrategy,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "configmaps",
        kind: "ConfigMap",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[NAME, column("Data", "string", 0), AGE],
        cells: config_map_cells,
        schema: Some(schema_of::<types::ConfigMap>()),
        field_labels: None,
        strategy: &ConfigMapStrategy,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "pods",
        kind: "Pod",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status", "binding", "log", "exec", "attach", "portforward"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: pods::COLUMNS,
        cells: pods::cells,
        schema: Some(schema_of::<types::Pod>()),
        field_labels: Some(POD_FIELD_LABELS),
        strategy: &pods::PodStrategy,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "services",
        kind: "Service",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1035Label,
        columns: &[
            NAME,
            column("Type", "string", 0),
            column("Cluster-IP", "string", 0),
            column("External-IP", "string", 0),
            column("Port(s)", "string", 0),
            AGE,
            column("Selector", "string", 1),
        ],
        cells: service_cells,
        schema: Some(schema_of::<types::Service>()),
        field_labels: Some(&[
            "metadata.name",
            "metadata.namespace",
            "spec.clusterIP",
            "spec.type",
        ]),
        strategy: &services::ServiceStrategy,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "persistentvolumeclaims",
        kind: "PersistentVolumeClaim",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Status", "string", 0),
            column("Volume", "string", 0),
            column("Capacity", "string", 0),
            column("Access Modes", "string", 0),
            column("StorageClass", "string", 0),
            column("VolumeAttributesClass", "string", 0),
            AGE,
            column("VolumeMode", "string", 1),
        ],
        cells: claim_cells,
        schema: Some(schema_of::<types::PersistentVolumeClaim>()),
        field_labels: None,
        strategy: &ClaimStrategy,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "nodes",
        kind: "Node",
        namespaced: false,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: nodes::COLUMNS,
        cells: nodes::cells,
        schema: Some(schema_of::<types::Node>()),
        field_labels: Some(&["metadata.name", "spec.unschedulable"]),
        strategy: &Plain,
    },
    Kind {
        group: "",
        version: "v1",
        resource: "events",
        kind: "Event",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: super::events::COLUMNS,
        cells: super::events::core_event_cells,
        schema: Some(schema_of::<types::Event>()),
        field_labels: Some(EVENT_FIELD_LABELS),
        strategy: &Plain,
    },
];

/// The field labels of pods (`spec.host` is read as `spec.nodeName`).
const POD_FIELD_LABELS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
];

/// The field labels of events (what `kubectl describe` selects them by).
const EVENT_FIELD_LABELS: &[&str] = &[
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
    "metadata.namespace",
    "metadata.name",
];

/// Namespaces.
pub fn namespaces() -> &'static Kind {
    &KINDS[0]
}

/// ServiceAccounts.
pub fn service_accounts() -> &'static Kind {
    &KINDS[1]
}

/// Secrets.
pub fn secrets() -> &'static Kind {
    &KINDS[2]
}

/// ConfigMaps.
pub fn config_maps() -> &'static Kind {
    &KINDS[3]
}

/// Pods.
pub fn pods() -> &'static Kind {
    &KINDS[4]
}

/// Services.
pub fn services() -> &'static Kind {
    &KINDS[5]
}

/// Nodes.
pub fn nodes() -> &'static Kind {
    &KINDS[7]
}

/// The finalizer of the namespace controller: the namespace's contents are deleted.
pub const KUBERNETES_FINALIZER: &str = "kubernetes";

/// The label every namespace carries with its own name (`kubernetes.io/metadata.name`).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Namespaces start Active with the `kubernetes` finalizer and their name label.
struct NamespaceStrategy;

impl Strategy for NamespaceStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        let mut finalizers = objects::strings(object.pointer("/spec/finalizers"));
        if !finalizers.iter().any(|f| f == KUBERNETES_FINALIZER) {
            finalizers.push(KUBERNETES_FINALIZER.to_string());
        }
        object["spec"] = json!({"finalizers": finalizers});
        object["status"] = json!({"phase": "Active"});
        set_name_label(object);
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        kinds::namespace_finalizers(object)
    }

    fn prepare_for_update(&self, request: &Admission<'_>, current: &Value, next: &mut Value) {
        // Only the `finalize` subresource changes the spec's finalizers.
        if request.subresource != "finalize" {
            next["spec"] = current.get("spec").cloned().unwrap_or(json!({}));
        }
        set_name_label(next);
    }
}

/// Sets the namespace's `kubernetes.io/metadata.name` label to its name, as kube-apiserver's
/// defaulting does.
fn set_name_label(object: &mut Value) {
    let name = objects::name(object).to_string();
    let metadata = objects::metadata_mut(object);
    let labels = metadata.entry("labels").or_insert_with(|| json!({}));
    if !labels.is_object() {
        *labels = json!({});
    }
    if let Some(labels) = labels.as_object_mut() {
        labels.insert(NAMESPACE_NAME_LABEL.to_string(), json!(name));
    }
}

/// ConfigMaps: data keys and the 1 MiB limit.
struct ConfigMapStrategy;

impl Strategy for ConfigMapStrategy {
    fn validate(&self, object: &Value) -> Vec<FieldError> {
        kinds::config_map(object)
    }
}

fn name_and_age(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![printing::name(object), printing::age(object, now)]
}

fn namespace_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let phase = text(object, "/status/phase");
    vec![
        printing::name(object),
        json!(if phase.is_empty() {
            "Active".to_string()
        } else {
            phase
        }),
        printing::age(object, now),
    ]
}

fn secret_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(text(object, "/type")),
        json!(count(object, "/data") + count(object, "/stringData")),
        printing::age(object, now),
    ]
}

fn config_map_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(count(object, "/data") + count(object, "/binaryData")),
        printing::age(object, now),
    ]
}

/// kubectl's `printService`: the type, the first ClusterIP, the external addresses as
/// `getServiceExternalIP` shows them, `port[:nodePort]/protocol` of each port, the selector.
fn service_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let ports: Vec<String> = object
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
            let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
            match p.get("nodePort").and_then(Value::as_i64) {
                Some(node_port) if node_port > 0 => format!("{port}:{node_port}/{protocol}"),
                _ => format!("{port}/{protocol}"),
            }
        })
        .collect();
    let kind = text(object, "/spec/type");
    let cluster_ip = object
        .pointer("/spec/clusterIPs/0")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| text(object, "/spec/clusterIP"));
    vec![
        printing::name(object),
        json!(if kind.is_empty() {
            "ClusterIP".to_string()
        } else {
            kind
        }),
        json!(or_none(cluster_ip)),
        json!(external_ip(object)),
        json!(or_none(ports.join(","))),
        printing::age(object, now),
        json!(printing::selector(object, "/spec/selector")),
    ]
}

/// kubectl's `getServiceExternalIP` as the server prints it (wide: a load balancer's addresses,
/// sorted and distinct, are not cut short).
fn external_ip(object: &Value) -> String {
    let listed = |pointer: &str, field: &str| -> Vec<String> {
        object
            .pointer(pointer)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| {
                if field.is_empty() {
                    v.as_str().map(str::to_string)
                } else {
                    v.get(field)
                        .and_then(Value::as_str)
                        .or_else(|| v.get("hostname").and_then(Value::as_str))
                        .map(str::to_string)
                }
            })
            .collect()
    };
    let external = listed("/spec/externalIPs", "");
    match text(object, "/spec/type").as_str() {
        "" | "ClusterIP" | "NodePort" => or_none(external.join(",")),
        "LoadBalancer" => {
            let mut all = listed("/status/loadBalancer/ingress", "ip");
            all.sort();
            all.dedup();
            all.extend(external);
            if all.is_empty() {
                "<pending>".to_string()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => text(object, "/spec/externalName"),
        _ => "<unknown>".to_string(),
    }
}

/// PersistentVolumeClaims: `Pending` until bound, as kube-apiserver's strategy sets it (no
/// volume controller runs here, so a claim stays `Pending`).
struct ClaimStrategy;

impl Strategy for ClaimStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        if let Some(map) = object.as_object_mut() {
            map.insert("status".into(), json!({"phase": "Pending"}));
        }
    }
}

fn claim_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let modes: Vec<&str> = object
        .pointer("/status/accessModes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|mode| match mode {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        })
        .collect();
    let class = text(object, "/spec/storageClassName");
    let attributes = text(object, "/spec/volumeAttributesClassName");
    let mode = text(object, "/spec/volumeMode");
    vec![
        printing::name(object),
        json!(text(object, "/status/phase")),
        json!(text(object, "/spec/volumeName")),
        json!(text(object, "/status/capacity/storage")),
        json!(modes.join(",")),
        json!(class),
        json!(if attributes.is_empty() {
            "<unset>".to_string()
        } else {
            attributes
        }),
        printing::age(object, now),
        json!(if mode.is_empty() {
            "Filesystem".to_string()
        } else {
            mode
        }),
    ]
}
