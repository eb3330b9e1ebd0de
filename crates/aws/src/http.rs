//! The local AWS's HTTP side (IAM, STS, EC2 and EKS): one route that takes AWS query API requests (form POSTs signed in
//! a header, or presigned GETs) and EKS's REST JSON requests, verifies their signature with
//! AWS's signer, finds the caller, runs the action and answers AWS's XML — or JSON, when STS is
//! asked for it, and for EKS.

use std::collections::HashMap;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::actions::{self, Caller, Params};
use crate::ec2;
use crate::eks::{self, Clusters};
use crate::error::AwsError;
use crate::sigv4::{self, Incoming};
use crate::state::{State, ids};
use crate::xml;

/// The router of the local IAM, STS, EC2 and EKS (all on one listener); EKS describes
/// `clusters`.
pub fn router(state: State, clusters: Clusters) -> axum::Router {
    axum::Router::new()
        .fallback(handle)
        .with_state(Shared { state, clusters })
}

/// What every request reads.
#[derive(Clone)]
struct Shared {
    state: State,
    clusters: Clusters,
}

/// One request, as received.
struct Received {
    method: Method,
    uri: Uri,
    headers: Vec<(String, String)>,
    body: Bytes,
}

async fn handle(
    Extract(shared): Extract<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received = Received {
        method,
        uri,
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    #[allow(clippy::disallowed_methods)] // The server layer reads the clock.
    let now = SystemTime::now();
    match tokio::task::spawn_blocking(move || answer(&shared, &received, now)).await {
        Ok(response) => response,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The parameters of the query string and, for a form POST, of the body.
fn parameters(received: &Received) -> HashMap<String, String> {
    let mut params: HashMap<String, String> =
        serde_urlencoded::from_str(received.uri.query().unwrap_or_default()).unwrap_or_default();
    let form = received
        .headers
        .iter()
        .any(|(n, v)| n == "content-type" && v.starts_with("application/x-www-form-urlencoded"));
    if form {
        let body: HashMap<String, String> =
            serde_urlencoded::from_bytes(&received.body).unwrap_or_default();
        params.extend(body);
    }
    params
}

fn answer(shared: &Shared, received: &Received, now: SystemTime) -> Response {
    let state = &shared.state;
    let request_id = ids::request_id();
    let params = parameters(received);
    let action = params.get("Action").cloned().unwrap_or_default();
    let host = received
        .headers
        .iter()
        .find(|(n, _)| n == "host")
        .map(|(_, v)| v.clone())
        .or_else(|| received.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let incoming = Incoming {
        method: received.method.as_str(),
        host: &host,
        path: received.uri.path(),
        query: received.uri.query().unwrap_or_default(),
        headers: &received.headers,
        body: &received.body,
    };
    let signature = sigv4::read_signature(&incoming);
    let region = match &signature {
        Ok(Some(s)) => s.region.clone(),
        _ => String::new(),
    };
    let service = match &signature {
        Ok(Some(s)) => s.service.clone(),
        _ if is_sts_action(&action) => "sts".into(),
        _ if action.ends_with("Instances") => "ec2".into(),
        _ => "iam".into(),
    };
    if service == "eks" {
        return eks_answer(shared, &incoming, signature, &region, now, request_id);
    }
    let json = service == "sts"
        && received
            .headers
            .iter()
            .any(|(n, v)| n == "accept" && v.contains("application/json"));
    let result = signature
        .and_then(|s| s.ok_or_else(AwsError::missing_authentication))
        .and_then(|signature| {
            let caller = authenticate(state, &incoming, &signature, now)?;
            if action.is_empty() {
                return Err(AwsError::sender(400, "MissingAction", "Missing Action"));
            }
            let params = Params(&params);
            let outcome = if service == "ec2" {
                ec2::run(state, &action, &params, &caller, &region, now)
            } else {
                actions::run(state, &service, &action, &params, &caller, now)
            };
            tracing::info!(
                %service,
                %action,
                caller = %caller.arn(state.account_id()),
                outcome = %outcome.as_ref().map_or_else(|e| e.code, |_| "ok"),
                "local AWS request"
            );
            outcome
        });
    let namespace = if service == "sts" {
        xml::STS_NS
    } else {
        xml::IAM_NS
    };
    let (status, body, content_type) = match result {
        Ok(answer) if service == "ec2" => (
            200,
            xml::ec2_response(&action, answer, &request_id),
            "text/xml;charset=UTF-8",
        ),
        Ok(answer) if json => (
            200,
            xml::json_response(&action, answer, &request_id),
            "application/json",
        ),
        Ok(answer) => (
            200,
            xml::response(&action, namespace, answer, &request_id),
            "text/xml",
        ),
        Err(error) => {
            if error.code != "InvalidAction" && error.status != 404 && error.status != 409 {
                tracing::info!(%service, %action, code = error.code, "local AWS request refused");
            }
            if service == "ec2" {
                (
                    error.status,
                    xml::ec2_error(&error, &request_id),
                    "text/xml;charset=UTF-8",
                )
            } else if json {
                (
                    error.status,
                    xml::json_error(&error, &request_id),
                    "application/json",
                )
            } else {
                (
                    error.status,
                    xml::error(&error, namespace, &request_id),
                    "text/xml",
                )
            }
        }
    };
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::HeaderName::from_static("x-amzn-requestid"),
                request_id,
            ),
        ],
        body,
    )
        .into_response()
}

/// An EKS request: its JSON answer, or EKS's error (the code in `x-amzn-ErrorType`).
fn eks_answer(
    shared: &Shared,
    incoming: &Incoming<'_>,
    signature: Result<Option<sigv4::Signature>, AwsError>,
    region: &str,
    now: SystemTime,
    request_id: String,
) -> Response {
    let state = &shared.state;
    let operation = eks::operation(incoming.method, incoming.path);
    let result = signature
        .and_then(|s| s.ok_or_else(AwsError::missing_authentication))
        .and_then(|signature| {
            let caller = authenticate(state, incoming, &signature, now)?;
            let outcome = eks::run(
                &shared.clusters,
                incoming.method,
                incoming.path,
                &caller,
                state.account_id(),
                region,
            );
            tracing::info!(
                service = "eks",
                action = operation,
                caller = %caller.arn(state.account_id()),
                outcome = %outcome.as_ref().map_or_else(|e| e.code, |_| "ok"),
                "local AWS request"
            );
            outcome
        });
    let (status, body, error_type) = match result {
        Ok(answer) => (200, answer.to_string(), None),
        Err(error) => (error.status, eks::error_body(&error), Some(error.code)),
    };
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::HeaderName::from_static("x-amzn-requestid"),
                request_id,
            ),
        ],
        body,
    )
        .into_response();
    if let Some(code) = error_type
        && let Ok(value) = header::HeaderValue::from_str(code)
    {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("x-amzn-errortype"), value);
    }
    response
}

