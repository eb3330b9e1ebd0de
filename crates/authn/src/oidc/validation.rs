//! kube-apiserver's validation of JWT authenticators (`validation.go` of
//! `k8s.io/apiserver/pkg/apis/apiserver`), with its field paths and wording
//! (`jwt[0].issuer.url: Invalid value: "http://x": URL scheme must be https`); CEL is compiled
//! here, once.

use std::collections::HashSet;

use super::cel::{CelError, Environment, Expression};
use super::config::{
    AuthenticationConfiguration, JwtAuthenticator, MATCH_ANY, PrefixedClaimOrExpression,
};

/// One field error, as apimachinery's `field.Error` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field path (`jwt[0].issuer.url`).
    pub path: String,
    /// The body after the path (`Required value`, `Invalid value: "x": why`).
    pub body: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.body)
    }
}

/// The errors of a configuration, printed as apimachinery's aggregate: one error alone,
/// several as `[a, b]`.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// Field errors, in kube-apiserver's order.
    #[error("{}", aggregate(.0))]
    Fields(Vec<FieldError>),
}

fn aggregate(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => format!(
            "[{}]",
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Go's `%q` of a string.
fn quote(value: &str) -> String {
    kubeward_core::go::quote(value)
}

struct Errors {
    list: Vec<FieldError>,
}

impl Errors {
    fn required(&mut self, path: &str, detail: &str) {
        let body = if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        };
        self.push(path, body);
    }
    fn invalid(&mut self, path: &str, value: &str, detail: &str) {
        self.push(path, format!("Invalid value: {}: {detail}", quote(value)));
    }
    fn duplicate(&mut self, path: &str, value: &str) {
        self.push(path, format!("Duplicate value: {}", quote(value)));
    }
    fn cel(&mut self, path: &str, expression: &str, error: CelError) {
        self.invalid(path, expression, &error.to_string());
    }
    fn push(&mut self, path: &str, body: String) {
        self.list.push(FieldError {
            path: path.to_string(),
            body,
        });
    }
}

/// A prefixed claim or an expression, checked.
#[derive(Debug)]
pub(crate) enum Mapping {
    /// None configured.
    None,
    /// A claim and its prefix (`""` for none).
    Claim(String, String),
    /// A CEL expression over `claims`.
    Expression(Expression),
}

/// A claim validation rule, checked.
#[derive(Debug)]
pub(crate) enum ClaimRule {
    /// The claim must be a string equal to the value.
    Required(String, String),
    /// The expression must be true; the message explains a failure.
    Expression(Expression, String),
}

/// A JWT authenticator whose configuration passed validation, its CEL compiled.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) config: JwtAuthenticator,
    pub(crate) claim_rules: Vec<ClaimRule>,
    pub(crate) username: Mapping,
    pub(crate) groups: Mapping,
    pub(crate) uid: Mapping,
    pub(crate) extra: Vec<(String, Expression)>,
    pub(crate) user_rules: Vec<(Expression, String)>,
}

/// Validates a whole `AuthenticationConfiguration` (paths start at `jwt`). `disallowed`: the
/// ServiceAccount issuers, which a JWT authenticator may not claim.
pub(crate) fn validate_configuration(
    config: &AuthenticationConfiguration,
    disallowed: &[String],
) -> Result<Vec<Compiled>, ValidationError> {
    let mut errors = Errors { list: Vec::new() };
    if config.jwt.len() > 64 {
        errors.push(
            "jwt",
            format!("Too many: {}: must have at most 64 items", config.jwt.len()),
        );
        return Err(ValidationError::Fields(errors.list));
    }
    let mut compiled = Vec::new();
    let mut seen_issuers = HashSet::new();
    let mut seen_discovery = HashSet::new();
    for (index, jwt) in config.jwt.iter().enumerate() {
        let path = format!("jwt[{index}].");
        compiled.push(validate_into(jwt, &path, disallowed, &mut errors));
        if !seen_issuers.insert(jwt.issuer.url.as_str()) {
            errors.duplicate(&format!("{path}issuer.url"), &jwt.issuer.url);
        }
        if !jwt.issuer.discovery_url.is_empty()
            && !seen_discovery.insert(jwt.issuer.discovery_url.as_str())
        {
            errors.duplicate(
                &format!("{path}issuer.discoveryURL"),
                &jwt.issuer.discovery_url,
            );
        }
    }
    if errors.list.is_empty() {
        Ok(compiled.into_iter().flatten().collect())
    } else {
        Err(ValidationError::Fields(errors.list))
    }
}

