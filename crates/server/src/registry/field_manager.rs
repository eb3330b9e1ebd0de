//! Field management as kube-apiserver's `fieldmanager` and structured-merge-diff's `merge`
//! package do it: `metadata.managedFields` kept on every write (one entry per manager,
//! operation, apiVersion and subresource; an Update's changed fields taken from the other
//! managers), and server-side apply (the applied configuration merged into the object, the
//! fields the applier no longer applies removed unless another manager owns them, conflicts with
//! other managers refused unless forced). Pure: the handler and the generic registry give it the
//! objects, the manager and the time.

use kubeward_core::status::{FieldError, Status, StatusCause, StatusDetails};
use serde_json::{Map, Value, json};

use fieldpath::{PathElement, Set};
use shape::Shape;

pub mod cap;
pub mod fieldpath;
pub mod scale;
pub mod shape;
pub mod typed;
pub mod versions;

/// kube-apiserver's longest field manager name.
pub const FIELD_MANAGER_MAX_LENGTH: usize = 128;

/// `Apply` or `Update`.
pub const APPLY: &str = "Apply";
/// See [`APPLY`].
pub const UPDATE: &str = "Update";

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `manager`.
    pub manager: String,
    /// `operation` (`Apply` or `Update`; anything else is refused by validation).
    pub operation: String,
    /// `apiVersion`.
    pub api_version: String,
    /// `time`, as written.
    pub time: Option<String>,
    /// `subresource`.
    pub subresource: String,
    /// `fieldsV1`.
    pub fields: Set,
}

impl Entry {
    /// Whether `self` is the manager `other` names (structured-merge-diff's manager
    /// identifier: an applier is one manager whatever the apiVersion it applied).
    fn same_manager(&self, manager: &str, operation: &str, api_version: &str, sub: &str) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource == sub
            && (operation == APPLY || self.api_version == api_version)
    }

    /// How a conflict message names the manager (`printManager`).
    fn display(&self) -> String {
        let mut text = kubeward_core::go::quote(&self.manager);
        if !self.subresource.is_empty() {
            text.push_str(&format!(
                " with subresource {}",
                kubeward_core::go::quote(&self.subresource)
            ));
        }
        if self.operation == UPDATE {
            text.push_str(&format!(" using {}", self.api_version));
        }
        text
    }
}

/// Reads `metadata.managedFields`; an error when an entry does not decode.
pub fn decode(object: &Value) -> Result<Vec<Entry>, String> {
    let Some(list) = object.pointer("/metadata/managedFields") else {
        return Ok(Vec::new());
    };
    let Some(items) = list.as_array() else {
        return Err("managedFields is not a list".to_string());
    };
    let mut entries: Vec<Entry> = Vec::new();
    for item in items {
        let text = |field: &str| item.get(field).and_then(Value::as_str).unwrap_or("");
        if text("fieldsType") != "FieldsV1" {
            return Err(format!(
                "error decoding versioned set: invalid fieldsType {:?}",
                text("fieldsType")
            ));
        }
        let fields = Set::from_fields_v1(item.get("fieldsV1").unwrap_or(&json!({})))?;
        let entry = Entry {
            manager: text("manager").to_string(),
            operation: text("operation").to_string(),
            api_version: text("apiVersion").to_string(),
            time: item.get("time").and_then(Value::as_str).map(str::to_string),
            subresource: text("subresource").to_string(),
            fields,
        };
        entries.retain(|e| {
            !e.same_manager(
                &entry.manager,
                &entry.operation,
                &entry.api_version,
                &entry.subresource,
            )
        });
        entries.push(entry);
    }
    Ok(entries)
}

/// The entries as `metadata.managedFields`, in kube-apiserver's order (operation, time,
/// manager, apiVersion, subresource).
pub fn encode(entries: &[Entry]) -> Value {
    let mut sorted: Vec<&Entry> = entries.iter().filter(|e| !e.fields.is_empty()).collect();
    sorted.sort_by(|a, b| {
        (
            &a.operation,
            &a.time,
            &a.manager,
            &a.api_version,
            &a.subresource,
        )
            .cmp(&(
                &b.operation,
                &b.time,
                &b.manager,
                &b.api_version,
                &b.subresource,
            ))
    });
    Value::Array(
        sorted
            .into_iter()
            .map(|entry| {
                let mut map = Map::new();
                map.insert("manager".into(), json!(entry.manager));
                map.insert("operation".into(), json!(entry.operation));
                map.insert("apiVersion".into(), json!(entry.api_version));
                if let Some(time) = &entry.time {
                    map.insert("time".into(), json!(time));
                }
                map.insert("fieldsType".into(), json!("FieldsV1"));
                map.insert("fieldsV1".into(), entry.fields.to_fields_v1());
                if !entry.subresource.is_empty() {
                    map.insert("subresource".into(), json!(entry.subresource));
                }
                Value::Object(map)
            })
            .collect(),
    )
}

