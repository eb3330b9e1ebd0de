//! From audit events to the authorizer questions a subject's requests asked, exactly as the
//! authorizer saw them: the name of a created object (which the audit log records from the
//! body) is not part of the question, a list or watch is named only when the client sent a
//! `metadata.name` field selector, and the requests a subject made while impersonating another
//! user are the other user's, while the impersonation itself asks `impersonate` questions.

use std::collections::BTreeMap;
use std::fmt;

use kubeward_audit::{Event, Stage};
use kubeward_core::request_info::RequestInfo;
use kubeward_core::user::{
    ALL_AUTHENTICATED, service_account_groups, split_service_account_username,
};
use kubeward_core::{Attributes, UserInfo};

/// One authorizer question.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct UsedRequest {
    /// Whether it is about an API resource (else a non-resource path).
    pub resource_request: bool,
    /// The namespace; empty for cluster-scoped requests and lists across namespaces.
    pub namespace: String,
    /// The API group.
    pub api_group: String,
    /// The resource.
    pub resource: String,
    /// The subresource.
    pub subresource: String,
    /// The object name, when the authorizer was told one.
    pub name: String,
    /// The verb.
    pub verb: String,
    /// The path of a non-resource request.
    pub path: String,
}

impl UsedRequest {
    /// The question as the RBAC authorizer takes it, for `user`.
    pub fn attributes(&self, user: UserInfo) -> Attributes {
        if !self.resource_request {
            return Attributes::non_resource(user, &self.verb, &self.path);
        }
        Attributes::resource(
            user,
            &self.verb,
            &self.api_group,
            &self.resource,
            &self.namespace,
        )
        .with_subresource(&self.subresource)
        .with_name(&self.name)
    }

    /// `pods`, `deployments.apps`, `pods/log`: the resource as RBAC rules and kubectl write it.
    pub fn target(&self) -> String {
        if !self.resource_request {
            return self.path.clone();
        }
        let mut target = self.resource.clone();
        if !self.api_group.is_empty() {
            target.push('.');
            target.push_str(&self.api_group);
        }
        if !self.subresource.is_empty() {
            target.push('/');
            target.push_str(&self.subresource);
        }
        target
    }

    /// `pods` or `pods/log`, as a rule's `resources` entry.
    pub fn rule_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

impl fmt::Display for UsedRequest {
    /// `list pods in dev-team`, `get pods/log "web" in dev-team`, `get /healthz`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verb, self.target())?;
        if !self.name.is_empty() {
            write!(f, " {:?}", self.name)?;
        }
        if self.resource_request {
            if self.namespace.is_empty() {
                write!(f, " (cluster-wide)")?;
            } else {
                write!(f, " in {}", self.namespace)?;
            }
        }
        Ok(())
    }
}

/// How a request ended, from the authorizer's decision annotation, else its response code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The authorizer allowed it.
    Allowed,
    /// The authorizer refused it (403).
    Denied,
    /// The log does not say (an event of the `RequestReceived` stage only).
    Unknown,
}

/// The requests of one subject found in a log.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Each distinct question, with how often it was asked and how it ended.
    pub requests: BTreeMap<UsedRequest, Tally>,
    /// The subject's groups, as the most recent of its events shows them.
    pub groups: Vec<String>,
}

/// How often a question was asked, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// Allowed.
    pub allowed: usize,
    /// Denied.
    pub denied: usize,
    /// Unknown.
    pub unknown: usize,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Allowed => self.allowed += 1,
            Outcome::Denied => self.denied += 1,
            Outcome::Unknown => self.unknown += 1,
        }
    }

    /// Whether the question was ever allowed, or asked without a recorded outcome.
    pub fn ever_allowed(&self) -> bool {
        self.allowed > 0 || self.unknown > 0
    }
}

/// The last event of each request (by audit ID): the one that knows most.
fn final_events(events: &[Event]) -> Vec<&Event> {
    let rank = |stage: Stage| match stage {
        Stage::RequestReceived => 0,
        Stage::ResponseStarted => 1,
        Stage::Panic => 2,
        Stage::ResponseComplete => 3,
    };
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    let mut kept: Vec<&Event> = Vec::new();
    for event in events {
        if event.audit_id.is_empty() {
            kept.push(event);
            continue;
        }
        match by_id.get(event.audit_id.as_str()) {
            Some(&i) if rank(kept[i].stage) >= rank(event.stage) => {}
            Some(&i) => kept[i] = event,
            None => {
                by_id.insert(&event.audit_id, kept.len());
                kept.push(event);
            }
        }
    }
    kept
}

