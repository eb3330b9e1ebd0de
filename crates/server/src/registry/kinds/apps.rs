//! The `apps` group kinds served: Deployment, ReplicaSet, StatefulSet, DaemonSet and
//! ControllerRevision, with kube-apiserver's defaults, `metadata.generation`, selector checks,
//! status and scale subresources, and kubectl's columns.

use k8s_openapi::api::apps::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::workloads::{self, object_at, set_default};
use super::{Admission, Kind, Serving, Strategy, schema_of};
use crate::registry::printing::{self, AGE, NAME, column, int, text};

/// The columns every pod-template kind ends with in `-o wide`.
const CONTAINERS: printing::Column = column("Containers", "string", 1);
const IMAGES: printing::Column = column("Images", "string", 1);
const SELECTOR: printing::Column = column("Selector", "string", 1);

/// The kinds of the apps group.
pub const KINDS: &[Kind] = &[
    Kind {
        group: "apps",
        version: "v1",
        resource: "controllerrevisions",
        kind: "ControllerRevision",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &[],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Controller", "string", 0),
            column("Revision", "string", 0),
            AGE,
        ],
        cells: revision_cells,
        schema: Some(schema_of::<types::ControllerRevision>()),
        field_labels: None,
        strategy: &RevisionStrategy,
    },
    Kind {
        group: "apps",
        version: "v1",
        resource: "daemonsets",
        kind: "DaemonSet",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Desired", "integer", 0),
            column("Current", "integer", 0),
            column("Ready", "integer", 0),
            column("Up-to-date", "integer", 0),
            column("Available", "integer", 0),
            column("Node Selector", "string", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        cells: daemon_set_cells,
        schema: Some(schema_of::<types::DaemonSet>()),
        field_labels: None,
        strategy: &Workload::DaemonSet,
    },
    Kind {
        group: "apps",
        version: "v1",
        resource: "deployments",
        kind: "Deployment",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["scale", "status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Ready", "string", 0),
            column("Up-to-date", "string", 0),
            column("Available", "string", 0),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        cells: deployment_cells,
        schema: Some(schema_of::<types::Deployment>()),
        field_labels: None,
        strategy: &Workload::Deployment,
    },
    Kind {
        group: "apps",
        version: "v1",
        resource: "replicasets",
        kind: "ReplicaSet",
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
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ],
        cells: replica_set_cells,
        schema: Some(schema_of::<types::ReplicaSet>()),
        field_labels: Some(&["metadata.name", "metadata.namespace", "status.replicas"]),
        strategy: &Workload::ReplicaSet,
    },
    Kind {
        group: "apps",
        version: "v1",
        resource: "statefulsets",
        kind: "StatefulSet",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["scale", "status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[NAME, column("Ready", "string", 0), AGE, CONTAINERS, IMAGES],
        cells: stateful_set_cells,
        schema: Some(schema_of::<types::StatefulSet>()),
        field_labels: None,
        strategy: &Workload::StatefulSet,
    },
];

/// The apps kinds with a pod template: each its defaults (`SetDefaults_*` of apps/v1) and
/// its validation.
enum Workload {
    DaemonSet,
    Deployment,
    ReplicaSet,
    StatefulSet,
}

impl Workload {
    /// The kind as kube-apiserver's empty-selector message names it.
    fn selector_word(&self) -> &'static str {
        match self {
            Self::DaemonSet => "daemonset",
            Self::Deployment | Self::ReplicaSet => "deployment",
            Self::StatefulSet => "statefulset",
        }
    }

    fn defaults(&self, object: &mut Value) {
        let spec = object_at(object, &["spec"]);
        match self {
            Self::Deployment => {
                set_default(spec, "replicas", json!(1));
                set_default(spec, "revisionHistoryLimit", json!(10));
                set_default(spec, "progressDeadlineSeconds", json!(600));
                let strategy = object_at(object, &["spec", "strategy"]);
                set_default(strategy, "type", json!("RollingUpdate"));
                if strategy.get("type") == Some(&json!("RollingUpdate")) {
                    let rolling = object_at(object, &["spec", "strategy", "rollingUpdate"]);
                    set_default(rolling, "maxUnavailable", json!("25%"));
                    set_default(rolling, "maxSurge", json!("25%"));
                }
            }
            Self::ReplicaSet => set_default(spec, "replicas", json!(1)),
            Self::StatefulSet => {
                set_default(spec, "replicas", json!(1));
                set_default(spec, "podManagementPolicy", json!("OrderedReady"));
                set_default(spec, "revisionHistoryLimit", json!(10));
                set_default(
                    spec,
                    "persistentVolumeClaimRetentionPolicy",
                    json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
                );
                let strategy = object_at(object, &["spec", "updateStrategy"]);
                set_default(strategy, "type", json!("RollingUpdate"));
                if strategy.get("type") == Some(&json!("RollingUpdate")) {
                    let rolling = object_at(object, &["spec", "updateStrategy", "rollingUpdate"]);
                    set_default(rolling, "partition", json!(0));
                }
            }
            Self::DaemonSet => {
                set_default(spec, "revisionHistoryLimit", json!(10));
                let strategy = object_at(object, &["spec", "updateStrategy"]);
                set_default(strategy, "type", json!("RollingUpdate"));
                if strategy.get("type") == Some(&json!("RollingUpdate")) {
                    let rolling = object_at(object, &["spec", "updateStrategy", "rollingUpdate"]);
                    set_default(rolling, "maxUnavailable", json!(1));
                    set_default(rolling, "maxSurge", json!(0));
                }
            }
        }
        workloads::default_pod_spec(object, "/spec/template/spec");
    }
}

