//! From verified claims to a user, as kube-apiserver's OIDC authenticator maps them:
//! username (claim + prefix, with the `email_verified` rule, or CEL), groups (a string or an
//! array, prefixed, or CEL), uid, extra, then the required claims, the claim validation
//! expressions and the user validation expressions. Errors are the reasons kube-apiserver logs.

use std::collections::BTreeMap;

use kube_cel::cel::Value;
use kubeward_core::UserInfo;
use serde_json::{Map, Value as Json};

use super::cel::{self, Expression};
use super::trace::{Check, Trace};
use super::validation::{ClaimRule, Compiled, Mapping};

/// Why verified claims do not make a user.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The reason, worded as kube-apiserver logs it (`oidc: email not verified`).
    #[error("{0}")]
    Rejected(String),
}

fn reject(message: String) -> ClaimsError {
    ClaimsError::Rejected(message)
}

/// Go's `json.Unmarshal` of a claim into a string: `null` is `""`.
fn as_string(value: &Json) -> Result<String, String> {
    match value {
        Json::String(s) => Ok(s.clone()),
        Json::Null => Ok(String::new()),
        other => Err(unmarshal_error(other, "string")),
    }
}

/// Go's `json: cannot unmarshal <kind> into Go value of type <ty>`.
pub(crate) fn unmarshal_error(value: &Json, ty: &str) -> String {
    let kind = match value {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    };
    format!("json: cannot unmarshal {kind} into Go value of type {ty}")
}

/// Maps `claims` (a verified payload) to the user, running every configured rule.
pub(crate) fn map_user(
    compiled: &Compiled,
    claims: &Map<String, Json>,
) -> Result<UserInfo, ClaimsError> {
    map_user_traced(compiled, claims, &mut ())
}

/// [`map_user`], reporting each mapping and rule to `trace` as it runs.
pub(crate) fn map_user_traced<T: Trace + ?Sized>(
    compiled: &Compiled,
    claims: &Map<String, Json>,
    trace: &mut T,
) -> Result<UserInfo, ClaimsError> {
    let uses_cel = matches!(compiled.username, Mapping::Expression(_))
        || matches!(compiled.groups, Mapping::Expression(_))
        || matches!(compiled.uid, Mapping::Expression(_))
        || !compiled.extra.is_empty()
        || compiled
            .claim_rules
            .iter()
            .any(|r| matches!(r, ClaimRule::Expression(..)));
    let cel_claims = if uses_cel {
        cel::to_cel(&Json::Object(claims.clone()))
    } else {
        Value::Null
    };

    trace.begin(Check::Username);
    let name = username(compiled, claims, &cel_claims)?;
    trace.passed(&|| format!("{name:?} ({})", describe(&compiled.username)));
    trace.begin(Check::Groups);
    let groups = groups(compiled, claims, &cel_claims)?;
    trace.passed(&|| format!("{groups:?} ({})", describe(&compiled.groups)));
    trace.begin(Check::Uid);
    let uid = uid(compiled, claims, &cel_claims)?;
    trace.passed(&|| format!("{uid:?} ({})", describe(&compiled.uid)));
    if !compiled.extra.is_empty() {
        trace.begin(Check::Extra);
    }
    let mut extra = BTreeMap::new();
    for (key, expression) in &compiled.extra {
        let result = expression.evaluate(&cel_claims).map_err(|e| {
            reject(format!(
                "oidc: error evaluating extra claim expression: expression '{}' resulted in error: {e}",
                expression.source()
            ))
        })?;
        let values = cel::string_list(&result).map_err(|e| {
            reject(format!(
                "oidc: error evaluating extra claim expression: {}: {e}",
                expression.source()
            ))
        })?;
        if !values.is_empty() {
            extra.insert(key.clone(), values);
        }
    }
    if !compiled.extra.is_empty() {
        trace.passed(&|| format!("{extra:?}"));
    }
    let required = compiled
        .claim_rules
        .iter()
        .filter(|r| matches!(r, ClaimRule::Required(..)))
        .count();
    if required > 0 {
        trace.begin(Check::RequiredClaims);
    }

    for rule in &compiled.claim_rules {
        if let ClaimRule::Required(claim, want) = rule {
            let Some(value) = claims.get(claim) else {
                return Err(reject(format!(
                    "oidc: required claim {claim} not present in ID token"
                )));
            };
            let got =
                as_string(value).map_err(|e| reject(format!("oidc: parse claim {claim}: {e}")))?;
            if &got != want {
                return Err(reject(format!(
                    "oidc: required claim {claim} value does not match. Got = {got}, want = {want}"
                )));
            }
        }
    }
    if required > 0 {
        trace.passed(&|| format!("{required} required claim(s) present with their values"));
    }
    let expressions = compiled.claim_rules.len() - required;
    if expressions > 0 {
        trace.begin(Check::ClaimValidation);
    }
    for rule in &compiled.claim_rules {
        if let ClaimRule::Expression(expression, message) = rule {
            check_rule(expression, message, &cel_claims).map_err(|e| {
                reject(format!(
                    "oidc: error evaluating claim validation expression: {e}"
                ))
            })?;
        }
    }

    if expressions > 0 {
        trace.passed(&|| format!("{expressions} expression(s) true"));
    }
    let user = UserInfo {
        name,
        uid,
        groups,
        extra,
    };
    if !compiled.user_rules.is_empty() {
        trace.begin(Check::UserValidation);
        let value = cel::to_cel(&serde_json::json!({
            "username": user.name,
            "uid": user.uid,
            "groups": user.groups,
            "extra": user.extra,
        }));
        for (expression, message) in &compiled.user_rules {
            check_rule(expression, message, &value).map_err(|e| {
                reject(format!(
                    "oidc: error evaluating user info validation rule: {e}"
                ))
            })?;
        }
        trace.passed(&|| format!("{} expression(s) true", compiled.user_rules.len()));
    }
    Ok(user)
}

