//! LDAP user federation, pure: an LDAP user storage provider's settings (Keycloak's config
//! keys), the search filters (RFC 4515 escaping), what its mappers read (Keycloak's
//! `user-attribute-ldap-mapper` and `group-ldap-mapper`), and what an LDAP entry makes of a
//! realm's user and its groups. The connection is the provider's (`provider::ldap`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{Component, Group, Realm, User};

/// The user attribute holding the LDAP entry's uuid (as Keycloak's).
pub const LDAP_ID: &str = "LDAP_ID";
/// The user (and group) attribute holding the LDAP entry's DN (as Keycloak's).
pub const LDAP_ENTRY_DN: &str = "LDAP_ENTRY_DN";
/// A mapper of one LDAP attribute to one user property or attribute.
pub const USER_ATTRIBUTE_MAPPER: &str = "user-attribute-ldap-mapper";
/// A mapper of LDAP groups and their members to the realm's groups.
pub const GROUP_MAPPER: &str = "group-ldap-mapper";

/// Why an LDAP provider cannot be used as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FederationError {
    /// A setting the provider needs is missing or wrong (Keycloak's message).
    #[error("{0}")]
    Config(String),
    /// The entry cannot become a user (why).
    #[error("{0}")]
    Entry(String),
    /// The change would write what the provider keeps read-only.
    #[error("User is read only!")]
    ReadOnly,
}

/// Who may change the LDAP provider's users (Keycloak's `editMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditMode {
    /// LDAP is read, never written; the users' mapped fields and passwords cannot change.
    ReadOnly,
    /// Changes of the mapped fields and passwords are written to LDAP.
    Writable,
    /// Changes stay in kubeward's copy.
    Unsynced,
}

/// An LDAP provider's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapSettings {
    /// `connectionUrl`: `ldap://host:port` or `ldaps://…`.
    pub url: String,
    /// `bindDn` (none: anonymous searches).
    pub bind_dn: Option<String>,
    /// `bindCredential`.
    pub bind_credential: Option<String>,
    /// `usersDn`: where users are searched.
    pub users_dn: String,
    /// `usernameLDAPAttribute` (`uid`, `cn`, `sAMAccountName`).
    pub username_attribute: String,
    /// `rdnLDAPAttribute`.
    pub rdn_attribute: String,
    /// `uuidLDAPAttribute` (`entryUUID`, `objectGUID`).
    pub uuid_attribute: String,
    /// `userObjectClasses`.
    pub object_classes: Vec<String>,
    /// `customUserSearchFilter`.
    pub custom_filter: Option<String>,
    /// `searchScope` 2 (subtree) rather than 1 (one level).
    pub subtree: bool,
    /// `editMode`.
    pub edit_mode: EditMode,
    /// `startTls`.
    pub start_tls: bool,
    /// `connectionTimeout` and `readTimeout`, milliseconds (none: kubeward's 10 s).
    pub timeout_ms: Option<u64>,
    /// `fullSyncPeriod` in seconds, when periodic full syncs are on.
    pub full_sync_period: Option<u64>,
    /// `changedSyncPeriod` in seconds, when periodic syncs of changed users are on.
    pub changed_sync_period: Option<u64>,
    /// `importEnabled` (default on): users are copied into the realm; off, they are read from
    /// LDAP at each login and never stored.
    pub import: bool,
}

/// A period setting: a positive number of seconds, else none (`-1`).
fn period(c: &Component, key: &str) -> Option<u64> {
    c.config(key)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .map(|v| v.unsigned_abs())
}

