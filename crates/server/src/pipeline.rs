//! One request, through kube-apiserver's filters in order: authentication → request info →
//! impersonation → authorization → handler.

use http::header::{ACCEPT, AUTHORIZATION, USER_AGENT};
use http::{Request, Response};
use hyper::body::Incoming;
use kubeward_authn::{Credentials, Outcome};
use kubeward_core::UserInfo;
use kubeward_core::attributes::Attributes;
use kubeward_core::request_info::RequestInfo;
use kubeward_core::status;
use kubeward_rbac::Decision;
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

use crate::config::AuthorizationMode;
use crate::registry::{self, Serving};
use crate::respond::{self, Body};
use crate::state::State;

/// What the server knows of a connection: the client certificates it presented.
#[derive(Debug, Default)]
pub struct Connection {
    /// DER certificates, leaf first; empty when none were presented.
    pub peer_certificates: Vec<Vec<u8>>,
}

impl Connection {
    /// Reads the peer chain off an accepted TLS stream.
    pub fn from_tls(tls: &TlsStream<TcpStream>) -> Self {
        let peer_certificates = tls
            .get_ref()
            .1
            .peer_certificates()
            .map(|chain| chain.iter().map(|c| c.as_ref().to_vec()).collect())
            .unwrap_or_default();
        Self { peer_certificates }
    }
}

/// What a handler gets: the request's parts, who asks, and what they ask for.
pub struct Context<'a> {
    /// The shared state.
    pub state: &'a State,
    /// Method, URI and headers.
    pub parts: http::request::Parts,
    /// The request info of the path.
    pub info: RequestInfo,
    /// The user the request runs as (after impersonation).
    pub user: UserInfo,
    /// Whether the client wants indented JSON (`?pretty`, or curl).
    pub pretty: bool,
}

