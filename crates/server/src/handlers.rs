//! What answers a request once the filters let it through: `route` picks the handler by the
//! request info; the REST verbs on stored kinds (`rest`), watches (`watch`), the review APIs
//! (`reviews`), TokenRequest (`token_request`), discovery and the version and health paths
//! (`discovery`), OpenAPI (`openapi`); a gateway's forwarding to its upstream (`proxy`). Handlers are thin: read the request, call the registry,
//! answer.

pub mod context;
pub mod discovery;
pub mod openapi;
pub mod proxy;
pub mod rest;
pub mod reviews;
pub mod route;
pub mod token_request;
pub mod watch;
