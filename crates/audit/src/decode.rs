//! Reading audit logs back: the JSON log backend's lines (one event per line), `EventList`
//! documents as the webhook backend posts them, or events pretty-printed one after another.
//! Bad records are reported with their line and skipped; the rest is read.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use kubeward_core::status::{StatusCause, StatusDetails};
use kubeward_core::{Status, UserInfo};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::event::{Event, ObjectReference};
use crate::level::{Level, Stage};
use crate::timestamp;

/// What a log held.
#[derive(Debug, Default)]
pub struct Decoded {
    /// The events, in the order of the log.
    pub events: Vec<Event>,
    /// The records that could not be read.
    pub errors: Vec<DecodeError>,
}

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DecodeError {
    /// The line (from 1) where the record starts.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads every event of `text`.
pub fn read(text: &str) -> Decoded {
    let mut decoded = Decoded::default();
    let mut offset = 0;
    'documents: while offset < text.len() {
        let rest = &text[offset..];
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<WireEvent>();
        loop {
            let before = stream.byte_offset();
            let start = offset + before + leading_whitespace(&rest[before..]);
            match stream.next() {
                None => break 'documents,
                Some(Ok(document)) => document.collect(line_of(text, start), &mut decoded),
                Some(Err(error)) => {
                    let legacy = text[start..].starts_with(|c: char| c.is_ascii_digit());
                    decoded.errors.push(DecodeError {
                        line: line_of(text, start),
                        message: if legacy {
                            "not a JSON audit event (the legacy format cannot be read back; write the log with --audit-log-format=json)".to_string()
                        } else {
                            error.to_string()
                        },
                    });
                    // Go on after the bad record's line.
                    offset = match text[start..].find('\n') {
                        Some(newline) => start + newline + 1,
                        None => text.len(),
                    };
                    continue 'documents;
                }
            }
        }
    }
    decoded
}

fn leading_whitespace(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

impl WireEvent {
    /// An event, or the items of an `EventList`.
    fn collect(self, line: usize, decoded: &mut Decoded) {
        if !self.api_version.is_empty() && !self.api_version.starts_with("audit.k8s.io/") {
            decoded.errors.push(DecodeError {
                line,
                message: format!("not an audit event: apiVersion {:?}", self.api_version),
            });
            return;
        }
        let events = match self.kind.as_str() {
            "EventList" => self.items.unwrap_or_default(),
            "Event" | "" => vec![self],
            kind => {
                decoded.errors.push(DecodeError {
                    line,
                    message: format!("not an audit event: kind {kind:?}"),
                });
                return;
            }
        };
        for event in events {
            match event.into_event() {
                Ok(event) => decoded.events.push(event),
                Err(message) => decoded.errors.push(DecodeError { line, message }),
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WireEvent {
    kind: String,
    api_version: String,
    items: Option<Vec<WireEvent>>,
    level: String,
    #[serde(rename = "auditID")]
    audit_id: String,
    stage: String,
    #[serde(rename = "requestURI")]
    request_uri: String,
    verb: String,
    user: WireUser,
    impersonated_user: Option<WireUser>,
    authentication_metadata: Option<WireAuthenticationMetadata>,
    #[serde(rename = "sourceIPs")]
    source_ips: Vec<String>,
    user_agent: String,
    object_ref: Option<WireObjectReference>,
    response_status: Option<WireStatus>,
    request_object: Option<Box<RawValue>>,
    response_object: Option<Box<RawValue>>,
    request_received_timestamp: Option<String>,
    stage_timestamp: Option<String>,
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireUser {
    username: String,
    uid: String,
    groups: Vec<String>,
    extra: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WireAuthenticationMetadata {
    impersonation_constraint: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WireObjectReference {
    resource: String,
    namespace: String,
    name: String,
    uid: String,
    api_group: String,
    api_version: String,
    resource_version: String,
    subresource: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WireStatus {
    status: String,
    message: String,
    reason: String,
    details: Option<WireDetails>,
    code: u16,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WireDetails {
    name: String,
    group: String,
    kind: String,
    uid: String,
    causes: Vec<WireCause>,
    retry_after_seconds: i32,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireCause {
    reason: String,
    message: String,
    field: String,
}

impl From<WireStatus> for Status {
    fn from(s: WireStatus) -> Self {
        Status {
            status: s.status,
            message: s.message,
            reason: s.reason,
            details: s.details.map(|d| StatusDetails {
                name: d.name,
                group: d.group,
                kind: d.kind,
                uid: d.uid,
                causes: d
                    .causes
                    .into_iter()
                    .map(|c| StatusCause {
                        reason: c.reason,
                        message: c.message,
                        field: c.field,
                    })
                    .collect(),
                retry_after_seconds: d.retry_after_seconds,
            }),
            code: s.code,
            continue_token: String::new(),
        }
    }
}

/// A response body that is a `Status` (`"kind":"Status"`), read as the event records it; `None`
/// for any other body.
pub fn status(body: &[u8]) -> Option<Status> {
    #[derive(Deserialize)]
    struct Kind<'a> {
        #[serde(borrow, default)]
        kind: std::borrow::Cow<'a, str>,
    }
    let kind: Kind<'_> = serde_json::from_slice(body).ok()?;
    if kind.kind != "Status" {
        return None;
    }
    serde_json::from_slice::<WireStatus>(body)
        .ok()
        .map(Status::from)
}

impl From<WireUser> for UserInfo {
    fn from(user: WireUser) -> Self {
        UserInfo {
            name: user.username,
            uid: user.uid,
            groups: user.groups,
            extra: user.extra,
        }
    }
}

fn time(field: &str, value: Option<String>) -> Result<SystemTime, String> {
    match value {
        None => Ok(UNIX_EPOCH),
        Some(text) => {
            timestamp::parse(&text).ok_or_else(|| format!("{field}: invalid time {text:?}"))
        }
    }
}

impl WireEvent {
    fn into_event(self) -> Result<Event, String> {
        let level: Level = self
            .level
            .parse()
            .map_err(|()| format!("event {}: unknown level {:?}", self.audit_id, self.level))?;
        let stage: Stage = self
            .stage
            .parse()
            .map_err(|()| format!("event {}: unknown stage {:?}", self.audit_id, self.stage))?;
        Ok(Event {
            level,
            stage,
            request_received_timestamp: time(
                "requestReceivedTimestamp",
                self.request_received_timestamp,
            )?,
            stage_timestamp: time("stageTimestamp", self.stage_timestamp)?,
            audit_id: self.audit_id,
            request_uri: self.request_uri,
            verb: self.verb,
            user: self.user.into(),
            impersonated_user: self.impersonated_user.map(Into::into),
            impersonation_constraint: self
                .authentication_metadata
                .map(|m| m.impersonation_constraint),
            source_ips: self.source_ips,
            user_agent: self.user_agent,
            object_ref: self.object_ref.map(|o| ObjectReference {
                resource: o.resource,
                namespace: o.namespace,
                name: o.name,
                uid: o.uid,
                api_group: o.api_group,
                api_version: o.api_version,
                resource_version: o.resource_version,
                subresource: o.subresource,
            }),
            response_status: self.response_status.map(Status::from),
            request_object: self.request_object.map(|r| r.get().to_string()),
            response_object: self.response_object.map(|r| r.get().to_string()),
            annotations: self.annotations,
        })
    }
}

#[cfg(test)]
mod tests;