/// `ValidateFieldManager`: at most 128 characters, all printable; `field` names it in errors.
pub fn validate_manager(manager: &str, field: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if manager.len() > FIELD_MANAGER_MAX_LENGTH {
        errors.push(FieldError::too_long(
            field,
            &format!("may not be more than {FIELD_MANAGER_MAX_LENGTH} bytes"),
        ));
    }
    for (position, c) in manager.char_indices() {
        if !is_print(c) {
            errors.push(FieldError::invalid(
                field,
                manager,
                &format!(
                    "invalid character {} (at position {position})",
                    go_unicode(c)
                ),
            ));
        }
    }
    errors
}

/// Go's `unicode.IsPrint`, near enough: no control characters, no space but the ASCII one.
fn is_print(c: char) -> bool {
    !c.is_control() && (c == ' ' || !c.is_whitespace())
}

/// Go's `%#U` of an unprintable character: `U+0007`.
fn go_unicode(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// `ValidateManagedFields` on an object's `metadata.managedFields`.
pub fn validate(object: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let items = object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, item) in items.iter().enumerate() {
        let at = format!("metadata.managedFields[{index}]");
        let text = |field: &str| item.get(field).and_then(Value::as_str).unwrap_or("");
        let operation = text("operation");
        if operation != APPLY && operation != UPDATE {
            errors.push(FieldError::invalid(
                &format!("{at}.operation"),
                operation,
                "must be `Apply` or `Update`",
            ));
        }
        let fields_type = text("fieldsType");
        if !fields_type.is_empty() && fields_type != "FieldsV1" {
            errors.push(FieldError::invalid(
                &format!("{at}.fieldsType"),
                fields_type,
                "must be `FieldsV1`",
            ));
        }
        errors.extend(validate_manager(text("manager"), &format!("{at}.manager")));
    }
    errors
}

/// The manager of a write that names none: the User-Agent up to its first `/`, unprintable
/// characters left out, at most 128 bytes (`prefixFromUserAgent`).
pub fn manager_from_user_agent(user_agent: &str) -> String {
    let prefix = user_agent.split('/').next().unwrap_or("");
    let mut out = String::new();
    for c in prefix.chars() {
        if !is_print(c) {
            continue;
        }
        if out.len() + c.len_utf8() > FIELD_MANAGER_MAX_LENGTH {
            break;
        }
        out.push(c);
    }
    out
}

/// Who writes, and how the kind's fields are shaped.
#[derive(Debug, Clone)]
pub struct Writer<'a> {
    /// The field manager.
    pub manager: &'a str,
    /// The apiVersion written (`apps/v1`).
    pub api_version: &'a str,
    /// The subresource written (`""`, `status`).
    pub subresource: &'a str,
    /// The time of the write, as Kubernetes writes timestamps.
    pub now: &'a str,
    /// The merge rules of the kind.
    pub shape: Shape<'a>,
    /// Whether the kind has a `status` subresource (then the main resource does not own
    /// `status`, and the subresource owns nothing but it).
    pub has_status: bool,
    /// The kind's other versions, for managers that wrote at one of them (`None`: every
    /// manager's fields are compared in the writer's version).
    pub versions: Option<&'a dyn versions::Versions>,
}

impl Writer<'_> {
    /// The fields a write of this subresource does not own (the strategy's reset fields).
    fn reset(&self) -> Set {
        let mut reset = Set::new();
        if let Some(name) = self.reset_field() {
            reset.insert(&[field(name)]);
        }
        reset
    }

    /// The top-level field this subresource's writes reset: `spec` for `status`, `status` for
    /// the main resource of a kind with a status subresource and for a namespace's
    /// `finalize`.
    fn reset_field(&self) -> Option<&'static str> {
        if self.subresource == "status" {
            Some("spec")
        } else if (self.subresource.is_empty() && self.has_status) || self.subresource == "finalize"
        {
            Some("status")
        } else {
            None
        }
    }

    /// `set` without what nobody owns: the type and identity fields (`StripMetaManager`) and
    /// the reset fields. Done in place on a hot path (every write records its fields).
    fn owned(&self, set: &Set) -> Set {
        let stripped = &*STRIPPED;
        let mut out = set.clone();
        for top in &stripped.top {
            out.remove_member(top);
        }
        if let Some(metadata) = out.child_mut(&stripped.metadata) {
            for name in &stripped.metadata_fields {
                metadata.remove_member(name);
            }
        }
        out.prune_child(&stripped.metadata);
        if let Some(name) = self.reset_field() {
            out.remove_subtree(&field(name));
        }
        out
    }
}

