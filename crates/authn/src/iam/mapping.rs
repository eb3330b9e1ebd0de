//! From an IAM identity to a Kubernetes user name and groups: aws-iam-authenticator's mappers
//! (the mounted file, EKS access entries, the `aws-auth` ConfigMap), tried in that order; each
//! maps a role, then a user, then lets an allowed account through under its ARN.
//!
//! Matching is case-insensitive, as the authenticator's. Beyond it (aws-iam-authenticator#268,
//! #333, containers-roadmap#474): a `rolearn` with a path also matches the role's sessions
//! (whose ARN STS gives without the path), and a `rolearn` with `*`/`?` is an `ArnLike` glob.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::access_entries::AccessEntries;
use super::arn;
use super::matched::{EntryKind, Matched, Source};
use super::sts::Identity;
use super::template::{self, TemplateError};

/// A `mapRoles` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleMapping {
    /// The role's ARN, or an `ArnLike` glob (empty with `sso`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rolearn: String,
    /// Matches the roles of an IAM Identity Center permission set instead of `rolearn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso: Option<SsoMatcher>,
    /// The user name template.
    #[serde(default)]
    pub username: String,
    /// Group templates.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The role's principal id (read, not matched on: the authenticator's DynamicFile mode uses it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub userid: String,
}

/// The `sso` matcher of a role mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoMatcher {
    /// The permission set.
    #[serde(rename = "permissionSetName", default)]
    pub permission_set_name: String,
    /// The account.
    #[serde(rename = "accountID", default)]
    pub account_id: String,
    /// The partition (default `aws`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub partition: String,
}

impl RoleMapping {
    /// The `ArnLike` pattern of an SSO matcher, lowercase (`SSOArnLike`).
    pub fn sso_arn_like(&self) -> Option<String> {
        let sso = self.sso.as_ref()?;
        let partition = if sso.partition.is_empty() {
            "aws"
        } else {
            &sso.partition
        };
        Some(
            format!(
                "arn:{partition}:iam::{}:role/AWSReservedSSO_{}_*",
                sso.account_id, sso.permission_set_name
            )
            .to_lowercase(),
        )
    }

    /// aws-iam-authenticator's `RoleMapping.Validate`, with its messages.
    pub fn validate(&self) -> Result<(), String> {
        match (&self.rolearn.is_empty(), &self.sso) {
            (true, None) => return Err("one of rolearn or SSO must be supplied".into()),
            (false, Some(_)) => return Err("only one of rolearn or SSO can be supplied".into()),
            _ => {}
        }
        if let Some(sso) = &self.sso {
            if sso.account_id.len() != 12 || !sso.account_id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "AccountID '{}' is not a valid AWS Account ID",
                    sso.account_id
                ));
            }
            let name = &sso.permission_set_name;
            if name.is_empty()
                || name.chars().count() > 32
                || !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_+=,.@-".contains(c))
            {
                return Err(format!(
                    "PermissionSetName '{name}' is not a valid AWS SSO PermissionSet Name"
                ));
            }
            if !sso.partition.is_empty() && !arn::PARTITIONS.contains(&sso.partition.as_str()) {
                return Err(format!(
                    "partition '{}' is not a valid AWS partition",
                    sso.partition
                ));
            }
        }
        Ok(())
    }
}

/// A `mapUsers` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMapping {
    /// The user's ARN.
    #[serde(default)]
    pub userarn: String,
    /// The user name template.
    #[serde(default)]
    pub username: String,
    /// Group templates.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The user's principal id (read, not matched on).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub userid: String,
}

impl UserMapping {
    /// aws-iam-authenticator's `UserMapping.Validate`.
    pub fn validate(&self) -> Result<(), String> {
        if self.userarn.is_empty() {
            return Err("value for userarn must be supplied".into());
        }
        Ok(())
    }
}

