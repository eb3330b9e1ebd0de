//! `kubectl-oidc_login`: `kubectl oidc-login get-token …` as kubeconfigs written for kubelogin
//! call it; the same code as `kubeward login`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    kubeward_login::cli::main()
}
