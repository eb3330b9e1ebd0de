//! The authorizer chain of kube-apiserver, from `--authorization-config` (an
//! `AuthorizationConfiguration`, `apiserver.config.k8s.io/v1`, `v1beta1` or `v1alpha1`,
//! decoded strictly and validated with kube-apiserver's field errors) or from the legacy flags
//! (`--authorization-mode`, `--authorization-webhook-*`), as one ordered list.
//!
//! The kubeconfig files the webhooks name are only named here: reading them is the caller's job.

use std::time::Duration;

use kubeward_core::status::{FieldError, aggregate};
use serde::Deserialize;

use crate::duration;
use crate::match_conditions::MatchConditions;
use crate::version::Version;

/// The `apiVersion`s of an `AuthorizationConfiguration`.
pub const API_VERSIONS: [&str; 3] = [
    "apiserver.config.k8s.io/v1",
    "apiserver.config.k8s.io/v1beta1",
    "apiserver.config.k8s.io/v1alpha1",
];

/// The authorizer types kube-apiserver knows, in its order of `supported values`.
pub const KNOWN_TYPES: [&str; 6] = [
    "ABAC",
    "AlwaysAllow",
    "AlwaysDeny",
    "Node",
    "RBAC",
    "Webhook",
];

/// The name of the webhook the legacy flags configure.
pub const LEGACY_WEBHOOK_NAME: &str = "default";

/// What a webhook's failure (unreachable, an error answer, a match condition that cannot be
/// evaluated) decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// The next authorizer is asked.
    NoOpinion,
    /// The request is denied.
    Deny,
}

/// One authorization webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSpec {
    /// Its name.
    pub name: String,
    /// How long an allow is cached (zero: not cached).
    pub authorized_ttl: Duration,
    /// How long a deny or no opinion is cached (zero: not cached).
    pub unauthorized_ttl: Duration,
    /// The limit of one call.
    pub timeout: Duration,
    /// The SubjectAccessReview version it speaks.
    pub version: Version,
    /// What a failure decides.
    pub failure_policy: FailurePolicy,
    /// The kubeconfig file that says where it is and how to reach it.
    pub kubeconfig_file: String,
    /// The `matchConditions` expressions (already checked to compile).
    pub match_conditions: Vec<String>,
}

/// One authorizer of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizerSpec {
    /// `Node` (kubeward runs no kubelets: it never has an opinion).
    Node,
    /// `RBAC`.
    Rbac,
    /// `AlwaysAllow`.
    AlwaysAllow,
    /// `AlwaysDeny`.
    AlwaysDeny,
    /// `Webhook`.
    Webhook(WebhookSpec),
}

