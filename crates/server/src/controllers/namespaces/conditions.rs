//! The status conditions kube-controller-manager's namespace controller keeps on a terminating
//! namespace (`namespaceConditionUpdater`): its five condition types, each `False` with its
//! "ok" reason and message unless deleting the content found otherwise (resources remaining,
//! finalizers remaining), added in kube's order and changed in place (`lastTransitionTime`
//! moves only when the status does). Pure.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// The condition types, in the order kube adds them, with their ok reason and message.
const TYPES: [(&str, &str, &str); 5] = [
    (
        "NamespaceDeletionDiscoveryFailure",
        "ResourcesDiscovered",
        "All resources successfully discovered",
    ),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    (
        "NamespaceContentRemaining",
        "ContentRemoved",
        "All content successfully removed",
    ),
    (
        "NamespaceFinalizersRemaining",
        "ContentHasNoFinalizers",
        "All content-preserving finalizers finished",
    ),
];

/// What deleting a namespace's content left behind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Remaining {
    /// Objects left, by `resource.group` (`configmaps.` for the core group).
    pub resources: BTreeMap<String, usize>,
    /// Objects left, by each finalizer they hold.
    pub finalizers: BTreeMap<String, usize>,
}

impl Remaining {
    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// Counts one object of `resource` (`resource.group`) holding `finalizers`.
    pub fn count(&mut self, resource: &str, finalizers: &[String]) {
        *self.resources.entry(resource.to_string()).or_default() += 1;
        for finalizer in finalizers {
            *self.finalizers.entry(finalizer.clone()).or_default() += 1;
        }
    }

    /// The failing conditions (`ProcessContentTotals`): type, reason and message.
    fn failing(&self) -> Vec<(&'static str, &'static str, String)> {
        let mut out = Vec::new();
        if !self.resources.is_empty() {
            let mut parts: Vec<String> = self
                .resources
                .iter()
                .map(|(resource, n)| format!("{resource} has {n} resource instances"))
                .collect();
            parts.sort();
            out.push((
                "NamespaceContentRemaining",
                "SomeResourcesRemain",
                format!("Some resources are remaining: {}", parts.join(", ")),
            ));
        }
        if !self.finalizers.is_empty() {
            let mut parts: Vec<String> = self
                .finalizers
                .iter()
                .map(|(finalizer, n)| format!("{finalizer} in {n} resource instances"))
                .collect();
            parts.sort();
            out.push((
                "NamespaceFinalizersRemaining",
                "SomeFinalizersRemain",
                format!(
                    "Some content in the namespace has finalizers remaining: {}",
                    parts.join(", ")
                ),
            ));
        }
        out
    }
}

/// Sets the conditions of `remaining` on `namespace`'s `status.conditions` at `now`
/// (`updateConditions`); whether anything changed.
pub fn update(namespace: &mut Value, remaining: &Remaining, now: &str) -> bool {
    let failing = remaining.failing();
    let Some(object) = namespace.as_object_mut() else {
        return false;
    };
    let status = object
        .entry("status")
        .or_insert_with(|| Value::Object(Map::new()));
    if !status.is_object() {
        *status = Value::Object(Map::new());
    }
    let conditions = status
        .as_object_mut()
        .map(|s| s.entry("conditions").or_insert_with(|| json!([])));
    let Some(conditions) = conditions else {
        return false;
    };
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    let Some(list) = conditions.as_array_mut() else {
        return false;
    };
    let mut changed = false;
    for (kind, ok_reason, ok_message) in TYPES {
        let (wanted, reason, message) = match failing.iter().find(|(t, _, _)| *t == kind) {
            Some((_, reason, message)) => ("True", *reason, message.clone()),
            None => ("False", ok_reason, ok_message.to_string()),
        };
        let text =
            |c: &Value, field: &str| c.get(field).and_then(Value::as_str).map(str::to_string);
        match list
            .iter_mut()
            .find(|c| text(c, "type").as_deref() == Some(kind))
        {
            None => {
                list.push(json!({
                    "type": kind,
                    "status": wanted,
                    "lastTransitionTime": now,
                    "reason": reason,
                    "message": message,
                }));
                changed = true;
            }
            Some(old) => {
                let same = text(old, "status").as_deref() == Some(wanted)
                    && text(old, "reason").as_deref() == Some(reason)
                    && text(old, "message").as_deref() == Some(message.as_str());
                if same {
                    continue;
                }
                if text(old, "status").as_deref() != Some(wanted) {
                    old["lastTransitionTime"] = json!(now);
                }
                old["status"] = json!(wanted);
                old["reason"] = json!(reason);
                old["message"] = json!(message);
                changed = true;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests;
