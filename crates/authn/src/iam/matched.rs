//! What a mapping backend found for an identity: the backend, the kind of entry, and the
//! entry's templates before rendering. The vocabulary the backends (`mapping`'s mapper sets,
//! `access_entries`) answer in.

/// What kind of entry matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A `mapRoles` entry.
    Role,
    /// A `mapUsers` entry.
    User,
    /// A `mapAccounts` account (user name = the canonical ARN, no groups).
    Account,
    /// An EKS access entry.
    AccessEntry,
}

/// Which backend a mapping came from, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The mounted file (aws-iam-authenticator's `MountedFile`).
    MountedFile,
    /// EKS access entries.
    AccessEntries,
    /// The `aws-auth` ConfigMap (`EKSConfigMap`).
    ConfigMap,
}

impl Source {
    /// The authenticator's name of the backend.
    pub fn name(self) -> &'static str {
        match self {
            Source::MountedFile => "MountedFile",
            Source::AccessEntries => "AccessEntries",
            Source::ConfigMap => "EKSConfigMap",
        }
    }
}

/// The entry an identity matched, its templates unrendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched<'a> {
    /// The backend.
    pub source: Source,
    /// The kind of entry.
    pub kind: EntryKind,
    /// What matched: the entry's ARN or glob, or the account.
    pub key: &'a str,
    /// The user name template.
    pub username: &'a str,
    /// The group templates.
    pub groups: &'a [String],
}
