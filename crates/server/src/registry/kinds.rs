//! The kinds this server serves, one description each, in the spirit of kube-apiserver's
//! `pkg/registry`: group, version, resource, scope, subresources, the name rule, the Table
//! columns and how each cell is computed, the schema that field validation checks against, and
//! the strategy (defaults, validation, admission) that every write goes through. Adding a kind is
//! one entry in one of the modules below.

use std::sync::LazyLock;

use k8s_openapi::schemars::{self, JsonSchema, SchemaGenerator};
use kubeward_core::UserInfo;
use kubeward_core::status::{FieldError, Status};
use kubeward_core::validation::NameRule;
use kubeward_store::{ListScope, ObjectKey};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;

use super::printing::{self, CellsFn, Column};
use crate::state::State;

pub mod admission;
pub mod apiextensions;
pub mod apiregistration;
pub mod apps;
pub mod autoscaling;
pub mod batch;
pub mod certificates;
pub mod coordination;
pub mod core;
pub mod discovery;
pub mod events;
pub mod flowcontrol;
pub mod networking;
pub mod node;
pub mod policy;
pub mod rbac;
pub mod reviews;
pub mod scheduling;
pub mod storage;
pub mod workloads;

/// How a resource is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serving {
    /// Stored objects: get, list, watch, create, update, patch, delete, deletecollection.
    Stored,
    /// A review: create only, answered from the request, never stored.
    Review,
}

/// Decodes an object into its Kubernetes type and encodes it again (the kind's schema, as
/// field validation uses it); an error says why it does not decode.
pub type SchemaFn = fn(&Value) -> Result<Value, String>;

/// Adds a type's OpenAPI schema, and those it refers to, to a generator's definitions and
/// returns the reference to it.
pub type OpenApiFn = fn(&mut SchemaGenerator) -> schemars::Schema;

/// A kind's Kubernetes type (k8s-openapi's): how field validation decodes objects, and its
/// OpenAPI schema as kube-apiserver publishes it.
#[derive(Clone, Copy)]
pub struct TypeSchema {
    /// The check of written objects (`None`: not checked by field validation).
    pub check: Option<SchemaFn>,
    /// The type's OpenAPI schema.
    pub openapi: OpenApiFn,
}

fn decode_encode<T: DeserializeOwned + Serialize>(object: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(object.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(typed).map_err(|e| e.to_string())
}

fn subschema<T: JsonSchema>(generator: &mut SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<T>()
}

/// The [`TypeSchema`] of the k8s-openapi type `T`: checked and published.
pub const fn schema_of<T: DeserializeOwned + Serialize + JsonSchema>() -> TypeSchema {
    TypeSchema {
        check: Some(decode_encode::<T>),
        openapi: subschema::<T>,
    }
}

/// The [`TypeSchema`] of a kind whose objects its handler checks itself (the reviews):
/// published only.
pub const fn published_only<T: JsonSchema>() -> TypeSchema {
    TypeSchema {
        check: None,
        openapi: subschema::<T>,
    }
}

/// Who writes, and what the kind's admission may ask of the rest of the server.
pub struct Admission<'a> {
    /// The shared state (the RBAC index, the authorizer's view, the store).
    pub state: &'a State,
    /// The user the request runs as.
    pub user: &'a UserInfo,
    /// The subresource written (`""`, `status`, `approval`).
    pub subresource: &'a str,
    /// The field manager whose Update the write records in `metadata.managedFields`; `None`:
    /// the managed fields are left as the written object has them (an apply sets them itself,
    /// controllers do not track theirs).
    pub manager: Option<&'a str>,
}

/// What a kind does on a write, in kube-apiserver's order: the strategy prepares the object
/// (`PrepareForCreate`/`PrepareForUpdate`), policy checks that run before storage (RBAC
/// escalation prevention) authorize it, the strategy validates it (`Validate`/`ValidateUpdate`,
/// after the metadata checks every kind gets), then validating admission plugins admit it.
/// Every method has a do-nothing default.
pub trait Strategy: Sync {
    /// Defaults and cleared fields of a new object, metadata already set.
    fn prepare_for_create(&self, request: &Admission<'_>, object: &mut Value) {
        let _ = (request, object);
    }