/// Reads an LDAP provider's settings, refused as Keycloak's admin API refuses them.
pub fn settings(c: &Component) -> Result<LdapSettings, FederationError> {
    let need = |key: &str, what: &str| {
        c.config(key)
            .map(str::to_string)
            .ok_or_else(|| FederationError::Config(format!("{what} is required")))
    };
    let url = need("connectionUrl", "LDAP connection URL")?;
    if !(url.starts_with("ldap://") || url.starts_with("ldaps://")) {
        return Err(FederationError::Config(format!(
            "Invalid LDAP connection URL: {url}"
        )));
    }
    let username_attribute = need("usernameLDAPAttribute", "Username LDAP attribute")?;
    let edit_mode = match c.config("editMode").unwrap_or("READ_ONLY") {
        "READ_ONLY" => EditMode::ReadOnly,
        "WRITABLE" => EditMode::Writable,
        "UNSYNCED" => EditMode::Unsynced,
        other => {
            return Err(FederationError::Config(format!(
                "Invalid edit mode: {other}"
            )));
        }
    };
    let auth_none = c.config("authType") == Some("none");
    let import = c.flag("importEnabled", true);
    if !import && edit_mode == EditMode::Unsynced {
        return Err(FederationError::Config(
            "Can not disable Importing users when LDAP provider mode is UNSYNCED".into(),
        ));
    }
    Ok(LdapSettings {
        import,
        bind_dn: c
            .config("bindDn")
            .filter(|_| !auth_none)
            .map(str::to_string),
        bind_credential: c
            .config("bindCredential")
            .filter(|_| !auth_none)
            .map(str::to_string),
        users_dn: need("usersDn", "Users DN")?,
        rdn_attribute: c
            .config("rdnLDAPAttribute")
            .unwrap_or(&username_attribute)
            .to_string(),
        uuid_attribute: c
            .config("uuidLDAPAttribute")
            .unwrap_or("entryUUID")
            .to_string(),
        object_classes: c
            .config("userObjectClasses")
            .unwrap_or("inetOrgPerson, organizationalPerson")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        custom_filter: c.config("customUserSearchFilter").map(str::to_string),
        subtree: c.config("searchScope") == Some("2"),
        edit_mode,
        start_tls: c.flag("startTls", false),
        timeout_ms: c.config("connectionTimeout").and_then(|v| v.parse().ok()),
        full_sync_period: period(c, "fullSyncPeriod"),
        changed_sync_period: period(c, "changedSyncPeriod"),
        url,
        username_attribute,
    })
}

/// Checks a custom search filter as Keycloak does: enclosed in parentheses.
pub fn check_custom_filter(filter: Option<&str>) -> Result<(), FederationError> {
    match filter {
        Some(f) if !(f.starts_with('(') && f.ends_with(')')) => Err(FederationError::Config(
            "Custom User LDAP Filter must start with '(' and end with ')'".into(),
        )),
        _ => Ok(()),
    }
}

/// A value escaped for a search filter (RFC 4515: `*`, `(`, `)`, `\` and NUL as `\xx`).
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            c => out.push(c),
        }
    }
    out
}

/// The filter of every user of the provider: its object classes and custom filter.
pub fn users_filter(s: &LdapSettings) -> String {
    let mut f = String::from("(&");
    for class in &s.object_classes {
        f.push_str(&format!("(objectclass={})", escape(class)));
    }
    if let Some(custom) = &s.custom_filter {
        f.push_str(custom);
    }
    f.push(')');
    f
}

/// The filter of the user with this username.
pub fn user_filter(s: &LdapSettings, username: &str) -> String {
    format!(
        "(&({}={}){})",
        s.username_attribute,
        escape(username),
        users_filter(s)
    )
}

/// What an admin API users search (`GET …/users`, `…/users/count`) asks of an LDAP provider
/// that does not import: Keycloak queries LDAP for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// `username`, `email`, `firstName`, `lastName`, lowercased, as the model names them.
    pub fields: Vec<(&'static str, String)>,
    /// `search`: any of them (`*` and an empty search: every user).
    pub search: Option<String>,
    /// `exact=true`: the fields match whole values, not parts.
    pub exact: bool,
}

/// The LDAP attribute a user property is mapped from (`username`: the provider's username
/// attribute; the others: their attribute mapper's, when there is one).
fn ldap_attribute<'a>(
    s: &'a LdapSettings,
    mappings: &'a [AttributeMapping],
    model: &str,
) -> Option<&'a str> {
    if model == "username" {
        return Some(&s.username_attribute);
    }
    mappings
        .iter()
        .find(|m| m.model == model)
        .map(|m| m.ldap.as_str())
}

