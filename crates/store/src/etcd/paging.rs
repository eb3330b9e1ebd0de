//! One page of a list, from entries in key order, in kube-apiserver's terms: at most `limit`
//! objects the predicate selects, a continue token (the last key relative to the list key,
//! followed by `\0`) when entries remain, and how many remain when nothing is filtered.
//! Pure: the cache and the reads from etcd hand in their entries.

use serde_json::Value;

use crate::continuation::Continue;
use crate::model::{ListOptions, Listing, StoreError};

/// The objects of a page and where it ended.
pub struct Filled {
    /// The selected objects, in key order.
    pub items: Vec<Value>,
    /// The key (relative to the list key) of the last object in the page.
    pub last_key: Option<String>,
    /// Whether any entry follows the page.
    pub more: bool,
}

/// Takes one page from `entries` (relative key, object): stops after `limit` selected objects
/// and looks at most one entry further, to tell whether any remain.
pub fn fill<I>(entries: &mut I, options: &ListOptions<'_>) -> Result<Filled, StoreError>
where
    I: Iterator<Item = Result<(String, Value), StoreError>>,
{
    let limit = options.limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
    let mut items = Vec::new();
    let mut last_key = None;
    while items.len() < limit {
        let Some(entry) = entries.next() else {
            return Ok(Filled {
                items,
                last_key,
                more: false,
            });
        };
        let (key, object) = entry?;
        if options.predicate.is_none_or(|selects| selects(&object)) {
            items.push(object);
            last_key = Some(key);
        }
    }
    let more = match entries.next() {
        Some(entry) => entry.map(|_| true)?,
        None => false,
    };
    Ok(Filled {
        items,
        last_key,
        more,
    })
}

/// The listing of a filled page read at `revision`; `remaining` counts the entries after the
/// one [`fill`] looked ahead at (asked only when the page has a continue token and no
/// predicate, as kube-apiserver's `remainingItemCount`).
pub fn listing(
    filled: Filled,
    revision: u64,
    has_predicate: bool,
    remaining: impl FnOnce() -> Result<u64, StoreError>,
) -> Result<Listing, StoreError> {
    let mut listing = Listing {
        items: filled.items,
        revision,
        continue_from: None,
        remaining: None,
    };
    if filled.more
        && let Some(last_key) = filled.last_key
    {
        listing.continue_from = Some(Continue {
            revision: Some(revision),
            start: format!("{last_key}\u{0}"),
        });
        if !has_predicate {
            listing.remaining = Some(remaining()? + 1);
        }
    }
    Ok(listing)
}

#[cfg(test)]
mod tests;