    /// What an update of `current` into `next` keeps, bumps or fills in.
    fn prepare_for_update(&self, request: &Admission<'_>, current: &Value, next: &mut Value) {
        let _ = (request, current, next);
    }

    /// Checks of a new object that run before validation (RBAC escalation prevention).
    fn authorize_create(&self, request: &Admission<'_>, object: &Value) -> Result<(), Status> {
        let _ = (request, object);
        Ok(())
    }

    /// Checks of an update that run before validation.
    fn authorize_update(
        &self,
        request: &Admission<'_>,
        current: &Value,
        next: &Value,
    ) -> Result<(), Status> {
        let _ = (request, current, next);
        Ok(())
    }

    /// The kind's own validation of a new object beyond its metadata.
    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let _ = object;
        Vec::new()
    }

    /// The kind's own validation of an update; by default that of the new object.
    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        let _ = current;
        self.validate(next)
    }

    /// Validating admission of a new, valid object.
    fn admit_create(&self, request: &Admission<'_>, object: &Value) -> Result<(), Status> {
        let _ = (request, object);
        Ok(())
    }

    /// Validating admission of a valid update.
    fn admit_update(
        &self,
        request: &Admission<'_>,
        current: &Value,
        next: &Value,
    ) -> Result<(), Status> {
        let _ = (request, current, next);
        Ok(())
    }

    /// `CheckGracefulDelete`: the seconds a delete of `object` leaves it before it goes, given
    /// the request's `gracePeriodSeconds`; 0 (the default) deletes it at once.
    fn grace_period(&self, object: &Value, requested: Option<i64>) -> i64 {
        let _ = (object, requested);
        0
    }

    /// The version of its resource that this kind's objects are stored in when it is not the
    /// kind's own: the kind is then another version of the resource, converted on the way in
    /// and out, as kube serves `autoscaling/v1` HorizontalPodAutoscalers from `autoscaling/v2`.
    /// `None` (the default): stored as served. The other methods then see stored objects.
    fn storage_version(&self) -> Option<&'static str> {
        None
    }

    /// `object`, written in this kind's version, converted to the storage version (called
    /// before the other methods of a write).
    fn to_storage(&self, object: &mut Value) {
        let _ = object;
    }

    /// A stored `object` converted to this kind's version.
    fn to_served(&self, object: &mut Value) {
        let _ = object;
    }

    /// The Table of `objects` when the strategy prints them itself (a custom resource's
    /// printer columns); `None` (the default): the kind's columns and cells.
    fn table(&self, objects: &[Value], revision: &str, now: OffsetDateTime) -> Option<Value> {
        let _ = (objects, revision, now);
        None
    }

    /// The structural schema whose list and map types server-side apply merges by (a custom
    /// resource's `openAPIV3Schema`); `None` (the default): the built-in kinds' table.
    fn structural_schema(&self) -> Option<&Value> {
        None
    }
}

/// A strategy with nothing of its own.
pub struct Plain;

impl Strategy for Plain {}

/// One served resource in one group version.
pub struct Kind {
    /// The API group (`""` for core).
    pub group: &'static str,
    /// The version.
    pub version: &'static str,
    /// The plural resource name.
    pub resource: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// Stored or review.
    pub serving: Serving,
    /// Subresources served on top of the generic verbs.
    pub subresources: &'static [&'static str],
    /// How object names are checked.
    pub name_rule: NameRule,
    /// The Table columns, the name first.
    pub columns: &'static [Column],
    /// The cells of one object, one per column.
    pub cells: CellsFn,
    /// The type that field validation checks written objects against and OpenAPI publishes
    /// (`None`: unchecked and unpublished).
    pub schema: Option<TypeSchema>,
    /// The field labels field selectors may use (the kind's field label conversion); `None`:
    /// only `metadata.name` and `metadata.namespace`, with apimachinery's default message.
    pub field_labels: Option<&'static [&'static str]>,
    /// What a write does.
    pub strategy: &'static dyn Strategy,
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kind({}/{} {})", self.group, self.version, self.resource)
    }
}

