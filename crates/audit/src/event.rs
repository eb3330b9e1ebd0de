//! The audit event (`audit.k8s.io/v1` Event): what kube-apiserver writes for one stage of one
//! request. The `encode` module writes it as kube-apiserver does, `decode`
//! reads it back from logs.

use std::collections::BTreeMap;
use std::time::SystemTime;

use kubeward_core::{Status, UserInfo};

use crate::level::{Level, Stage};

/// The header that carries a request's audit ID, in and out.
pub const AUDIT_ID_HEADER: &str = "Audit-Id";
/// The annotation with the authorizer's decision, `allow` or `forbid`.
pub const DECISION_ANNOTATION: &str = "authorization.k8s.io/decision";
/// The annotation with the authorizer's reason.
pub const REASON_ANNOTATION: &str = "authorization.k8s.io/reason";
/// The annotation that marks an event of kubeward's identity provider (a login, a token, an
/// admin change; its value is Keycloak's event type) written to the same log: not a request to
/// the API server.
pub const IDP_EVENT_ANNOTATION: &str = "idp.kubeward.io/event-type";

/// One audit event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The level the request is recorded at.
    pub level: Level,
    /// The request's ID (the `Audit-Id` header).
    pub audit_id: String,
    /// The stage this event was written at.
    pub stage: Stage,
    /// The request URI as the client sent it (path and query).
    pub request_uri: String,
    /// The Kubernetes verb (the lower-cased method for non-resource requests).
    pub verb: String,
    /// The authenticated user; the default value (written `{}`) when authentication failed.
    pub user: UserInfo,
    /// The user impersonated through `Impersonate-*` headers.
    pub impersonated_user: Option<UserInfo>,
    /// The verb of constrained impersonation, when that authorized the impersonation.
    pub impersonation_constraint: Option<String>,
    /// The client's address, after those named by `X-Forwarded-For` and `X-Real-Ip`.
    pub source_ips: Vec<String>,
    /// The `User-Agent` header (truncated past 1024 bytes).
    pub user_agent: String,
    /// The object of a resource request.
    pub object_ref: Option<ObjectReference>,
    /// The answer's status: its code, and for a `Status` answer its other fields.
    pub response_status: Option<Status>,
    /// The request body (level Request and above), compact JSON.
    pub request_object: Option<String>,
    /// The response body (level RequestResponse), compact JSON.
    pub response_object: Option<String>,
    /// When the request reached the server.
    pub request_received_timestamp: SystemTime,
    /// When this stage was reached.
    pub stage_timestamp: SystemTime,
    /// Annotations set along the request's way (authorization's decision and reason, …).
    pub annotations: BTreeMap<String, String>,
}

/// What a resource request is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectReference {
    /// The resource, e.g. `pods`.
    pub resource: String,
    /// The namespace.
    pub namespace: String,
    /// The object's name (from the path, a `metadata.name` field selector, or the created
    /// object).
    pub name: String,
    /// The object's uid (from the request body).
    pub uid: String,
    /// The API group; empty for the core group.
    pub api_group: String,
    /// The API version.
    pub api_version: String,
    /// The object's resourceVersion (from the request body).
    pub resource_version: String,
    /// The subresource, e.g. `log`.
    pub subresource: String,
}

impl Event {
    /// The user the request ran as: the impersonated user if any, else the authenticated one.
    pub fn effective_user(&self) -> &UserInfo {
        self.impersonated_user.as_ref().unwrap_or(&self.user)
    }

    /// The response code, when the event has one.
    pub fn code(&self) -> Option<u16> {
        self.response_status
            .as_ref()
            .map(|s| s.code)
            .filter(|c| *c != 0)
    }

    /// The authorizer's decision annotation (`allow` or `forbid`), if recorded.
    pub fn decision(&self) -> Option<&str> {
        self.annotations
            .get(DECISION_ANNOTATION)
            .map(String::as_str)
    }
}
