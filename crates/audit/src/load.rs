//! Reading an `audit.k8s.io/v1` Policy file (YAML or JSON) as kube-apiserver's
//! `policy.LoadPolicyFromBytes` does: a strict decoding first, and when that only finds unknown
//! fields, a lenient one with a warning; then the group, version and kind; then validation with
//! Kubernetes' field errors; then at least one rule.
//!
//! Decoding errors name the field as Go's `encoding/json` does (`json: cannot unmarshal string
//! into Go struct field PolicyRule.rules.users of type []string`); unknown fields are reported as
//! the strict decoder does (`strict decoding error: unknown field "rules[0].levle"`).

use serde_json::{Map, Value};

use kubeward_core::status::{FieldError, aggregate};
use kubeward_core::validation::content::dns1123_subdomain;

use crate::level::{Level, Stage, Stages};
use crate::policy::{GroupResources, Policy, PolicyRule};

/// The only group/version of audit policies kube-apiserver still reads.
pub const API_VERSION: &str = "audit.k8s.io/v1";
/// The name of the scheme kube-apiserver decodes policies with, as its errors print it.
const SCHEME: &str = "k8s.io/apiserver/pkg/audit/scheme.go:30";

/// A policy and what a user should be told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The policy.
    pub policy: Policy,
    /// Warnings (unknown fields, ignored by the lenient decoding).
    pub warnings: Vec<String>,
}

/// Why a policy cannot be used; `Display` is kube-apiserver's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The bytes are not a Policy of `audit.k8s.io/v1` (syntax, types, kind or version).
    #[error("failed decoding: {0}")]
    Decode(String),
    /// A field has a value Kubernetes refuses.
    #[error("{0}")]
    Invalid(String),
    /// The policy has no rule.
    #[error("loaded illegal policy with 0 rules")]
    NoRules,
}

/// Reads a policy from the bytes of a file.
pub fn parse(bytes: &[u8]) -> Result<Loaded, LoadError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| LoadError::Decode(format!("the file is not UTF-8: {e}")))?;
    let document = to_json(text)?;
    let empty = Map::new();
    let object = match &document {
        Value::Object(object) => object,
        // An empty document decodes as an object without a kind.
        Value::Null => &empty,
        _ => {
            return Err(LoadError::Decode(format!(
                "json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}",
                json_type(&document)
            )));
        }
    };
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if kind.is_empty() {
        return Err(LoadError::Decode(format!(
            "Object 'Kind' is missing in '{}'",
            text.trim_end()
        )));
    }
    if api_version.is_empty() {
        return Err(LoadError::Decode(format!(
            "Object 'apiVersion' is missing in '{}'",
            text.trim_end()
        )));
    }
    if kind != "Policy" || api_version != API_VERSION {
        return Err(LoadError::Decode(format!(
            "no kind \"{kind}\" is registered for version \"{api_version}\" in scheme \"{SCHEME}\""
        )));
    }

    let mut decoder = Decoder::default();
    let policy = decoder.policy(object).map_err(LoadError::Decode)?;
    let mut warnings = Vec::new();
    if !decoder.unknown.is_empty() {
        let fields: Vec<String> = decoder
            .unknown
            .iter()
            .map(|f| format!("unknown field \"{f}\""))
            .collect();
        warnings.push(format!(
            "Audit policy contains errors, falling back to lenient decoding: strict decoding error: {}",
            fields.join(", ")
        ));
    }

    let errors = validate(&policy);
    if !errors.is_empty() {
        return Err(LoadError::Invalid(aggregate(
            errors.iter().map(ToString::to_string),
        )));
    }
    if policy.rules.is_empty() {
        return Err(LoadError::NoRules);
    }
    Ok(Loaded {
        policy: policy.into_policy(),
        warnings,
    })
}

/// YAML (a superset of JSON) to a JSON value, as `sigs.k8s.io/yaml` converts it.
fn to_json(text: &str) -> Result<Value, LoadError> {
    let value: Value = serde_saphyr::from_str(text)
        .map_err(|e| LoadError::Decode(format!("error converting YAML to JSON: {e}")))?;
    Ok(value)
}

/// The policy as written, before validation (levels and stages still strings).
#[derive(Debug, Default)]
struct RawPolicy {
    rules: Vec<RawRule>,
    omit_stages: Vec<String>,
    omit_managed_fields: bool,
}

#[derive(Debug, Default)]
struct RawRule {
    level: String,
    users: Vec<String>,
    user_groups: Vec<String>,
    verbs: Vec<String>,
    resources: Vec<GroupResources>,
    namespaces: Vec<String>,
    non_resource_urls: Vec<String>,
    omit_stages: Vec<String>,
    omit_managed_fields: Option<bool>,
}

