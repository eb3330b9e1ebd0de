//! API Priority and Fairness's classification, as kube-apiserver's `util/flowcontrol` matches
//! a request: the FlowSchemas ordered by `matchingPrecedence` then name, the first whose rules
//! match the user (users, groups, ServiceAccounts, `*`) and the request (verbs, API groups,
//! `resource/subresource`, namespaces or cluster scope; non-resource URLs with `/prefix/*`)
//! classifies it, and its priority level's uid with its own go back to the client as the
//! `X-Kubernetes-PF-*` headers. Requests are not queued. Pure: the index is built from objects
//! by the `flow_schemas` controller.

use std::sync::Arc;

use kubeward_core::UserInfo;
use kubeward_core::request_info::RequestInfo;
use serde_json::Value;

/// The header with the uid of the FlowSchema that classified the request.
pub const FLOW_SCHEMA_UID_HEADER: &str = "x-kubernetes-pf-flowschema-uid";
/// The header with the uid of its PriorityLevelConfiguration.
pub const PRIORITY_LEVEL_UID_HEADER: &str = "x-kubernetes-pf-prioritylevel-uid";

/// The uids a request is classified with: its FlowSchema's and its priority level's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The FlowSchema's uid.
    pub flow_schema_uid: Arc<str>,
    /// The PriorityLevelConfiguration's uid.
    pub priority_level_uid: Arc<str>,
}

/// The FlowSchemas whose priority level exists, in matching order.
#[derive(Debug, Default)]
pub struct FlowSchemas {
    schemas: Vec<Schema>,
}

#[derive(Debug)]
struct Schema {
    classification: Classification,
    rules: Vec<Rule>,
}

/// One `PolicyRulesWithSubjects`, read once from its object.
#[derive(Debug)]
struct Rule {
    subjects: Vec<Subject>,
    resource_rules: Vec<ResourceRule>,
    non_resource_rules: Vec<NonResourceRule>,
}

#[derive(Debug)]
enum Subject {
    User(String),
    Group(String),
    ServiceAccount { namespace: String, name: String },
}

#[derive(Debug)]
struct ResourceRule {
    verbs: Vec<String>,
    api_groups: Vec<String>,
    resources: Vec<String>,
    namespaces: Vec<String>,
    cluster_scope: bool,
}

#[derive(Debug)]
struct NonResourceRule {
    verbs: Vec<String>,
    urls: Vec<String>,
}