/// The filter of the provider's users that `q` matches; `None` when none can (a field asked
/// for is not mapped from LDAP).
pub fn query_filter(
    s: &LdapSettings,
    mappings: &[AttributeMapping],
    q: &UserQuery,
) -> Option<String> {
    let mut f = String::from("(&");
    for (model, value) in &q.fields {
        let attribute = ldap_attribute(s, mappings, model)?;
        if q.exact {
            f.push_str(&format!("({attribute}={})", escape(value)));
        } else {
            f.push_str(&format!("({attribute}=*{}*)", escape(value)));
        }
    }
    if let Some(search) = q.search.as_deref().map(|v| v.trim_matches('*'))
        && !search.is_empty()
    {
        f.push_str("(|");
        for model in ["username", "email", "firstName", "lastName"] {
            if let Some(attribute) = ldap_attribute(s, mappings, model) {
                f.push_str(&format!("({attribute}=*{}*)", escape(search)));
            }
        }
        f.push(')');
    }
    f.push_str(&users_filter(s));
    f.push(')');
    Some(f)
}

/// Whether `realm` has an enabled LDAP provider without import, whose users the admin API
/// reads from LDAP.
pub fn reads_live(realm: &Realm) -> bool {
    realm
        .ldap_providers()
        .into_iter()
        .any(|c| settings(c).is_ok_and(|s| !s.import))
}

/// The filter of the provider's user whose uuid attribute is `uuid`.
pub fn uuid_filter(s: &LdapSettings, uuid: &str) -> String {
    format!(
        "(&({}={}){})",
        s.uuid_attribute,
        escape(uuid),
        users_filter(s)
    )
}

/// Keycloak's id of a user of a provider without import: `f:<provider id>:<LDAP uuid>`.
pub fn federated_id(component_id: &str, entry: &Entry, s: &LdapSettings) -> String {
    let uuid = entry.first(&s.uuid_attribute).unwrap_or(&entry.dn);
    format!("f:{component_id}:{uuid}")
}

/// The provider id and LDAP uuid of a federated id (`f:<provider id>:<uuid>`).
pub fn split_federated_id(id: &str) -> Option<(&str, &str)> {
    id.strip_prefix("f:")?.split_once(':')
}

/// An LDAP entry as read: its DN and its attributes (names lowercased).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// Distinguished name.
    pub dn: String,
    /// Attribute values by lowercased name.
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl Entry {
    /// An entry of these attributes (any case).
    pub fn new(dn: &str, attributes: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        Self {
            dn: dn.to_string(),
            attributes: attributes
                .into_iter()
                .map(|(k, v)| (k.to_lowercase(), v))
                .collect(),
        }
    }

    /// The values of an attribute (any case).
    pub fn values(&self, name: &str) -> &[String] {
        self.attributes
            .get(&name.to_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first value of an attribute.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.values(name).first().map(String::as_str)
    }
}

/// A DN compared as LDAP compares DNs here: lowercased, without spaces around separators.
pub fn normalize_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.split('=').map(str::trim).collect::<Vec<_>>().join("="))
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

/// One `user-attribute-ldap-mapper`: an LDAP attribute into a user property or attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeMapping {
    /// `ldap.attribute`.
    pub ldap: String,
    /// `user.model.attribute`: `username`, `email`, `firstName`, `lastName` or an attribute.
    pub model: String,
    /// `read.only`: a change of the user's value is refused in `WRITABLE` mode.
    pub read_only: bool,
}

/// The attribute mappings of a provider's mappers.
pub fn attribute_mappings(mappers: &[&Component]) -> Vec<AttributeMapping> {
    mappers
        .iter()
        .filter(|m| m.provider_id == USER_ATTRIBUTE_MAPPER)
        .filter_map(|m| {
            Some(AttributeMapping {
                ldap: m.config("ldap.attribute")?.to_string(),
                model: m.config("user.model.attribute")?.to_string(),
                read_only: m.flag("read.only", false),
            })
        })
        .collect()
}

/// The attributes a user search asks for.
pub fn user_attributes(s: &LdapSettings, mappings: &[AttributeMapping]) -> Vec<String> {
    let mut names: BTreeSet<String> = mappings.iter().map(|m| m.ldap.clone()).collect();
    names.insert(s.username_attribute.clone());
    names.insert(s.uuid_attribute.clone());
    names.insert(s.rdn_attribute.clone());
    names.into_iter().collect()
}

