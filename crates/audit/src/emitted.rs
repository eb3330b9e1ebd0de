//! An event as the recorder hands it to the backends: its compact JSON, encoded once (as
//! `Event::write_json` writes it), which the JSON log and the webhook copy as they are.

use crate::event::Event;

/// One event's compact JSON, without a newline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventJson<'a>(&'a str);

impl<'a> EventJson<'a> {
    /// Wraps the compact JSON of one event.
    pub fn new(json: &'a str) -> Self {
        Self(json)
    }

    /// The JSON text.
    pub fn as_str(self) -> &'a str {
        self.0
    }

    /// The event read back (for the legacy format and for tests); `None` if the text is not an
    /// event.
    pub fn decode(self) -> Option<Event> {
        crate::decode::read(self.0).events.pop()
    }
}