fn strings(value: &Value, field: &str) -> Vec<String> {
    value
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn objects<'a>(value: &'a Value, field: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Whether `values` holds `wanted` or the wildcard `all`.
fn contains(values: &[String], wanted: &str, all: &str) -> bool {
    values.iter().any(|v| v == wanted || v == all)
}

impl FlowSchemas {
    /// The index of `schemas` (FlowSchema objects) over `levels` (PriorityLevelConfigurations);
    /// a schema whose level is missing classifies nothing.
    pub fn new(schemas: &[Value], levels: &[Value]) -> Self {
        let uid = |object: &Value| {
            object
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let name = |object: &Value| {
            object
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let mut ordered: Vec<(i64, String, Schema)> = schemas
            .iter()
            .filter_map(|schema| {
                let level_name = schema
                    .pointer("/spec/priorityLevelConfiguration/name")
                    .and_then(Value::as_str)?;
                let level = levels.iter().find(|l| name(l) == level_name)?;
                let precedence = schema
                    .pointer("/spec/matchingPrecedence")
                    .and_then(Value::as_i64)
                    .unwrap_or(1000);
                let rules = schema
                    .pointer("/spec/rules")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(Rule::read)
                    .collect();
                let classification = Classification {
                    flow_schema_uid: uid(schema).into(),
                    priority_level_uid: uid(level).into(),
                };
                Some((
                    precedence,
                    name(schema),
                    Schema {
                        classification,
                        rules,
                    },
                ))
            })
            .collect();
        ordered.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Self {
            schemas: ordered.into_iter().map(|(_, _, schema)| schema).collect(),
        }
    }

    /// The classification of `request` by `user`: the first schema with a matching rule.
    pub fn classify(&self, user: &UserInfo, request: &RequestInfo) -> Option<&Classification> {
        self.schemas
            .iter()
            .find(|schema| schema.rules.iter().any(|rule| rule.matches(user, request)))
            .map(|schema| &schema.classification)
    }
}

impl Rule {
    fn read(rule: &Value) -> Self {
        let text = |value: &Value, pointer: &str| {
            value
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let subjects = objects(rule, "subjects")
            .filter_map(|subject| match text(subject, "/kind").as_deref() {
                Some("User") => text(subject, "/user/name").map(Subject::User),
                Some("Group") => text(subject, "/group/name").map(Subject::Group),
                Some("ServiceAccount") => Some(Subject::ServiceAccount {
                    namespace: text(subject, "/serviceAccount/namespace")?,
                    name: text(subject, "/serviceAccount/name")?,
                }),
                _ => None,
            })
            .collect();
        let resource_rules = objects(rule, "resourceRules")
            .map(|r| ResourceRule {
                verbs: strings(r, "verbs"),
                api_groups: strings(r, "apiGroups"),
                resources: strings(r, "resources"),
                namespaces: strings(r, "namespaces"),
                cluster_scope: r.get("clusterScope").and_then(Value::as_bool) == Some(true),
            })
            .collect();
        let non_resource_rules = objects(rule, "nonResourceRules")
            .map(|r| NonResourceRule {
                verbs: strings(r, "verbs"),
                urls: strings(r, "nonResourceURLs"),
            })
            .collect();
        Self {
            subjects,
            resource_rules,
            non_resource_rules,
        }
    }

    fn matches(&self, user: &UserInfo, request: &RequestInfo) -> bool {
        if !self.subjects.iter().any(|s| s.matches(user)) {
            return false;
        }
        if request.is_resource_request {
            self.resource_rules.iter().any(|r| r.matches(request))
        } else {
            self.non_resource_rules.iter().any(|r| r.matches(request))
        }
    }
}

impl Subject {
    fn matches(&self, user: &UserInfo) -> bool {
        match self {
            Self::User(name) => name == "*" || *name == user.name,
            Self::Group(group) => group == "*" || user.groups.iter().any(|g| g == group),
            Self::ServiceAccount { namespace, name } => user
                .name
                .strip_prefix("system:serviceaccount:")
                .and_then(|rest| rest.strip_prefix(namespace.as_str()))
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|account| name == "*" || account == name),
        }
    }
}

impl ResourceRule {
    fn matches(&self, request: &RequestInfo) -> bool {
        let resource_matches = self.resources.iter().any(|r| {
            r == "*"
                || match request.subresource.as_str() {
                    "" => *r == request.resource,
                    sub => r
                        .strip_prefix(request.resource.as_str())
                        .and_then(|rest| rest.strip_prefix('/'))
                        .is_some_and(|rest| rest == sub),
                }
        });
        if !resource_matches
            || !contains(&self.verbs, &request.verb, "*")
            || !contains(&self.api_groups, &request.api_group, "*")
        {
            return false;
        }
        if request.namespace.is_empty() {
            return self.cluster_scope;
        }
        contains(&self.namespaces, &request.namespace, "*")
    }
}

impl NonResourceRule {
    fn matches(&self, request: &RequestInfo) -> bool {
        contains(&self.verbs, &request.verb, "*")
            && self.urls.iter().any(|url| {
                url == "*"
                    || *url == request.path
                    || url.strip_suffix('*').is_some_and(|prefix| {
                        prefix.ends_with('/') && request.path.starts_with(prefix)
                    })
            })
    }
}

#[cfg(test)]
mod tests;
