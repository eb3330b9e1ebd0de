//! The `aws-auth` ConfigMap of `kube-system`: `mapRoles`, `mapUsers` and `mapAccounts`, each a
//! YAML string, read as aws-iam-authenticator's `ParseMap` reads them (field names in any case,
//! bad entries reported and left out, the good ones kept), and edited as eksctl edits them.

use serde_json::{Map, Value};

use super::mapping::{MapperSet, RoleMapping, SsoMatcher, UserMapping};

/// The ConfigMap's name.
pub const NAME: &str = "aws-auth";
/// Its namespace.
pub const NAMESPACE: &str = "kube-system";
/// The data key of role mappings.
pub const MAP_ROLES: &str = "mapRoles";
/// The data key of user mappings.
pub const MAP_USERS: &str = "mapUsers";
/// The data key of accounts.
pub const MAP_ACCOUNTS: &str = "mapAccounts";

/// What `ParseMap` found: the valid mappings and the errors of the others.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Valid role mappings.
    pub roles: Vec<RoleMapping>,
    /// Valid user mappings.
    pub users: Vec<UserMapping>,
    /// Accounts.
    pub accounts: Vec<String>,
    /// One message per problem (the authenticator logs them and keeps the rest).
    pub errors: Vec<String>,
}

impl Parsed {
    /// The indexed mapper.
    pub fn into_mapper(self) -> MapperSet {
        MapperSet::new(self.roles, self.users, self.accounts)
    }
}

/// `isSkippable`: blank, or an empty quoted string.
fn skippable(data: &str) -> bool {
    matches!(data.trim(), "" | "``" | "\"\"" | "''")
}

/// A YAML document as JSON (as `utilyaml.ToJSON`).
pub fn yaml_to_json(data: &str) -> Result<Value, String> {
    serde_saphyr::from_str::<Value>(data).map_err(|e| format!("error converting YAML to JSON: {e}"))
}

/// The value of `field` in `object`, matching the name exactly or else case-insensitively (as
/// Go's `encoding/json`).
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Reads entries of a list field by field, collecting Go-like type errors.
pub(super) struct Reader<'a> {
    /// The Go type named in errors (`config.RoleMapping`).
    pub ty: &'static str,
    /// Where type errors go.
    pub errors: &'a mut Vec<String>,
}

impl Reader<'_> {
    pub(super) fn string(&mut self, object: &Map<String, Value>, name: &str) -> String {
        match field(object, name) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                self.errors.push(format!(
                    "json: cannot unmarshal {} into Go struct field {}.{name} of type string",
                    json_kind(other),
                    self.ty
                ));
                String::new()
            }
        }
    }

    pub(super) fn strings(&mut self, object: &Map<String, Value>, name: &str) -> Vec<String> {
        match field(object, name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => s.clone(),
                    other => {
                        self.errors.push(format!(
                            "json: cannot unmarshal {} into Go struct field {}.{name} of type string",
                            json_kind(other),
                            self.ty
                        ));
                        String::new()
                    }
                })
                .collect(),
            Some(other) => {
                self.errors.push(format!(
                    "json: cannot unmarshal {} into Go struct field {}.{name} of type []string",
                    json_kind(other),
                    self.ty
                ));
                Vec::new()
            }
        }
    }

    pub(super) fn role(&mut self, object: &Map<String, Value>) -> RoleMapping {
        let sso = match field(object, "sso") {
            Some(Value::Object(sso)) => {
                let mut r = Reader {
                    ty: "config.SSOARNMatcher",
                    errors: self.errors,
                };
                Some(SsoMatcher {
                    permission_set_name: r.string(sso, "permissionSetName"),
                    account_id: r.string(sso, "accountID"),
                    partition: r.string(sso, "partition"),
                })
            }
            _ => None,
        };
        RoleMapping {
            rolearn: self.string(object, "rolearn"),
            sso,
            username: self.string(object, "username"),
            groups: self.strings(object, "groups"),
            userid: self.string(object, "userid"),
        }
    }

    pub(super) fn user(&mut self, object: &Map<String, Value>) -> UserMapping {
        UserMapping {
            userarn: self.string(object, "userarn"),
            username: self.string(object, "username"),
            groups: self.strings(object, "groups"),
            userid: self.string(object, "userid"),
        }
    }
}

