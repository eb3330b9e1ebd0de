//! The buffers of a finished record, kept for the next record started on the same thread: once
//! a thread has recorded a request, the next request it records at a like level allocates
//! nothing of its own (its texts, object reference and annotation values reuse these).

use std::borrow::Cow;
use std::cell::Cell;

use crate::event::ObjectReference;

/// A buffer grown past this (a large body recorded) is not kept.
const MAX_KEPT: usize = 64 * 1024;
/// Annotation strings kept at most.
const MAX_STRINGS: usize = 8;

/// What a record allocates, emptied.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    /// The fixed part of the events.
    pub fixed: String,
    /// The event being written.
    pub scratch: String,
    /// The impersonated user's part.
    pub impersonation: String,
    /// The object reference's strings.
    pub object_ref: ObjectReference,
    /// The annotations' list.
    pub annotations: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    /// Strings for annotation keys and values.
    pub strings: Vec<String>,
}

thread_local! {
    static SPARE: Cell<Option<Buffers>> = const { Cell::new(None) };
}

/// The buffers kept on this thread (emptied), or new ones.
pub(super) fn take() -> Buffers {
    SPARE
        .try_with(Cell::take)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Keeps `buffers` for the next record on this thread (replacing what was kept), emptied; a
/// buffer that grew large is dropped instead.
pub(super) fn keep(mut buffers: Buffers) {
    for text in [
        &mut buffers.fixed,
        &mut buffers.scratch,
        &mut buffers.impersonation,
    ] {
        if text.capacity() > MAX_KEPT {
            *text = String::new();
        }
        text.clear();
    }
    buffers.annotations.clear();
    buffers.strings.truncate(MAX_STRINGS);
    buffers.strings.retain(|s| s.capacity() <= MAX_KEPT);
    let _ = SPARE.try_with(|spare| spare.set(Some(buffers)));
}