impl PartialEq for Kind {
    fn eq(&self, other: &Self) -> bool {
        (self.group, self.version, self.resource) == (other.group, other.version, other.resource)
    }
}

impl Kind {
    /// `apiVersion` of the objects: `v1` or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether `api_version` names this kind's version (`v1` or `group/version`), compared
    /// without building the string.
    pub fn is_api_version(&self, api_version: &str) -> bool {
        if self.group.is_empty() {
            return api_version == self.version;
        }
        api_version
            .split_once('/')
            .is_some_and(|(group, version)| group == self.group && version == self.version)
    }

    /// The store key of `name` in `namespace`.
    pub fn key(&self, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            group: self.group.to_string(),
            resource: self.resource.to_string(),
            namespace: self.namespaced.then(|| namespace.to_string()),
            name: name.to_string(),
        }
    }

    /// The objects of `namespace` (`""`: all namespaces).
    pub fn scope(&self, namespace: &str) -> ListScope {
        ListScope {
            group: self.group.to_string(),
            resource: self.resource.to_string(),
            namespace: (self.namespaced && !namespace.is_empty()).then(|| namespace.to_string()),
        }
    }

    /// The Table of `objects`.
    pub fn table(&self, objects: &[Value], revision: &str, now: OffsetDateTime) -> Value {
        self.strategy
            .table(objects, revision, now)
            .unwrap_or_else(|| printing::table(self.columns, self.cells, objects, revision, now))
    }
}

/// The columns of kinds without a printer of their own.
pub const DEFAULT_COLUMNS: &[Column] = &[printing::NAME, printing::column("Created At", "date", 0)];

/// The cells of [`DEFAULT_COLUMNS`].
pub fn default_cells(object: &Value, _now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        Value::String(printing::text(object, "/metadata/creationTimestamp")),
    ]
}

/// The kinds of each module, in the order discovery and OpenAPI list them.
const MODULES: &[&[Kind]] = &[
    core::KINDS,
    core::extended::KINDS,
    apiregistration::KINDS,
    apps::KINDS,
    events::KINDS,
    autoscaling::KINDS,
    batch::KINDS,
    certificates::KINDS,
    networking::KINDS,
    policy::KINDS,
    rbac::KINDS,
    storage::KINDS,
    admission::KINDS,
    scheduling::KINDS,
    coordination::KINDS,
    node::KINDS,
    discovery::KINDS,
    flowcontrol::KINDS,
    apiextensions::KINDS,
    reviews::KINDS,
];

/// Every served kind.
pub fn all() -> impl Iterator<Item = &'static Kind> {
    MODULES.iter().flat_map(|kinds| kinds.iter())
}

/// The stored kinds (those a namespace deletion empties, when namespaced), one per resource:
/// a version converted from another one's storage is left out.
pub fn stored() -> impl Iterator<Item = &'static Kind> {
    all()
        .filter(|kind| kind.serving == Serving::Stored && kind.strategy.storage_version().is_none())
}

/// The kinds by their resource's name, built at the first lookup: a name is shared by few kinds
/// (its versions, or the same name in two groups), so that [`find`] — on every request, for
/// its route and its metric labels — compares a handful of kinds, not the whole table.
static BY_RESOURCE: LazyLock<foldhash::HashMap<&'static str, Vec<&'static Kind>>> =
    LazyLock::new(|| {
        let mut by_resource = foldhash::HashMap::<&'static str, Vec<&'static Kind>>::default();
        for kind in all() {
            by_resource.entry(kind.resource).or_default().push(kind);
        }
        by_resource
    });

/// The kind at `group/version/resource`.
pub fn find(group: &str, version: &str, resource: &str) -> Option<&'static Kind> {
    BY_RESOURCE
        .get(resource)?
        .iter()
        .find(|k| k.group == group && k.version == version)
        .copied()
}

/// Whether some kind is served in `group/version`.
pub fn serves_group_version(group: &str, version: &str) -> bool {
    all().any(|k| k.group == group && k.version == version)
}

#[cfg(test)]
mod tests;
