//! The filters a request passes before its handler, each one job, in the order `pipeline`
//! runs them (kube-apiserver's `pkg/endpoints/filters`): authentication, request info, audit,
//! impersonation, authorization; `instrument` names the request for the metrics. A filter returns what the next one needs, or the `Status`
//! that ends the request.

pub mod audit;
pub mod authentication;
pub mod authorization;
pub mod impersonation;
pub mod instrument;
pub mod request_info;
