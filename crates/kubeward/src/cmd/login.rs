//! `kubeward login …`: the kubectl credential plugin (kubelogin's `get-token`, `setup`,
//! `logout`, `clean`), also installed as `kubectl-oidc_login`.

use std::process::ExitCode;

use clap::Args;

/// Arguments of `kubeward login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(subcommand)]
    command: kubeward_login::cli::LoginCommand,
}

/// Runs a login subcommand.
pub fn run(args: LoginArgs) -> anyhow::Result<ExitCode> {
    Ok(kubeward_login::cli::run(args.command))
}