/// The objects of a JSON array, or the Go error for what is not one.
pub(super) fn objects<'a>(
    value: &'a Value,
    go_type: &str,
    errors: &mut Vec<String>,
) -> Vec<&'a Map<String, Value>> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                Value::Object(o) => Some(o),
                other => {
                    errors.push(format!(
                        "json: cannot unmarshal {} into Go value of type {go_type}",
                        json_kind(other)
                    ));
                    None
                }
            })
            .collect(),
        Value::Null => Vec::new(),
        other => {
            errors.push(format!(
                "json: cannot unmarshal {} into Go value of type []{go_type}",
                json_kind(other)
            ));
            Vec::new()
        }
    }
}

/// A scalar as `yaml.v2` decodes it into a string.
fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// aws-iam-authenticator's `ParseMap` of the ConfigMap's data.
pub fn parse<'a>(data: impl Fn(&str) -> Option<&'a str>) -> Parsed {
    let mut out = Parsed::default();
    if let Some(users) = data(MAP_USERS).filter(|d| !skippable(d)) {
        match yaml_to_json(users) {
            Err(e) => out.errors.push(e),
            Ok(value) => {
                for object in objects(&value, "config.UserMapping", &mut out.errors) {
                    let mut reader = Reader {
                        ty: "config.UserMapping",
                        errors: &mut out.errors,
                    };
                    let user = reader.user(object);
                    match user.validate() {
                        Ok(()) => out.users.push(user),
                        Err(e) => out.errors.push(e),
                    }
                }
            }
        }
    }
    if let Some(roles) = data(MAP_ROLES).filter(|d| !skippable(d)) {
        match yaml_to_json(roles) {
            Err(e) => out.errors.push(e),
            Ok(value) => {
                for object in objects(&value, "config.RoleMapping", &mut out.errors) {
                    let mut reader = Reader {
                        ty: "config.RoleMapping",
                        errors: &mut out.errors,
                    };
                    let role = reader.role(object);
                    match role.validate() {
                        Ok(()) => out.roles.push(role),
                        Err(e) => out.errors.push(e),
                    }
                }
            }
        }
    }
    if let Some(accounts) = data(MAP_ACCOUNTS).filter(|d| !skippable(d)) {
        match yaml_to_json(accounts) {
            Err(e) => out.errors.push(e),
            Ok(Value::Array(items)) => {
                for item in items {
                    match scalar_string(&item) {
                        Some(account) => out.accounts.push(account),
                        None => out.errors.push(format!(
                            "yaml: cannot unmarshal {} into string",
                            json_kind(&item)
                        )),
                    }
                }
            }
            Ok(Value::Null) => {}
            Ok(other) => out.errors.push(format!(
                "yaml: cannot unmarshal {} into []string",
                json_kind(&other)
            )),
        }
    }
    out
}

/// One identity as eksctl lists it (`iam.Identity`): a role or user entry, or an account.
#[derive(Debug, Clone, PartialEq)]
pub struct EksctlIdentity {
    /// The role or user ARN (empty for an account).
    pub arn: String,
    /// The Kubernetes user name.
    pub username: String,
    /// The Kubernetes groups.
    pub groups: Vec<String>,
    /// The account of a `mapAccounts` entry.
    pub account: String,
    /// `role`, `user` or `account`.
    pub kind: &'static str,
    /// The entry as stored (its other fields are kept when the ConfigMap is rewritten).
    pub raw: Map<String, Value>,
}

impl EksctlIdentity {
    /// A new role or user mapping (eksctl's `iam.NewIdentity`), with its messages.
    pub fn new(arn: &str, username: &str, groups: &[String]) -> Result<Self, String> {
        if arn.is_empty() {
            return Err("expected a valid arn but got empty string".into());
        }
        if username.is_empty() && groups.is_empty() {
            return Err("neither username nor group are set for iam identity".into());
        }
        let parsed = super::arn::Arn::parse(arn).map_err(|e| match e {
            super::arn::ArnError::Invalid { reason, .. } => format!("arn: {reason}"),
            other => other.to_string(),
        })?;
        let (kind, key) = match parsed.resource_type() {
            "user" => ("user", "userarn"),
            "role" => ("role", "rolearn"),
            _ => return Err("arn is neither user nor role".into()),
        };
        let mut raw = Map::new();
        raw.insert(key.into(), Value::String(arn.into()));
        if !username.is_empty() {
            raw.insert("username".into(), Value::String(username.into()));
        }
        if !groups.is_empty() {
            raw.insert("groups".into(), groups.iter().cloned().collect());
        }
        Ok(Self {
            arn: arn.into(),
            username: username.into(),
            groups: groups.to_vec(),
            account: String::new(),
            kind,
            raw,
        })
    }
}

