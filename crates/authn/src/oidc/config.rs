//! The settings of JWT authenticators as kube-apiserver takes them: the `--oidc-*` flags
//! (converted to one authenticator, as kube-apiserver does since 1.30) and the
//! `AuthenticationConfiguration` file of `--authentication-config`
//! (`apiserver.config.k8s.io/v1beta1` and `v1`). Parsing only; the rules are checked in
//! `validation`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The API versions of `AuthenticationConfiguration` that are read.
pub const API_VERSIONS: [&str; 3] = [
    "apiserver.config.k8s.io/v1",
    "apiserver.config.k8s.io/v1beta1",
    "apiserver.config.k8s.io/v1alpha1",
];

/// The only audience match policy Kubernetes knows.
pub const MATCH_ANY: &str = "MatchAny";

/// Why the flags or the file cannot be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file is not YAML/JSON of the expected shape.
    #[error("failed to decode authentication config: {0}")]
    Decode(String),
    /// `apiVersion`/`kind` are not those of an `AuthenticationConfiguration`.
    #[error("{0}")]
    Kind(String),
    /// A flag combination kube-apiserver refuses.
    #[error("{0}")]
    Flags(String),
}

/// `AuthenticationConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthenticationConfiguration {
    /// `apiVersion`.
    #[serde(default)]
    pub api_version: String,
    /// `kind`.
    #[serde(default)]
    pub kind: String,
    /// `jwt`: the JWT authenticators, tried by the token's unverified `iss`.
    #[serde(default)]
    pub jwt: Vec<JwtAuthenticator>,
    /// `anonymous` (accepted and ignored: `--anonymous-auth` decides).
    #[serde(default)]
    pub anonymous: Option<serde_json::Value>,
}

/// One `jwt[i]` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JwtAuthenticator {
    /// `issuer`.
    pub issuer: Issuer,
    /// `claimValidationRules`.
    #[serde(default)]
    pub claim_validation_rules: Vec<ClaimValidationRule>,
    /// `claimMappings`.
    #[serde(default)]
    pub claim_mappings: ClaimMappings,
    /// `userValidationRules`.
    #[serde(default)]
    pub user_validation_rules: Vec<UserValidationRule>,
}

/// `jwt[i].issuer`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Issuer {
    /// `url`: must equal the tokens' `iss`.
    #[serde(default)]
    pub url: String,
    /// `discoveryURL`: where the discovery document is fetched instead of
    /// `{url}/.well-known/openid-configuration`.
    #[serde(default, rename = "discoveryURL")]
    pub discovery_url: String,
    /// `certificateAuthority`: PEM CA bundle trusted for discovery and JWKS.
    #[serde(default)]
    pub certificate_authority: String,
    /// `audiences`: a token's `aud` must contain one of them.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// `audienceMatchPolicy`: empty or `MatchAny`.
    #[serde(default)]
    pub audience_match_policy: String,
    /// `egressSelectorType` (only `controlplane`/`cluster`; no egress selector here).
    #[serde(default)]
    pub egress_selector_type: String,
}

/// `claimValidationRules[i]`: a claim with a required value, or a CEL expression.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimValidationRule {
    /// `claim`.
    #[serde(default)]
    pub claim: String,
    /// `requiredValue`.
    #[serde(default)]
    pub required_value: String,
    /// `expression` (CEL over `claims`, must return a bool).
    #[serde(default)]
    pub expression: String,
    /// `message`, logged when the expression is false.
    #[serde(default)]
    pub message: String,
}

/// `claimMappings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimMappings {
    /// `username` (required).
    #[serde(default)]
    pub username: PrefixedClaimOrExpression,
    /// `groups`.
    #[serde(default)]
    pub groups: PrefixedClaimOrExpression,
    /// `uid`.
    #[serde(default)]
    pub uid: ClaimOrExpression,
    /// `extra`.
    #[serde(default)]
    pub extra: Vec<ExtraMapping>,
}

/// A claim with a prefix, or a CEL expression.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrefixedClaimOrExpression {
    /// `claim`.
    #[serde(default)]
    pub claim: String,
    /// `prefix`; `None` when absent (required with `claim`; `""` disables prefixing).
    #[serde(default)]
    pub prefix: Option<String>,
    /// `expression`.
    #[serde(default)]
    pub expression: String,
}

/// A claim or a CEL expression.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimOrExpression {
    /// `claim`.
    #[serde(default)]
    pub claim: String,
    /// `expression`.
    #[serde(default)]
    pub expression: String,
}