/// Validates one authenticator built from the `--oidc-*` flags (paths without `jwt[i].`).
pub(crate) fn validate_authenticator(
    jwt: &JwtAuthenticator,
    disallowed: &[String],
) -> Result<Compiled, ValidationError> {
    let mut errors = Errors { list: Vec::new() };
    let compiled = validate_into(jwt, "", disallowed, &mut errors);
    match compiled {
        Some(compiled) if errors.list.is_empty() => Ok(compiled),
        _ => Err(ValidationError::Fields(errors.list)),
    }
}

fn validate_into(
    jwt: &JwtAuthenticator,
    path: &str,
    disallowed: &[String],
    errors: &mut Errors,
) -> Option<Compiled> {
    let before = errors.list.len();
    validate_issuer(jwt, path, disallowed, errors);
    let mut uses_email = false;
    let mut uses_email_verified = false;

    // claimValidationRules
    let mut claim_rules = Vec::new();
    let mut seen_claims = HashSet::new();
    let mut seen_expressions = HashSet::new();
    for (i, rule) in jwt.claim_validation_rules.iter().enumerate() {
        let p = format!("{path}claimValidationRules[{i}]");
        match (rule.claim.is_empty(), rule.expression.is_empty()) {
            (false, false) => {
                errors.invalid(&p, &rule.claim, "claim and expression can't both be set")
            }
            (true, true) => errors.required(&p, "claim or expression is required"),
            (false, true) => {
                if !rule.message.is_empty() {
                    errors.invalid(
                        &format!("{p}.message"),
                        &rule.message,
                        "may not be specified when claim is set",
                    );
                }
                if !seen_claims.insert(rule.claim.as_str()) {
                    errors.duplicate(&format!("{p}.claim"), &rule.claim);
                }
                claim_rules.push(ClaimRule::Required(
                    rule.claim.clone(),
                    rule.required_value.clone(),
                ));
            }
            (true, false) => {
                if !rule.required_value.is_empty() {
                    errors.invalid(
                        &format!("{p}.requiredValue"),
                        &rule.required_value,
                        "may not be specified when expression is set",
                    );
                }
                if !seen_expressions.insert(rule.expression.as_str()) {
                    errors.duplicate(&format!("{p}.expression"), &rule.expression);
                    continue;
                }
                match Expression::compile(&rule.expression, Environment::Claims) {
                    Ok(e) => {
                        uses_email_verified |= e.selects_claim("email_verified");
                        claim_rules.push(ClaimRule::Expression(e, rule.message.clone()));
                    }
                    Err(e) => errors.cel(&format!("{p}.expression"), &rule.expression, e),
                }
            }
        }
    }

    // claimMappings
    let m = &jwt.claim_mappings;
    let mp = format!("{path}claimMappings");
    let username = prefixed(&m.username, &format!("{mp}.username"), true, errors);
    if let Mapping::Expression(e) = &username {
        uses_email = e.selects_claim("email");
        uses_email_verified |= e.selects_claim("email_verified");
    }
    let groups = prefixed(&m.groups, &format!("{mp}.groups"), false, errors);
    let uid = match (m.uid.claim.is_empty(), m.uid.expression.is_empty()) {
        (false, false) => {
            errors.invalid(
                &format!("{mp}.uid"),
                "",
                "claim and expression can't both be set",
            );
            Mapping::None
        }
        (true, false) => match Expression::compile(&m.uid.expression, Environment::Claims) {
            Ok(e) => Mapping::Expression(e),
            Err(e) => {
                errors.cel(&format!("{mp}.uid.expression"), &m.uid.expression, e);
                Mapping::None
            }
        },
        (false, true) => Mapping::Claim(m.uid.claim.clone(), String::new()),
        (true, true) => Mapping::None,
    };
    let mut extra = Vec::new();
    let mut seen_keys = HashSet::new();
    for (i, mapping) in m.extra.iter().enumerate() {
        let p = format!("{mp}.extra[{i}]");
        let key_path = format!("{p}.key");
        domain_prefixed_path(&key_path, &mapping.key, errors);
        if mapping.key != mapping.key.to_lowercase() {
            errors.invalid(&key_path, &mapping.key, "must be lowercase");
        }
        if is_kubernetes_domain(&mapping.key) {
            errors.invalid(
                &key_path,
                &mapping.key,
                "k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use",
            );
        }
        if !seen_keys.insert(mapping.key.as_str()) {
            errors.duplicate(&key_path, &mapping.key);
            continue;
        }
        if mapping.value_expression.is_empty() {
            errors.required(&format!("{p}.valueExpression"), "");
            continue;
        }
        match Expression::compile(&mapping.value_expression, Environment::Claims) {
            Ok(e) => {
                uses_email_verified |= e.selects_claim("email_verified");
                extra.push((mapping.key.clone(), e));
            }
            Err(e) => errors.cel(
                &format!("{p}.valueExpression"),
                &mapping.value_expression,
                e,
            ),
        }
    }
    if uses_email && !uses_email_verified {
        errors.invalid(
            &format!("{mp}.username.expression"),
            &m.username.expression,
            "claims.email_verified must be used in claimMappings.username.expression or claimMappings.extra[*].valueExpression or claimValidationRules[*].expression when claims.email is used in claimMappings.username.expression",
        );
    }

    // userValidationRules
    let mut user_rules = Vec::new();
    let mut seen = HashSet::new();
    for (i, rule) in jwt.user_validation_rules.iter().enumerate() {
        let p = format!("{path}userValidationRules[{i}].expression");
        if rule.expression.is_empty() {
            errors.required(&p, "");
            continue;
        }
        if !seen.insert(rule.expression.as_str()) {
            errors.duplicate(&p, &rule.expression);
            continue;
        }
        match Expression::compile(&rule.expression, Environment::User) {
            Ok(e) => user_rules.push((e, rule.message.clone())),
            Err(e) => errors.cel(&p, &rule.expression, e),
        }
    }

    (errors.list.len() == before).then(|| Compiled {
        config: jwt.clone(),
        claim_rules,
        username,
        groups,
        uid,
        extra,
        user_rules,
    })
}