/// The role, user and account mappings of one backend, indexed.
#[derive(Debug, Clone, Default)]
pub struct MapperSet {
    roles: Vec<RoleMapping>,
    users: Vec<UserMapping>,
    accounts: BTreeSet<String>,
    /// Lowercase role ARN (and, for ARNs with a path, the ARN without it) → index; the last
    /// entry wins, as in the authenticator's map.
    role_index: HashMap<String, usize>,
    /// Lowercase globs (and SSO patterns) → index, in order.
    role_patterns: Vec<(String, usize)>,
    user_index: HashMap<String, usize>,
}

impl MapperSet {
    /// Indexes mappings that already passed validation (invalid ones are left out by the
    /// parsers, which report them).
    pub fn new(roles: Vec<RoleMapping>, users: Vec<UserMapping>, accounts: Vec<String>) -> Self {
        let mut set = Self {
            accounts: accounts.into_iter().collect(),
            ..Self::default()
        };
        for (i, role) in roles.iter().enumerate() {
            if let Some(pattern) = role.sso_arn_like() {
                set.role_patterns.push((pattern, i));
            } else if arn::is_glob(&role.rolearn) {
                set.role_patterns.push((role.rolearn.to_lowercase(), i));
            } else {
                if let Ok(stripped) = arn::strip_path(&role.rolearn)
                    && stripped != role.rolearn
                {
                    set.role_index.insert(stripped.to_lowercase(), i);
                }
                set.role_index.insert(role.rolearn.to_lowercase(), i);
            }
        }
        for (i, user) in users.iter().enumerate() {
            set.user_index.insert(user.userarn.to_lowercase(), i);
        }
        set.roles = roles;
        set.users = users;
        set
    }

    /// The role mappings.
    pub fn roles(&self) -> &[RoleMapping] {
        &self.roles
    }

    /// The user mappings.
    pub fn users(&self) -> &[UserMapping] {
        &self.users
    }

    /// The accounts mapped to their ARNs.
    pub fn accounts(&self) -> &BTreeSet<String> {
        &self.accounts
    }

    /// The role, then the user entry for a lowercase canonical ARN.
    fn find(&self, source: Source, canonical_lower: &str) -> Option<Matched<'_>> {
        let role = self.role_index.get(canonical_lower).copied().or_else(|| {
            self.role_patterns
                .iter()
                .rev()
                .find(|(pattern, _)| arn::arn_like(canonical_lower, pattern).unwrap_or(false))
                .map(|(_, i)| *i)
        });
        if let Some(i) = role {
            let r = &self.roles[i];
            return Some(Matched {
                source,
                kind: EntryKind::Role,
                key: if r.rolearn.is_empty() {
                    r.sso
                        .as_ref()
                        .map_or("", |s| s.permission_set_name.as_str())
                } else {
                    &r.rolearn
                },
                username: &r.username,
                groups: &r.groups,
            });
        }
        let u = &self.users[*self.user_index.get(canonical_lower)?];
        Some(Matched {
            source,
            kind: EntryKind::User,
            key: &u.userarn,
            username: &u.username,
            groups: &u.groups,
        })
    }

    fn all_keys(&self) -> impl Iterator<Item = &str> {
        self.roles
            .iter()
            .map(|r| r.rolearn.as_str())
            .chain(self.users.iter().map(|u| u.userarn.as_str()))
            .filter(|k| !k.is_empty())
    }

    fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.users.is_empty() && self.accounts.is_empty()
    }
}

/// Why an identity gets no Kubernetes user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// No backend maps it (the authenticator's `ErrNotMapped`).
    #[error("ARN is not mapped: {0}")]
    NotMapped(String),
    /// A matched entry's template cannot be rendered.
    #[error(
        "mapper {mapper} renderTemplates error: error rendering {what} template {template:?}: {error}"
    )]
    Template {
        /// The backend.
        mapper: &'static str,
        /// `username` or `group`.
        what: &'static str,
        /// The template.
        template: String,
        /// Why.
        error: TemplateError,
    },
}