fn outcome(event: &Event) -> Outcome {
    match event.decision() {
        Some("allow") => Outcome::Allowed,
        Some(_) => Outcome::Denied,
        None => match event.code() {
            Some(403) => Outcome::Denied,
            Some(_) => Outcome::Allowed,
            None => Outcome::Unknown,
        },
    }
}

/// The question an event's request asked the authorizer.
pub fn request_of(event: &Event) -> UsedRequest {
    match &event.object_ref {
        Some(object) => {
            let name_honoured = !(event.verb == "create" && object.subresource.is_empty())
                && event.verb != "deletecollection";
            UsedRequest {
                resource_request: true,
                namespace: object.namespace.clone(),
                api_group: object.api_group.clone(),
                resource: object.resource.clone(),
                subresource: object.subresource.clone(),
                name: if name_honoured {
                    object.name.clone()
                } else {
                    String::new()
                },
                verb: event.verb.clone(),
                path: String::new(),
            }
        }
        None => {
            let (path, _) = event
                .request_uri
                .split_once('?')
                .unwrap_or((&event.request_uri, ""));
            let path = RequestInfo::parse("GET", path, "")
                .map_or_else(|_| path.to_string(), |info| info.path);
            UsedRequest {
                resource_request: false,
                verb: event.verb.clone(),
                path,
                ..UsedRequest::default()
            }
        }
    }
}

impl UsedRequest {
    fn impersonate(
        namespace: &str,
        group: &str,
        resource: &str,
        subresource: &str,
        name: &str,
    ) -> Self {
        Self {
            resource_request: true,
            namespace: namespace.to_string(),
            api_group: group.to_string(),
            resource: resource.to_string(),
            subresource: subresource.to_string(),
            name: name.to_string(),
            verb: "impersonate".to_string(),
            path: String::new(),
        }
    }
}

/// The `impersonate` questions kube-apiserver asked to let a request run as `user`: the user (a
/// ServiceAccount in its namespace), each group the client named, the uid, each extra value.
/// Groups the filter adds itself (a ServiceAccount's, `system:authenticated` at the end) were not
/// asked for.
pub fn impersonation_requests(user: &UserInfo) -> Vec<UsedRequest> {
    let mut requests = Vec::new();
    let mut groups: &[String] = &user.groups;
    if let Some(last) = groups.last()
        && last == ALL_AUTHENTICATED
    {
        groups = &groups[..groups.len() - 1];
    }
    match split_service_account_username(&user.name) {
        Some((namespace, name)) => {
            requests.push(UsedRequest::impersonate(
                namespace,
                "",
                "serviceaccounts",
                "",
                name,
            ));
            if groups == service_account_groups(namespace).as_slice() {
                groups = &[];
            }
        }
        None => requests.push(UsedRequest::impersonate("", "", "users", "", &user.name)),
    }
    for group in groups {
        requests.push(UsedRequest::impersonate("", "", "groups", "", group));
    }
    if !user.uid.is_empty() {
        requests.push(UsedRequest::impersonate(
            "",
            "authentication.k8s.io",
            "uids",
            "",
            &user.uid,
        ));
    }
    for (key, values) in &user.extra {
        for value in values {
            requests.push(UsedRequest::impersonate(
                "",
                "authentication.k8s.io",
                "userextras",
                key,
                value,
            ));
        }
    }
    requests
}

/// The questions `user` asked in `events` (in `namespace` only, if given).
pub fn find(events: &[Event], user: &str, namespace: Option<&str>) -> Found {
    let mut found = Found::default();
    let in_scope = |request: &UsedRequest| {
        namespace.is_none_or(|ns| request.resource_request && request.namespace == ns)
    };
    for event in final_events(events) {
        // The identity provider's events (logins, tokens) are no requests to the API server.
        if event
            .annotations
            .contains_key(kubeward_audit::IDP_EVENT_ANNOTATION)
        {
            continue;
        }
        let mut asked = Vec::new();
        if event.effective_user().name == user {
            found.groups = event.effective_user().groups.clone();
            asked.push((request_of(event), outcome(event)));
        }
        if let Some(impersonated) = &event.impersonated_user
            && event.user.name == user
        {
            found.groups = event.user.groups.clone();
            // The impersonated user is only recorded once the impersonation was allowed.
            asked.extend(
                impersonation_requests(impersonated)
                    .into_iter()
                    .map(|r| (r, Outcome::Allowed)),
            );
        }
        for (request, outcome) in asked {
            if in_scope(&request) {
                found.requests.entry(request).or_default().add(outcome);
            }
        }
    }
    found
}