/// A configuration kube-apiserver would refuse (or one kubeward cannot run).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file does not decode.
    #[error("failed to load AuthorizationConfiguration from file: {0}")]
    Decode(String),
    /// The configuration or the flags are invalid; the message is kube-apiserver's.
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct File {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    authorizers: Vec<Authorizer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Authorizer {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    webhook: Option<Webhook>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Webhook {
    #[serde(default, rename = "authorizedTTL")]
    authorized_ttl: Option<String>,
    #[serde(default)]
    cache_authorized_requests: Option<bool>,
    #[serde(default, rename = "unauthorizedTTL")]
    unauthorized_ttl: Option<String>,
    #[serde(default)]
    cache_unauthorized_requests: Option<bool>,
    #[serde(default)]
    timeout: Option<String>,
    #[serde(default)]
    subject_access_review_version: String,
    #[serde(default)]
    match_condition_subject_access_review_version: String,
    #[serde(default)]
    failure_policy: String,
    #[serde(default)]
    connection_info: ConnectionInfo,
    #[serde(default)]
    match_conditions: Vec<MatchCondition>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConnectionInfo {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    kube_config_file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchCondition {
    #[serde(default)]
    expression: String,
}

/// Reads and validates an `AuthorizationConfiguration` as kube-apiserver's `LoadAndValidateData`.
pub fn parse(text: &str) -> Result<Vec<AuthorizerSpec>, ConfigError> {
    let file: File =
        serde_saphyr::from_str(text).map_err(|e| ConfigError::Decode(e.to_string()))?;
    if file.kind.is_empty() {
        return Err(ConfigError::Decode("Object 'Kind' is missing".into()));
    }
    if file.kind != "AuthorizationConfiguration"
        || !API_VERSIONS.contains(&file.api_version.as_str())
    {
        return Err(ConfigError::Decode(format!(
            "no kind \"{}\" is registered for version \"{}\"",
            file.kind, file.api_version
        )));
    }
    let mut errors = Vec::new();
    let mut chain = Vec::new();
    if file.authorizers.is_empty() {
        errors.push(FieldError::required(
            "authorizers",
            "at least one authorization mode must be defined",
        ));
    }
    let mut seen_types: Vec<&str> = Vec::new();
    let mut seen_names: Vec<&str> = Vec::new();
    for (index, authorizer) in file.authorizers.iter().enumerate() {
        let at = |field: &str| format!("authorizers[{index}].{field}");
        let kind = authorizer.kind.as_str();
        if kind.is_empty() {
            errors.push(FieldError::required(&at("type"), ""));
            continue;
        }
        if !KNOWN_TYPES.contains(&kind) {
            errors.push(FieldError::not_supported(&at("type"), kind, &KNOWN_TYPES));
            continue;
        }
        if seen_types.contains(&kind) && kind != "Webhook" {
            errors.push(FieldError::duplicate(&at("type"), kind));
            continue;
        }
        seen_types.push(kind);
        let name = authorizer.name.as_str();
        if name.is_empty() {
            errors.push(FieldError::required(&at("name"), ""));
        } else if seen_names.contains(&name) {
            errors.push(FieldError::duplicate(&at("name"), name));
        } else {
            let problems = kubeward_core::validation::content::dns1123_subdomain(name);
            if !problems.is_empty() {
                errors.push(FieldError::invalid(
                    &at("name"),
                    name,
                    &format!("authorizer name is invalid: {}", problems.join(", ")),
                ));
            }
        }
        seen_names.push(name);
        match (kind, &authorizer.webhook) {
            ("Webhook", None) => {
                errors.push(FieldError::required(
                    &at("webhook"),
                    "required when type=Webhook",
                ));
            }
            ("Webhook", Some(webhook)) => {
                match webhook_spec(name, webhook, &format!("authorizers[{index}].webhook")) {
                    Ok(spec) => chain.push(AuthorizerSpec::Webhook(spec)),
                    Err(mut found) => errors.append(&mut found),
                }
            }
            (_, Some(_)) => errors.push(FieldError::invalid(
                &at("webhook"),
                "non-null",
                "may only be specified when type=Webhook",
            )),
            (other, None) => chain.push(builtin(other)),
        }
    }
    if !errors.is_empty() {
        return Err(ConfigError::Invalid(aggregate(
            errors.iter().map(ToString::to_string),
        )));
    }
    // kube-apiserver's own check: a built-in authorizer is named as the legacy flags name it.
    let mut wrong_names = Vec::new();
    for authorizer in &file.authorizers {
        if authorizer.kind != "Webhook" {
            let expected = authorizer.kind.to_lowercase();
            if authorizer.name != expected {
                wrong_names.push(format!(
                    "expected name {expected} for authorizer {} instead of {}",
                    authorizer.kind, authorizer.name
                ));
            }
        }
    }
    if !wrong_names.is_empty() {
        return Err(ConfigError::Invalid(aggregate(wrong_names)));
    }
    if seen_types.contains(&"ABAC") {
        return Err(ConfigError::Invalid(
            "authorizer type ABAC is not allowed if it was not enabled at initial server startup"
                .into(),
        ));
    }
    Ok(chain)
}

fn builtin(kind: &str) -> AuthorizerSpec {
    match kind {
        "Node" => AuthorizerSpec::Node,
        "AlwaysAllow" => AuthorizerSpec::AlwaysAllow,
        "AlwaysDeny" => AuthorizerSpec::AlwaysDeny,
        // ABAC is refused after validation, as kube-apiserver refuses it without a policy file.
        _ => AuthorizerSpec::Rbac,
    }
}

/// A webhook's spec, validated as `ValidateWebhookConfiguration` (defaults applied first: 5m
/// and 30s of caching, both kinds of answer cached).
fn webhook_spec(name: &str, webhook: &Webhook, path: &str) -> Result<WebhookSpec, Vec<FieldError>> {
    let mut errors = Vec::new();
    let at = |field: &str| format!("{path}.{field}");
    let mut duration_of = |field: &str, text: &Option<String>| -> Duration {
        match text.as_deref().map(duration::parse) {
            None => Duration::ZERO,
            Some(Ok(value)) => value,
            Some(Err(e)) => {
                errors.push(FieldError::invalid(
                    &at(field),
                    text.as_deref().unwrap_or(""),
                    &e.to_string(),
                ));
                Duration::ZERO
            }
        }
    };
    let timeout = duration_of("timeout", &webhook.timeout);
    let mut authorized_ttl = duration_of("authorizedTTL", &webhook.authorized_ttl);
    let mut unauthorized_ttl = duration_of("unauthorizedTTL", &webhook.unauthorized_ttl);
    if authorized_ttl.is_zero() {
        authorized_ttl = Duration::from_secs(300);
    }
    if unauthorized_ttl.is_zero() {
        unauthorized_ttl = Duration::from_secs(30);
    }
    if timeout.is_zero() {
        errors.push(FieldError::required(&at("timeout"), ""));
    } else if timeout > Duration::from_secs(30) {
        errors.push(FieldError::invalid(
            &at("timeout"),
            duration::format(timeout).as_str(),
            "must be > 0s and <= 30s",
        ));
    }
    let version = match webhook.subject_access_review_version.as_str() {
        "" => {
            errors.push(FieldError::required(&at("subjectAccessReviewVersion"), ""));
            None
        }
        text => match Version::authorization(text) {
            Ok(version) => Some(version),
            Err(_) => {
                errors.push(FieldError::not_supported(
                    &at("subjectAccessReviewVersion"),
                    text,
                    &["v1", "v1beta1"],
                ));
                None
            }
        },
    };
    match webhook
        .match_condition_subject_access_review_version
        .as_str()
    {
        "" if !webhook.match_conditions.is_empty() => errors.push(FieldError::required(
            &at("matchConditionSubjectAccessReviewVersion"),
            "required if match conditions are specified",
        )),
        "" | "v1" => {}
        other => errors.push(FieldError::not_supported(
            &at("matchConditionSubjectAccessReviewVersion"),
            other,
            &["v1"],
        )),
    }
    let failure_policy = match webhook.failure_policy.as_str() {
        "" => {
            errors.push(FieldError::required(&at("failurePolicy"), ""));
            None
        }
        "NoOpinion" => Some(FailurePolicy::NoOpinion),
        "Deny" => Some(FailurePolicy::Deny),
        other => {
            errors.push(FieldError::not_supported(
                &at("failurePolicy"),
                other,
                &["NoOpinion", "Deny"],
            ));
            None
        }
    };
    let file = webhook
        .connection_info
        .kube_config_file
        .clone()
        .unwrap_or_default();
    match webhook.connection_info.kind.as_str() {
        "" => errors.push(FieldError::required(&at("connectionInfo.type"), "")),
        "InClusterConfig" => {
            if webhook.connection_info.kube_config_file.is_some() {
                errors.push(FieldError::invalid(
                    &at("connectionInfo.kubeConfigFile"),
                    file.as_str(),
                    "can only be set when type=KubeConfigFile",
                ));
            } else {
                errors.push(FieldError::not_supported(
                    &at("connectionInfo.type"),
                    "InClusterConfig",
                    &["KubeConfigFile"],
                ));
            }
        }
        "KubeConfigFile" => {
            if file.is_empty() {
                errors.push(FieldError::required(
                    &at("connectionInfo.kubeConfigFile"),
                    "",
                ));
            } else if !file.starts_with('/') {
                errors.push(FieldError::invalid(
                    &at("connectionInfo.kubeConfigFile"),
                    file.as_str(),
                    "must be an absolute path",
                ));
            }
        }
        other => errors.push(FieldError::not_supported(
            &at("connectionInfo.type"),
            other,
            &["InClusterConfig", "KubeConfigFile"],
        )),
    }
    let sources: Vec<String> = webhook
        .match_conditions
        .iter()
        .map(|c| c.expression.clone())
        .collect();
    if let Err(mut found) = MatchConditions::compile(&sources, path) {
        errors.append(&mut found);
    }
    match (version, failure_policy) {
        (Some(version), Some(failure_policy)) if errors.is_empty() => Ok(WebhookSpec {
            name: name.to_string(),
            authorized_ttl: if webhook.cache_authorized_requests.unwrap_or(true) {
                authorized_ttl
            } else {
                Duration::ZERO
            },
            unauthorized_ttl: if webhook.cache_unauthorized_requests.unwrap_or(true) {
                unauthorized_ttl
            } else {
                Duration::ZERO
            },
            timeout,
            version,
            failure_policy,
            kubeconfig_file: file,
            match_conditions: sources,
        }),
        _ => Err(errors),
    }
}

/// kube-apiserver's legacy authorization flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyFlags {
    /// `--authorization-mode`, split on commas (empty: AlwaysAllow, kube-apiserver's default).
    pub modes: Vec<String>,
    /// `--authorization-webhook-config-file`.
    pub webhook_config_file: Option<String>,
    /// `--authorization-webhook-version` (default `v1beta1`).
    pub webhook_version: String,
    /// `--authorization-webhook-cache-authorized-ttl` (default 5m).
    pub authorized_ttl: Duration,
    /// `--authorization-webhook-cache-unauthorized-ttl` (default 30s).
    pub unauthorized_ttl: Duration,
}

impl Default for LegacyFlags {
    fn default() -> Self {
        Self {
            modes: Vec::new(),
            webhook_config_file: None,
            webhook_version: "v1beta1".to_string(),
            authorized_ttl: Duration::from_secs(300),
            unauthorized_ttl: Duration::from_secs(30),
        }
    }
}

/// The chain the legacy flags describe, checked as kube-apiserver's
/// `BuiltInAuthorizationOptions.Validate` (the webhook: 30 s timeout, failure = no opinion).
pub fn from_flags(flags: &LegacyFlags) -> Result<Vec<AuthorizerSpec>, ConfigError> {
    let modes: Vec<&str> = if flags.modes.is_empty() {
        vec!["AlwaysAllow"]
    } else {
        flags.modes.iter().map(String::as_str).collect()
    };
    let mut errors = Vec::new();
    for mode in &modes {
        if !KNOWN_TYPES.contains(mode) {
            errors.push(format!("authorization-mode {mode:?} is not a valid mode"));
        }
        if *mode == "ABAC" {
            errors.push("authorization-mode ABAC's authorization policy file not passed".into());
        }
        if *mode == "Webhook" && flags.webhook_config_file.is_none() {
            errors.push("authorization-mode Webhook's authorization config file not passed".into());
        }
    }
    if flags.webhook_config_file.is_some() && !modes.contains(&"Webhook") {
        errors
            .push("cannot specify --authorization-webhook-config-file without mode Webhook".into());
    }
    let mut distinct = modes.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() != modes.len() {
        errors.push(format!(
            "authorization-mode {} has mode specified more than once",
            kubeward_core::go::quote_slice(&flags.modes)
        ));
    }
    if !errors.is_empty() {
        return Err(ConfigError::Invalid(aggregate(errors)));
    }
    let version = Version::authorization(&flags.webhook_version)
        .map_err(|e| ConfigError::Invalid(e.to_string()))?;
    Ok(modes
        .iter()
        .map(|mode| match *mode {
            "Webhook" => AuthorizerSpec::Webhook(WebhookSpec {
                name: LEGACY_WEBHOOK_NAME.to_string(),
                authorized_ttl: flags.authorized_ttl,
                unauthorized_ttl: flags.unauthorized_ttl,
                timeout: Duration::from_secs(30),
                version,
                failure_policy: FailurePolicy::NoOpinion,
                kubeconfig_file: flags.webhook_config_file.clone().unwrap_or_default(),
                match_conditions: Vec::new(),
            }),
            other => builtin(other),
        })
        .collect())
}

#[cfg(test)]
mod tests;
