//! What answers a request once the filters let it through: `route` picks the handler by the
//! request info; the REST verbs on stored kinds (`rest`), watches (`watch`), the review APIs
//! (`reviews`), TokenRequest (`token_request`), `pods/binding` (`binding`), the proxy to
//! kubelets for `pods/log|exec|attach|portforward` (`kubelet_proxy`), discovery and the version
//! path (`discovery`), the health checks (`health`), the metrics (`metrics`), OpenAPI
//! (`openapi`); and aws-iam-authenticator's webhook (`iam_webhook`), which the pipeline hands
//! `POST /authenticate` before the filters; a gateway's forwarding to its upstream (`proxy`) and
//! its own health endpoints for probes (`gateway_health`, also before the filters).
//! Handlers are thin: read the request, call the registry, answer.

pub mod binding;
pub mod context;
pub mod discovery;
pub mod gateway_health;
pub mod health;
pub mod iam_webhook;
pub mod kubelet_proxy;
pub mod metrics;
pub mod openapi;
pub mod proxy;
pub mod rest;
pub mod reviews;
pub mod route;
pub mod scale;
pub mod token_request;
pub mod watch;