/// The path elements [`Writer::owned`] removes, made once.
struct Stripped {
    top: [PathElement; 3],
    metadata: PathElement,
    metadata_fields: Vec<PathElement>,
}

static STRIPPED: std::sync::LazyLock<Stripped> = std::sync::LazyLock::new(|| Stripped {
    top: [field("apiVersion"), field("kind"), field("metadata")],
    metadata: field("metadata"),
    metadata_fields: [
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
    ]
    .into_iter()
    .map(field)
    .collect(),
});

fn field(name: &str) -> PathElement {
    PathElement::Field(name.to_string())
}

/// `object` without `metadata.managedFields`.
fn without_managed_fields(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(metadata) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    copy
}

/// What Go's typed zero value of `object`'s type holds: its value-typed structs, empty, and a
/// pod spec's `containers` as null (so a create does not add them as new fields).
fn zero_object(shape: Shape<'_>, object: &Value) -> Value {
    fn zero_at<'v>(shape: Shape<'_>, object: &'v Value, names: &mut Vec<&'v str>) -> Value {
        let mut out = Map::new();
        if let Value::Object(map) = object {
            for (key, child) in map {
                names.push(key);
                if shape.is_value_struct(names) && child.is_object() {
                    out.insert(key.clone(), zero_at(shape, child, names));
                } else if key == "containers" && names.len() >= 2 {
                    out.insert(key.clone(), Value::Null);
                }
                names.pop();
            }
        }
        Value::Object(out)
    }
    zero_at(shape, object, &mut Vec::new())
}

/// The managed fields an Update starts from (`decodeLiveOrNew`): a subresource's write keeps
/// the stored ones; `[{}]` resets them; the new object's when they decode and are not empty;
/// the stored ones otherwise.
fn managed_of(writer: &Writer<'_>, live: Option<&Value>, new: &Value) -> Vec<Entry> {
    let stored = || live.and_then(|l| decode(l).ok()).unwrap_or_default();
    if !writer.subresource.is_empty() {
        return stored();
    }
    let given = new.pointer("/metadata/managedFields");
    if given
        .and_then(Value::as_array)
        .is_some_and(|items| items.len() == 1 && items[0].as_object().is_some_and(Map::is_empty))
    {
        return Vec::new();
    }
    match decode(new) {
        Ok(entries) if !entries.iter().all(|e| e.fields.is_empty()) => entries,
        _ => stored(),
    }
}

/// Records a create (`live`: `None`), an update or a non-apply patch in `new`'s
/// `metadata.managedFields`: the fields it changed become the writer's (an Update entry, its
/// time now) and are taken from every other manager (compared in each manager's version);
/// fields it removed are nobody's. An existing object without managed fields gets none
/// (`skipNonAppliedManager`: tracking starts again with an apply), and a conversion that fails
/// leaves the object without them (`UpdateNoErrors`).
pub fn record_update(writer: &Writer<'_>, live: Option<&Value>, new: &mut Value) {
    let entries = managed_of(writer, live, new);
    if live.is_some() && entries.is_empty() {
        set_managed_fields(new, &[]);
        return;
    }
    let new_plain = without_managed_fields(new);
    let live_plain = live.map(without_managed_fields);
    let entries = updated(writer, entries, live_plain.as_ref(), &new_plain).unwrap_or_default();
    set_managed_fields(new, &entries);
}

