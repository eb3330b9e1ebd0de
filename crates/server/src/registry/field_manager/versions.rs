//! Managers that wrote at another apiVersion of the kind, as structured-merge-diff's
//! `merge.Updater` treats them with kube-apiserver's `versionConverter`: what a write changed
//! and removed is compared in each manager's own version (both objects converted to it, each
//! version with its own merge rules), a manager whose version the kind does not have is dropped
//! (`IsMissingVersionError`), and the fields an applier applied last time and no longer does
//! are pruned in the version it applied them at (`prune`, `addBackOwnedItems`,
//! `addBackDanglingItems`).

use std::collections::BTreeMap;

use kubeward_core::status::Status;
use serde_json::Value;

use super::fieldpath::Set;
use super::shape::Shape;
use super::{Entry, Writer, typed, zero_object};

/// The versions of the written kind besides the writer's, for a kind that has several.
pub trait Versions: std::fmt::Debug {
    /// `object`, written at `from`, converted to `to`; `Ok(None)` when the kind has no version
    /// `to`; an error when the conversion fails (a conversion webhook's 500).
    fn convert(&self, object: &Value, from: &str, to: &str) -> Result<Option<Value>, Status>;

    /// The merge rules of version `api_version` of the kind (`None`: no such version).
    fn shape(&self, api_version: &str) -> Option<Shape<'_>>;
}

/// What one write changed (added or modified) and removed, the writer's reset fields left
/// out.
#[derive(Debug, Clone)]
pub struct Change {
    /// Added or modified fields.
    pub changed: Set,
    /// Removed fields.
    pub removed: Set,
}

impl Change {
    /// The change from `old` to `new` with `shape`'s rules.
    fn of(writer: &Writer<'_>, shape: Shape<'_>, old: &Value, new: &Value) -> Self {
        let comparison = typed::compare(shape, old, new);
        let reset = writer.reset();
        Self {
            changed: comparison
                .added
                .union(&comparison.modified)
                .recursive_difference(&reset),
            removed: comparison.removed.recursive_difference(&reset),
        }
    }
}

/// A write's changes in the writer's version and, computed when first asked for, in others.
pub struct Changes<'w, 'a> {
    writer: &'w Writer<'a>,
    /// The object before the write (`None`: a create, compared with the type's zero value).
    old: Option<&'w Value>,
    new: &'w Value,
    own: Change,
    others: BTreeMap<String, Option<Change>>,
}

impl<'w, 'a> Changes<'w, 'a> {
    /// The changes of `writer`'s write of `old` (`None`: a create) into `new`, objects in the
    /// writer's version.
    pub fn new(writer: &'w Writer<'a>, old: Option<&'w Value>, new: &'w Value) -> Self {
        let own = match old {
            Some(old) => Change::of(writer, writer.shape, old, new),
            None => Change::of(writer, writer.shape, &zero_object(writer.shape, new), new),
        };
        Self {
            writer,
            old,
            new,
            own,
            others: BTreeMap::new(),
        }
    }

    /// The changes in the writer's version.
    pub fn own(&self) -> &Change {
        &self.own
    }

    /// The changes in `api_version` (`None`: the kind has no such version).
    pub fn at(&mut self, api_version: &str) -> Result<Option<&Change>, Status> {
        let writer = self.writer;
        let Some(versions) = writer
            .versions
            .filter(|_| api_version != writer.api_version)
        else {
            return Ok(Some(&self.own));
        };
        if !self.others.contains_key(api_version) {
            let change = match (
                versions.shape(api_version),
                versions.convert(self.new, writer.api_version, api_version)?,
            ) {
                (Some(shape), Some(new)) => {
                    let old = match self.old {
                        Some(old) => versions.convert(old, writer.api_version, api_version)?,
                        None => Some(zero_object(shape, &new)),
                    };
                    old.map(|old| Change::of(writer, shape, &old, &new))
                }
                _ => None,
            };
            self.others.insert(api_version.to_string(), change);
        }
        Ok(self.others.get(api_version).and_then(Option::as_ref))
    }
}

/// Whether some entry, or the applier's last applied set, is of another version than the
/// writer's one (then pruning goes through [`prune`]).
pub fn spans_versions(writer: &Writer<'_>, entries: &[Entry], last: &Entry) -> bool {
    writer.versions.is_some()
        && std::iter::once(last)
            .chain(entries)
            .any(|e| e.api_version != writer.api_version)
}

/// `value`, at `from`, in version `to` of the writer's kind, with that version's rules.
fn to<'s>(
    writer: &'s Writer<'_>,
    value: &Value,
    from: &str,
    to: &str,
) -> Result<Option<(Value, Shape<'s>)>, Status> {
    if from == to {
        let shape = if to == writer.api_version {
            Some(writer.shape)
        } else {
            writer.versions.and_then(|v| v.shape(to))
        };
        return Ok(shape.map(|shape| (value.clone(), shape)));
    }
    let Some(versions) = writer.versions else {
        return Ok(None);
    };
    let Some(shape) = versions.shape(to) else {
        return Ok(None);
    };
    Ok(versions.convert(value, from, to)?.map(|v| (v, shape)))
}

/// structured-merge-diff's `prune` across versions: `merged` (the applied configuration merged
/// into the live object, in the writer's version) without what the applier applied `last` and
/// no longer does, unless some manager (`entries`, the applier's new set among them) owns it
/// in its own version.
pub fn prune(
    writer: &Writer<'_>,
    merged: &Value,
    entries: &[Entry],
    last: &Entry,
) -> Result<Value, Status> {
    let own = writer.api_version;
    let at_last = last.api_version.as_str();
    let Some((merged_last, shape_last)) = to(writer, merged, own, at_last)? else {
        return Ok(merged.clone());
    };
    let mut pruned = typed::remove_items(shape_last, &merged_last, &last.fields);
    let mut pruned_at = at_last.to_string();
    // Owned items added back, version by version, the last applied one first.
    let mut owned: Vec<(&str, Set)> = Vec::new();
    for entry in entries {
        match owned.iter_mut().find(|(v, _)| *v == entry.api_version) {
            Some((_, set)) => *set = set.union(&entry.fields),
            None => owned.push((&entry.api_version, entry.fields.clone())),
        }
    }
    owned.sort_by_key(|(v, _)| *v != at_last);
    for (version, managed) in owned {
        let (Some((merged_v, shape)), Some((pruned_v, _))) = (
            to(writer, merged, own, version)?,
            to(writer, &pruned, &pruned_at, version)?,
        ) else {
            continue;
        };
        let keep = typed::to_field_set(shape, &pruned_v).union(&managed);
        let remove = typed::to_field_set(shape, &merged_v).difference(&keep);
        pruned = typed::remove_items(shape, &merged_v, &remove);
        pruned_at = version.to_string();
    }
    // Items removed by the conversions alone (dangling) are kept.
    let Some((pruned_last, _)) = to(writer, &pruned, &pruned_at, at_last)? else {
        return Ok(merged.clone());
    };
    let dangling = typed::to_field_set(shape_last, &merged_last)
        .difference(&typed::to_field_set(shape_last, &pruned_last))
        .intersection(&last.fields);
    let result = typed::remove_items(shape_last, &merged_last, &dangling);
    Ok(to(writer, &result, at_last, own)?
        .map(|(value, _)| value)
        .unwrap_or(result))
}

#[cfg(test)]
mod tests;
