//! The `apiextensions.k8s.io` group: CustomResourceDefinitions, as kube-apiserver's
//! apiextensions-apiserver keeps them — the names defaulted (`singular`, `listKind`), the
//! `customresourcecleanup.apiextensions.k8s.io` finalizer (its objects are deleted before the
//! definition goes), the status its controllers write (`acceptedNames`, `storedVersions`, the
//! `NamesAccepted` and `Established` conditions) set on every write of the definition, and the
//! checks of `ValidateCustomResourceDefinition` users meet most.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as types;
use kubeward_core::status::FieldError;
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use kubeward_store::StoreExt as _;

use super::{Admission, Kind, Serving, Strategy, schema_of};
use crate::registry::custom::{conversion, rule_checks};
use crate::registry::objects;
use crate::registry::printing::{self, NAME, column};

/// The group.
pub const GROUP: &str = "apiextensions.k8s.io";

/// The finalizer that holds a definition until its objects are deleted.
pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

/// The kinds of the apiextensions group.
pub const KINDS: &[Kind] = &[Kind {
    group: GROUP,
    version: "v1",
    resource: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
    serving: Serving::Stored,
    subresources: &["status"],
    name_rule: NameRule::Dns1123Subdomain,
    columns: &[NAME, column("Created At", "date", 0)],
    cells: crd_cells,
    schema: Some(schema_of::<types::CustomResourceDefinition>()),
    field_labels: None,
    strategy: &CrdStrategy,
}];

/// CustomResourceDefinitions.
pub fn crds() -> &'static Kind {
    &KINDS[0]
}

fn crd_cells(object: &Value, _now: OffsetDateTime) -> Vec<Value> {
    vec![
        printing::name(object),
        json!(printing::text(object, "/metadata/creationTimestamp")),
    ]
}

/// Definitions: defaults, the cleanup finalizer, the status of an accepted definition.
struct CrdStrategy;

impl Strategy for CrdStrategy {
    fn prepare_for_create(&self, request: &Admission<'_>, object: &mut Value) {
        default_names(object);
        objects::metadata_mut(object).insert("generation".into(), json!(1));
        let finalizers = objects::metadata_mut(object)
            .entry("finalizers")
            .or_insert_with(|| json!([]));
        if let Some(list) = finalizers.as_array_mut()
            && !list.iter().any(|f| f == CLEANUP_FINALIZER)
        {
            list.push(json!(CLEANUP_FINALIZER));
        }
        let conflict = name_conflict(request, object);
        object["status"] = accepted_status(object, None, conflict.as_deref());
    }

    fn prepare_for_update(&self, request: &Admission<'_>, current: &Value, next: &mut Value) {
        if request.subresource == "status" {
            return;
        }
        default_names(next);
        let generation = current
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let bumped = if current.get("spec") == next.get("spec") {
            generation
        } else {
            generation + 1
        };
        objects::metadata_mut(next).insert("generation".into(), json!(bumped));
        if !objects::is_terminating(next) {
            let conflict = name_conflict(request, next);
            next["status"] = accepted_status(next, current.get("status"), conflict.as_deref());
        }
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        validate(object, None)
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        validate(next, Some(current))
    }
}

/// `spec.names.singular` (the kind in lower case) and `listKind` (`<Kind>List`) when left out.
fn default_names(object: &mut Value) {
    default_conversion(object);
    let Some(names) = object
        .pointer_mut("/spec/names")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let kind = names
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if names
        .get("singular")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        names.insert("singular".into(), json!(kind.to_lowercase()));
    }
    if names
        .get("listKind")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        names.insert("listKind".into(), json!(format!("{kind}List")));
    }
}