fn validate_issuer(jwt: &JwtAuthenticator, path: &str, disallowed: &[String], errors: &mut Errors) {
    let issuer = &jwt.issuer;
    let p = format!("{path}issuer");
    if issuer.url.is_empty() {
        errors.required(&format!("{p}.url"), "");
    } else {
        validate_url(&issuer.url, disallowed, &format!("{p}.url"), errors);
    }
    if !issuer.discovery_url.is_empty() {
        let dp = format!("{p}.discoveryURL");
        if !issuer.url.is_empty()
            && issuer.url.trim_end_matches('/') == issuer.discovery_url.trim_end_matches('/')
        {
            errors.invalid(
                &dp,
                &issuer.discovery_url,
                "discoveryURL must be different from URL",
            );
        }
        validate_url(&issuer.discovery_url, &[], &dp, errors);
    }
    let ap = format!("{p}.audiences");
    if issuer.audiences.is_empty() {
        errors.required(&ap, &format!("at least one {ap} is required"));
    } else {
        let mut seen = HashSet::new();
        for (i, audience) in issuer.audiences.iter().enumerate() {
            let ip = format!("{ap}[{i}]");
            if audience.is_empty() {
                errors.required(&ip, "");
            }
            if !seen.insert(audience.as_str()) {
                errors.duplicate(&ip, audience);
            }
        }
        let policy = &issuer.audience_match_policy;
        let pp = format!("{p}.audienceMatchPolicy");
        if issuer.audiences.len() > 1 && policy != MATCH_ANY {
            errors.invalid(
                &pp,
                policy,
                "audienceMatchPolicy must be MatchAny for multiple audiences",
            );
        }
        if issuer.audiences.len() == 1 && !policy.is_empty() && policy != MATCH_ANY {
            errors.invalid(
                &pp,
                policy,
                "audienceMatchPolicy must be empty or MatchAny for single audience",
            );
        }
    }
    if !issuer.certificate_authority.is_empty() {
        let blocks = kubeward_jose::pem::blocks(&issuer.certificate_authority);
        let certs = blocks.iter().filter(|(l, _)| l == "CERTIFICATE").count();
        if certs == 0 {
            errors.invalid(
                &format!("{p}.certificateAuthority"),
                "<omitted>",
                "data does not contain any valid RSA or ECDSA certificates",
            );
        }
    }
    if !issuer.egress_selector_type.is_empty() {
        errors.invalid(
            &format!("{p}.egressSelectorType"),
            &issuer.egress_selector_type,
            "egress selector is not supported when StructuredAuthenticationConfigurationEgressSelector feature gate is disabled",
        );
    }
}

