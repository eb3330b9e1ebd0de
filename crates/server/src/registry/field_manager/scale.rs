//! The managed fields of a write of the `scale` subresource, as kube-apiserver's `ScaleHandler`
//! keeps them: the parent's entries owning the replicas field are seen as owners of the Scale's
//! `spec.replicas`; after the write, an owner whose replicas the write took loses them in the
//! parent, and the writer's Scale entry comes back as an entry of the parent's apiVersion and
//! subresource `scale` owning the parent's replicas field — with no time, as kube writes it
//! (`ToParent` takes the time from the parent's entries, which have none for it).

use kubeward_core::status::Status;

use super::fieldpath::{self, PathElement, Set};
use super::{APPLY, Conflict, Entry, UPDATE, conflict_status};

/// The subresource.
pub const SCALE: &str = "scale";

/// Who writes the Scale, and where the parent keeps its replicas.
#[derive(Debug, Clone)]
pub struct ScaleWriter<'a> {
    /// The field manager.
    pub manager: &'a str,
    /// The parent's apiVersion (`apps/v1`).
    pub api_version: &'a str,
    /// The parent's replicas field (`spec.replicas`, or a custom kind's `specReplicasPath`).
    pub replicas: &'a [PathElement],
}

impl ScaleWriter<'_> {
    fn replicas_set(&self) -> Set {
        let mut set = Set::new();
        set.insert(self.replicas);
        set
    }

    /// The writer's entry in the parent.
    fn entry(&self, operation: &str) -> Entry {
        Entry {
            manager: self.manager.to_string(),
            operation: operation.to_string(),
            api_version: self.api_version.to_string(),
            time: None,
            subresource: SCALE.to_string(),
            fields: self.replicas_set(),
        }
    }

    /// `entries` with the replicas taken from every owner (an entry left empty goes).
    fn take_replicas(&self, entries: Vec<Entry>) -> Vec<Entry> {
        let replicas = self.replicas_set();
        entries
            .into_iter()
            .filter_map(|mut entry| {
                entry.fields = entry.fields.difference(&replicas);
                (!entry.fields.is_empty()).then_some(entry)
            })
            .collect()
    }
}

/// The parent's entries after an update or a non-apply patch of its Scale that `changed` its
/// replicas (or not: then nothing changes).
pub fn record_update(writer: &ScaleWriter<'_>, entries: Vec<Entry>, changed: bool) -> Vec<Entry> {
    if !changed {
        return entries;
    }
    let mut entries = writer.take_replicas(entries);
    entries.push(writer.entry(UPDATE));
    entries
}

/// The parent's entries after a server-side apply of its Scale that gives the replicas
/// (`applied`: whether the configuration has `spec.replicas`) and `changed` them; a conflict with
/// another owner of the replicas is refused unless `force`. `Ok((entries, removed))`: `removed`
/// when the applier gave up replicas nobody else owns (the Scale's replicas are then 0).
pub fn apply(
    writer: &ScaleWriter<'_>,
    entries: Vec<Entry>,
    applied: bool,
    changed: bool,
    force: bool,
) -> Result<(Vec<Entry>, bool), Status> {
    let owns = |entry: &Entry| entry.fields.has(writer.replicas);
    let applier = entries.iter().position(|e| {
        e.manager == writer.manager && e.operation == APPLY && e.subresource == SCALE
    });
    let applier_owned = applier.is_some_and(|i| owns(&entries[i]));
    let others: Vec<usize> = (0..entries.len())
        .filter(|&i| Some(i) != applier && owns(&entries[i]))
        .collect();
    if !applied {
        let removed = applier_owned && others.is_empty();
        let entries = match applier {
            Some(index) if applier_owned => {
                let mut entries = entries;
                let replicas = writer.replicas_set();
                entries[index].fields = entries[index].fields.difference(&replicas);
                entries.retain(|e| !e.fields.is_empty());
                entries
            }
            _ => entries,
        };
        return Ok((entries, removed));
    }
    if changed && !force && !others.is_empty() {
        let conflicts: Vec<Conflict> = others
            .iter()
            .map(|&i| Conflict {
                manager: entries[i].display(),
                path: fieldpath::path_string(&[
                    PathElement::Field("spec".into()),
                    PathElement::Field("replicas".into()),
                ]),
            })
            .collect();
        return Err(conflict_status(&conflicts));
    }
    let mut entries = entries;
    let kept = match applier {
        Some(index) if applier_owned => entries.remove(index),
        Some(index) => {
            entries.remove(index);
            writer.entry(APPLY)
        }
        None => writer.entry(APPLY),
    };
    let mut entries = if changed {
        writer.take_replicas(entries)
    } else {
        entries
    };
    entries.push(kept);
    Ok((entries, false))
}

#[cfg(test)]
mod tests;