impl RawPolicy {
    /// After validation every level and stage is known.
    fn into_policy(self) -> Policy {
        let stages = |names: &[String]| -> Stages {
            names
                .iter()
                .filter_map(|s| s.parse::<Stage>().ok())
                .collect()
        };
        Policy {
            omit_stages: stages(&self.omit_stages),
            omit_managed_fields: self.omit_managed_fields,
            rules: self
                .rules
                .into_iter()
                .map(|r| PolicyRule {
                    level: r.level.parse().unwrap_or(Level::None),
                    users: r.users,
                    user_groups: r.user_groups,
                    verbs: r.verbs,
                    resources: r.resources,
                    namespaces: r.namespaces,
                    non_resource_urls: r.non_resource_urls,
                    omit_stages: stages(&r.omit_stages),
                    omit_managed_fields: r.omit_managed_fields,
                })
                .collect(),
        }
    }
}

/// Decodes the typed fields, with Go's type errors and the strict decoder's unknown fields.
#[derive(Default)]
struct Decoder {
    /// Unknown fields, as paths (`rules[0].levle`).
    unknown: Vec<String>,
}

/// A JSON key path: `field` for Go's type errors (`rules.users`), `strict` for unknown fields
/// (`rules[0].users`).
#[derive(Clone)]
struct Path {
    field: String,
    strict: String,
}

impl Path {
    fn root() -> Self {
        Self {
            field: String::new(),
            strict: String::new(),
        }
    }

    fn child(&self, key: &str) -> Self {
        let join = |base: &str| {
            if base.is_empty() {
                key.to_string()
            } else {
                format!("{base}.{key}")
            }
        };
        Self {
            field: join(&self.field),
            strict: join(&self.strict),
        }
    }

    fn index(&self, i: usize) -> Self {
        Self {
            field: self.field.clone(),
            strict: format!("{}[{i}]", self.strict),
        }
    }
}

/// Go's name of a JSON value's type in `UnmarshalTypeError`.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_error(value: &Value, structure: &str, path: &Path, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field {structure}.{} of type {go_type}",
        json_type(value),
        path.field
    )
}

impl Decoder {
    fn policy(&mut self, object: &Map<String, Value>) -> Result<RawPolicy, String> {
        let root = Path::root();
        let mut policy = RawPolicy::default();
        for (key, value) in object {
            let path = root.child(key);
            match key.as_str() {
                "kind" | "apiVersion" => {}
                "metadata" => {
                    if !matches!(value, Value::Object(_) | Value::Null) {
                        return Err(type_error(value, "Policy", &path, "v1.ObjectMeta"));
                    }
                }
                "rules" => {
                    for (i, item) in self
                        .array(value, "Policy", &path, "[]v1.PolicyRule")?
                        .iter()
                        .enumerate()
                    {
                        policy.rules.push(self.rule(item, &path.index(i), &path)?);
                    }
                }
                "omitStages" => {
                    policy.omit_stages = self.strings(value, "Policy", &path, "v1.Stage")?;
                }
                "omitManagedFields" => {
                    policy.omit_managed_fields =
                        self.bool(value, "Policy", &path)?.unwrap_or(false);
                }
                _ => self.unknown.push(path.strict),
            }
        }
        Ok(policy)
    }

    fn rule(&mut self, value: &Value, path: &Path, list: &Path) -> Result<RawRule, String> {
        let mut rule = RawRule::default();
        let object = match value {
            Value::Object(object) => object,
            Value::Null => return Ok(rule),
            other => return Err(type_error(other, "Policy", list, "v1.PolicyRule")),
        };
        const S: &str = "PolicyRule";
        for (key, value) in object {
            let p = path.child(key);
            match key.as_str() {
                "level" => rule.level = self.string(value, S, &p, "v1.Level")?,
                "users" => rule.users = self.strings(value, S, &p, "string")?,
                "userGroups" => rule.user_groups = self.strings(value, S, &p, "string")?,
                "verbs" => rule.verbs = self.strings(value, S, &p, "string")?,
                "namespaces" => rule.namespaces = self.strings(value, S, &p, "string")?,
                "nonResourceURLs" => {
                    rule.non_resource_urls = self.strings(value, S, &p, "string")?
                }
                "omitStages" => rule.omit_stages = self.strings(value, S, &p, "v1.Stage")?,
                "omitManagedFields" => rule.omit_managed_fields = self.bool(value, S, &p)?,
                "resources" => {
                    for (i, item) in self
                        .array(value, S, &p, "[]v1.GroupResources")?
                        .iter()
                        .enumerate()
                    {
                        rule.resources
                            .push(self.group_resources(item, &p.index(i), &p)?);
                    }
                }
                _ => self.unknown.push(p.strict),
            }
        }
        Ok(rule)
    }

    fn group_resources(
        &mut self,
        value: &Value,
        path: &Path,
        list: &Path,
    ) -> Result<GroupResources, String> {
        let mut group = GroupResources::default();
        let object = match value {
            Value::Object(object) => object,
            Value::Null => return Ok(group),
            other => return Err(type_error(other, "PolicyRule", list, "v1.GroupResources")),
        };
        const S: &str = "GroupResources";
        for (key, value) in object {
            let p = path.child(key);
            match key.as_str() {
                "group" => group.group = self.string(value, S, &p, "string")?,
                "resources" => group.resources = self.strings(value, S, &p, "string")?,
                "resourceNames" => group.resource_names = self.strings(value, S, &p, "string")?,
                _ => self.unknown.push(p.strict),
            }
        }
        Ok(group)
    }

