//! The request as handlers see it once the filters have run: its parts, what it asks for, who
//! asks, and how the answer is wanted.

use std::sync::Arc;

use http::header::ACCEPT;
use kubeward_core::UserInfo;
use kubeward_core::request_info::RequestInfo;
use kubeward_core::status::{self, Status};

use crate::auditing::Record;
use crate::state::State;

/// What a handler gets.
pub struct Context<'a> {
    /// The shared state.
    pub state: &'a Arc<State>,
    /// Method, URI and headers.
    pub parts: &'a http::request::Parts,
    /// The request info of the path.
    pub info: RequestInfo,
    /// The user the request runs as (after impersonation).
    pub user: UserInfo,
    /// Whether the client wants indented JSON (`?pretty`, or curl).
    pub pretty: bool,
    /// The request's audit record, when the policy audits it.
    pub audit: Option<&'a Record>,
    /// The connection upgrade the client asked for (exec, attach, port-forward), if any.
    pub upgrade: Option<hyper::upgrade::OnUpgrade>,
}

impl Context<'_> {
    /// The shared state, to move into a task or a blocking thread.
    pub fn state_handle(&self) -> Arc<State> {
        Arc::clone(self.state)
    }

    /// The `Accept` header, or `""`.
    pub fn accept(&self) -> &str {
        self.parts
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Records the decoded request object in the audit record, if any.
    pub fn audit_request_object(&self, object: &serde_json::Value) {
        if let Some(record) = self.audit {
            record.request_object(object);
        }
    }

    /// The first value of query parameter `name`, if present.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.parts.uri.query().unwrap_or("");
        kubeward_core::request_info::parse_query(query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Whether the request is a dry run (`?dryRun=All`).
    pub fn dry_run(&self) -> bool {
        self.query("dryRun").is_some_and(|v| v == "All")
    }
}

/// kube-apiserver's 404 for a resource it does not serve.
pub fn not_served() -> Status {
    Status::failure(
        404,
        "NotFound",
        "the server could not find the requested resource".to_string(),
        None,
    )
}

/// kube-apiserver's 405 for a verb a kind does not take.
pub fn not_allowed(group: &str, resource: &str, verb: &str) -> Status {
    status::method_not_allowed(group, resource, verb)
}
