//! `POST /authenticate`: aws-iam-authenticator's webhook endpoint, so that a kube-apiserver
//! with `--authentication-token-webhook-config-file` pointing here accepts EKS-style IAM tokens
//! with kubeward's verification and mappings. Served only with `--aws-iam-cluster-id`, before
//! the filters (as aws-iam-authenticator serves it, without client authentication: the token in
//! the body is the credential it checks, and only IAM tokens are answered).
//!
//! The answers are aws-iam-authenticator's: 405 `expected POST` for another method, 400 for a
//! body that is not a TokenReview, 403 with the deny TokenReview when the token is refused
//! (the reason is logged, never the token), 200 with the user otherwise — name, uid, groups as
//! mapped (kube-apiserver adds `system:authenticated`), and the `arn`, `canonicalArn`,
//! `sessionName`, `accessKeyId` and `principalId` extras. The request's `apiVersion`
//! (`authentication.k8s.io/v1` or `v1beta1`) and `kind` are echoed back.

use http::request::Parts;
use http::{Method, Response};
use kubeward_authn::iam::{Check, FormatError, IamError};
use kubeward_core::UserInfo;
use serde_json::{Value, json};

use crate::codec::body::{self, RequestBody};
use crate::codec::respond::{self, Body};
use crate::iam_sts::IamVerifier;

/// The path aws-iam-authenticator serves.
pub const PATH: &str = "/authenticate";

/// The TokenReview versions a webhook client may send.
const VERSIONS: [&str; 2] = ["authentication.k8s.io/v1", "authentication.k8s.io/v1beta1"];

/// Answers one webhook request.
pub async fn serve(iam: &IamVerifier, parts: &Parts, request_body: RequestBody) -> Response<Body> {
    if parts.method != Method::POST {
        let _ = body::read(request_body).await;
        tracing::info!(method = %parts.method, "aws-iam webhook: unexpected request method");
        return respond::text(405, "expected POST\n");
    }
    let review = match body::read(request_body).await {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(Value::is_object),
        Err(_) => None,
    };
    let Some(review) = review else {
        tracing::info!("aws-iam webhook: could not parse request body");
        return respond::text(400, "expected a request body to be a TokenReview\n");
    };
    let token = review
        .pointer("/spec/token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let version = review
        .get("apiVersion")
        .and_then(Value::as_str)
        .filter(|v| VERSIONS.contains(v));
    let user = match iam.verify(token).await {
        None => Err(IamError::from(FormatError::Prefix).to_string()),
        Some(Err(error)) => Err(error.to_string()),
        Some(Ok(())) => match iam.iam().check(token, crate::clock::system_now()) {
            Ok(Check::Cached(user)) => Ok(user),
            Ok(Check::Call(_)) => Err(kubeward_authn::iam::NOT_VERIFIED.to_string()),
            Err(error) => Err(error.to_string()),
        },
    };
    match user {
        Ok(user) => {
            tracing::info!(username = %user.name, uid = %user.uid, groups = ?user.groups, "aws-iam webhook: access granted");
            answer(200, version, Some(&user))
        }
        Err(reason) => {
            tracing::info!(%reason, "aws-iam webhook: access denied");
            answer(403, version, None)
        }
    }
}

/// The TokenReview answered, fields in Go's order: aws-iam-authenticator's (Go's encoding of
/// an empty `metadata` and `spec`), `authenticated` and `user` only for a user.
fn answer(code: u16, version: Option<&str>, user: Option<&UserInfo>) -> Response<Body> {
    let mut text = String::from("{");
    if let Some(version) = version {
        text.push_str(&format!(
            r#""kind":"TokenReview","apiVersion":{},"#,
            json!(version)
        ));
    }
    text.push_str(r#""metadata":{"creationTimestamp":null},"spec":{},"status":"#);
    match user {
        Some(user) => {
            text.push_str(r#"{"authenticated":true,"user":"#);
            text.push_str(&user_json(user));
            // Go's json.Encoder ends the success with a newline; the deny body is json.Marshal's.
            text.push_str("}}\n");
        }
        None => text.push_str(r#"{"user":{}}}"#),
    }
    respond::with(code, "application/json; charset=UTF-8", respond::full(text))
}

/// A `UserInfo` as Go encodes it: username, uid, groups, extra, the empty ones left out.
fn user_json(user: &UserInfo) -> String {
    let mut fields = vec![format!(r#""username":{}"#, json!(user.name))];
    if !user.uid.is_empty() {
        fields.push(format!(r#""uid":{}"#, json!(user.uid)));
    }
    if !user.groups.is_empty() {
        fields.push(format!(r#""groups":{}"#, json!(user.groups)));
    }
    if !user.extra.is_empty() {
        fields.push(format!(r#""extra":{}"#, json!(user.extra)));
    }
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
mod tests;