impl Context<'_> {
    /// The `Accept` header, or `""`.
    pub fn accept(&self) -> &str {
        self.parts
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of query parameter `name`, if present.
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

/// Handles one request.
pub async fn handle(
    state: &State,
    connection: &Connection,
    request: Request<Incoming>,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let pretty = wants_pretty(&parts);

    let authorization = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let credentials = Credentials {
        peer_certificates: &connection.peer_certificates,
        authorization,
    };
    let mut outcome =
        state
            .authenticator
            .authenticate(&credentials, state, crate::clock::system_now());
    // An OIDC token signed with a key not seen yet: fetch its issuer's keys once (rate-limited)
    // and try again.
    if let (Outcome::Unauthorized(_), Some(fetcher), Some(token)) = (
        &outcome,
        &state.oidc_keys,
        authorization.and_then(kubeward_authn::bearer_token),
    ) && fetcher.refresh_for(token).await
    {
        outcome = state
            .authenticator
            .authenticate(&credentials, state, crate::clock::system_now());
    }
    let user = match outcome {
        Outcome::Authenticated(user) => user,
        Outcome::Unauthorized(reason) => {
            tracing::info!(path = parts.uri.path(), %reason, "Unable to authenticate the request");
            return refuse(body, &status::unauthorized(), pretty).await;
        }
    };

    let method = parts.method.as_str().to_string();
    let info = match RequestInfo::parse(&method, parts.uri.path(), parts.uri.query().unwrap_or(""))
    {
        Ok(info) => info,
        Err(error) => {
            return refuse(body, &status::bad_request(&error.to_string()), pretty).await;
        }
    };

    let user = match crate::impersonation::apply(state, &parts.headers, user) {
        Ok(user) => user,
        Err(denied) => return refuse(body, &denied, pretty).await,
    };

    let attributes = info.to_attributes(user.clone());
    if let Some(reason) = denial(state, &attributes) {
        tracing::debug!(user = %user.name, verb = %attributes.verb, "forbidden");
        return refuse(body, &status::forbidden(&attributes, &reason), pretty).await;
    }

    let context = Context {
        state,
        parts,
        info,
        user,
        pretty,
    };
    route(context, body).await
}

/// Answers a request refused before its handler, after reading what the client sends (bounded):
/// a response that leaves the request body unread makes HTTP/2 reset the stream, and some
/// clients (curl) report that reset as an error instead of the answer.
async fn refuse(body: Incoming, failure: &status::Status, pretty: bool) -> Response<Body> {
    let _ = crate::body::read(body).await;
    respond::status(failure, pretty)
}

/// The decision of kube-apiserver's union of authorizers: the `system:masters` group (allowed,
/// no reason), then the configured mode.
pub fn authorize(state: &State, attributes: &Attributes) -> Decision {
    if unconditionally_allowed(state, attributes) {
        return Decision::Allow {
            reason: String::new(),
        };
    }
    state.policy().authorize(attributes)
}

/// `system:masters` (and `--authorization-mode=AlwaysAllow`) are allowed before RBAC is asked.
fn unconditionally_allowed(state: &State, attributes: &Attributes) -> bool {
    state.config.authorization == AuthorizationMode::AlwaysAllow
        || attributes
            .user
            .groups
            .iter()
            .any(|g| g == kubeward_core::user::SYSTEM_PRIVILEGED_GROUP)
}

/// `None` when the request is allowed, else the authorizer's reason (possibly empty). The
/// reason is only built for a denial.
pub fn denial(state: &State, attributes: &Attributes) -> Option<String> {
    if allowed(state, attributes) {
        return None;
    }
    match authorize(state, attributes) {
        Decision::Allow { .. } => None,
        Decision::NoOpinion { reason } => Some(reason),
    }
}

/// Whether the request is allowed.
pub fn allowed(state: &State, attributes: &Attributes) -> bool {
    unconditionally_allowed(state, attributes) || state.policy().allows(attributes)
}

fn wants_pretty(parts: &http::request::Parts) -> bool {
    let query = parts.uri.query().unwrap_or("");
    if let Some((_, value)) = kubeward_core::request_info::parse_query(query)
        .into_iter()
        .find(|(k, _)| k == "pretty")
    {
        return value != "0" && value != "false";
    }
    let agent = parts
        .headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    agent.starts_with("curl/") || agent.starts_with("Wget/")
}

async fn route(context: Context<'_>, body: Incoming) -> Response<Body> {
    if !context.info.is_resource_request {
        return crate::discovery::non_resource(&context);
    }
    let info = &context.info;
    let Some(def) = registry::find(&info.api_group, &info.api_version, &info.resource) else {
        // A group version nobody serves has no handler at all (Go's plain 404); a served one
        // answers for its unknown resources with a Status.
        let served = registry::RESOURCES
            .iter()
            .any(|d| d.group == info.api_group && d.version == info.api_version);
        if !served {
            let _ = crate::body::read(body).await;
            return respond::page_not_found();
        }
        return refuse(body, &not_served(), context.pretty).await;
    };
    let result = match def.serving {
        Serving::Review => crate::reviews::handle(&context, def, body).await,
        Serving::Stored => dispatch_stored(&context, def, body).await,
    };
    match result {
        Ok(response) => response,
        Err(failure) => respond::status(&failure, context.pretty),
    }
}

async fn dispatch_stored(
    context: &Context<'_>,
    def: &'static registry::ResourceDef,
    body: Incoming,
) -> Result<Response<Body>, status::Status> {
    let info = &context.info;
    let verb = info.verb.as_str();
    match info.subresource.as_str() {
        "" | "status" => {}
        "token" if def.resource == "serviceaccounts" && verb == "create" => {
            return crate::token_request::create(context, body).await;
        }
        "approval" if def.resource == "certificatesigningrequests" => {}
        _ => return Err(not_served()),
    }
    if !info.subresource.is_empty() && !def.subresources.contains(&info.subresource.as_str()) {
        return Err(not_served());
    }
    match verb {
        "get" => crate::rest::get(context, def),
        "list" => crate::rest::list(context, def),
        "watch" => crate::rest::watch(context, def),
        "create" if info.subresource.is_empty() => crate::rest::create(context, def, body).await,
        "update" => crate::rest::update(context, def, body).await,
        "patch" => crate::rest::patch(context, def, body).await,
        "delete" if info.subresource.is_empty() => crate::rest::delete(context, def),
        "deletecollection" if info.subresource.is_empty() => {
            crate::rest::delete_collection(context, def)
        }
        other => Err(status::method_not_allowed(def.group, def.resource, other)),
    }
}

/// kube-apiserver's 404 for a resource it does not serve.
pub fn not_served() -> status::Status {
    status::Status::failure(
        404,
        "NotFound",
        "the server could not find the requested resource".to_string(),
        None,
    )
}