/// `spec.conversion` as apiextensions.k8s.io/v1 defaults it: `strategy: None` when left out,
/// a webhook Service's port 443.
fn default_conversion(object: &mut Value) {
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let conversion = spec
        .entry("conversion")
        .or_insert_with(|| json!({"strategy": "None"}));
    if conversion.is_null() {
        *conversion = json!({"strategy": "None"});
    }
    if let Some(service) = conversion
        .pointer_mut("/webhook/clientConfig/service")
        .and_then(Value::as_object_mut)
    {
        service.entry("port").or_insert(json!(443));
    }
}

/// Another definition of the same group that already serves the plural or the kind.
fn name_conflict(request: &Admission<'_>, object: &Value) -> Option<String> {
    let group = object.pointer("/spec/group").and_then(Value::as_str)?;
    let plural = object
        .pointer("/spec/names/plural")
        .and_then(Value::as_str)?;
    let kind = object.pointer("/spec/names/kind").and_then(Value::as_str)?;
    let listing = request.state.store.list_all(&crds().scope("")).ok()?;
    listing
        .items
        .iter()
        .filter(|other| objects::name(other) != objects::name(object))
        .filter(|other| other.pointer("/spec/group").and_then(Value::as_str) == Some(group))
        .find_map(|other| {
            if other
                .pointer("/status/acceptedNames/plural")
                .and_then(Value::as_str)
                == Some(plural)
            {
                Some(format!("\"{plural}\" is already in use"))
            } else if other
                .pointer("/status/acceptedNames/kind")
                .and_then(Value::as_str)
                == Some(kind)
            {
                Some(format!("\"{kind}\" is already in use"))
            } else {
                None
            }
        })
}

