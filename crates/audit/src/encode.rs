//! Events written as kube-apiserver writes them: JSON byte for byte as Go's `encoding/json`
//! renders `audit.k8s.io/v1` Event (field order of the Go struct, empty optional fields left
//! out, `<`, `>`, `&` escaped, map keys sorted, timestamps as `MicroTime`), one event per line;
//! and the legacy one-line text (`audit.EventString`).

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::SystemTime;

use kubeward_core::go::{quote_into, write_json_string};
use kubeward_core::{Status, UserInfo};

use crate::event::{Event, ObjectReference};
use crate::level::{Level, Stage};
use crate::{source_ips, timestamp};

impl Event {
    /// The event as the JSON log backend writes it, with the trailing newline.
    pub fn to_json_line(&self) -> String {
        let mut out = String::with_capacity(768);
        self.write_json(&mut out);
        out.push('\n');
        out
    }

    /// Appends the event's compact JSON (no newline) to `out`.
    pub fn write_json(&self, out: &mut String) {
        write_head(out, self.level, &self.audit_id);
        write_stage(out, self.stage);
        write_request(out, &self.request_uri, &self.verb, &self.user);
        if let Some(user) = &self.impersonated_user {
            write_impersonated(out, user);
        }
        if let Some(constraint) = &self.impersonation_constraint {
            write_authentication_metadata(out, constraint);
        }
        write_client(out, &self.source_ips, &self.user_agent);
        write_answer(
            out,
            self.object_ref.as_ref(),
            self.response_status.as_ref(),
            self.request_object.as_deref(),
            self.response_object.as_deref(),
        );
        write_received(out, self.request_received_timestamp);
        write_stage_timestamp(out, self.stage_timestamp);
        write_annotations(
            out,
            self.annotations
                .iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        );
        out.push('}');
    }

    /// The legacy format's line (`audit.EventString`), without the newline. The timestamp is
    /// written in UTC (kube-apiserver writes the server's local time zone).
    pub fn legacy_line(&self) -> String {
        let mut out = String::with_capacity(384);
        timestamp::push_rfc3339_nano(&mut out, self.request_received_timestamp);
        out.push_str(" AUDIT: id=");
        quote_into(&mut out, &self.audit_id);
        out.push_str(" stage=");
        quote_into(&mut out, self.stage.as_str());
        out.push_str(" ip=");
        quote_into(
            &mut out,
            self.source_ips.first().map_or("<unknown>", String::as_str),
        );
        out.push_str(" method=");
        quote_into(&mut out, &self.verb);
        let (user, groups) = if self.user.name.is_empty() {
            ("<none>".to_string(), "<none>".to_string())
        } else if self.user.groups.is_empty() {
            (self.user.name.clone(), "<none>".to_string())
        } else {
            (self.user.name.clone(), quoted_list(&self.user.groups))
        };
        out.push_str(" user=");
        quote_into(&mut out, &user);
        out.push_str(" groups=");
        quote_into(&mut out, &groups);
        let (as_user, as_groups) = match &self.impersonated_user {
            None => ("<self>".to_string(), "<lookup>".to_string()),
            Some(u) if u.groups.is_empty() => (u.name.clone(), "<lookup>".to_string()),
            Some(u) => (u.name.clone(), quoted_list(&u.groups)),
        };
        out.push_str(" as=");
        quote_into(&mut out, &as_user);
        out.push_str(" asgroups=");
        quote_into(&mut out, &as_groups);
        out.push_str(" user-agent=");
        quote_into(&mut out, &self.user_agent);
        out.push_str(" namespace=");
        let namespace = self
            .object_ref
            .as_ref()
            .map(|o| o.namespace.as_str())
            .filter(|ns| !ns.is_empty())
            .unwrap_or("<none>");
        quote_into(&mut out, namespace);
        out.push_str(" uri=");
        quote_into(&mut out, &self.request_uri);
        match &self.response_status {
            Some(status) => {
                let _ = write!(out, " response=\"{}\"", status.code);
            }
            None => out.push_str(" response=\"<deferred>\""),
        }
        out
    }
}