impl Strategy for Workload {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        self.defaults(object);
        workloads::first_generation(object);
        // The status a new object starts with: its zero value, as the Go type serializes it.
        object["status"] = match self {
            Self::Deployment => json!({}),
            Self::ReplicaSet => json!({"replicas": 0}),
            Self::StatefulSet => json!({"replicas": 0, "availableReplicas": 0}),
            Self::DaemonSet => json!({
                "currentNumberScheduled": 0,
                "numberMisscheduled": 0,
                "desiredNumberScheduled": 0,
                "numberReady": 0,
            }),
        };
    }

    fn prepare_for_update(&self, request: &Admission<'_>, current: &Value, next: &mut Value) {
        if request.subresource == "status" {
            return;
        }
        self.defaults(next);
        workloads::next_generation(current, next);
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for field in ["replicas", "minReadySeconds", "revisionHistoryLimit"] {
            workloads::non_negative(object, field, &mut errors);
        }
        errors.extend(workloads::selector_and_template(
            object,
            self.selector_word(),
        ));
        errors
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        let mut errors = self.validate(next);
        if current.pointer("/spec/selector") != next.pointer("/spec/selector") {
            errors.push(FieldError::invalid(
                "spec.selector",
                kubeward_core::status::BadValue::json(
                    next.pointer("/spec/selector").unwrap_or(&Value::Null),
                ),
                "field is immutable",
            ));
        }
        errors
    }
}

/// ControllerRevisions: a revision that is not negative; `data` and `revision` immutable.
struct RevisionStrategy;

impl Strategy for RevisionStrategy {
    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let revision = int(object, "/revision");
        if revision < 0 {
            return vec![FieldError::invalid(
                "revision",
                revision,
                "must be greater than or equal to 0",
            )];
        }
        Vec::new()
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        let mut errors = self.validate(next);
        if next.get("data") != current.get("data") {
            errors.push(FieldError::forbidden("data", "field is immutable"));
        }
        errors
    }
}

/// `printDeployment`: ready of desired, up to date, available; containers, images, selector.
fn deployment_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let (names, images) = printing::containers(object, "/spec/template/spec/containers");
    vec![
        printing::name(object),
        json!(format!(
            "{}/{}",
            int(object, "/status/readyReplicas"),
            replicas(object)
        )),
        json!(int(object, "/status/updatedReplicas")),
        json!(int(object, "/status/availableReplicas")),
        printing::age(object, now),
        json!(names),
        json!(images),
        json!(selector(object)),
    ]
}

/// `printReplicaSet`: desired, current, ready.
fn replica_set_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let (names, images) = printing::containers(object, "/spec/template/spec/containers");
    vec![
        printing::name(object),
        json!(replicas(object)),
        json!(int(object, "/status/replicas")),
        json!(int(object, "/status/readyReplicas")),
        printing::age(object, now),
        json!(names),
        json!(images),
        json!(selector(object)),
    ]
}

/// `printStatefulSet`: ready of desired.
fn stateful_set_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let (names, images) = printing::containers(object, "/spec/template/spec/containers");
    vec![
        printing::name(object),
        json!(format!(
            "{}/{}",
            int(object, "/status/readyReplicas"),
            replicas(object)
        )),
        printing::age(object, now),
        json!(names),
        json!(images),
    ]
}

/// `printDaemonSet`: the scheduling counts of its status and the template's node selector.
fn daemon_set_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let (names, images) = printing::containers(object, "/spec/template/spec/containers");
    vec![
        printing::name(object),
        json!(int(object, "/status/desiredNumberScheduled")),
        json!(int(object, "/status/currentNumberScheduled")),
        json!(int(object, "/status/numberReady")),
        json!(int(object, "/status/updatedNumberScheduled")),
        json!(int(object, "/status/numberAvailable")),
        json!(printing::selector(
            object,
            "/spec/template/spec/nodeSelector"
        )),
        printing::age(object, now),
        json!(names),
        json!(images),
        json!(selector(object)),
    ]
}

/// `printControllerRevision`: the controller (`kind.group/name` of the controller owner
/// reference, lower-cased), the revision number.
fn revision_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let controller = object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|owner| owner.get("controller").and_then(Value::as_bool) == Some(true))
        .map(|owner| {
            let api_version = text(owner, "/apiVersion");
            let group = api_version
                .rsplit_once('/')
                .map(|(group, _)| group)
                .unwrap_or("");
            let kind = text(owner, "/kind");
            let group_kind = if group.is_empty() {
                kind
            } else {
                format!("{kind}.{group}")
            };
            format!("{}/{}", group_kind.to_lowercase(), text(owner, "/name"))
        })
        .unwrap_or_else(|| "<none>".to_string());
    vec![
        printing::name(object),
        json!(controller),
        json!(int(object, "/revision")),
        printing::age(object, now),
    ]
}

/// `spec.replicas` (1 when unset).
fn replicas(object: &Value) -> i64 {
    object
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// The wide `Selector` cell: `LabelSelectorAsSelector(spec.selector).String()`.
fn selector(object: &Value) -> String {
    object
        .pointer("/spec/selector")
        .map(printing::selector_string)
        .unwrap_or_default()
}
