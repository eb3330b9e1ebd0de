//! [`User`]: a user's data behind a reference count, so that the copy of a realm a change
//! edits shares its users with the realm as it was, and a change of one user copies that user
//! alone (copy on write through `DerefMut`) instead of every user of the realm.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::UserData;

/// A user of a realm (its fields are [`UserData`]'s). Cloning is cheap; changing a clone's
/// fields copies its data first, so other holders keep theirs.
#[derive(Clone)]
pub struct User(Arc<UserData>);

impl From<UserData> for User {
    fn from(data: UserData) -> Self {
        Self(Arc::new(data))
    }
}

impl Deref for User {
    type Target = UserData;

    fn deref(&self) -> &UserData {
        &self.0
    }
}

impl DerefMut for User {
    fn deref_mut(&mut self) -> &mut UserData {
        Arc::make_mut(&mut self.0)
    }
}

impl PartialEq for User {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for User {}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for User {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for User {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        UserData::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests;