/// eksctl's `GetIdentities`: roles, then users, then accounts; any entry that does not parse
/// is an error (`unmarshalling "mapRoles": …`).
pub fn eksctl_identities<'a>(
    data: impl Fn(&str) -> Option<&'a str>,
) -> Result<Vec<EksctlIdentity>, String> {
    let mut out = Vec::new();
    for (key, kind, arn_key) in [
        (MAP_ROLES, "role", "rolearn"),
        (MAP_USERS, "user", "userarn"),
    ] {
        let text = data(key).unwrap_or_default();
        if text.trim().is_empty() {
            continue;
        }
        let value = yaml_to_json(text).map_err(|e| format!("unmarshalling {key:?}: {e}"))?;
        let mut errors = Vec::new();
        let go_type = if kind == "role" {
            "iam.RoleIdentity"
        } else {
            "iam.UserIdentity"
        };
        for object in objects(&value, go_type, &mut errors) {
            let mut reader = Reader {
                ty: go_type,
                errors: &mut errors,
            };
            out.push(EksctlIdentity {
                arn: reader.string(object, arn_key),
                username: reader.string(object, "username"),
                groups: reader.strings(object, "groups"),
                account: String::new(),
                kind,
                raw: object.clone(),
            });
        }
        if let Some(first) = errors.into_iter().next() {
            return Err(format!("unmarshalling {key:?}: {first}"));
        }
    }
    for account in accounts(data(MAP_ACCOUNTS).unwrap_or_default())? {
        out.push(EksctlIdentity {
            arn: String::new(),
            username: String::new(),
            groups: Vec::new(),
            account,
            kind: "account",
            raw: Map::new(),
        });
    }
    Ok(out)
}

/// The accounts of `mapAccounts`, as eksctl reads them.
pub fn accounts(text: &str) -> Result<Vec<String>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    match yaml_to_json(text).map_err(|e| format!("unmarshalling \"mapAccounts\": {e}"))? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                scalar_string(i).ok_or_else(|| {
                    format!(
                        "unmarshalling \"mapAccounts\": cannot unmarshal {} into string",
                        json_kind(i)
                    )
                })
            })
            .collect(),
        other => Err(format!(
            "unmarshalling \"mapAccounts\": cannot unmarshal {} into []string",
            json_kind(&other)
        )),
    }
}

/// The YAML of a list of entries or scalars as eksctl writes it (`sigs.k8s.io/yaml`: keys
/// sorted, sequences not indented under their key, `[]` when empty).
pub fn to_yaml(items: &[Value]) -> String {
    if items.is_empty() {
        return "[]\n".into();
    }
    let mut out = String::new();
    for item in items {
        write_item(&mut out, item, 0);
    }
    out
}

fn write_item(out: &mut String, item: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match item {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, key) in keys.into_iter().enumerate() {
                let lead = if i == 0 {
                    format!("{pad}- ")
                } else {
                    format!("{pad}  ")
                };
                write_entry(out, &lead, key, &map[key], indent + 2);
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str("- ");
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn write_entry(out: &mut String, lead: &str, key: &str, value: &Value, indent: usize) {
    out.push_str(lead);
    out.push_str(&scalar(key));
    out.push(':');
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                write_item(out, item, indent);
            }
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let pad = " ".repeat(indent);
            for key in keys {
                write_entry(out, &pad, key, &map[key], indent + 2);
            }
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string as `yaml.v2` writes it: plain when it reads back as the same string, else quoted.
pub fn scalar(s: &str) -> String {
    let resolves_otherwise = s.is_empty()
        || matches!(
            s.to_ascii_lowercase().as_str(),
            "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
        || s.parse::<f64>().is_ok()
        || (s.starts_with("0x") && i64::from_str_radix(&s[2..], 16).is_ok());
    if resolves_otherwise || s.chars().any(|c| c.is_control()) {
        return serde_json::to_string(s).unwrap_or_default();
    }
    let first = s.as_bytes()[0];
    let plain = !b"-?:,[]{}#&*!|>'\"%@` ".contains(&first)
        && !s.ends_with(' ')
        && !s.ends_with(':')
        && !s.contains(": ")
        && !s.contains(" #");
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests;