fn validate_url(raw: &str, disallowed: &[String], path: &str, errors: &mut Errors) {
    if disallowed.iter().any(|d| d == raw) {
        let mut sorted = disallowed.to_vec();
        sorted.sort();
        errors.invalid(
            path,
            raw,
            &format!(
                "URL must not overlap with disallowed issuers: [{}]",
                sorted.join(" ")
            ),
        );
    }
    let Some(parts) = UrlParts::parse(raw) else {
        errors.invalid(path, raw, "URL scheme must be https");
        return;
    };
    if parts.scheme != "https" {
        errors.invalid(path, raw, "URL scheme must be https");
    }
    if parts.has_user {
        errors.invalid(path, raw, "URL must not contain a username or password");
    }
    if parts.has_query {
        errors.invalid(path, raw, "URL must not contain a query");
    }
    if parts.has_fragment {
        errors.invalid(path, raw, "URL must not contain a fragment");
    }
}

/// The parts of a URL that validation looks at, split as Go's `url.Parse` does.
struct UrlParts<'a> {
    scheme: &'a str,
    has_user: bool,
    has_query: bool,
    has_fragment: bool,
}

impl<'a> UrlParts<'a> {
    fn parse(raw: &'a str) -> Option<Self> {
        let (rest, fragment) = match raw.split_once('#') {
            Some((r, f)) => (r, !f.is_empty()),
            None => (raw, false),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, !q.is_empty()),
            None => (rest, false),
        };
        let (scheme, after) = match rest.split_once("://") {
            Some((s, a))
                if !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
            {
                (s, a)
            }
            _ => ("", rest),
        };
        let authority = after.split('/').next().unwrap_or_default();
        Some(Self {
            scheme,
            has_user: !scheme.is_empty() && authority.contains('@'),
            has_query: query,
            has_fragment: fragment,
        })
    }
}

fn prefixed(
    mapping: &PrefixedClaimOrExpression,
    path: &str,
    required: bool,
    errors: &mut Errors,
) -> Mapping {
    match (mapping.claim.is_empty(), mapping.expression.is_empty()) {
        (false, false) => {
            errors.invalid(path, "", "claim and expression can't both be set");
            Mapping::None
        }
        (true, true) => {
            if required {
                errors.required(path, "claim or expression is required");
            }
            Mapping::None
        }
        (true, false) => {
            if let Some(prefix) = &mapping.prefix {
                errors.invalid(
                    &format!("{path}.prefix"),
                    prefix,
                    "may not be specified when expression is set",
                );
            }
            match Expression::compile(&mapping.expression, Environment::Claims) {
                Ok(e) => Mapping::Expression(e),
                Err(e) => {
                    errors.cel(&format!("{path}.expression"), &mapping.expression, e);
                    Mapping::None
                }
            }
        }
        (false, true) => match &mapping.prefix {
            None => {
                errors.required(
                    &format!("{path}.prefix"),
                    "prefix is required when claim is set. It can be set to an empty string to disable prefixing",
                );
                Mapping::None
            }
            Some(prefix) => Mapping::Claim(mapping.claim.clone(), prefix.clone()),
        },
    }
}

/// apimachinery's `IsDomainPrefixedPath`.
fn domain_prefixed_path(path: &str, key: &str, errors: &mut Errors) {
    if key.is_empty() {
        errors.required(path, "");
        return;
    }
    let (host, rest) = match key.split_once('/') {
        Some((host, rest)) if !host.is_empty() && !rest.is_empty() => (host, rest),
        _ => {
            errors.invalid(
                path,
                key,
                "must be a domain-prefixed path (such as \"acme.io/foo\")",
            );
            return;
        }
    };
    if !is_dns1123_subdomain(host) {
        errors.invalid(
            path,
            host,
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        );
    }
    if !rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-._~%!$&'()*+,;=:".contains(c))
    {
        errors.invalid(
            path,
            rest,
            "Invalid path: must only contain characters that are allowed in a URL path",
        );
    }
}

fn is_dns1123_subdomain(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn is_kubernetes_domain(key: &str) -> bool {
    let Some((domain, _)) = key.split_once('/') else {
        return false;
    };
    domain == "kubernetes.io"
        || domain.ends_with(".kubernetes.io")
        || domain == "k8s.io"
        || domain.ends_with(".k8s.io")
}

#[cfg(test)]
mod tests;