/// `extra[i]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtraMapping {
    /// `key`: a domain-prefixed, lowercase path (`example.org/team`).
    #[serde(default)]
    pub key: String,
    /// `valueExpression`: CEL returning a string or a list of strings.
    #[serde(default)]
    pub value_expression: String,
}

/// `userValidationRules[i]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserValidationRule {
    /// `expression` (CEL over `user`, must return a bool).
    #[serde(default)]
    pub expression: String,
    /// `message`.
    #[serde(default)]
    pub message: String,
}

impl AuthenticationConfiguration {
    /// Reads the `--authentication-config` file (YAML or JSON). `apiVersion` must be one of
    /// [`API_VERSIONS`] and `kind` `AuthenticationConfiguration`; unknown fields are refused
    /// (kube-apiserver decodes strictly).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Self =
            serde_saphyr::from_str(text).map_err(|e| ConfigError::Decode(e.to_string()))?;
        if config.kind.is_empty() {
            return Err(ConfigError::Kind(
                "failed to decode authentication config: Object 'Kind' is missing".into(),
            ));
        }
        if !API_VERSIONS.contains(&config.api_version.as_str())
            || config.kind != "AuthenticationConfiguration"
        {
            return Err(ConfigError::Kind(format!(
                "failed to decode authentication config: no kind \"{}\" is registered for version \"{}\"",
                config.kind, config.api_version
            )));
        }
        Ok(config)
    }
}

/// The `--oidc-*` flags of kube-apiserver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OidcFlags {
    /// `--oidc-issuer-url`.
    pub issuer_url: String,
    /// `--oidc-client-id`.
    pub client_id: String,
    /// `--oidc-ca-file` contents (PEM).
    pub ca_pem: Option<String>,
    /// `--oidc-username-claim` (default `sub`).
    pub username_claim: Option<String>,
    /// `--oidc-username-prefix` (default `<issuer>#` unless the claim is `email`; `-` for none).
    pub username_prefix: Option<String>,
    /// `--oidc-groups-claim`.
    pub groups_claim: Option<String>,
    /// `--oidc-groups-prefix`.
    pub groups_prefix: Option<String>,
    /// `--oidc-required-claim key=value`, repeatable (in flag order).
    pub required_claims: Vec<(String, String)>,
    /// `--oidc-signing-algs` (default `RS256`).
    pub signing_algs: Vec<String>,
}

impl OidcFlags {
    /// Whether any `--oidc-*` flag was given.
    pub fn is_set(&self) -> bool {
        self != &Self::default()
    }

    /// The JWT authenticator these flags mean, as kube-apiserver builds it: the username
    /// prefix defaults to `<issuer>#` unless the claim is `email`, `-` means no prefix; the
    /// required claims become claim validation rules.
    pub fn to_authenticator(&self) -> Result<JwtAuthenticator, ConfigError> {
        if self.issuer_url.is_empty() || self.client_id.is_empty() {
            return Err(ConfigError::Flags(
                "oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set".into(),
            ));
        }
        let username_claim = self
            .username_claim
            .clone()
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "sub".into());
        let mut prefix = self.username_prefix.clone().unwrap_or_default();
        if prefix.is_empty() && username_claim != "email" {
            prefix = format!("{}#", self.issuer_url);
        }
        if prefix == "-" {
            prefix.clear();
        }
        let groups_claim = self.groups_claim.clone().unwrap_or_default();
        let groups = if groups_claim.is_empty() {
            PrefixedClaimOrExpression::default()
        } else {
            PrefixedClaimOrExpression {
                claim: groups_claim,
                prefix: Some(self.groups_prefix.clone().unwrap_or_default()),
                expression: String::new(),
            }
        };
        let mut rules: BTreeMap<&str, &str> = BTreeMap::new();
        for (claim, value) in &self.required_claims {
            rules.insert(claim, value);
        }
        Ok(JwtAuthenticator {
            issuer: Issuer {
                url: self.issuer_url.clone(),
                certificate_authority: self.ca_pem.clone().unwrap_or_default(),
                audiences: vec![self.client_id.clone()],
                ..Issuer::default()
            },
            claim_validation_rules: rules
                .into_iter()
                .map(|(claim, value)| ClaimValidationRule {
                    claim: claim.to_string(),
                    required_value: value.to_string(),
                    ..ClaimValidationRule::default()
                })
                .collect(),
            claim_mappings: ClaimMappings {
                username: PrefixedClaimOrExpression {
                    claim: username_claim,
                    prefix: Some(prefix),
                    expression: String::new(),
                },
                groups,
                ..ClaimMappings::default()
            },
            user_validation_rules: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests;