/// The default mappers Keycloak gives a new LDAP provider (its `onCreate`): username, first
/// and last name, e-mail, creation and modification dates, as `(name, ldap attribute, user
/// attribute, read only)`.
pub fn default_mappers(s: &LdapSettings) -> Vec<(&'static str, String, &'static str, bool)> {
    let read_only = s.edit_mode != EditMode::Writable;
    vec![
        ("username", s.username_attribute.clone(), "username", false),
        ("first name", "cn".into(), "firstName", read_only),
        ("last name", "sn".into(), "lastName", read_only),
        ("email", "mail".into(), "email", read_only),
        (
            "creation date",
            "createTimestamp".into(),
            "createTimestamp",
            true,
        ),
        (
            "modify date",
            "modifyTimestamp".into(),
            "modifyTimestamp",
            true,
        ),
    ]
}

/// How a group's members name them (`membership.attribute.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberType {
    /// By DN (`member` of `groupOfNames`).
    Dn,
    /// By a user attribute (`memberUid` of `posixGroup`).
    Uid,
}

/// A `group-ldap-mapper`'s settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSettings {
    /// `groups.dn`.
    pub groups_dn: String,
    /// `group.name.ldap.attribute` (`cn`).
    pub name_attribute: String,
    /// `group.object.classes` (`groupOfNames`).
    pub object_classes: Vec<String>,
    /// `membership.ldap.attribute` (`member`).
    pub membership_attribute: String,
    /// `membership.attribute.type`.
    pub member_type: MemberType,
    /// `membership.user.ldap.attribute` (`uid`): what a `Uid` member names.
    pub member_user_attribute: String,
    /// `groups.ldap.filter`.
    pub filter: Option<String>,
    /// `groups.path`: the realm group the LDAP groups are made under (`/`: top level).
    pub path: String,
}

/// The group mapper of a provider's mappers, when it has one.
pub fn group_settings(mappers: &[&Component]) -> Result<Option<GroupSettings>, FederationError> {
    let Some(m) = mappers.iter().find(|m| m.provider_id == GROUP_MAPPER) else {
        return Ok(None);
    };
    let groups_dn = m
        .config("groups.dn")
        .ok_or_else(|| FederationError::Config("LDAP Groups DN is required".into()))?;
    check_custom_filter(m.config("groups.ldap.filter"))?;
    Ok(Some(GroupSettings {
        groups_dn: groups_dn.to_string(),
        name_attribute: m
            .config("group.name.ldap.attribute")
            .unwrap_or("cn")
            .to_string(),
        object_classes: m
            .config("group.object.classes")
            .unwrap_or("groupOfNames")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        membership_attribute: m
            .config("membership.ldap.attribute")
            .unwrap_or("member")
            .to_string(),
        member_type: match m.config("membership.attribute.type") {
            Some("UID") => MemberType::Uid,
            _ => MemberType::Dn,
        },
        member_user_attribute: m
            .config("membership.user.ldap.attribute")
            .unwrap_or("uid")
            .to_string(),
        filter: m.config("groups.ldap.filter").map(str::to_string),
        path: m.config("groups.path").unwrap_or("/").to_string(),
    }))
}

/// The filter of every group of the mapper.
pub fn groups_filter(g: &GroupSettings) -> String {
    let mut f = String::from("(&");
    for class in &g.object_classes {
        f.push_str(&format!("(objectclass={})", escape(class)));
    }
    if let Some(custom) = &g.filter {
        f.push_str(custom);
    }
    f.push(')');
    f
}

/// The filter of the groups one user is a member of.
pub fn member_filter(g: &GroupSettings, user: &Entry) -> String {
    let key = member_key(g, user).unwrap_or_default();
    format!(
        "(&({}={}){})",
        g.membership_attribute,
        escape(&key),
        groups_filter(g)
    )
}

/// What a group's membership attribute names a user by.
fn member_key(g: &GroupSettings, user: &Entry) -> Option<String> {
    match g.member_type {
        MemberType::Dn => Some(user.dn.clone()),
        MemberType::Uid => user.first(&g.member_user_attribute).map(str::to_string),
    }
}

