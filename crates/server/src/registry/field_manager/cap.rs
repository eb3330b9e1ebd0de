//! The cap on Update managers (`capManagersManager`): after an Update, when more than
//! [`MAX_UPDATE_MANAGERS`] entries come from updates, the oldest are merged, per apiVersion,
//! into one `ancient-changes` entry, as kube-apiserver does.

use super::{Entry, UPDATE};
use crate::registry::objects;

/// kube-apiserver's `DefaultMaxUpdateManagers`.
pub const MAX_UPDATE_MANAGERS: usize = 10;

/// The manager the oldest updates are merged into.
pub const ANCIENT_CHANGES: &str = "ancient-changes";

/// `BuildManagerIdentifier` of an Update entry: the entry's JSON without fields and time, as Go
/// marshals `ManagedFieldsEntry` (the order kube sorts managers of the same second by).
fn identifier(manager: &str, api_version: &str, subresource: &str) -> String {
    let quote = |text: &str| kubeward_core::go::marshal_sorted(&serde_json::json!(text));
    let mut text = format!("{{\"manager\":{},\"operation\":\"Update\"", quote(manager));
    if !api_version.is_empty() {
        text.push_str(&format!(",\"apiVersion\":{}", quote(api_version)));
    }
    if !subresource.is_empty() {
        text.push_str(&format!(",\"subresource\":{}", quote(subresource)));
    }
    text.push('}');
    text
}

/// The Unix second of an entry's time (0 without one, or one that does not parse).
fn seconds(entry: &Entry) -> i64 {
    entry
        .time
        .as_deref()
        .and_then(objects::parse_timestamp)
        .map_or(0, |time| time.unix_timestamp())
}

/// Merges the oldest Update entries of `entries` (oldest by second, then by identifier) into
/// one `ancient-changes` entry per apiVersion until at most `max` Update entries are left. The
/// first old entry of a version stays until a second one of that version is merged; then the
/// bucket takes its fields and the merged entry's time.
pub fn cap_update_managers(entries: &mut Vec<Entry>, max: usize) {
    let mut updaters: Vec<(i64, String, usize)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.operation == UPDATE)
        .map(|(i, e)| {
            (
                seconds(e),
                identifier(&e.manager, &e.api_version, &e.subresource),
                i,
            )
        })
        .collect();
    if updaters.len() <= max {
        return;
    }
    updaters.sort();
    let bucket_of = |entries: &[Entry], version: &str| {
        entries.iter().position(|e| {
            e.manager == ANCIENT_CHANGES
                && e.operation == UPDATE
                && e.api_version == version
                && e.subresource.is_empty()
        })
    };
    let mut first_of_version: Vec<(String, usize)> = Vec::new();
    let mut removed = vec![false; entries.len()];
    let mut length = updaters.len();
    for (_, _, index) in updaters {
        if length <= max {
            break;
        }
        let version = entries[index].api_version.clone();
        let Some(&(_, first)) = first_of_version.iter().find(|(v, _)| *v == version) else {
            first_of_version.push((version, index));
            continue;
        };
        let bucket = match bucket_of(entries, &version) {
            Some(bucket) if !removed[bucket] => bucket,
            _ => {
                // The bucket takes the first entry's place and fields.
                let moved = &mut entries[first];
                moved.manager = ANCIENT_CHANGES.to_string();
                moved.subresource = String::new();
                first
            }
        };
        let fields = entries[index].fields.union(&entries[bucket].fields);
        entries[bucket].fields = fields;
        entries[bucket].time = entries[index].time.clone();
        removed[index] = true;
        length -= 1;
    }
    let mut position = 0;
    entries.retain(|_| {
        let keep = !removed[position];
        position += 1;
        keep
    });
}

#[cfg(test)]
mod tests;
