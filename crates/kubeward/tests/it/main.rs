//! End-to-end tests of the `kubeward` binary (one test binary for the crate).

mod api_verbs;
mod audit;
mod auth_explain;
mod bad_input;
mod console;
mod eks;
mod eks_iam;
mod first_steps;
mod hardening;
mod identities;
mod idp;
mod kubectl_versions;
mod login;
mod metrics;
mod oidc_issuer;
mod rbac_can_i;
mod rbac_from_audit;
mod rbac_toolbox;
mod rbac_who_can;
mod seed_001_oidc;
mod seed_002_x509;
mod seed_003_default_rbac;
mod seed_004_serviceaccount;
mod serve;
mod support;
mod up;