/// Whether a group entry names a user among its members.
pub fn is_member(g: &GroupSettings, group: &Entry, user: &Entry) -> bool {
    let Some(key) = member_key(g, user) else {
        return false;
    };
    let values = group.values(&g.membership_attribute);
    match g.member_type {
        MemberType::Dn => {
            let key = normalize_dn(&key);
            values.iter().any(|v| normalize_dn(v) == key)
        }
        MemberType::Uid => values.iter().any(|v| v.eq_ignore_ascii_case(&key)),
    }
}

/// What a sync did (Keycloak's `SynchronizationResult`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncResult {
    /// The sync was skipped: the provider does not import users (`importEnabled` off).
    pub ignored: bool,
    /// Users created.
    pub added: u32,
    /// Users changed.
    pub updated: u32,
    /// Users removed (gone from LDAP).
    pub removed: u32,
    /// Entries that could not become users.
    pub failed: u32,
    /// Keycloak's summary text.
    pub status: String,
}

impl SyncResult {
    /// Sets Keycloak's summary text.
    pub fn finish(mut self) -> Self {
        self.status = format!(
            "{} imported users, {} updated users, {} removed users",
            self.added, self.updated, self.removed
        );
        if self.failed > 0 {
            self.status.push_str(&format!(
                ", {} users failed sync! See server log for more details",
                self.failed
            ));
        }
        self
    }
}

/// What importing one entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// A new user (its id).
    Added(String),
    /// An existing user that changed (its id).
    Updated(String),
    /// An existing user as it was (its id).
    Unchanged(String),
}

impl Imported {
    /// The user's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Added(id) | Self::Updated(id) | Self::Unchanged(id) => id,
        }
    }
}

/// The values of a user property or attribute, as an attribute mapper reads them.
fn get_model(user: &User, model: &str) -> Vec<String> {
    match model {
        "username" => vec![user.username.clone()],
        "email" => user.email.iter().cloned().collect(),
        "firstName" => user.first_name.iter().cloned().collect(),
        "lastName" => user.last_name.iter().cloned().collect(),
        _ => user.attributes.get(model).cloned().unwrap_or_default(),
    }
}

/// What a change of a `WRITABLE` provider's user writes to its LDAP entry: each mapped LDAP
/// attribute whose user value changed, with its new values (none: the attribute is removed).
/// A changed username, or a value of a `read.only` mapper, is refused (Keycloak's "User is read
/// only!"); kubeward renames no LDAP entry.
pub fn ldap_changes(
    mappings: &[AttributeMapping],
    before: &User,
    after: &User,
) -> Result<Vec<(String, Vec<String>)>, FederationError> {
    let mut changes = Vec::new();
    for m in mappings {
        let (old, new) = (get_model(before, &m.model), get_model(after, &m.model));
        if old == new {
            continue;
        }
        if m.read_only || m.model == "username" {
            return Err(FederationError::ReadOnly);
        }
        changes.push((m.ldap.clone(), new));
    }
    if before.username != after.username {
        return Err(FederationError::ReadOnly);
    }
    Ok(changes)
}

/// The settings of a connection test (`testLDAPConnection`): a URL, StartTLS, a timeout and,
/// for `testAuthentication`, the DN and password to bind with.
pub fn probe_settings(
    url: &str,
    start_tls: bool,
    timeout_ms: Option<u64>,
    bind: Option<(String, String)>,
) -> Result<LdapSettings, FederationError> {
    if !(url.starts_with("ldap://") || url.starts_with("ldaps://")) {
        return Err(FederationError::Config(format!(
            "Invalid LDAP connection URL: {url}"
        )));
    }
    let (bind_dn, bind_credential) = match bind {
        Some((dn, credential)) => (Some(dn), Some(credential)),
        None => (None, None),
    };
    Ok(LdapSettings {
        url: url.to_string(),
        bind_dn,
        bind_credential,
        users_dn: String::new(),
        username_attribute: String::new(),
        rdn_attribute: String::new(),
        uuid_attribute: String::new(),
        object_classes: Vec::new(),
        custom_filter: None,
        subtree: false,
        edit_mode: EditMode::ReadOnly,
        start_tls,
        timeout_ms,
        full_sync_period: None,
        changed_sync_period: None,
        import: true,
    })
}

