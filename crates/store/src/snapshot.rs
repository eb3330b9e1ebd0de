//! Reading an older revision: the current objects of a key range with the writes made after
//! that revision undone, from the event log's record of what each write replaced. Pure: the
//! backend hands in the current entries and the undone writes.

use std::collections::BTreeMap;
use std::iter::Peekable;

use serde_json::Value;

/// The writes to undo, by stored key: what the key held at the older revision (`None`: nothing).
#[derive(Debug, Default)]
pub struct Rollback {
    before: BTreeMap<String, Option<Value>>,
}

impl Rollback {
    /// Records that the write at some revision replaced `previous` at `key`. Writes must be
    /// recorded from the newest to the oldest, so that the oldest one (the state at the older
    /// revision) is what remains.
    pub fn undo(&mut self, key: String, previous: Option<Value>) {
        self.before.insert(key, previous);
    }

    /// The entries at the older revision: `current` (sorted by key) merged with the undone
    /// writes, in key order.
    pub fn apply<I, E>(self, current: I) -> Merge<I>
    where
        I: Iterator<Item = Result<(String, Value), E>>,
    {
        Merge {
            current: current.peekable(),
            before: self.before.into_iter().peekable(),
        }
    }
}

/// The merged entries of [`Rollback::apply`].
pub struct Merge<I: Iterator> {
    current: Peekable<I>,
    before: Peekable<std::collections::btree_map::IntoIter<String, Option<Value>>>,
}

impl<I, E> Iterator for Merge<I>
where
    I: Iterator<Item = Result<(String, Value), E>>,
{
    type Item = Result<(String, Value), E>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let take_undone = match (self.current.peek(), self.before.peek()) {
                (None, None) => return None,
                (Some(Err(_)), _) => false,
                (Some(Ok((current, _))), Some((undone, _))) => undone <= current,
                (None, Some(_)) => true,
                (Some(Ok(_)), None) => false,
            };
            if !take_undone {
                return self.current.next();
            }
            let (key, value) = self.before.next()?;
            if let Some(Ok((current, _))) = self.current.peek()
                && *current == key
            {
                self.current.next();
            }
            if let Some(value) = value {
                return Some(Ok((key, value)));
            }
        }
    }
}

#[cfg(test)]
mod tests;