/// `entries` after `writer`'s Update of `old` (`None`: a create) into `new`, both without
/// managed fields.
fn updated(
    writer: &Writer<'_>,
    entries: Vec<Entry>,
    old: Option<&Value>,
    new: &Value,
) -> Result<Vec<Entry>, Status> {
    let mut changes = versions::Changes::new(writer, old, new);
    let mut kept = Vec::with_capacity(entries.len() + 1);
    for mut entry in entries {
        let Some(change) = changes.at(&entry.api_version)? else {
            continue;
        };
        entry.fields = entry
            .fields
            .difference(&change.changed)
            .difference(&change.removed);
        kept.push(entry);
    }
    let mine = writer.owned(&changes.own().changed);
    if !mine.is_empty() {
        let index = kept.iter().position(|e| {
            e.same_manager(
                writer.manager,
                UPDATE,
                writer.api_version,
                writer.subresource,
            )
        });
        match index {
            Some(index) => {
                let entry = &mut kept[index];
                entry.fields = entry.fields.union(&mine);
                entry.time = Some(writer.now.to_string());
            }
            None => kept.push(Entry {
                manager: writer.manager.to_string(),
                operation: UPDATE.to_string(),
                api_version: writer.api_version.to_string(),
                time: Some(writer.now.to_string()),
                subresource: writer.subresource.to_string(),
                fields: mine,
            }),
        }
    }
    cap::cap_update_managers(&mut kept, cap::MAX_UPDATE_MANAGERS);
    Ok(kept)
}

/// Sets `object`'s `metadata.managedFields` to `entries`, encoded (none: the field goes).
pub fn set_managed_fields(object: &mut Value, entries: &[Entry]) {
    let encoded = encode(entries);
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    if encoded.as_array().is_some_and(Vec::is_empty) {
        metadata.remove("managedFields");
    } else {
        metadata.insert("managedFields".into(), encoded);
    }
}

/// One field another manager owns that an apply would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The manager, as conflict messages name it.
    pub manager: String,
    /// The field, as `.spec.replicas`.
    pub path: String,
}

/// The 409 of an apply with conflicts (`NewConflictError`): the message and one
/// `FieldManagerConflict` cause per field.
pub fn conflict_status(conflicts: &[Conflict]) -> Status {
    let message = if let [only] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            only.manager, only.path
        )
    } else {
        let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
        managers.sort_unstable();
        managers.dedup();
        let mut lines = Vec::new();
        for manager in managers {
            lines.push(format!("conflicts with {manager}:"));
            for conflict in conflicts.iter().filter(|c| c.manager == manager) {
                lines.push(format!("- {}", conflict.path));
            }
        }
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            lines.join("\n")
        )
    };
    let causes = conflicts
        .iter()
        .map(|c| StatusCause {
            reason: "FieldManagerConflict".to_string(),
            message: format!("conflict with {}", c.manager),
            field: c.path.clone(),
        })
        .collect();
    Status::failure(
        409,
        "Conflict",
        message,
        Some(StatusDetails {
            causes,
            ..StatusDetails::default()
        }),
    )
}

/// The manager that owns the fields of an object without managed fields when it is first
/// applied (`skipNonAppliedManager`'s `beforeApplyManagerName`).
pub const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// The manager whose applies keep kubectl's client-side apply annotation in step.
const KUBECTL: &str = "kubectl";

/// kubectl's client-side apply annotation.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Where [`LAST_APPLIED`] is in an object.
const LAST_APPLIED_POINTER: &str =
    "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration";

/// The conflicts kubectl's apply may override because client-side apply set those fields
/// (`lastAppliedManager`): for the `kubectl` manager, the fields of the last-applied annotation
/// (of the same apiVersion) whose values the object still has; nothing for anyone else.
fn last_applied_allowed(writer: &Writer<'_>, live: &Value) -> Set {
    if writer.manager != KUBECTL {
        return Set::new();
    }
    let Some(last) = live
        .pointer(LAST_APPLIED_POINTER)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .filter(|last| last.get("apiVersion").and_then(Value::as_str) == Some(writer.api_version))
    else {
        return Set::new();
    };
    let comparison = typed::compare(writer.shape, &last, live);
    typed::to_field_set(writer.shape, &last)
        .difference(&comparison.modified)
        .difference(&comparison.added)
        .difference(&comparison.removed)
}

/// What an apply makes of the object.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The object to store, `managedFields` included.
    pub object: Value,
    /// Whether anything but the managed fields changed.
    pub changed: bool,
}