/// Sets a user property or attribute from an LDAP attribute's values.
fn set_model(user: &mut User, model: &str, values: &[String]) {
    let first = values.first().cloned();
    match model {
        "username" => {
            if let Some(v) = first {
                user.username = v.to_lowercase();
            }
        }
        "email" => user.email = first,
        "firstName" => user.first_name = first,
        "lastName" => user.last_name = first,
        _ if values.is_empty() => {
            user.attributes.remove(model);
        }
        _ => {
            user.attributes.insert(model.to_string(), values.to_vec());
        }
    }
}

/// Imports an LDAP entry into the realm as the provider's user: found by its uuid (`LDAP_ID`)
/// or username among the provider's users, else created (`new_id`, the realm's default role)
/// unless a user of another origin has the username (Keycloak's refusal).
pub fn import_user(
    realm: &mut Realm,
    component_id: &str,
    s: &LdapSettings,
    mappings: &[AttributeMapping],
    entry: &Entry,
    new_id: impl FnOnce() -> String,
    now_millis: i64,
) -> Result<Imported, FederationError> {
    let username = entry
        .first(&s.username_attribute)
        .map(str::to_lowercase)
        .ok_or_else(|| {
            FederationError::Entry(format!(
                "User returned from LDAP has null username! Check configuration of your LDAP mappings. Mapped username LDAP attribute: {}, user DN: {}",
                s.username_attribute, entry.dn
            ))
        })?;
    let uuid = entry
        .first(&s.uuid_attribute)
        .unwrap_or(&entry.dn)
        .to_string();
    let linked = |u: &User| u.federation_link.as_deref() == Some(component_id);
    let found = realm
        .users
        .iter()
        .position(|u| linked(u) && u.attributes.get(LDAP_ID).and_then(|v| v.first()) == Some(&uuid))
        .or_else(|| {
            realm
                .users
                .iter()
                .position(|u| linked(u) && u.username == username)
        });
    if found.is_none() && realm.users.iter().any(|u| u.username == username) {
        return Err(FederationError::Entry(format!(
            "User with username '{username}' already exists in the realm and is not linked to the LDAP provider"
        )));
    }
    let mut user = match found {
        Some(i) => realm.users[i].clone(),
        None => {
            let mut u = User::new(new_id(), &username);
            u.created_timestamp = now_millis;
            u.email_verified = false;
            u.federation_link = Some(component_id.to_string());
            realm.give_default_role(&mut u);
            u
        }
    };
    let before = user.clone();
    user.username = username;
    for m in mappings {
        set_model(&mut user, &m.model, entry.values(&m.ldap));
    }
    user.attributes.insert(LDAP_ID.into(), vec![uuid]);
    user.attributes
        .insert(LDAP_ENTRY_DN.into(), vec![entry.dn.clone()]);
    let id = user.id.clone();
    match found {
        Some(i) if realm.users[i] == user => Ok(Imported::Unchanged(id)),
        Some(i) => {
            if realm
                .users
                .iter()
                .enumerate()
                .any(|(j, u)| j != i && u.username == user.username && u.id != before.id)
            {
                return Err(FederationError::Entry(format!(
                    "User with username '{}' already exists",
                    user.username
                )));
            }
            realm.users[i] = user;
            Ok(Imported::Updated(id))
        }
        None => {
            realm
                .add_user(user)
                .map_err(|e| FederationError::Entry(e.to_string()))?;
            Ok(Imported::Added(id))
        }
    }
}

/// The realm group of an LDAP group, created under the mapper's `groups.path` when missing
/// (tagged with its DN); its id.
fn ensure_group(
    realm: &mut Realm,
    g: &GroupSettings,
    entry: &Entry,
    new_id: &mut dyn FnMut() -> String,
) -> Result<Option<String>, FederationError> {
    let Some(name) = entry.first(&g.name_attribute) else {
        return Ok(None);
    };
    let parent_path = g.path.trim_end_matches('/');
    let path = format!("{parent_path}/{name}");
    if let Some(existing) = realm.group_by_path(&path) {
        let id = existing.id.clone();
        if let Some(group) = realm.groups.iter_mut().find(|x| x.id == id) {
            group
                .attributes
                .insert(LDAP_ENTRY_DN.into(), vec![entry.dn.clone()]);
        }
        return Ok(Some(id));
    }
    let parent = if parent_path.is_empty() {
        None
    } else {
        Some(
            realm
                .group_by_path(parent_path)
                .ok_or_else(|| {
                    FederationError::Config(format!(
                        "Group '{parent_path}' does not exist (groups.path of the group mapper)"
                    ))
                })?
                .id
                .clone(),
        )
    };
    let mut group = Group::new(new_id(), name, parent.as_deref());
    group
        .attributes
        .insert(LDAP_ENTRY_DN.into(), vec![entry.dn.clone()]);
    let id = group.id.clone();
    realm
        .add_group(group)
        .map_err(|e| FederationError::Entry(e.to_string()))?;
    Ok(Some(id))
}