/// `"a","b"`: each element `%q`-quoted, joined by commas (`auditStringSlice`).
fn quoted_list(items: &[String]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        quote_into(&mut out, item);
    }
    out
}

// The event's JSON, field by field in the Go struct's order: `Event::write_json` writes them
// all at once, the recorder writes the fields that never change once per request and the rest
// for each stage.

/// `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":…,"auditID":…,"stage":`
pub(crate) fn write_head(out: &mut String, level: Level, audit_id: &str) {
    out.push_str(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":""#);
    out.push_str(level.as_str());
    out.push_str(r#"","auditID":"#);
    write_json_string(out, audit_id);
    out.push_str(r#","stage":"#);
}

/// The stage's name, quoted (no name needs escaping).
pub(crate) fn write_stage(out: &mut String, stage: Stage) {
    out.push('"');
    out.push_str(stage.as_str());
    out.push('"');
}

/// `,"requestURI":…,"verb":…,"user":{…}`
pub(crate) fn write_request(out: &mut String, request_uri: &str, verb: &str, user: &UserInfo) {
    write_request_head(out, request_uri, verb);
    write_user(out, user);
}

/// `,"requestURI":…,"verb":…,"user":`, for the user's JSON to follow.
pub(crate) fn write_request_head(out: &mut String, request_uri: &str, verb: &str) {
    out.push_str(r#","requestURI":"#);
    write_json_string(out, request_uri);
    out.push_str(r#","verb":"#);
    write_json_string(out, verb);
    out.push_str(r#","user":"#);
}

/// `,"impersonatedUser":{…}`
pub(crate) fn write_impersonated(out: &mut String, user: &UserInfo) {
    out.push_str(r#","impersonatedUser":"#);
    write_user(out, user);
}

/// `,"authenticationMetadata":{"impersonationConstraint":…}`
pub(crate) fn write_authentication_metadata(out: &mut String, constraint: &str) {
    out.push_str(r#","authenticationMetadata":{"#);
    if !constraint.is_empty() {
        out.push_str(r#""impersonationConstraint":"#);
        write_json_string(out, constraint);
    }
    out.push('}');
}

/// `,"sourceIPs":[…],"userAgent":…`, each left out when empty.
pub(crate) fn write_client(out: &mut String, source_ips: &[String], user_agent: &str) {
    if !source_ips.is_empty() {
        out.push_str(r#","sourceIPs":"#);
        write_strings(out, source_ips);
    }
    write_user_agent(out, user_agent);
}

/// [`write_client`] of addresses, each as `net.IP.String()` writes it (no escaping needed).
pub(crate) fn write_client_addresses(out: &mut String, source_ips: &[IpAddr], user_agent: &str) {
    if !source_ips.is_empty() {
        out.push_str(r#","sourceIPs":["#);
        for (i, ip) in source_ips.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            source_ips::push_text(out, *ip);
            out.push('"');
        }
        out.push(']');
    }
    write_user_agent(out, user_agent);
}

/// `,"userAgent":…`, left out when empty.
fn write_user_agent(out: &mut String, user_agent: &str) {
    if !user_agent.is_empty() {
        out.push_str(r#","userAgent":"#);
        write_json_string(out, user_agent);
    }
}

/// `,"objectRef":{…},"responseStatus":{…},"requestObject":…,"responseObject":…`, each left
/// out when absent.
pub(crate) fn write_answer(
    out: &mut String,
    object_ref: Option<&ObjectReference>,
    response_status: Option<&Status>,
    request_object: Option<&str>,
    response_object: Option<&str>,
) {
    if let Some(object) = object_ref {
        out.push_str(r#","objectRef":"#);
        write_object_ref(out, object);
    }
    if let Some(status) = response_status {
        out.push_str(r#","responseStatus":"#);
        write_status(out, status);
    }
    if let Some(object) = request_object {
        out.push_str(r#","requestObject":"#);
        out.push_str(object);
    }
    if let Some(object) = response_object {
        out.push_str(r#","responseObject":"#);
        out.push_str(object);
    }
}

/// A `Status` as `Status::write_json` writes it; an answer that was not a `Status` (only its
/// code) as the constant text that is.
fn write_status(out: &mut String, status: &Status) {
    let code_only = status.status.is_empty()
        && status.message.is_empty()
        && status.reason.is_empty()
        && status.details.is_none()
        && status.continue_token.is_empty();
    if !code_only {
        status.write_json(out, false);
        return;
    }
    out.push_str(r#"{"metadata":{}"#);
    if status.code != 0 {
        out.push_str(r#","code":"#);
        let mut digits = [0u8; 5];
        let mut at = digits.len();
        let mut code = status.code;
        loop {
            at -= 1;
            digits[at] = b'0' + (code % 10) as u8;
            code /= 10;
            if code == 0 {
                break;
            }
        }
        // Only ASCII digits were written.
        out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
    }
    out.push('}');
}

/// `,"requestReceivedTimestamp":"…"`
pub(crate) fn write_received(out: &mut String, at: SystemTime) {
    out.push_str(r#","requestReceivedTimestamp":""#);
    timestamp::push_micro(out, at);
    out.push('"');
}

/// `,"stageTimestamp":"…"`
pub(crate) fn write_stage_timestamp(out: &mut String, at: SystemTime) {
    out.push_str(r#","stageTimestamp":""#);
    timestamp::push_micro(out, at);
    out.push('"');
}

/// `,"stageTimestamp":"…"`, given an earlier time and its text (`timestamp::push_micro_near`).
pub(crate) fn write_stage_timestamp_near(
    out: &mut String,
    at: SystemTime,
    known: (SystemTime, &str),
) {
    out.push_str(r#","stageTimestamp":""#);
    timestamp::push_micro_near(out, at, known);
    out.push('"');
}

/// `,"annotations":{…}` from entries sorted by key; nothing when there are none.
pub(crate) fn write_annotations<'a>(
    out: &mut String,
    annotations: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    let mut first = true;
    for (key, value) in annotations {
        out.push_str(if first { r#","annotations":{"# } else { "," });
        first = false;
        write_json_string(out, key);
        out.push(':');
        write_json_string(out, value);
    }
    if !first {
        out.push('}');
    }
}

fn write_strings(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_string(out, item);
    }
    out.push(']');
}

/// `authentication/v1` UserInfo: username, uid, groups, extra, each left out when empty.
pub(crate) fn write_user(out: &mut String, user: &UserInfo) {
    out.push('{');
    let mut first = true;
    let mut key = |out: &mut String, name: &str| {
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
    };
    if !user.name.is_empty() {
        key(out, "username");
        write_json_string(out, &user.name);
    }
    if !user.uid.is_empty() {
        key(out, "uid");
        write_json_string(out, &user.uid);
    }
    if !user.groups.is_empty() {
        key(out, "groups");
        write_strings(out, &user.groups);
    }
    if !user.extra.is_empty() {
        key(out, "extra");
        out.push('{');
        for (i, (name, values)) in user.extra.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_json_string(out, name);
            out.push(':');
            write_strings(out, values);
        }
        out.push('}');
    }
    out.push('}');
}

/// `{"resource":…}`: the reference's fields, each left out when empty.
pub(crate) fn write_object_ref(out: &mut String, object: &ObjectReference) {
    out.push('{');
    let fields = [
        ("resource", &object.resource),
        ("namespace", &object.namespace),
        ("name", &object.name),
        ("uid", &object.uid),
        ("apiGroup", &object.api_group),
        ("apiVersion", &object.api_version),
        ("resourceVersion", &object.resource_version),
        ("subresource", &object.subresource),
    ];
    let mut first = true;
    for (name, value) in fields {
        if value.is_empty() {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
        write_json_string(out, value);
    }
    out.push('}');
}

#[cfg(test)]
mod tests;
