//! End-to-end tests of the `kubeward` binary (one test binary for the crate).

mod rbac_can_i;
mod rbac_who_can;
mod support;