/// Makes the LDAP groups realm groups and sets the memberships of the given users in
/// LDAP-made groups to what LDAP says (`members`: each user id with the groups naming it);
/// memberships in other groups stay. Returns the ids of users whose groups changed.
pub fn sync_memberships(
    realm: &mut Realm,
    g: &GroupSettings,
    groups: &[Entry],
    members: &[(String, Vec<usize>)],
    new_id: &mut dyn FnMut() -> String,
) -> Result<BTreeSet<String>, FederationError> {
    let mut ids = Vec::with_capacity(groups.len());
    for entry in groups {
        ids.push(ensure_group(realm, g, entry, new_id)?);
    }
    let managed: BTreeSet<String> = realm
        .groups
        .iter()
        .filter(|x| x.attributes.contains_key(LDAP_ENTRY_DN))
        .map(|x| x.id.clone())
        .collect();
    let mut changed = BTreeSet::new();
    for (user_id, indexes) in members {
        let wanted: BTreeSet<&String> = indexes.iter().filter_map(|i| ids[*i].as_ref()).collect();
        let Some(user) = realm.users.iter_mut().find(|u| &u.id == user_id) else {
            continue;
        };
        let before = user.groups.clone();
        user.groups
            .retain(|id| !managed.contains(id) || wanted.contains(id));
        for id in wanted {
            if !user.groups.contains(id) {
                user.groups.push(id.clone());
            }
        }
        if user.groups != before {
            changed.insert(user_id.clone());
        }
    }
    Ok(changed)
}

/// A group mapper's sync from LDAP (`…/mappers/{id}/sync?direction=fedToKeycloak`): every LDAP
/// group becomes a realm group under `groups.path` (added, or updated when it exists); with
/// `drop.non.existing.groups.during.sync`, the mapper's groups LDAP no longer has are removed.
/// Counted in Keycloak's `SynchronizationResult`.
pub fn sync_groups(
    realm: &mut Realm,
    g: &GroupSettings,
    groups: &[Entry],
    drop_missing: bool,
    new_id: &mut dyn FnMut() -> String,
) -> Result<SyncResult, FederationError> {
    let mut result = SyncResult::default();
    let parent_path = g.path.trim_end_matches('/');
    let mut seen = BTreeSet::new();
    for entry in groups {
        let Some(name) = entry.first(&g.name_attribute) else {
            result.failed += 1;
            continue;
        };
        let existed = realm
            .group_by_path(&format!("{parent_path}/{name}"))
            .is_some();
        if let Some(id) = ensure_group(realm, g, entry, new_id)? {
            seen.insert(id);
        }
        if existed {
            result.updated += 1;
        } else {
            result.added += 1;
        }
    }
    if drop_missing {
        let groups_dn = normalize_dn(&g.groups_dn);
        let gone: Vec<String> = realm
            .groups
            .iter()
            .filter(|x| !seen.contains(&x.id))
            .filter(|x| {
                x.attributes
                    .get(LDAP_ENTRY_DN)
                    .and_then(|v| v.first())
                    .is_some_and(|dn| normalize_dn(dn).ends_with(&groups_dn))
            })
            .map(|x| x.id.clone())
            .collect();
        for id in gone {
            realm.remove_group(&id);
            result.removed += 1;
        }
    }
    Ok(result.finish())
}

/// A time as LDAP's GeneralizedTime (`YYYYMMDDHHMMSSZ`, UTC).
pub fn generalized_time(unix: u64) -> String {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests;
