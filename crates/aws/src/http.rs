//! The local AWS's HTTP side: one route that takes AWS query API requests (form POSTs signed in
//! a header, or presigned GETs), verifies their signature with AWS's signer, finds the caller,
//! runs the action and answers AWS's XML — or JSON, when STS is asked for it.

use std::collections::HashMap;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::actions::{self, Caller, Params};
use crate::error::AwsError;
use crate::sigv4::{self, Incoming};
use crate::state::{State, ids};
use crate::xml;

/// The router of the local IAM and STS (both on one listener).
pub fn router(state: State) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(state)
}

/// One request, as received.
struct Received {
    method: Method,
    uri: Uri,
    headers: Vec<(String, String)>,
    body: Bytes,
}

async fn handle(
    Extract(state): Extract<State>,
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
    match tokio::task::spawn_blocking(move || answer(&state, &received, now)).await {
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

fn answer(state: &State, received: &Received, now: SystemTime) -> Response {
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
    let service = match &signature {
        Ok(Some(s)) => s.service.clone(),
        _ if is_sts_action(&action) => "sts".into(),
        _ => "iam".into(),
    };
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
            let outcome = actions::run(state, &service, &action, &Params(&params), &caller, now);
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
            if json {
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
