//! Integration tests of `kubeward-rbac` (one test binary, as the workspace convention asks).

mod brute_force;
mod equivalence;