    /// An array (null is an empty one), or Go's type error naming `slice_type`.
    fn array<'v>(
        &self,
        value: &'v Value,
        structure: &str,
        path: &Path,
        slice_type: &str,
    ) -> Result<&'v [Value], String> {
        match value {
            Value::Array(items) => Ok(items),
            Value::Null => Ok(&[]),
            other => Err(type_error(other, structure, path, slice_type)),
        }
    }

    /// A list of strings; `element_type` is the Go type of the elements (`string`, `v1.Stage`).
    fn strings(
        &self,
        value: &Value,
        structure: &str,
        path: &Path,
        element_type: &str,
    ) -> Result<Vec<String>, String> {
        let items = self.array(value, structure, path, &format!("[]{element_type}"))?;
        items
            .iter()
            .map(|item| self.string(item, structure, path, element_type))
            .collect()
    }

    /// A string (null is empty).
    fn string(
        &self,
        value: &Value,
        structure: &str,
        path: &Path,
        go_type: &str,
    ) -> Result<String, String> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Null => Ok(String::new()),
            other => Err(type_error(other, structure, path, go_type)),
        }
    }

    /// A boolean (null is unset).
    fn bool(&self, value: &Value, structure: &str, path: &Path) -> Result<Option<bool>, String> {
        match value {
            Value::Bool(b) => Ok(Some(*b)),
            Value::Null => Ok(None),
            other => Err(type_error(other, structure, path, "bool")),
        }
    }
}

const VALID_LEVELS: [&str; 4] = ["None", "Metadata", "Request", "RequestResponse"];
const VALID_STAGES: [&str; 4] = [
    "RequestReceived",
    "ResponseStarted",
    "ResponseComplete",
    "Panic",
];

/// kube-apiserver's `validation.ValidatePolicy`, errors in its order.
fn validate(policy: &RawPolicy) -> Vec<FieldError> {
    let mut errors = validate_omit_stages(&policy.omit_stages, "omitStages");
    for (i, rule) in policy.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        match rule.level.as_str() {
            "" => errors.push(FieldError::required(&format!("{path}.level"), "")),
            level if VALID_LEVELS.contains(&level) => {}
            level => errors.push(FieldError::not_supported(
                &format!("{path}.level"),
                level,
                &VALID_LEVELS,
            )),
        }
        errors.extend(validate_non_resource_urls(
            &rule.non_resource_urls,
            &format!("{path}.nonResourceURLs"),
        ));
        errors.extend(validate_resources(
            &rule.resources,
            &format!("{path}.resources"),
        ));
        errors.extend(validate_omit_stages(
            &rule.omit_stages,
            &format!("{path}.omitStages"),
        ));
        if !rule.non_resource_urls.is_empty()
            && (!rule.resources.is_empty() || !rule.namespaces.is_empty())
        {
            errors.push(FieldError::invalid(
                &format!("{path}.nonResourceURLs"),
                rule.non_resource_urls.as_slice(),
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
    }
    errors
}

fn validate_non_resource_urls(urls: &[String], path: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        if url == "*" {
            continue;
        }
        let field = format!("{path}[{i}]");
        if !url.starts_with('/') {
            errors.push(FieldError::invalid(
                &field,
                url.as_str(),
                "non-resource URL rules must begin with a '/' character",
            ));
        }
        if !url.is_empty() && url[..url.len() - 1].contains('*') {
            errors.push(FieldError::invalid(
                &field,
                url.as_str(),
                "non-resource URL wildcards '*' must be the final character of the rule",
            ));
        }
    }
    errors
}

/// As kube-apiserver, the paths of these errors carry no index (`rules[0].resources.group`).
fn validate_resources(groups: &[GroupResources], path: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for group in groups {
        if !group.group.is_empty() && group.group != "*" {
            let messages = dns1123_subdomain(&group.group);
            if !messages.is_empty() {
                errors.push(FieldError::invalid(
                    &format!("{path}.group"),
                    group.group.as_str(),
                    &messages.join(","),
                ));
            }
        }
        if !group.resource_names.is_empty() && group.resources.is_empty() {
            errors.push(FieldError::invalid(
                &format!("{path}.resourceNames"),
                group.resource_names.as_slice(),
                "using resourceNames requires at least one resource",
            ));
        }
    }
    errors
}

fn validate_omit_stages(stages: &[String], path: &str) -> Vec<FieldError> {
    stages
        .iter()
        .enumerate()
        .filter(|(_, stage)| !VALID_STAGES.contains(&stage.as_str()))
        .map(|(i, stage)| {
            FieldError::invalid(
                &format!("{path}[{i}]"),
                stage.as_str(),
                &format!("allowed stages are {}", VALID_STAGES.join(",")),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