fn is_sts_action(action: &str) -> bool {
    matches!(action, "GetCallerIdentity" | "AssumeRole")
}

/// Finds the key, checks the time and the signature, and names the caller.
fn authenticate(
    state: &State,
    incoming: &Incoming<'_>,
    signature: &sigv4::Signature,
    now: SystemTime,
) -> Result<Caller, AwsError> {
    if signature.access_key_id.starts_with("ASIA") {
        let session = state
            .session(&signature.access_key_id)?
            .ok_or_else(AwsError::invalid_client_token)?;
        sigv4::check_time(signature, now)?;
        sigv4::verify(
            incoming,
            signature,
            &session.secret_access_key,
            Some(&session.session_token),
        )?;
        let expired = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(true, |d| d.as_secs() >= session.expiration);
        if expired {
            return Err(AwsError::sender(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }
        let role = state
            .role(&session.role_name)?
            .ok_or_else(AwsError::invalid_client_token)?;
        return Ok(Caller::AssumedRole {
            role,
            session_name: session.session_name,
        });
    }
    let key = state
        .access_key(&signature.access_key_id)?
        .ok_or_else(AwsError::invalid_client_token)?;
    sigv4::check_time(signature, now)?;
    sigv4::verify(incoming, signature, &key.secret_access_key, None)?;
    if key.user_name.is_empty() {
        return Ok(Caller::Root);
    }
    let user = state
        .user(&key.user_name)?
        .ok_or_else(AwsError::invalid_client_token)?;
    Ok(Caller::User(user))
}