/// Every backend's mappings: what the server keeps current from the mounted file, the access
/// entries and the `aws-auth` ConfigMap.
#[derive(Debug, Clone, Default)]
pub struct Mappings {
    /// The mounted file (`--aws-iam-mapping-file`), if any.
    pub file: MapperSet,
    /// EKS access entries.
    pub access_entries: AccessEntries,
    /// The `aws-auth` ConfigMap.
    pub config_map: MapperSet,
    /// Private DNS names of EC2 instances, for `{{EC2PrivateDNSName}}`.
    pub ec2_private_dns_names: HashMap<String, String>,
}

/// A mapped identity: the rendered user name and groups, and what matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// The Kubernetes user name.
    pub username: String,
    /// The Kubernetes groups (before `system:authenticated` is added).
    pub groups: Vec<String>,
    /// The backend.
    pub source: Source,
    /// The kind of entry.
    pub kind: EntryKind,
    /// The entry's ARN, glob or account.
    pub key: String,
}

impl Mappings {
    /// The entry `identity` matches, backend by backend, as `doMapping` tries them.
    pub fn find<'a>(&'a self, identity: &'a Identity) -> Option<Matched<'a>> {
        let canonical = identity.canonical_arn.to_lowercase();
        if let Some(found) = self.file.find(Source::MountedFile, &canonical) {
            return Some(found);
        }
        if self.file.accounts.contains(&identity.account_id) {
            return Some(account_match(Source::MountedFile, identity));
        }
        if let Some(found) = self.access_entries.find(&canonical) {
            return Some(found);
        }
        if let Some(found) = self.config_map.find(Source::ConfigMap, &canonical) {
            return Some(found);
        }
        if self.config_map.accounts.contains(&identity.account_id) {
            return Some(account_match(Source::ConfigMap, identity));
        }
        None
    }

    /// Maps `identity` and renders the templates.
    pub fn map(&self, identity: &Identity) -> Result<Mapped, MapError> {
        let found = self
            .find(identity)
            .ok_or_else(|| MapError::NotMapped(identity.canonical_arn.clone()))?;
        if found.kind == EntryKind::Account {
            return Ok(Mapped {
                username: identity.canonical_arn.clone(),
                groups: Vec::new(),
                source: found.source,
                kind: found.kind,
                key: identity.account_id.clone(),
            });
        }
        let rendered = |what: &'static str, t: &str| {
            template::render(t, identity, &self.ec2_private_dns_names).map_err(|error| {
                MapError::Template {
                    mapper: found.source.name(),
                    what,
                    template: t.to_string(),
                    error,
                }
            })
        };
        let username = rendered("username", found.username)?;
        let groups = found
            .groups
            .iter()
            .map(|g| rendered("group", g))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Mapped {
            username,
            groups,
            source: found.source,
            kind: found.kind,
            key: found.key.to_string(),
        })
    }

    /// The mapped ARN closest to `canonical_arn` (edit distance, case-insensitive), for
    /// explaining why an identity is not mapped.
    pub fn nearest(&self, canonical_arn: &str) -> Option<(Source, String, usize)> {
        let target = canonical_arn.to_lowercase();
        let mut best: Option<(Source, String, usize)> = None;
        let sources = [
            (
                Source::MountedFile,
                self.file.all_keys().collect::<Vec<_>>(),
            ),
            (
                Source::AccessEntries,
                self.access_entries.principals().collect(),
            ),
            (Source::ConfigMap, self.config_map.all_keys().collect()),
        ];
        for (source, keys) in sources {
            for key in keys {
                let d = levenshtein(&key.to_lowercase(), &target);
                if best.as_ref().is_none_or(|(_, _, b)| d < *b) {
                    best = Some((source, key.to_string(), d));
                }
            }
        }
        best
    }

    /// Whether no backend maps anything.
    pub fn is_empty(&self) -> bool {
        self.file.is_empty() && self.config_map.is_empty() && self.access_entries.is_empty()
    }
}

fn account_match(source: Source, identity: &Identity) -> Matched<'_> {
    Matched {
        source,
        kind: EntryKind::Account,
        key: &identity.account_id,
        username: &identity.canonical_arn,
        groups: &[],
    }
}

/// Edit distance of two strings (bytes).
fn levenshtein(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests;