/// How a mapping is configured, for an explanation.
fn describe(mapping: &Mapping) -> String {
    match mapping {
        Mapping::Claim(claim, prefix) if prefix.is_empty() => format!("claim {claim:?}"),
        Mapping::Claim(claim, prefix) => format!("claim {claim:?}, prefix {prefix:?}"),
        Mapping::Expression(expression) => format!("expression '{}'", expression.source()),
        Mapping::None => "not mapped".to_string(),
    }
}

fn check_rule(expression: &Expression, message: &str, value: &Value) -> Result<(), String> {
    match expression.evaluate(value) {
        Ok(Value::Bool(true)) => Ok(()),
        Ok(Value::Bool(false)) => Err(format!(
            "validation expression '{}' failed: {message}",
            expression.source()
        )),
        Ok(_) => Err("validation expression must return a boolean".into()),
        Err(e) => Err(format!(
            "expression '{}' resulted in error: {e}",
            expression.source()
        )),
    }
}

fn username(
    compiled: &Compiled,
    claims: &Map<String, Json>,
    cel_claims: &Value,
) -> Result<String, ClaimsError> {
    match &compiled.username {
        Mapping::Expression(expression) => {
            let context = "oidc: error evaluating username claim expression";
            match expression.evaluate(cel_claims) {
                Ok(Value::String(s)) => Ok(s.to_string()),
                Ok(_) => Err(reject(format!(
                    "{context}: username claim expression must return a string"
                ))),
                Err(e) => Err(reject(format!(
                    "{context}: expression '{}' resulted in error: {e}",
                    expression.source()
                ))),
            }
        }
        Mapping::Claim(claim, prefix) => {
            let value = claims
                .get(claim)
                .ok_or_else(|| "claim not present".to_string())
                .and_then(as_string)
                .map_err(|e| reject(format!("oidc: parse username claims {claim:?}: {e}")))?;
            if claim == "email"
                && let Some(verified) = claims.get("email_verified")
            {
                match verified {
                    Json::Bool(true) => {}
                    Json::Bool(false) | Json::Null => {
                        return Err(reject("oidc: email not verified".into()));
                    }
                    other => {
                        return Err(reject(format!(
                            "oidc: parse 'email_verified' claim: {}",
                            unmarshal_error(other, "bool")
                        )));
                    }
                }
            }
            Ok(format!("{prefix}{value}"))
        }
        Mapping::None => Ok(String::new()),
    }
}

fn groups(
    compiled: &Compiled,
    claims: &Map<String, Json>,
    cel_claims: &Value,
) -> Result<Vec<String>, ClaimsError> {
    match &compiled.groups {
        Mapping::Claim(claim, prefix) => {
            let Some(value) = claims.get(claim) else {
                return Ok(Vec::new());
            };
            let parse = |e: String| reject(format!("oidc: parse groups claim {claim:?}: {e}"));
            let groups = match value {
                Json::Array(items)
                    if items
                        .iter()
                        .all(|i| matches!(i, Json::String(_) | Json::Null)) =>
                {
                    items
                        .iter()
                        .map(|i| i.as_str().unwrap_or_default().to_string())
                        .collect()
                }
                Json::Null => Vec::new(),
                other => vec![as_string(other).map_err(parse)?],
            };
            Ok(groups.into_iter().map(|g| format!("{prefix}{g}")).collect())
        }
        Mapping::Expression(expression) => {
            let context = "oidc: error evaluating group claim expression";
            let result = expression.evaluate(cel_claims).map_err(|e| {
                reject(format!(
                    "{context}: expression '{}' resulted in error: {e}",
                    expression.source()
                ))
            })?;
            cel::string_list(&result).map_err(|e| reject(format!("{context}: {e}")))
        }
        Mapping::None => Ok(Vec::new()),
    }
}

fn uid(
    compiled: &Compiled,
    claims: &Map<String, Json>,
    cel_claims: &Value,
) -> Result<String, ClaimsError> {
    match &compiled.uid {
        Mapping::Claim(claim, _) => claims
            .get(claim)
            .ok_or_else(|| "claim not present".to_string())
            .and_then(as_string)
            .map_err(|e| reject(format!("oidc: parse uid claim {claim:?}: {e}"))),
        Mapping::Expression(expression) => {
            let context = "oidc: error evaluating uid claim expression";
            match expression.evaluate(cel_claims) {
                Ok(Value::String(s)) => Ok(s.to_string()),
                Ok(_) => Err(reject(format!(
                    "{context}: uid claim expression must return a string"
                ))),
                Err(e) => Err(reject(format!(
                    "{context}: expression '{}' resulted in error: {e}",
                    expression.source()
                ))),
            }
        }
        Mapping::None => Ok(String::new()),
    }
}

#[cfg(test)]
mod tests;
