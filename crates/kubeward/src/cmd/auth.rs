//! `kubeward auth`: questions about authentication. `explain` answers "why was I rejected?" for
//! a token, walking the API server's authenticators step by step.

mod cluster;
mod credential;
mod explain;
mod iam;
mod report;
mod review;

use std::process::ExitCode;

use clap::{Args, Subcommand};

/// `kubeward auth` subcommands.
#[derive(Debug, Args)]
pub struct AuthArgs {
    #[command(subcommand)]
    command: AuthCommand,
}

#[derive(Debug, Subcommand)]
enum AuthCommand {
    /// Explain how the API server authenticates a token (OIDC, ServiceAccount, static or EKS-style
    /// IAM), step by step, and optionally what RBAC answers for the resulting user.
    Explain(Box<explain::ExplainArgs>),
}

/// Runs `kubeward auth …`.
pub fn run(args: AuthArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        AuthCommand::Explain(args) => explain::run(*args),
    }
}
