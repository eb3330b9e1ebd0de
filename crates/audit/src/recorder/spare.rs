//! The parts of a finished record, kept for the next record started on the same thread: once
//! a thread has recorded a request, the next request it records at a like level allocates
//! nothing of its own (its texts, object reference and annotation values reuse these).

use std::cell::{Cell, RefCell};

use kubeward_core::go::write_json_string;

use super::{Parts, Text};

/// A buffer grown past this (a large body recorded) is not kept.
const MAX_KEPT: usize = 64 * 1024;
/// Annotation strings kept at most.
const MAX_STRINGS: usize = 8;

/// The longest authorization reason whose JSON is kept for the next request.
const MAX_REASON: usize = 1024;

thread_local! {
    static SPARE: Cell<Option<Box<Parts>>> = const { Cell::new(None) };
    /// The last authorization reason recorded on this thread, and its JSON.
    static LAST_REASON: RefCell<(String, String)> = const { RefCell::new((String::new(), String::new())) };
}

/// `reason` as a JSON string into `json` (cleared first): copied from the last reason this
/// thread recorded when it is the same, else escaped (and kept for the next one).
pub(super) fn reason_json(reason: &str, json: &mut String) {
    json.clear();
    let copied = LAST_REASON
        .try_with(|last| {
            let Ok(mut last) = last.try_borrow_mut() else {
                return false;
            };
            let (text, escaped) = &mut *last;
            // An empty JSON text: nothing kept yet (a kept one has at least its quotes).
            if escaped.is_empty() || text.as_str() != reason {
                if reason.len() > MAX_REASON {
                    return false;
                }
                text.clear();
                text.push_str(reason);
                escaped.clear();
                write_json_string(escaped, reason);
            }
            json.push_str(escaped);
            true
        })
        .unwrap_or(false);
    if !copied {
        write_json_string(json, reason);
    }
}

/// The parts kept on this thread (emptied), or new ones.
pub(super) fn take() -> Box<Parts> {
    SPARE
        .try_with(Cell::take)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Keeps `parts` for the next record on this thread (replacing what was kept), emptied; a
/// buffer that grew large is dropped instead.
pub(super) fn keep(mut parts: Box<Parts>) {
    let p = &mut *parts;
    for (key, value) in p.annotations.drain(..) {
        p.strings
            .extend([key, value].into_iter().filter_map(Text::into_string));
    }
    for text in [
        &mut p.fixed,
        &mut p.scratch,
        &mut p.impersonation,
        &mut p.object_ref_json,
    ] {
        if text.capacity() > MAX_KEPT {
            *text = String::new();
        }
        text.clear();
    }
    p.strings.truncate(MAX_STRINGS);
    p.strings.retain(|s| s.capacity() <= MAX_KEPT);
    p.response_status = None;
    p.request_object = None;
    p.response_object = None;
    let _ = SPARE.try_with(|spare| spare.set(Some(parts)));
}