/// The status kube-apiserver's naming and establishing controllers give a definition: its names
/// accepted (unless `conflict` says which is taken), established, its storage version recorded.
fn accepted_status(object: &Value, current: Option<&Value>, conflict: Option<&str>) -> Value {
    let now = objects::timestamp(crate::clock::now());
    let since = |kind: &str, status: &str| -> String {
        current
            .and_then(|s| s.get("conditions"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c["type"] == kind && c["status"] == status)
            .and_then(|c| c.get("lastTransitionTime"))
            .and_then(Value::as_str)
            .map_or_else(|| now.clone(), str::to_string)
    };
    let mut stored: Vec<String> = current
        .map(|s| objects::strings(s.get("storedVersions")))
        .unwrap_or_default();
    for version in object
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .filter_map(|v| v.get("name").and_then(Value::as_str))
    {
        if !stored.iter().any(|s| s == version) {
            stored.push(version.to_string());
        }
    }
    let conditions = match conflict {
        None => json!([
            {"type": "NamesAccepted", "status": "True", "lastTransitionTime": since("NamesAccepted", "True"),
             "reason": "NoConflicts", "message": "no conflicts found"},
            {"type": "Established", "status": "True", "lastTransitionTime": since("Established", "True"),
             "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
        ]),
        Some(message) => json!([
            {"type": "NamesAccepted", "status": "False", "lastTransitionTime": since("NamesAccepted", "False"),
             "reason": "NameConflict", "message": message},
            {"type": "Established", "status": "False", "lastTransitionTime": since("Established", "False"),
             "reason": "NotAccepted", "message": "not all names are accepted"},
        ]),
    };
    let accepted = if conflict.is_none() {
        object.pointer("/spec/names").cloned().unwrap_or(json!({}))
    } else {
        current
            .and_then(|s| s.get("acceptedNames"))
            .cloned()
            .unwrap_or(json!({"plural": "", "kind": ""}))
    };
    json!({"conditions": conditions, "acceptedNames": accepted, "storedVersions": stored})
}

/// The checks of `ValidateCustomResourceDefinition` a hand-written definition fails most; `old`:
/// the definition an update replaces.
fn validate(object: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let text = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let (group, plural) = (text("/spec/group"), text("/spec/names/plural"));
    let name = objects::name(object);
    if name != format!("{plural}.{group}") {
        errors.push(FieldError::invalid(
            "metadata.name",
            name,
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    if group.is_empty() {
        errors.push(FieldError::required("spec.group", ""));
    } else if !group.contains('.') {
        errors.push(FieldError::invalid(
            "spec.group",
            group,
            "should be a domain with at least one dot",
        ));
    }
    match text("/spec/scope") {
        "Cluster" | "Namespaced" => {}
        "" => errors.push(FieldError::required("spec.scope", "")),
        other => errors.push(FieldError::not_supported(
            "spec.scope",
            other,
            &["Cluster", "Namespaced"],
        )),
    }
    for (field, pointer) in [
        ("plural", "/spec/names/plural"),
        ("kind", "/spec/names/kind"),
    ] {
        if text(pointer).is_empty() {
            errors.push(FieldError::required(&format!("spec.names.{field}"), ""));
        }
    }
    let versions = object
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if versions.is_empty() {
        errors.push(FieldError::invalid(
            "spec.versions",
            kubeward_core::status::BadValue::Json("null".into()),
            "must have exactly one version marked as storage version",
        ));
        return errors;
    }
    let storage = versions
        .iter()
        .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .count();
    if storage != 1 {
        errors.push(FieldError::invalid(
            "spec.versions",
            kubeward_core::status::BadValue::json(&versions),
            "must have exactly one version marked as storage version",
        ));
    }
    errors.extend(rule_errors(&versions, &|version| {
        unchanged_schema(version, old)
    }));
    for (index, version) in versions.iter().enumerate() {
        if version.pointer("/schema/openAPIV3Schema").is_none() {
            errors.push(FieldError::required(
                &format!("spec.versions[{index}].schema.openAPIV3Schema"),
                "schemas are required",
            ));
        }
        let columns = version
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (column, printer) in columns.enumerate() {
            let path = printer
                .get("jsonPath")
                .and_then(Value::as_str)
                .unwrap_or("");
            if let Err(error) = crate::registry::jsonpath::Path::parse(path) {
                errors.push(FieldError::invalid(
                    &format!("spec.versions[{index}].additionalPrinterColumns[{column}].jsonPath"),
                    path,
                    &format!("must be a simple json path: {error}"),
                ));
            }
        }
    }
    if let Some(spec) = object.get("spec") {
        errors.extend(conversion::validate(spec));
    }
    errors
}

/// Whether `old` has a version of the same name as `version` with the same schema
/// (`findVersionsWithUnchangedSchemas`).
fn unchanged_schema(version: &Value, old: Option<&Value>) -> bool {
    let old_versions = old
        .and_then(|old| old.pointer("/spec/versions"))
        .and_then(Value::as_array);
    old_versions.into_iter().flatten().any(|candidate| {
        candidate.get("name") == version.get("name")
            && candidate.get("schema") == version.get("schema")
    })
}

/// The errors of the versions' validation rules, at kube-apiserver's paths: the internal version
/// of a definition whose versions all have the same schema holds it once, in `spec.validation`.
/// `unchanged` tells the versions whose schema an update leaves as it was.
fn rule_errors(versions: &[Value], unchanged: &dyn Fn(&Value) -> bool) -> Vec<FieldError> {
    let same = versions
        .windows(2)
        .all(|pair| pair[0].get("schema") == pair[1].get("schema"));
    let schemas = versions
        .iter()
        .enumerate()
        .filter_map(|(index, v)| Some((index, v, v.pointer("/schema/openAPIV3Schema")?)));
    if same {
        return schemas
            .take(1)
            .flat_map(|(_, version, schema)| {
                rule_checks::check(
                    schema,
                    "spec.validation.openAPIV3Schema",
                    unchanged(version),
                )
            })
            .collect();
    }
    schemas
        .flat_map(|(index, version, schema)| {
            rule_checks::check(
                schema,
                &format!("spec.versions[{index}].schema.openAPIV3Schema"),
                unchanged(version),
            )
        })
        .collect()
}