/// Server-side apply of `config` by `writer` to `live` (`None`: the object does not exist
/// yet): merged, pruned of what the applier applied before and no longer does (unless another
/// manager owns it), checked for conflicts with other managers (refused unless `force`, which
/// takes the fields from them, or unless kubectl takes over its own client-side applies). An
/// apply by `kubectl` keeps the object's last-applied annotation, if it has one, in step.
pub fn apply(
    writer: &Writer<'_>,
    live: Option<&Value>,
    config: &Value,
    force: bool,
) -> Result<Applied, Status> {
    if config.pointer("/metadata/managedFields").is_some() {
        return Err(kubeward_core::status::bad_request(
            "metadata.managedFields must be nil",
        ));
    }
    let shape = writer.shape;
    let mut entries = live.and_then(|l| decode(l).ok()).unwrap_or_default();
    let live_plain = match live {
        Some(live) => without_managed_fields(live),
        None => zero_object(shape, config),
    };
    if live.is_some() && entries.is_empty() {
        // An object without managed fields: its fields become `before-first-apply`'s first.
        let before = Writer {
            manager: BEFORE_FIRST_APPLY,
            ..writer.clone()
        };
        entries = updated(&before, Vec::new(), None, &live_plain)?;
    }
    let merged = typed::merge(shape, &live_plain, config);
    let mine = writer.owned(&typed::to_field_set(shape, config));
    let index = entries
        .iter()
        .position(|e| e.same_manager(writer.manager, APPLY, "", writer.subresource));
    let last = index.map(|i| entries[i].clone());
    let is_new = index.is_none();
    match index {
        Some(i) => {
            entries[i].fields = mine;
            entries[i].api_version = writer.api_version.to_string();
        }
        None => entries.push(Entry {
            manager: writer.manager.to_string(),
            operation: APPLY.to_string(),
            api_version: writer.api_version.to_string(),
            time: None,
            subresource: writer.subresource.to_string(),
            fields: mine,
        }),
    }
    let applier = entries
        .iter()
        .position(|e| e.same_manager(writer.manager, APPLY, "", writer.subresource))
        .unwrap_or(0);
    let pruned = match last.filter(|l| !l.fields.is_empty()) {
        Some(last) if versions::spans_versions(writer, &entries, &last) => {
            versions::prune(writer, &merged, &entries, &last)?
        }
        Some(last) => {
            let owned = entries
                .iter()
                .fold(Set::new(), |all, e| all.union(&e.fields));
            let present = typed::to_field_set(shape, &merged);
            let remove = present.intersection(&last.fields).difference(&owned);
            typed::remove_items(shape, &merged, &remove)
        }
        None => merged,
    };
    let mut changes = versions::Changes::new(writer, live.map(|_| &live_plain), &pruned);
    let mut conflicts = Vec::new();
    let mut missing = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        if i == applier {
            continue;
        }
        let Some(change) = changes.at(&entry.api_version)? else {
            missing.push(i);
            continue;
        };
        for path in entry.fields.intersection(&change.changed).paths() {
            conflicts.push((entry.display(), path));
        }
    }
    if !force && !conflicts.is_empty() {
        let allowed = last_applied_allowed(writer, &live_plain);
        let left: Vec<Conflict> = conflicts
            .iter()
            .filter(|(_, path)| !allowed.has(path))
            .map(|(manager, path)| Conflict {
                manager: manager.clone(),
                path: fieldpath::path_string(path),
            })
            .collect();
        if !left.is_empty() {
            return Err(conflict_status(&left));
        }
    }
    for (i, entry) in entries.iter_mut().enumerate() {
        if i == applier || missing.contains(&i) {
            continue;
        }
        if let Some(change) = changes.at(&entry.api_version)? {
            entry.fields = entry
                .fields
                .difference(&change.changed)
                .difference(&change.removed);
        }
    }
    let mut applier = applier;
    for &i in missing.iter().rev() {
        entries.remove(i);
        if i < applier {
            applier -= 1;
        }
    }
    let changed_object = pruned != live_plain;
    if changed_object || is_new {
        entries[applier].time = Some(writer.now.to_string());
    }
    let mut object = pruned;
    if object.get("metadata").is_none_or(|m| !m.is_object())
        && let Some(map) = object.as_object_mut()
    {
        map.insert("metadata".into(), json!({}));
    }
    if writer.manager == KUBECTL
        && object
            .pointer(LAST_APPLIED_POINTER)
            .and_then(Value::as_str)
            .is_some_and(|text| !text.is_empty())
    {
        let mut applied = config.clone();
        if let Some(annotations) = applied
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.remove(LAST_APPLIED);
        }
        // As Go's json.Encoder writes it: keys sorted, HTML-safe, a final newline.
        let text = format!("{}\n", kubeward_core::go::marshal_sorted(&applied));
        if let Some(slot) = object.pointer_mut(LAST_APPLIED_POINTER) {
            *slot = Value::String(text);
        }
    }
    set_managed_fields(&mut object, &entries);
    Ok(Applied {
        object,
        changed: changed_object,
    })
}

#[cfg(test)]
mod tests;
